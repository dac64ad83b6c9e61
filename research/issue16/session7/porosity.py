"""Which defect cells the shipped cell model misses, by the table's class (the cells stage's protocol: 5 film folds x
seeds 0-4), and the missed porosity cells against the found ones, the clean cells and the false alarms (medians of
the cell features, seed 0). Reads /tmp/s5cells.npz (research/issue16/session5/collect.py); figures only.
    python research/issue16/session7/porosity.py"""
import sys; sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/research/issue16/session5')
from collections import Counter
import numpy as np
sys.argv = sys.argv[:1]
import probe  # noqa: E402  (the shipped variant's features)
from riawelc.inspect.cells import CELL_FEATURES

data = {n: (probe.features(n, 'library'), probe.stored[f'{n}/y']) for n in probe.names}
missed, total = Counter(), Counter()
groups = {'missed porosity': [], 'found porosity': [], 'clean': [], 'false alarm': []}
for seed in range(5):
    for n, p, y in probe.cv_predictions(data, seed):
        X, cl = data[n][0], probe.stored[f'{n}/classes']
        for i in range(len(y)):
            if y[i]:
                total[cl[i]] += 1; missed[cl[i]] += int(not p[i])
            if seed:
                continue
            if cl[i] == 'porosity':
                groups['missed porosity' if not p[i] else 'found porosity'].append((n, X[i]))
            elif not y[i]:
                groups['false alarm' if p[i] else 'clean'].append((n, X[i]))
for c in sorted(total, key=lambda c: -total[c]):
    print(f'{c:40s} cells {total[c] / 5:5.1f} missed {missed[c] / 5:5.1f}')
for name in ('hat15_max', 'hat25_max', 'hat41_max', 'hat15_max_minus_film_median', 'peak_hat_small_max',
             'likely_candidates', 'probability_max'):
    j = CELL_FEATURES.index(name)
    print(f'{name:30s}', '  '.join(f'{g}: {np.median([x[j] for _, x in v]):6.2f}' for g, v in groups.items()))
print({g: len(v) for g, v in groups.items()})
print('missed porosity by film', dict(Counter(str(n) for n, _ in groups['missed porosity'])))
