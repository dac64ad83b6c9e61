"""The inspector's level: for each 1 cm cell along a film, is there a defect, and of which class.

A cell is the BAM flaw table's unit (cell k: film columns [(k - 1), k) x CELL_PX). The learned cell model decides it
from per-cell aggregates of the detector's candidates and of black top-hat maps, each also relative to the film's
median cell (exposure and grain differ from film to film) and taken from the stronger of its two neighbouring cells
(a flaw runs on across cells, and the table's cells are drawn by hand), through a logistic regression stored as
plain numbers in detector.json: numpy only, so the service runs it. It is trained on the flaw table's cells of the
tabled W0003 films (stages/realfilms/model.py); in film-grouped CV it called cells better than the detector's
regions and the black top-hat (results-real/realfilms/cells.json). A defect cell's class is that of its largest
candidate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from riawelc.constants import CELL_PX, DEFECT_CLASSES
from riawelc.inspect.candidates import COMPONENT_FEATURES, black_tophat
from riawelc.seam import Seam

HAT_SIZES = (15, 25, 41)  # px: the top-hats whose per-cell maxima and areas are features
AREA_SIZES = (25, 41)
AREA_LEVELS = (4, 6, 8, 10, 15, 20)  # grey levels: areas above these, per cell
CENTRE_HALF = 40  # px: the strip along the seam line where lack of penetration lies
STRONG_PEAK = 8.0  # grey levels: a candidate this dark counts in the elongation feature
_BASE = (*(f"hat{s}_max" for s in HAT_SIZES),
         *(f"log_area_hat{s}_above{lv}" for s in AREA_SIZES for lv in AREA_LEVELS),
         "centre_hat41_max", "centre_hat41_share_above4", "centre_hat41_share_above6", "centre_hat25_max",
         "centre_hat25_share_above4", "candidates", "probability_max", "likely_candidates", "sure_candidates",
         "log_likely_area_max", "peak_hat_max", "peak_hat_small_max", "strong_elongation_max", "mean_darkness_max")
CELL_FEATURES = (*_BASE, *(f"{name}_minus_film_median" for name in _BASE),
                 *(f"{name}_of_stronger_neighbour" for name in _BASE))
PEAK, SMALL, ELONGATION, DARKNESS = (COMPONENT_FEATURES.index(f) for f in
                                     ("peak_hat", "peak_hat_small", "elongation", "mean_darkness"))
UNCLASSIFIED = "unclassified"  # a region or defect cell that nothing classifies (no component classifier)


class CellModelError(ValueError):
    """A cell model that cannot be used; the message names the problem."""


def film_cell_count(width: int) -> int:
    """Cells 1 ... this cover a film `width` px wide (the last one may be partial)."""
    return max(1, int(np.ceil(width / CELL_PX)))


def cell_of_columns(xs: np.ndarray) -> np.ndarray:
    """1-based cell number of each film column x."""
    return np.floor(np.asarray(xs, np.float64).ravel() / CELL_PX).astype(np.int64) + 1


def cell_features(film: np.ndarray, smooth: float, seam: Seam | None, region: np.ndarray | None, x: np.ndarray,
                  probability: np.ndarray, features: np.ndarray, count: int | None = None) -> np.ndarray:
    """(count, len(CELL_FEATURES)) for cells 1 ... count (default: the film's own cells; a cell past the film's end
    is empty). smooth: the detector's smoothing of this film; x, probability, features: its candidates' centre
    columns, P(true defect) and COMPONENT_FEATURES. Three blocks: the cell's own aggregates, the same minus the
    median of the film's own cells (whatever `count` asks for), and the larger of its two neighbours' aggregates."""
    own = film_cell_count(film.shape[1])
    count = own if count is None else count
    inside = np.ones(film.shape, bool) if region is None else np.asarray(region, bool)
    hats = {s: np.where(inside, black_tophat(film, s, smooth), 0) for s in HAT_SIZES}
    if seam is not None:
        rows = np.arange(film.shape[0])[:, None]
        centre = np.abs(rows - seam.y_at(np.arange(film.shape[1]))[None, :]) <= CENTRE_HALF
    else:
        centre = np.zeros(film.shape, bool)
    width = max(film.shape[1], int(np.ceil(max(count, own) * CELL_PX)) + 1)

    def columns(values):  # per film column, zero past the film's end
        return np.pad(values.astype(np.float64), (0, width - film.shape[1]))

    column_max = {s: columns(h.max(axis=0)) for s, h in hats.items()}
    column_area = {(s, lv): columns((hats[s] > lv).sum(axis=0)) for s in AREA_SIZES for lv in AREA_LEVELS}
    centre41 = columns(np.where(centre, hats[41], 0).max(axis=0))
    centre25 = columns(np.where(centre, hats[25], 0).max(axis=0))
    cell_of = cell_of_columns(x) if len(x) else np.zeros(0, np.int64)
    probability, features = np.asarray(probability, np.float64), np.asarray(features, np.float64)
    rows = []
    for cell in range(1, max(count, own) + 1):
        x0, x1 = int((cell - 1) * CELL_PX), int(cell * CELL_PX)
        c41, c25 = centre41[x0:x1], centre25[x0:x1]
        mine = cell_of == cell
        p, f = probability[mine], features[mine]
        likely, strong = p > 0.5, f[:, PEAK] > STRONG_PEAK
        rows.append([*(column_max[s][x0:x1].max() for s in HAT_SIZES),
                     *(np.log1p(column_area[k][x0:x1].sum()) for k in column_area),
                     c41.max(), (c41 > 4).mean(), (c41 > 6).mean(), c25.max(), (c25 > 4).mean(),
                     mine.sum(), p.max(initial=0), likely.sum(), (p > 0.9).sum(),
                     np.log1p(f[likely, 0].max(initial=0)), f[:, PEAK].max(initial=0), f[:, SMALL].max(initial=0),
                     f[strong, ELONGATION].max(initial=0), f[:, DARKNESS].max(initial=0)])
    raw = np.array(rows, np.float64)
    relative = raw - np.median(raw[:own], axis=0, keepdims=True)
    padded = np.pad(raw, ((1, 1), (0, 0)))  # no cell before the first; the last's right neighbour is empty
    neighbours = np.maximum(padded[:-2], padded[2:])
    return np.concatenate([raw, relative, neighbours], axis=1)[:count]


@dataclass
class CellModel:
    """P(defect) of a cell: a logistic regression on standardised CELL_FEATURES; a cell is defect above
    `threshold` (chosen with the regularisation by film-grouped CV on the training films)."""

    mean: np.ndarray
    scale: np.ndarray
    coefficients: np.ndarray
    intercept: float
    threshold: float = 0.5
    features: tuple[str, ...] = CELL_FEATURES

    def __post_init__(self) -> None:
        if tuple(self.features) != CELL_FEATURES:
            raise CellModelError(f"the cell model was trained on {len(self.features)} features "
                                 f"({', '.join(self.features[:3])}, ...); this version computes "
                                 f"{len(CELL_FEATURES)} ({', '.join(CELL_FEATURES[:3])}, ...)")
        self.mean, self.scale, self.coefficients = (np.asarray(a, np.float64).ravel()
                                                    for a in (self.mean, self.scale, self.coefficients))
        n = len(CELL_FEATURES)
        if not len(self.mean) == len(self.scale) == len(self.coefficients) == n:
            raise CellModelError(f"mean, scale and coefficients must each hold {n} numbers, got "
                                 f"{len(self.mean)}, {len(self.scale)} and {len(self.coefficients)}")
        numbers = np.concatenate([self.mean, self.scale, self.coefficients, [self.intercept, self.threshold]])
        if not np.all(np.isfinite(numbers)) or np.any(self.scale <= 0):
            raise CellModelError("the cell model holds a non-finite number or a scale <= 0")
        if not 0.0 <= self.threshold <= 1.0:
            raise CellModelError(f"threshold must be in [0, 1], got {self.threshold}")

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """(n,) P(defect) of cells with features x (n, len(CELL_FEATURES))."""
        z = ((np.asarray(x, np.float64) - self.mean) / self.scale) @ self.coefficients + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))

    def as_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coefficients": self.coefficients.tolist(), "intercept": float(self.intercept),
                "threshold": float(self.threshold)}

    @classmethod
    def from_dict(cls, data: dict) -> "CellModel":
        if not isinstance(data, dict):
            raise CellModelError("the cell model must be a mapping")
        missing = sorted({"features", "mean", "scale", "coefficients", "intercept", "threshold"} - set(data))
        if missing:
            raise CellModelError(f"the cell model lacks {missing}")
        try:
            return cls(data["mean"], data["scale"], data["coefficients"], float(data["intercept"]),
                       float(data["threshold"]), tuple(data["features"]))
        except (TypeError, ValueError) as error:
            if isinstance(error, CellModelError):
                raise
            raise CellModelError(f"the cell model holds a value that is not a number ({error})") from None


@dataclass
class Cell:
    """One 1 cm cell of an inspected film."""

    cell: int  # 1-based, from the film's left edge
    x0: int  # film columns [x0, x1)
    x1: int
    probability: float  # P(defect) from the cell model
    defect: bool
    cls: str  # the class of the cell's largest candidate (a defect cell), else ""
    candidates: int

    def as_dict(self) -> dict:
        out = asdict(self)
        out["class"] = out.pop("cls")
        return out


def call_cells(model: CellModel, film: np.ndarray, smooth: float, seam: Seam | None, region: np.ndarray | None,
               x: np.ndarray, probability: np.ndarray, features: np.ndarray,
               class_probabilities: np.ndarray | None) -> list[Cell]:
    """Every cell of the film, called by `model` from the detector's candidates (x, probability, features) and,
    for a defect cell, classed by its largest candidate's class_probabilities (None: unclassified)."""
    scores = model.probabilities(cell_features(film, smooth, seam, region, x, probability, features))
    numbers = np.arange(1, len(scores) + 1)
    defect = scores > model.threshold
    cell_of = cell_of_columns(x) if len(x) else np.zeros(0, np.int64)
    classes = cell_classes(numbers, defect, cell_of, np.asarray(features)[:, 0] if len(x) else np.zeros(0),
                           class_probabilities)
    return [Cell(int(k), int((k - 1) * CELL_PX), int(min(k * CELL_PX, film.shape[1])), round(float(score), 4),
                 bool(d), cls, int(np.sum(cell_of == k))) for k, score, d, cls in zip(numbers, scores, defect, classes)]


def cell_classes(cells: np.ndarray, defect: np.ndarray, candidate_cells: np.ndarray, area: np.ndarray,
                 class_probabilities: np.ndarray | None) -> list[str]:
    """The class of each defect cell: its largest candidate's (UNCLASSIFIED with no candidate or no classes); ""
    for a clean cell. candidate_cells, area: each candidate's cell number and area in px. In film CV the largest
    candidate named the class better than the most probable one or the probability-weighted sum of all
    (research/issue16/session5/classrule.jsonl)."""
    area = np.asarray(area, np.float64)
    out = []
    for cell, is_defect in zip(np.asarray(cells).tolist(), np.asarray(defect, bool).tolist()):
        mine = np.flatnonzero(candidate_cells == cell)
        if not is_defect:
            out.append("")
        elif class_probabilities is None or not len(mine):
            out.append(UNCLASSIFIED)
        else:
            best = mine[int(np.argmax(area[mine]))]
            out.append(DEFECT_CLASSES[int(np.argmax(class_probabilities[best]))])
    return out
