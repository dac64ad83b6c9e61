"""A cell-level model learned from the flaw table (the cells stage's `cell_model` row): per 1 cm cell, aggregates
of the detector's candidates and of black top-hat maps, each also relative to the film's median cell (exposure
and grain differ from film to film), and a logistic regression whose C and decision threshold are chosen on the
training folds by an inner film-grouped CV. Measured here only: the inspection still calls a cell from its regions.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from riawelc.films.cells import cells_hit, precision_recall_f1
from riawelc.films.labels import CELL_PX
from riawelc.inspect.candidates import COMPONENT_FEATURES, black_tophat

HAT_SIZES = (15, 25, 41)  # px: the top-hats whose per-cell maxima and areas are features
AREA_LEVELS = (4, 6, 8, 10, 15, 20)  # grey levels: areas above these, per cell (25 and 41 px)
CENTRE_HALF = 40  # px: the strip along the seam line where lack of penetration lies
INNER_FOLDS = 4
THRESHOLDS = np.round(np.arange(0.1, 0.91, 0.05), 2)
PEAK, SMALL, ELONGATION, DARKNESS = (COMPONENT_FEATURES.index(f) for f in
                                     ("peak_hat", "peak_hat_small", "elongation", "mean_darkness"))


def cell_features(film, sigma: float, seam, region, x, probability, features, count: int) -> np.ndarray:
    """(count, F): features of cells 1..count (cell k: columns [(k-1), k) * CELL_PX; a cell past the film's end is
    empty), raw and minus the film's median cell. x, probability, features: the detector's candidates (centre x,
    P(defect), features)."""
    inside = np.ones(film.shape, bool) if region is None else region
    hats = {s: np.where(inside, black_tophat(film, s, sigma), 0) for s in HAT_SIZES}
    if seam is not None:
        rows = np.arange(film.shape[0])[:, None]
        centre = np.abs(rows - seam.y_at(np.arange(film.shape[1]))[None, :]) <= CENTRE_HALF
    else:
        centre = np.zeros(film.shape, bool)
    width = max(film.shape[1], int(np.ceil(count * CELL_PX)) + 1)

    def columns(values):  # per film column, zero past the film's end
        return np.pad(values.astype(np.float64), (0, width - film.shape[1]))

    column_max = {s: columns(h.max(axis=0)) for s, h in hats.items()}
    column_area = {(s, lv): columns((hats[s] > lv).sum(axis=0)) for s in (25, 41) for lv in AREA_LEVELS}
    centre41 = columns(np.where(centre, hats[41], 0).max(axis=0))
    centre25 = columns(np.where(centre, hats[25], 0).max(axis=0))
    cell_of = cells_hit(x) if len(x) else np.zeros(0, np.int64)
    rows = []
    for cell in range(1, count + 1):
        x0, x1 = int((cell - 1) * CELL_PX), int(cell * CELL_PX)
        c41, c25 = centre41[x0:x1], centre25[x0:x1]
        mine = cell_of == cell
        p, f = probability[mine], features[mine]
        likely, strong = p > 0.5, f[:, PEAK] > 8
        rows.append([*(column_max[s][x0:x1].max() for s in HAT_SIZES),
                     *(np.log1p(column_area[k][x0:x1].sum()) for k in column_area),
                     c41.max(), (c41 > 4).mean(), (c41 > 6).mean(), c25.max(), (c25 > 4).mean(),
                     mine.sum(), p.max(initial=0), likely.sum(), (p > 0.9).sum(),
                     np.log1p(f[likely, 0].max(initial=0)), f[:, PEAK].max(initial=0), f[:, SMALL].max(initial=0),
                     f[strong, ELONGATION].max(initial=0), f[:, DARKNESS].max(initial=0)])
    raw = np.array(rows, np.float64)
    on_film = raw[:max(1, min(count, int(np.ceil(film.shape[1] / CELL_PX))))]
    return np.concatenate([raw, raw - np.median(on_film, axis=0, keepdims=True)], axis=1)


class _Constant:
    """What training cells of one class only teach: that class's probability for every cell."""

    def __init__(self, p: float):
        self.p = p

    def predict_proba(self, x):
        return np.tile([1.0 - self.p, self.p], (len(x), 1))


def _fit(x, y, c):
    if len(np.unique(y)) < 2:
        return _Constant(float(np.mean(y)) if len(y) else 0.0)
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000)).fit(x, y)


def _stack(cells: dict, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    first = next(iter(cells.values()))[0]
    return (np.concatenate([first[:0]] + [cells[n][0] for n in names]),
            np.concatenate([np.zeros(0, bool)] + [cells[n][1] for n in names]))


def choose_and_fit(cells: dict, train: list[str], cs: list[float], seed: int):
    """(model, C, threshold): C and threshold by pooled F1 of an inner film-grouped CV on `train`, then the model
    fitted on all of `train`. cells: name -> (features, truth)."""
    order = np.random.default_rng(seed + 1000).permutation(train)
    inner = [sorted(order[k::INNER_FOLDS]) for k in range(INNER_FOLDS)]
    best = (-1.0, cs[0], 0.5)  # too few training films to choose: the first C, threshold 0.5
    for c in cs:
        scored, truth = [], []
        for fold in (f for f in inner if f and len(f) < len(train)):
            model = _fit(*_stack(cells, [n for n in train if n not in fold]), c)
            scored += [model.predict_proba(cells[n][0])[:, 1] for n in fold]
            truth += [cells[n][1] for n in fold]
        if not scored:
            continue
        scored, truth = np.concatenate(scored), np.concatenate(truth)
        for t in THRESHOLDS:
            f1 = precision_recall_f1(scored > t, truth)["f1"]
            if f1 > best[0]:
                best = (f1, c, float(t))
    _, c, t = best
    return _fit(*_stack(cells, train), c), c, t
