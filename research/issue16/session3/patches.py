"""Patch classifier from the detector's outputs on each 227-px window (film CV folds of the realfilms manifest; the
classical arm's protocol: fold k scored, k+1 monitor (unused), the other K-2 train; HistGradientBoosting balanced)."""
import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import numpy as np, pandas as pd, cv2
from sklearn.ensemble import HistGradientBoostingClassifier
from riawelc.constants import CLASS_INDEX, CLASSES
from riawelc.inspect.candidates import COMPONENT_FEATURES as CF
from riawelc.inspect.detector import Detector
from riawelc.metrics.classification import fold_scores, spread
from riawelc.data.manifests import read_manifest
m = read_manifest('realfilms/out/split/manifest.csv')
dets = {n: Detector.load(f'realfilms/out/masked/detector-{n}.json') for n in ('RRT-12R', 'RRT-22R')}
final = Detector.load('realfilms/out/masked/detector-all.json')
I = {f: CF.index(f) for f in CF}
def feats(img, det):
    d = det.detect(img)
    f, p = d.candidates.features, d.probability
    out = [len(p)]
    for t in (0.5, det.threshold):
        k = p > t
        out += [k.sum(), f[k, 0].sum() if k.any() else 0]
    if len(p):
        j = int(np.argmax(p)); big = int(np.argmax(np.where(p > 0.5, f[:, 0], -1)))
        out += [p.max(), np.sort(p)[-3:].mean(), f[:, I['peak_hat']].max(), f[:, I['peak_hat_small']].max()]
        out += list(f[j]) + list(f[big])
        out += [((p > 0.5) & (f[:, I['elongation']] > 3)).sum(), ((p > 0.5) & (f[:, I['elongation']] <= 2)).sum()]
    else:
        out += [0, 0, 0, 0] + [0] * (2 * len(CF)) + [0, 0]
    return np.array(out, float)
X = np.stack([feats(cv2.imread(str(p), 0), dets.get(r, final)) for p, r in zip(m['path'], m['radiograph'])])
y = m['label'].map(CLASS_INDEX).to_numpy()
cl = np.load('realfilms/out/features/films.npz'); ctab = dict(zip(cl['paths'].tolist(), cl['features']))
XC = np.stack([ctab[p] for p in m['path']])
K = 5
for name, XX in (('detector', X), ('detector+classical', np.concatenate([X, XC], 1)), ('classical', XC)):
    runs, pooled_t, pooled_p = [], [], []
    for k in range(K):
        mon = (k + 1) % K
        tr = ~m['fold'].isin([k, mon]).to_numpy(); te = (m['fold'] == k).to_numpy()
        model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, class_weight='balanced', random_state=42)
        model.fit(XX[tr], y[tr])
        pr = np.zeros((te.sum(), len(CLASSES))); pr[:, model.classes_] = model.predict_proba(XX[te])
        pred = pr.argmax(1)
        runs.append(fold_scores(y[te], pred)); pooled_t.append(y[te]); pooled_p.append(pred)
    s = spread([r['macro_f1'] for r in runs])
    print(f'{name:20s} macro-F1 {s["mean"]:.3f} ± {s["std"]:.3f} (folds {[round(r["macro_f1"],3) for r in runs]}), pooled macro-F1 {fold_scores(np.concatenate(pooled_t), np.concatenate(pooled_p))["macro_f1"]:.3f}')
