import sys; sys.argv = ['x', 'lr1', 'all']
exec(open('cellmodel.py').read().split('runs = []')[0])
from collections import defaultdict
err = defaultdict(lambda: np.zeros(4, int))
for seed in range(5):
    order = np.random.default_rng(seed).permutation(names)
    folds = [sorted(order[k::5]) for k in range(5)]
    for fold in folds:
        train = [n for n in names if n not in fold]
        t = choose_threshold(train, seed); m = fit(train)
        for n in fold:
            p = m.predict_proba(X[n])[:, 1] > t; y = Y[n]
            err[n] += [int((p & y).sum()), int((p & ~y).sum()), int((~p & y).sum()), int((~p & ~y).sum())]
for n in names:
    tp, fp, fn, tn = err[n] / 5
    cls = {}
    for k in D[n]['classes']:
        for c in k: cls[c] = cls.get(c, 0) + 1
    print(f'{n:10s} tp {tp:4.1f} fp {fp:4.1f} fn {fn:4.1f} tn {tn:4.1f}  {cls}  {D[n]["note"][:30]}')
