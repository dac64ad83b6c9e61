"""A learned pixel delineator inside the kept candidates: per-pixel gradient boosting on multi-scale top-hat
features relative to the candidate's own peak, trained on the training films' true-touching candidates (ROI =
dilation of the candidate by R px), the candidates kept by the shipped rule (extent, threshold by cross-fit).
Its probability threshold is chosen by cross-fit between the two training films."""
from common import *
from functools import lru_cache
from sklearn.ensemble import HistGradientBoostingClassifier
import sys
R = int(sys.argv[1]) if len(sys.argv) > 1 else 6
MODE = sys.argv[2] if len(sys.argv) > 2 else 'rel'
TAU = [0.3, 0.4, 0.5, 0.6, 0.7]

@lru_cache(maxsize=None)
def maps(name):
    f = films[name][0]
    out = [black_tophat(f, 41, 1.0), black_tophat(f, 25, 1.0), black_tophat(f, 15, 1.0), black_tophat(f, 61, 1.0),
           black_tophat(f, 41, 2.0), black_tophat(f, 41, 0.0)]
    sm = cv2.GaussianBlur(f, (0, 0), 1.0).astype(np.float32)
    out.append(cv2.medianBlur(f, 31).astype(np.float32) - sm)
    gx, gy = cv2.Sobel(sm, cv2.CV_32F, 1, 0), cv2.Sobel(sm, cv2.CV_32F, 0, 1)
    out.append(np.hypot(gx, gy))
    return np.stack(out, -1)

def roi_features(name, e, keep):
    c = CANDS[e][name]
    kept = np.isin(c.labels, np.flatnonzero(keep) + 1)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * R + 1, 2 * R + 1))
    roi = cv2.dilate(kept.astype(np.uint8), k) > 0
    # owner of each roi pixel: nearest kept component (by dilating labels)
    lab = np.where(kept, c.labels, 0).astype(np.float32)
    own = cv2.dilate(lab, k)  # max label nearby (approximation of the owner)
    dist = cv2.distanceTransform((~kept).astype(np.uint8), cv2.DIST_L2, 3)
    ys, xs = np.nonzero(roi)
    M = maps(name)[ys, xs]
    o = own[ys, xs].astype(int)
    peak = np.concatenate([[1.0], c.features[:, 1]])[o]
    area = np.concatenate([[1.0], c.features[:, 0]])[o]
    feats = [M, dist[ys, xs, None], peak[:, None], np.log(area)[:, None]]
    if MODE == 'rel':
        feats.append(M[:, :6] / np.maximum(peak[:, None], 1.0))
    return ys, xs, np.concatenate(feats, 1)

def train(names, e, keeps):
    X, Y, W = [], [], []
    for n in names:
        ys, xs, f = roi_features(n, e, keeps[n])
        y = films[n][1][ys, xs] > 0
        w = np.where(y, 0.5 / max(y.sum(), 1), 0.5 / max((~y).sum(), 1))
        X.append(f); Y.append(y); W.append(w)
    X, Y, W = np.concatenate(X), np.concatenate(Y), np.concatenate(W)
    return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, max_leaf_nodes=31, random_state=0).fit(X, Y, sample_weight=W * len(W))

def predict(model, name, e, keep):
    ys, xs, f = roi_features(name, e, keep)
    p = np.zeros(films[name][1].shape, np.float32)
    if len(ys):
        p[ys, xs] = model.predict_proba(f)[:, 1]
    return p

rows = {}
for h in NAMES:
    key, _ = choose(h)
    e, t, _ = key
    a, b = [o for o in NAMES if o != h]
    # training keeps: candidates touching the truth (what a perfect rejector keeps)
    true_keep = {n: CANDS[e][n].touching(films[n][1]) for n in (a, b)}
    # cross-fit: delineator trained on a, scored on b's candidates kept by a's rejector, and vice versa
    grid = {tau: [] for tau in TAU}
    for x, y in ((a, b), (b, a)):
        model = train([y], e, true_keep)
        keep = SINGLE[(e, x, y)] > t
        p = predict(model, x, e, keep)
        for tau in TAU:
            grid[tau].append(dice(p > tau, films[x][1]))
    base_cf = np.mean([dice(CANDS[e][x].mask(SINGLE[(e, x, y)] > t) > 0, films[x][1]) for x, y in ((a, b), (b, a))])
    tau = max(TAU, key=lambda k: (np.mean(grid[k]), k))
    model = train([a, b], e, true_keep)
    keep = BAG[(e, h)] > t
    p = predict(model, h, e, keep)
    s = mask_scores(p > tau, films[h][1])
    s0 = mask_scores(CANDS[e][h].mask(keep), films[h][1])
    rows[h] = {**{k: s[k] for k in ('dice', 'found', 'components', 'false_components', 'predicted_px', 'true_px', 'intersection_px')}, 'tau': tau, 'crossfit': round(np.mean(grid[tau]), 4), 'crossfit_shipped': round(base_cf, 4), 'shipped': s0['dice']}
    print(h, 'extent', e, 't', t, 'tau', tau, 'cf', {k: round(np.mean(v), 3) for k, v in grid.items()}, 'cf shipped', round(base_cf, 3), '-> Dice', s['dice'], 'shipped', s0['dice'], flush=True)
mean = np.mean([r['dice'] for r in rows.values()])
print(f'pixel delineator R={R} {MODE}: mean Dice {mean:.4f}')
with open('/work/probe18/variants.jsonl', 'a') as fh:
    fh.write(json.dumps({'variant': f'pixel delineator R={R} {MODE}', 'mean_dice': round(mean, 4), 'per_film': rows}, default=str) + '\n')
