"""Step 2: cell-level (1 cm) defect-versus-none harness on every tabled film, film-grouped CV.

Per film: seam band from riawelc.seam (films that do not fit a single seam are left out and counted; the W0001
crops of RRT-12R / RRT-22R are seam crops already and are used whole). Black top-hat (sigma-1 smoothing, closing
`size`) in the band; a cell is "defect" when a component of (score > level) with area >= min_area has its
centroid in the cell. (level, min_area) chosen on the training folds (pooled F1), 5 folds of films, 5 seeds.
Cells: 1..Max. cells of the table (or film width / 248); defect = a crack/porosity/LoP flaw covers the cell
(cells c..c+ceil(l/10)-1); cells whose only flaws are outside the four classes are left out (counted).
Also scores the hand masks of the two tabled masked films against the table (cap of any method).
"""
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, "/work/i15")
sys.path.insert(0, "/work/probe16")

import cv2
import numpy as np

from common import ROOT, load_masked, tophat
from riawelc.films.flawtable import OTHER, read_flaw_table
from riawelc.films.labels import CELL_PX
from riawelc.seam import find_seam

LEVELS = [3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 30, 40]
AREAS = [5, 12, 20, 30, 50, 80, 120, 200, 300, 500, 800]
BAND = 1.5  # band = seam centre +- BAND x the seam finder's half-height (a priori)


def film_files():
    names = {}
    for line in open(ROOT / "W0003/W0003_readme.txt"):
        g = re.match(r"\s*(W0003_\d+\.png) is (\S+)\.tif", line)
        if g and (ROOT / "W0003" / g.group(1)).exists():
            names[g.group(2)] = ROOT / "W0003" / g.group(1)
    return names


def cell_labels(ff, width):
    n = ff.max_cells or int(width // CELL_PX)
    defect, other = set(), set()
    for f in ff.flaws:
        (other if f.label == OTHER else defect).update(f.cells(n))
    lab = {}
    for c in range(1, n + 1):
        lab[c] = 1 if c in defect else (None if c in other else 0)
    return lab


def band_mask(film, seam):
    h, w = film.shape
    yc = seam.y_at(np.arange(w))
    rows = np.arange(h)[:, None]
    return np.abs(rows - yc[None, :]) <= BAND * seam.half_height


def components(score, level):
    n, lab, st, cen = cv2.connectedComponentsWithStats((score > level).astype(np.uint8), connectivity=8)
    return cen[1:, 0], st[1:, cv2.CC_STAT_AREA]


HYST_LOW = 10  # --hyst: extent = 41-px top-hat > 10 (hyst.py's LOFO choice); "level" is then the seed level


def hyst_components(score, high):
    from scipy import ndimage
    n, lab, st, cen = cv2.connectedComponentsWithStats((score > HYST_LOW).astype(np.uint8), connectivity=8)
    if n < 2:
        return np.zeros(0), np.zeros(0, int)
    peak = np.asarray(ndimage.maximum(score, lab, np.arange(1, n)))
    keep = peak > high
    return cen[1:, 0][keep], st[1:, cv2.CC_STAT_AREA][keep]


def prf(pred, true):
    tp = int(np.sum(pred & true)); fp = int(np.sum(pred & ~true)); fn = int(np.sum(~pred & true))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


if "--narrow" in sys.argv:  # the first run's grid: levels >= 6, min areas >= 12
    LEVELS, AREAS = LEVELS[3:], AREAS[1:]
HYST = "--hyst" in sys.argv
if HYST:
    LEVELS = [12, 14, 16, 20, 24, 30, 40]


def main(size=25):
    t0 = time.time()
    table = read_flaw_table(ROOT / "W0003/real-values.xls")
    files = film_files()
    masked = load_masked()
    data, notes, left_other = {}, [], 0
    for name in sorted(table.films):
        ff = table.films[name]
        if name in ("RRT-12R", "RRT-22R"):
            film = masked[name][0]
            region = np.ones(film.shape, bool)
            src = "W0001 crop"
        elif name in files:
            film = cv2.imread(str(files[name]), cv2.IMREAD_GRAYSCALE)
            seam = find_seam(film)
            if not seam.fits:
                notes.append(f"{name}: left out, seam: {seam.reason}")
                continue
            region = band_mask(film, seam)
            src = "W0003"
        else:
            continue
        labels = cell_labels(ff, film.shape[1])
        left_other += sum(v is None for v in labels.values())
        cells = [c for c, v in labels.items() if v is not None]
        score = np.where(region, tophat(film, size), 0)
        comps = {L: (hyst_components(score, L) if HYST else components(score, L)) for L in LEVELS}
        data[name] = {"cells": np.array(cells), "y": np.array([labels[c] for c in cells], bool), "comps": comps,
                      "src": src}
    names = sorted(data)
    allcells = sum(len(d["cells"]) for d in data.values())
    pos = sum(int(d["y"].sum()) for d in data.values())
    print(f"closing {size} px: {len(names)} films scored, {allcells} cells ({pos} defect, prevalence {pos / allcells:.3f}); "
          f"{left_other} cells left out (only flaws outside the four classes)")
    for n in notes:
        print("  ", n)
    p = pos / allcells
    print(f"trivial every-cell-defect: P {p:.3f} R 1.000 F1 {2 * p / (1 + p):.3f}")

    def predict(d, L, A):
        xs, areas = d["comps"][L]
        hit = set((np.floor(xs[areas >= A] / CELL_PX) + 1).astype(int))
        return np.array([c in hit for c in d["cells"]], bool)

    def pooled(fs, L, A):
        return prf(np.concatenate([predict(data[f], L, A) for f in fs]), np.concatenate([data[f]["y"] for f in fs]))

    results = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        order = rng.permutation(names)
        folds = [order[i::5] for i in range(5)]
        preds, trues = [], []
        for k in range(5):
            train = [f for f in names if f not in folds[k]]
            L, A = max(((L, A) for L in LEVELS for A in AREAS), key=lambda la: pooled(train, *la)[2])
            for f in folds[k]:
                preds.append(predict(data[f], L, A)); trues.append(data[f]["y"])
        results.append(prf(np.concatenate(preds), np.concatenate(trues)))
    r = np.array(results)
    print(f"{'hysteresis (low 10) ' if HYST else ''}top-hat {size}, (level, min area) chosen on training folds, 5-fold film CV x 5 seeds: "
          f"P {r[:, 0].mean():.3f} R {r[:, 1].mean():.3f} F1 {r[:, 2].mean():.3f} (F1 range {r[:, 2].min():.3f}-{r[:, 2].max():.3f})")
    L, A = max(((L, A) for L in LEVELS for A in AREAS), key=lambda la: pooled(names, *la)[2])
    print(f"  in-sample best (NOT a result, ceiling of this rule): level {L} area {A} -> "
          f"P/R/F1 {tuple(round(v, 3) for v in pooled(names, L, A))}")
    # per-film view at the in-sample rule
    worst = sorted(names, key=lambda f: prf(predict(data[f], L, A), data[f]["y"])[2])[:6]
    for f in worst:
        d = data[f]
        print(f"   {f}: {int(d['y'].sum())}/{len(d['y'])} defect cells, predicted {int(predict(d, L, A).sum())}, "
              f"P/R/F1 {tuple(round(v, 2) for v in prf(predict(d, L, A), d['y']))}")
    # hand masks against the table
    preds, trues = [], []
    for name in ("RRT-12R", "RRT-22R"):
        truth = masked[name][1]
        d = data[name]
        n, lab, st, cen = cv2.connectedComponentsWithStats(truth.astype(np.uint8), connectivity=8)
        hit = set((np.floor(cen[1:, 0] / CELL_PX) + 1).astype(int))
        cols = np.flatnonzero(truth.any(0))
        touched = set((np.floor(cols / CELL_PX) + 1).astype(int))
        pc = np.array([c in hit for c in d["cells"]]); pt = np.array([c in touched for c in d["cells"]])
        preds.append(pt); trues.append(d["y"])
        print(f"hand mask {name} vs table: table defect cells {sorted(d['cells'][d['y']].tolist())}; "
              f"mask cells (any pixel) {sorted(touched)}; P/R/F1 by centroid {tuple(round(v, 3) for v in prf(pc, d['y']))}, "
              f"by any pixel {tuple(round(v, 3) for v in prf(pt, d['y']))}")
    print(f"hand masks pooled (any pixel) P/R/F1 {tuple(round(v, 3) for v in prf(np.concatenate(preds), np.concatenate(trues)))}")
    print(f"{time.time() - t0:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 25)
