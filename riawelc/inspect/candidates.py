"""Dark-indication candidates on a whole film, and the rule that keeps them: the real-film detector.

A defect on a radiograph is darker than the weld around it. The black top-hat (closing minus film, elliptic
`size` px, on the film smoothed by a Gaussian of `smooth` px) measures that darkness in grey levels of the 8-bit
film. Candidates are the 8-connected components of top-hat > `extent` with at least `min_area` px: each one is
outlined where the top-hat is, so its outline is the top-hat's; with `peak_share`, a deep candidate is drawn only where
its top-hat reaches that share of its own peak (a deep crack's halo passes a fixed extent), and pieces of it under
`min_area` px are dropped as every other component under that size is. Which candidates are kept:
- without a learned model, those whose top-hat peak exceeds `peak` (a hysteresis top-hat: a faint outline around a
  clear core);
- with one (riawelc.inspect.trees.TreeEnsemble, trained by riawelc.learn.detector), those whose P(true defect) from
  COMPONENT_FEATURES exceeds `threshold`.

Levels are grey levels, not grain sigmas: the BAM films are smooth 8-bit scans whose median |film - median5| is
0, so a sigma estimated from them sits on its floor and would be a hidden unit (research/issue16/REPORT.md).
numpy and OpenCV only (the service runs it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from riawelc.inspect.pseudomask import remove_small_components
from riawelc.inspect.tophat import black_tophat, film_smoothing
from riawelc.seam import Seam

COMPONENT_FEATURES = (
    "area_px", "peak_hat", "mean_hat", "peak_hat_medium", "mean_hat_medium", "peak_hat_small", "box_width",
    "box_height", "elongation", "fill", "mean_darkness", "seam_distance", "neighbours")
MEDIUM_SIZE, SMALL_SIZE = 25, 15  # px: the smaller top-hats tell a compact pore from a broad shadow
BACKGROUND_SIZE = 31  # px: median that stands for the weld's local brightness (mean_darkness)
NEIGHBOUR_BOX = 121  # px: candidates within this box around a candidate's centre are its neighbours (clusters)
# A scanned film's ends are often a dark strip (the film's or the scanner's edge) that the top-hat reads as one
# dark stripe across the whole inspected band: 2-6k px of "defect" on most W0003 films. Columns (and rows) from
# the film's border inward that are above the extent level over at least EDGE_COVERAGE of the inspected pixels,
# within EDGE_ZONE px of the border, are that strip and are dropped; a weld flaw running along the seam covers a
# few percent of a column.
EDGE_ZONE, EDGE_COVERAGE = 150, 0.5


@dataclass(frozen=True)
class CandidateSettings:
    """How candidates are found and kept (grey levels of the 8-bit film, px).

    size: the top-hat's closing diameter (larger than the widest defect: 41 px is about 1.7 mm).
    smooth: Gaussian sigma applied before the top-hat (grain).
    max_grain: film-adaptive smoothing (riawelc.inspect.tophat): the film is smoothed by the smallest of its steps
      (from `smooth` up) whose result has a grain of at most this; None: always `smooth`. The rejector learns on the
      hand-masked crops, whose grain after 1 px is 0.44-0.54 grey levels; the W0003 films are about four times as
      grainy, and on the masked films given W0003 grain a fixed 1 px lets hundreds of grain specks through
      (research/issue16/session4/REPORT.md).
    extent: a candidate is a component of top-hat > extent ...
    min_area: ... with at least this many px.
    peak: without a learned model, a candidate is kept when its top-hat peak exceeds this.
    threshold: with a learned model, a candidate is kept when its P(true defect) exceeds this.
    peak_share: a candidate is drawn where its top-hat is at least this share of its own peak (and above `extent`),
      without pieces under `min_area`; 0: every pixel above `extent`. Its features describe the whole component, so
      what is kept does not change, only how much of it is drawn (research/issue16/session8/REPORT.md).
    """

    size: int = 41
    smooth: float = 1.0
    extent: float = 5.0
    min_area: int = 12
    peak: float = 8.0
    threshold: float = 0.5
    max_grain: float | None = None
    peak_share: float = 0.0

    def __post_init__(self) -> None:
        if self.size < 3 or self.size % 2 == 0:
            raise ValueError(f"size must be an odd number >= 3, got {self.size}")
        if not self.smooth >= 0:
            raise ValueError(f"smooth must be >= 0, got {self.smooth}")
        if not 0 < self.extent <= self.peak:
            raise ValueError(f"need 0 < extent <= peak, got extent {self.extent} and peak {self.peak}")
        if self.min_area < 1:
            raise ValueError(f"min_area must be >= 1, got {self.min_area}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        if self.max_grain is not None and not self.max_grain > 0:
            raise ValueError(f"max_grain must be > 0 or None, got {self.max_grain}")
        if not 0.0 <= self.peak_share < 1.0:
            raise ValueError(f"peak_share must be in [0, 1), got {self.peak_share}")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Candidates:
    """The candidates of one film: labels (H, W) int32 (0 = none, k = candidate k - 1), features (n, F) float64."""

    labels: np.ndarray
    features: np.ndarray
    smooth: float = 0.0  # the Gaussian sigma the film was smoothed by (film_smoothing)

    def __len__(self) -> int:
        return len(self.features)

    def drawn_at(self, hat: np.ndarray, peak_share: float, min_area: int = 1) -> "Candidates":
        """The same candidates drawn only where `hat` (the top-hat they were cut from) is at least `peak_share` x
        their own peak_hat feature (CandidateSettings.peak_share), without the pieces this leaves under `min_area` px
        (the inspection's mask would drop them); their features stay those of the whole component."""
        if peak_share <= 0:
            return self
        peaks = np.concatenate([[np.inf], self.features[:, COMPONENT_FEATURES.index("peak_hat")]])
        drawn = hat >= peak_share * peaks[self.labels]
        # candidates are never 8-adjacent (each is a whole component above the extent), so neither are their pieces
        drawn &= remove_small_components(drawn & (self.labels > 0), min_area) > 0
        return Candidates(np.where(drawn, self.labels, 0).astype(self.labels.dtype), self.features, self.smooth)

    def mask(self, keep: np.ndarray) -> np.ndarray:
        """(H, W) uint8 0/1 of the kept candidates (keep: (n,) bool)."""
        lookup = np.concatenate([[0], np.asarray(keep, bool)]).astype(np.uint8)
        return lookup[self.labels]

    def paint(self, values: np.ndarray) -> np.ndarray:
        """(H, W) float32 map holding each candidate's value on its pixels (0 elsewhere)."""
        lookup = np.concatenate([[0.0], np.asarray(values, np.float64)]).astype(np.float32)
        return lookup[self.labels]

    def centres(self) -> np.ndarray:
        """(n, 2) x, y centre of each candidate's pixels."""
        ys, xs = np.nonzero(self.labels)
        ids = self.labels[ys, xs]
        counts = np.maximum(np.bincount(ids, minlength=len(self) + 1)[1:], 1)
        return np.stack([np.bincount(ids, weights=xs, minlength=len(self) + 1)[1:] / counts,
                         np.bincount(ids, weights=ys, minlength=len(self) + 1)[1:] / counts], axis=1)

    def touching(self, truth: np.ndarray) -> np.ndarray:
        """(n,) bool: which candidates share a pixel with the `truth` mask (their training label)."""
        hits = np.bincount(self.labels[np.asarray(truth) > 0], minlength=len(self) + 1)
        return hits[1:] > 0


def _label_max(values: np.ndarray, labels: np.ndarray, inside: np.ndarray, count: int) -> np.ndarray:
    out = np.zeros(count + 1, np.float64)
    np.maximum.at(out, labels[inside], values[inside])
    return out[1:]


def _label_mean(values: np.ndarray, labels: np.ndarray, inside: np.ndarray, count: int) -> np.ndarray:
    sums = np.bincount(labels[inside], weights=values[inside].astype(np.float64), minlength=count + 1)
    areas = np.bincount(labels[inside], minlength=count + 1)
    return sums[1:] / np.maximum(areas[1:], 1)


def _seam_distance(centres: np.ndarray, shape: tuple[int, int], seam: Seam | None) -> np.ndarray:
    """Distance of each centre from the seam line in seam half-heights; without a seam, from the film's middle row
    in half film heights."""
    if seam is None or not seam.fits:
        return np.abs(centres[:, 1] - shape[0] / 2) / (shape[0] / 2)
    return np.abs(centres[:, 1] - seam.y_at(centres[:, 0])) / max(seam.half_height, 1.0)


def edge_strips(above: np.ndarray, region: np.ndarray | None = None) -> np.ndarray:
    """(H, W) bool: the film-edge strips of `above` (see EDGE_ZONE): runs of columns from the left and the right
    border, and of rows from the top and the bottom, each above over >= EDGE_COVERAGE of its inspected pixels."""
    inside = np.ones(above.shape, bool) if region is None else np.asarray(region, bool)
    strips = np.zeros(above.shape, bool)
    for axis in (0, 1):  # 0: columns (left and right ends), 1: rows (top and bottom)
        covered = above.sum(axis=axis) >= EDGE_COVERAGE * np.maximum(inside.sum(axis=axis), 1)
        covered &= inside.any(axis=axis)
        n = covered.size
        for order in (np.arange(min(EDGE_ZONE, n)), n - 1 - np.arange(min(EDGE_ZONE, n))):
            run = order[:int(np.argmin(covered[order]))] if not covered[order].all() else order
            if axis == 0:
                strips[:, run] = True
            else:
                strips[run, :] = True
    return strips & above


def find_candidates(film: np.ndarray, settings: CandidateSettings = CandidateSettings(), seam: Seam | None = None,
                    region: np.ndarray | None = None) -> Candidates:
    """Every candidate of the film (restricted to `region`, a bool mask, when given; film-edge strips dropped) and
    its COMPONENT_FEATURES."""
    smooth = film_smoothing(film, settings.smooth, settings.max_grain, region)
    hat = black_tophat(film, settings.size, smooth)
    above = hat > settings.extent
    if region is not None:
        above &= np.asarray(region, bool)
    above &= ~edge_strips(above, region)
    count, labels, stats, centres = cv2.connectedComponentsWithStats(above.astype(np.uint8), connectivity=8)
    big = np.concatenate([[False], stats[1:, cv2.CC_STAT_AREA] >= settings.min_area])
    renumber = np.zeros(count, np.int32)
    renumber[big] = np.arange(1, big.sum() + 1)
    labels, stats, centre = renumber[labels], stats[big], centres[big]
    n = int(big.sum())
    if n == 0:
        return Candidates(labels, np.zeros((0, len(COMPONENT_FEATURES))), smooth)
    inside = labels > 0
    medium = black_tophat(film, MEDIUM_SIZE, smooth)
    small_hat = black_tophat(film, SMALL_SIZE, smooth)
    smoothed = cv2.GaussianBlur(film, (0, 0), 1.0).astype(np.float32)
    darkness = cv2.medianBlur(film, BACKGROUND_SIZE).astype(np.float32) - smoothed
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    width = stats[:, cv2.CC_STAT_WIDTH].astype(np.float64)
    height = stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    grid = np.zeros(film.shape, np.float32)
    np.add.at(grid, (np.clip(np.rint(centre[:, 1]).astype(int), 0, film.shape[0] - 1),
                     np.clip(np.rint(centre[:, 0]).astype(int), 0, film.shape[1] - 1)), 1.0)
    around = cv2.boxFilter(grid, -1, (NEIGHBOUR_BOX, NEIGHBOUR_BOX), normalize=False, borderType=cv2.BORDER_CONSTANT)
    neighbours = around[np.clip(np.rint(centre[:, 1]).astype(int), 0, film.shape[0] - 1),
                        np.clip(np.rint(centre[:, 0]).astype(int), 0, film.shape[1] - 1)] - 1.0
    features = np.stack([
        area, _label_max(hat, labels, inside, n), _label_mean(hat, labels, inside, n),
        _label_max(medium, labels, inside, n), _label_mean(medium, labels, inside, n),
        _label_max(small_hat, labels, inside, n), width, height,
        np.maximum(width, height) / np.maximum(np.minimum(width, height), 1.0), area / (width * height),
        _label_mean(darkness, labels, inside, n), _seam_distance(centre, film.shape, seam), neighbours], axis=1)
    return Candidates(labels, features, smooth).drawn_at(hat, settings.peak_share, settings.min_area)


def peak_rule(candidates: Candidates, settings: CandidateSettings) -> np.ndarray:
    """(n,) bool: the candidates the hysteresis rule keeps (top-hat peak > settings.peak)."""
    return candidates.features[:, COMPONENT_FEATURES.index("peak_hat")] > settings.peak
