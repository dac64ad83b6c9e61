"""Step 3c: hysteresis extent + learned component rejector instead of the peak > high rule.

Extent components: 41-px top-hat > low (low 8, a priori from recall.py's curve), area >= 12. Per component 14
features (area, peak / mean of the 41/25/15-px top-hats, box width/height, elongation, fill ratio, darkness
against a 31-px median, row distance from the film's centre row as a share of the height, number of
other components within 60 px). Label: the component touches a hand-masked pixel. HistGradientBoosting trained on the
other two films; its probability threshold chosen by cross-fit between those two films (mean Dice), never on F.
"""
import sys
import time

import cv2
import numpy as np
from scipy import ndimage
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from common import NAMES, load_masked, log_variant, scores, show, tophat

LOW = float(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else 8.0
THRESH = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
GROW = "--grow" in sys.argv  # after acceptance, grow each kept component into 41-px top-hat > g (g chosen by cross-fit)
GROWS = [None, 6, 4, 3] if GROW else [None]


def components(film, truth):
    h41, h25, h15 = tophat(film, 41), tophat(film, 25), tophat(film, 15)
    n, lab, st, cen = cv2.connectedComponentsWithStats((h41 > LOW).astype(np.uint8), connectivity=8)
    idx = np.arange(1, n)
    area = st[1:, cv2.CC_STAT_AREA].astype(float)
    big = area >= 12
    dark = (cv2.medianBlur(film, 31).astype(np.float32) - cv2.GaussianBlur(film, (0, 0), 1)) / 0.5
    f = [area, ndimage.maximum(h41, lab, idx), ndimage.mean(h41, lab, idx), ndimage.maximum(h25, lab, idx),
         ndimage.mean(h25, lab, idx), ndimage.maximum(h15, lab, idx), st[1:, cv2.CC_STAT_WIDTH], st[1:, cv2.CC_STAT_HEIGHT]]
    w, hgt = st[1:, cv2.CC_STAT_WIDTH].astype(float), st[1:, cv2.CC_STAT_HEIGHT].astype(float)
    f += [np.maximum(w, hgt) / np.maximum(np.minimum(w, hgt), 1), area / (w * hgt), ndimage.mean(dark, lab, idx),
          np.abs(cen[1:, 1] - film.shape[0] / 2) / film.shape[0]]
    c = cen[1:][big]
    d = np.hypot(*(c[:, None, :] - c[None, :, :]).transpose(2, 0, 1)) if len(c) < 6000 else None
    dens = np.zeros(n - 1)
    if d is not None:
        dens[big] = (d < 60).sum(1) - 1
    f.append(dens)
    X = np.stack([np.asarray(v, float) for v in f], 1)
    GROWN[id(film)] = {g: cv2.connectedComponents((h41 > g).astype(np.uint8), connectivity=8)[1] for g in GROWS if g}
    touch = np.bincount(lab[truth], minlength=n)[1:] > 0
    keep = np.flatnonzero(big)
    return X[keep], touch[keep], lab, keep + 1


GROWN = {}


def grow(mask, film, g):
    if g is None:
        return mask
    lab = GROWN[id(film)][g]
    keep = np.zeros(lab.max() + 1, bool)
    keep[np.unique(lab[mask])] = True
    keep[0] = False
    return mask | keep[lab]


BALANCED = "--balanced" in sys.argv  # weight each film's positives and negatives equally (prevalence-free scores)


def fit(parts):
    X = np.concatenate([p[0] for p in parts]); y = np.concatenate([p[1] for p in parts])
    if BALANCED:
        w = np.concatenate([np.where(p[1], 0.5 / max(p[1].sum(), 1), 0.5 / max((~p[1]).sum(), 1)) for p in parts]) * len(y)
    else:
        w = np.concatenate([np.full(len(p[1]), 1.0 / len(p[1])) for p in parts]) * len(y)
    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20,
                                          random_state=0).fit(X, y, sample_weight=w)


def mask_of(C, prob, t):
    keep = np.zeros(C[2].max() + 1, bool)
    keep[C[3][prob > t]] = True
    return keep[C[2]]


def main():
    t0 = time.time()
    films = load_masked()
    C = {n: components(*films[n]) for n in NAMES}
    for n in NAMES:
        print(f"{n}: {len(C[n][1])} extent components, {int(C[n][1].sum())} touch the mask", flush=True)
    per_film, chosen = {}, {}
    for name in NAMES:
        a, b = [o for o in NAMES if o != name]
        cross = {a: fit([C[b]]).predict_proba(C[a][0])[:, 1], b: fit([C[a]]).predict_proba(C[b][0])[:, 1]}
        val = {}
        for t in THRESH:
            for g in GROWS:
                ms = {o: grow(mask_of(C[o], cross[o], t), films[o][0], g) for o in (a, b)}
                val[(t, g)] = np.mean([2 * (ms[o] & films[o][1]).sum() / (ms[o].sum() + films[o][1].sum()) for o in (a, b)])
        t, g = max(val, key=val.get)
        prob = fit([C[a], C[b]]).predict_proba(C[name][0])[:, 1]
        auc = roc_auc_score(C[name][1], prob)
        per_film[name] = {**scores(grow(mask_of(C[name], prob, t), films[name][0], g), films[name][1]), "threshold": t,
                          "grow": g, "auc": round(auc, 3), "crossfit_dice": round(float(val[(t, g)]), 4)}
        chosen[name] = (t, g)
        print(f"  {name}: threshold {t} grow {g} (cross-fit Dice {val[(t, g)]:.3f}), AUC {auc:.3f} -> Dice {per_film[name]['dice']:.3f}", flush=True)
    e = log_variant(f"hyst41_low{LOW:g}_gbm_rejector{'_grow' if GROW else ''}_t95", "41-px top-hat extent > low, components kept by a GBM component "
                    "rejector trained on the other two films; probability threshold by cross-fit (mean Dice)",
                    {"low": LOW, "thresholds": THRESH, "grows": GROWS, "chosen": chosen}, per_film)
    show(e)
    print(f"{time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
