"""Which defect cells the shipped cell model misses, by the table's class (cells stage protocol: 5 film folds x seeds 0-4;
/tmp/s5cells.npz from research/issue16/session5/collect.py). Figures only.
    python research/issue16/session7/cellmisses.py"""
import sys; sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/research/issue16/session5')
from collections import Counter
import numpy as np
sys.argv = sys.argv[:1]
import probe
from stages.realfilms.cellmodel import choose_and_fit, logistic
data = {n: (probe.features(n, 'library'), probe.stored[f'{n}/y']) for n in probe.names}
missed, found, total = Counter(), Counter(), Counter()
for seed in range(5):
    order = np.random.default_rng(seed).permutation(probe.names)
    for k in range(5):
        fold = sorted(order[k::5])
        model, c, t = choose_and_fit(data, [n for n in probe.names if n not in fold], [0.1, 1.0, 10.0], seed, logistic)
        for n in fold:
            p = model.predict_proba(data[n][0])[:, 1] > t
            y = data[n][1]; cl = probe.stored[f'{n}/classes']
            for i in np.flatnonzero(y):
                (found if p[i] else missed)[cl[i]] += 1; total[cl[i]] += 1
for c in sorted(total, key=lambda c: -total[c]):
    print(f'{c:40s} cells {total[c]/5:5.1f} missed {missed[c]/5:5.1f}')
