"""Where the shipped cell model errs: per-film false and missed cells under the cells stage's protocol (5 film
folds x seeds 0-4), from /tmp/s5cells.npz (session5/collect.py).
    python research/issue16/session6/errors.py"""
import sys; sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/research/issue16/session5')
from collections import Counter
import numpy as np
sys.argv = sys.argv[:1]
import probe  # noqa: E402  (the shipped variant's features)

data = {n: (probe.features(n, 'library'), probe.stored[f'{n}/y']) for n in probe.names}
fp, fn, tp = Counter(), Counter(), Counter()
for seed in range(5):
    for n, p, y in probe.cv_predictions(data, seed):
        fp[n] += int((p & ~y).sum()); fn[n] += int((~p & y).sum()); tp[n] += int((p & y).sum())
for n in probe.names:
    w = bool(probe.stored[f'{n}/whole_film'])
    print(f'{n:9s} cells {len(data[n][1]):3d} defect {int(data[n][1].sum()):3d}  tp {tp[n]/5:5.1f} fp {fp[n]/5:5.1f} '
          f'fn {fn[n]/5:5.1f} {"whole film" if w else ""}')
print('total fp', sum(fp.values()) / 5, 'fn', sum(fn.values()) / 5, 'tp', sum(tp.values()) / 5)
