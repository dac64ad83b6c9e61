"""Where the shipped cell model errs: per-film false and missed cells under the cells stage's protocol (5 film
folds x seeds 0-4), from /tmp/s5cells.npz (session5/collect.py).
    python research/issue16/session6/errors.py"""
import sys; sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/research/issue16/session5')
from collections import Counter
import numpy as np
sys.argv = sys.argv[:1]
import probe  # noqa: E402  (the shipped variant's features)
from stages.realfilms.cellmodel import choose_and_fit, logistic

data = {n: (probe.features(n, 'library'), probe.stored[f'{n}/y']) for n in probe.names}
fp, fn, tp = Counter(), Counter(), Counter()
for seed in range(5):
    order = np.random.default_rng(seed).permutation(probe.names)
    for k in range(5):
        fold = sorted(order[k::5])
        model, c, t = choose_and_fit(data, [n for n in probe.names if n not in fold], [0.1, 1.0, 10.0], seed, logistic)
        for n in fold:
            p = model.predict_proba(data[n][0])[:, 1] > t
            y = data[n][1]
            fp[n] += int((p & ~y).sum()); fn[n] += int((~p & y).sum()); tp[n] += int((p & y).sum())
for n in probe.names:
    w = bool(probe.stored[f'{n}/whole_film'])
    print(f'{n:9s} cells {len(data[n][1]):3d} defect {int(data[n][1].sum()):3d}  tp {tp[n]/5:5.1f} fp {fp[n]/5:5.1f} '
          f'fn {fn[n]/5:5.1f} {"whole film" if w else ""}')
print('total fp', sum(fp.values()) / 5, 'fn', sum(fn.values()) / 5, 'tp', sum(tp.values()) / 5)
