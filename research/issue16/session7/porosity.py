"""The missed porosity cells against the found ones, the clean cells and the false alarms: medians of the cell
features (seed 0 of the cells stage protocol; /tmp/s5cells.npz). Figures only.
    python research/issue16/session7/porosity.py"""
import sys; sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/research/issue16/session5')
import numpy as np
sys.argv = sys.argv[:1]
import probe
from riawelc.inspect.cells import CELL_FEATURES
from stages.realfilms.cellmodel import choose_and_fit, logistic
data = {n: (probe.features(n, 'library'), probe.stored[f'{n}/y']) for n in probe.names}
groups = {'missed porosity': [], 'found porosity': [], 'clean': [], 'false alarm': []}
seed = 0
order = np.random.default_rng(seed).permutation(probe.names)
for k in range(5):
    fold = sorted(order[k::5])
    model, c, t = choose_and_fit(data, [n for n in probe.names if n not in fold], [0.1, 1.0, 10.0], seed, logistic)
    for n in fold:
        X, y = data[n]; p = model.predict_proba(X)[:, 1] > t; cl = probe.stored[f'{n}/classes']
        for i in range(len(y)):
            if cl[i] == 'porosity':
                groups['missed porosity' if not p[i] else 'found porosity'].append((n, X[i]))
            elif not y[i]:
                groups['false alarm' if p[i] else 'clean'].append((n, X[i]))
for name in ('hat15_max', 'hat25_max', 'hat41_max', 'hat15_max_minus_film_median', 'peak_hat_small_max', 'likely_candidates', 'probability_max'):
    j = CELL_FEATURES.index(name)
    print(f'{name:30s}', '  '.join(f'{g}: {np.median([x[j] for _, x in v]):6.2f}' for g, v in groups.items()))
from collections import Counter
print({g: len(v) for g, v in groups.items()})
print('missed porosity by film', Counter(n for n, _ in groups['missed porosity']))
