"""Step 3a: hysteresis delineation. Seeds = black top-hat above a high level; extent = the connected component of
(top-hat of closing `size` above a low level, optionally dilated by r px) that holds a seed; components under
`min_area` dropped. Every parameter chosen leave-one-film-out on the other two masked films, by pooled Dice
(as the baseline) and by mean-of-films Dice (so bam5's 7x more defect pixels do not dominate the choice).

Fast: per (size, low, r) the extent components are tabulated once (area, peak top-hat, overlap with the truth),
then any (high, min_area) is a sum over the table.
"""
import itertools
import json
import sys
import time

import cv2
import numpy as np
from scipy import ndimage

from common import HERE, NAMES, drop_small, load_masked, log_variant, scores, show, tophat

SIZES = [25, 41, 61]
LOWS = [3, 4, 5, 6, 8, 10]
RADII = [0, 1, 2]
CLOSE = [0]  # closing radius before hole filling (--fill: [0, 2, 4])
FILL = "--fill" in sys.argv
if FILL:
    RADII, CLOSE = [0, 1], [0, 2, 4]
HIGHS = [8, 10, 12, 14, 16, 20, 24, 30]
AREAS = [12, 30, 60, 100]


def disk(r):
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def fill_holes(m):
    """Background regions not reachable from the film border become mask (a region outlined by defects)."""
    pad = np.pad((~m).astype(np.uint8), 1, constant_values=1)
    flood = pad.copy()
    cv2.floodFill(flood, np.zeros((pad.shape[0] + 2, pad.shape[1] + 2), np.uint8), (0, 0), 2)
    return m | (flood[1:-1, 1:-1] == 1)


def extent(hat, low, r, c=0):
    m = hat > low
    if r:
        m = cv2.dilate(m.astype(np.uint8), disk(r)) > 0
    if FILL:
        if c:
            m = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_CLOSE, disk(c)) > 0
        m = fill_holes(m)
    return m


def tabulate(film, truth):
    tab = {}
    for size in SIZES:
        hat = tophat(film, size)
        for low, r, c in itertools.product(LOWS, RADII, CLOSE):
            n, lab = cv2.connectedComponents(extent(hat, low, r, c).astype(np.uint8), connectivity=8)
            idx = np.arange(1, n)
            area = np.bincount(lab.ravel(), minlength=n)[1:]
            inter = np.bincount(lab[truth], minlength=n)[1:]
            peak = ndimage.maximum(hat, lab, idx) if n > 1 else np.zeros(0)
            tab[(size, low, r, c)] = (area, inter, np.asarray(peak), int(truth.sum()))
    return tab


def dice_of(t, high, amin):
    area, inter, peak, true = t
    keep = (peak > high) & (area >= amin)
    return 2 * inter[keep].sum() / (area[keep].sum() + true)


def predict(film, p):
    hat = tophat(film, p["size"])
    m = extent(hat, p["low"], p["r"], p["c"])
    n, lab = cv2.connectedComponents(m.astype(np.uint8), connectivity=8)
    area = np.bincount(lab.ravel(), minlength=n)
    peak = np.zeros(n); peak[1:] = ndimage.maximum(hat, lab, np.arange(1, n))
    keep = (peak > p["high"]) & (area >= p["min_area"]); keep[0] = False
    return keep[lab]


def main():
    t0 = time.time()
    films = load_masked()
    tabs = {n: tabulate(*films[n]) for n in NAMES}
    print(f"tabulated {time.time() - t0:.0f} s", flush=True)
    keys = [(k, h, a) for k in tabs[NAMES[0]] for h in HIGHS for a in AREAS if h > k[1]]
    for crit in ("pooled", "mean"):
        per_film, chosen = {}, {}
        for name in NAMES:
            others = [o for o in NAMES if o != name]
            def objective(key):
                k, h, a = key
                if crit == "mean":
                    return np.mean([dice_of(tabs[o][k], h, a) for o in others])
                area = sum(tabs[o][k][0][(tabs[o][k][2] > h) & (tabs[o][k][0] >= a)].sum() for o in others)
                inter = sum(tabs[o][k][1][(tabs[o][k][2] > h) & (tabs[o][k][0] >= a)].sum() for o in others)
                return 2 * inter / (area + sum(tabs[o][k][3] for o in others))
            (size, low, r, c), high, amin = max(keys, key=objective)
            p = {"size": size, "low": low, "r": r, "c": c, "high": high, "min_area": amin}
            per_film[name] = {**scores(predict(films[name][0], p), films[name][1]), **p}
            chosen[name] = p
        e = log_variant(f"hysteresis{'_fill' if FILL else ''}_lofo_{crit}", "seeds top-hat > high, extent top-hat > low (dilated r), "
                        + ("then closing c and hole filling, " if FILL else "") + f"all params LOFO by {crit} Dice of the other two films",
                        {"fill": FILL, "closes": CLOSE, "sizes": SIZES, "lows": LOWS, "radii": RADII, "highs": HIGHS, "areas": AREAS, "chosen": chosen},
                        per_film)
        show(e)
        for name in NAMES:
            print("   ", name, chosen[name])
    # oracle ceiling (NOT a result)
    for name in NAMES:
        k, h, a = max(keys, key=lambda key: dice_of(tabs[name][key[0]], key[1], key[2]))
        print(f"   oracle on {name} itself (NOT a result): {k} high {h} area {a} Dice {dice_of(tabs[name][k], h, a):.3f}")
    print(f"{time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
