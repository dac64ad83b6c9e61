"""Step 3b: per-pixel gradient boosting on a few local features, leave-one-film-out, combined with the seed rule.

Features (grain-sigma units): black top-hats (sigma-1 smoothing) of closing 15/25/41/61, the 41-px top-hat smoothed
(sigma 3), 7x7 and 15x15 maxima of the 25-px top-hat, darkness against a 31-px median background, gradient
magnitude, distance to the nearest seed pixel (41-px top-hat > 16), clipped at 30 px.
Only pixels near some darkness (15x15 max of the 25-px top-hat > 4, the ROI) are classified; the rest are 0.
For test film F: the model is trained on the other two films (each film weighted equally); its threshold, min area
and seed level (a predicted component must hold a pixel of the 41-px top-hat above it, or none) are chosen by
cross-fitting between those two films (train on one, predict the other, mean Dice), never on F.
"""
import itertools
import sys
import time

import cv2
import numpy as np
from scipy import ndimage
from sklearn.ensemble import HistGradientBoostingClassifier

from common import NAMES, load_masked, log_variant, scores, show, tophat

RNG = np.random.default_rng(0)
THRESH = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
AREAS = [12, 30, 60]
SEEDS = [None, 12, 16, 20]


def features(film):
    hats = {s: tophat(film, s) for s in (15, 25, 41, 61)}
    sm = cv2.GaussianBlur(film, (0, 0), 1).astype(np.float32)
    dark = (cv2.medianBlur(film, 31).astype(np.float32) - sm) / 0.5
    gx, gy = cv2.Sobel(sm, cv2.CV_32F, 1, 0), cv2.Sobel(sm, cv2.CV_32F, 0, 1)
    seed = (hats[41] > 16).astype(np.uint8)
    dist = np.minimum(cv2.distanceTransform(1 - seed, cv2.DIST_L2, 3), 30) if seed.any() else np.full(film.shape, 30, np.float32)
    m7 = cv2.dilate(hats[25], np.ones((7, 7), np.uint8))
    m15 = cv2.dilate(hats[25], np.ones((15, 15), np.uint8))
    feats = [hats[15], hats[25], hats[41], hats[61], cv2.GaussianBlur(hats[41], (0, 0), 3), m7, m15, dark,
             np.hypot(gx, gy), dist]
    roi = m15 > 4
    return np.stack([f[roi] for f in feats], 1).astype(np.float32), roi, hats[41]


def sample(X, y, n_pos=40000, n_neg=80000):
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    pos = RNG.choice(pos, min(n_pos, pos.size), replace=False)
    neg = RNG.choice(neg, min(n_neg, neg.size), replace=False)
    idx = np.r_[pos, neg]
    # reweight to the film's true class ratio inside the ROI, then to equal total weight per film
    w = np.r_[np.full(pos.size, y.sum() / pos.size), np.full(neg.size, (~y).sum() / neg.size)]
    return X[idx], y[idx], w / w.sum()


def fit(parts):
    X = np.concatenate([p[0] for p in parts]); y = np.concatenate([p[1] for p in parts])
    w = np.concatenate([p[2] for p in parts])
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=100,
                                           random_state=0)
    model.fit(X, y, sample_weight=w * len(y))
    return model


def prob_map(model, F):
    X, roi, _ = F
    p = np.zeros(roi.shape, np.float32)
    p[roi] = model.predict_proba(X)[:, 1]
    return p


def post(p, hat41, t, amin, seed):
    n, lab, st, _ = cv2.connectedComponentsWithStats((p > t).astype(np.uint8), connectivity=8)
    keep = st[:, cv2.CC_STAT_AREA] >= amin
    if seed is not None and n > 1:
        peak = np.zeros(n); peak[1:] = ndimage.maximum(hat41, lab, np.arange(1, n))
        keep &= peak > seed
    keep[0] = False
    return keep[lab]


def dice(a, b):
    return 2 * (a & b).sum() / max(a.sum() + b.sum(), 1)


def main():
    t0 = time.time()
    films = load_masked()
    F = {n: features(films[n][0]) for n in NAMES}
    Y = {n: films[n][1][F[n][1]] for n in NAMES}
    S = {n: sample(F[n][0], Y[n]) for n in NAMES}
    for n in NAMES:
        print(f"{n}: ROI {F[n][1].mean():.3f} of pixels, holds {Y[n].sum() / films[n][1].sum():.3f} of mask pixels", flush=True)
    per_film, chosen = {}, {}
    for name in NAMES:
        a, b = [o for o in NAMES if o != name]
        # cross-fit on the two training films to choose threshold / min area / seed level
        cross = {a: prob_map(fit([S[b]]), F[a]), b: prob_map(fit([S[a]]), F[b])}
        grid = list(itertools.product(THRESH, AREAS, SEEDS))
        val = {g: np.mean([dice(post(cross[o], F[o][2], *g), films[o][1]) for o in (a, b)]) for g in grid}
        g = max(grid, key=val.get)
        model = fit([S[a], S[b]])
        p = prob_map(model, F[name])
        pred = post(p, F[name][2], *g)
        per_film[name] = {**scores(pred, films[name][1]), "threshold": g[0], "min_area": g[1], "seed": g[2],
                          "crossfit_dice": round(float(val[g]), 4)}
        chosen[name] = {"threshold": g[0], "min_area": g[1], "seed": g[2]}
        print(f"  {name}: chosen {g} (cross-fit Dice {val[g]:.3f}) -> Dice {per_film[name]['dice']:.3f}  [{time.time() - t0:.0f} s]",
              flush=True)
    e = log_variant("pixel_gbm_lofo", "per-pixel HistGradientBoosting on 10 local features in a dark ROI, trained on the "
                    "other two films; threshold/min-area/seed level by cross-fit on those two films (mean Dice)",
                    {"thresholds": THRESH, "areas": AREAS, "seeds": SEEDS, "chosen": chosen}, per_film)
    show(e)
    print(f"{time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
