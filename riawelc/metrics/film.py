"""Whole-film defect maps against hand-drawn masks, and the black top-hat baseline. numpy + cv2 only.

Pixel metrics: IoU and Dice of `probability > threshold`, and pixel average precision (threshold-free). Object
metrics on 8-connected components: a human defect counts as found when at least `cover` of its pixels are
predicted; a predicted component that touches no human defect pixel is a false positive. Both are broken down
by component size (px^2, `SIZE_BINS`: the hand masks' median defect is about 170 px^2).

The threshold is an input, never fitted here: callers pass one chosen elsewhere (the model cards' thresholds come
from the training data's validation split; the top-hat's is fixed a priori), so no figure is tuned on the films
it is measured on.
"""

from __future__ import annotations

import cv2
import numpy as np

# (name, smallest area px, largest area px) of the size classes; a defect about 10 px wide is "small".
SIZE_BINS = (("small", 0, 100), ("medium", 100, 1000), ("large", 1000, None))


def _pair(score: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    score, truth = np.asarray(score), np.asarray(truth)
    if score.shape != truth.shape or score.ndim != 2:
        raise ValueError(f"need two 2-D maps of one shape, got {score.shape} and {truth.shape}")
    return score, truth > 0


def pixel_scores(score: np.ndarray, truth: np.ndarray, threshold: float) -> dict:
    """IoU, Dice, precision and recall of `score > threshold` against the binary `truth` (any nonzero = defect).
    Both empty: IoU and Dice 1 (agreement on "no defect"); precision or recall with nothing to divide: None."""
    score, truth = _pair(score, truth)
    pred = score > threshold
    both, pred_n, true_n = int(np.logical_and(pred, truth).sum()), int(pred.sum()), int(truth.sum())
    union = pred_n + true_n - both
    return {"iou": both / union if union else 1.0, "dice": 2 * both / (pred_n + true_n) if union else 1.0,
            "precision": both / pred_n if pred_n else None, "recall": both / true_n if true_n else None,
            "predicted_px": pred_n, "true_px": true_n}


def average_precision(score: np.ndarray, truth: np.ndarray) -> float | None:
    """Pixel average precision: sum over the distinct score values, high to low, of precision x recall gained
    (ties enter together, as sklearn's average_precision_score does). None when the truth has no defect pixel."""
    score, truth = _pair(score, truth)
    positives = int(truth.sum())
    if positives == 0:
        return None
    values, labels = score.ravel(), truth.ravel()
    order = np.argsort(-values, kind="stable")
    values, labels = values[order], labels[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(values)), values.size - 1]
    true_hits = np.cumsum(labels)[last_of_tie]
    precision = true_hits / (last_of_tie + 1)
    recall_gain = np.diff(np.r_[0, true_hits]) / positives
    return float(np.sum(precision * recall_gain))


def size_bin(area: int) -> str:
    for name, low, high in SIZE_BINS:
        if area >= low and (high is None or area < high):
            return name
    raise ValueError(f"area {area} fits no size bin")


def _components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return count, labels, stats[:, cv2.CC_STAT_AREA]


def component_recall(pred: np.ndarray, truth: np.ndarray, cover: float = 0.3) -> dict:
    """Share of the human defects (components of `truth`) of which at least `cover` of the pixels are in `pred`,
    overall and per size bin: {"all": {"found", "total", "recall"}, "small": {...}, ...}."""
    if not 0 < cover <= 1:
        raise ValueError(f"cover must be in (0, 1], got {cover}")
    pred, truth = _pair(pred, truth)
    pred = pred > 0
    count, labels, areas = _components(truth)
    hit = np.bincount(labels[pred], minlength=count)
    found = hit[1:] >= cover * areas[1:]
    out = {}
    for name in ("all",) + tuple(b[0] for b in SIZE_BINS):
        chosen = np.array([name == "all" or size_bin(int(a)) == name for a in areas[1:]], bool)
        total = int(chosen.sum())
        out[name] = {"found": int(found[chosen].sum()), "total": total,
                     "recall": float(found[chosen].mean()) if total else None}
    return out


def false_positive_components(pred: np.ndarray, truth: np.ndarray) -> dict:
    """Predicted components that touch no human defect pixel: count overall and per size bin, and their pixels."""
    pred, truth = _pair(pred, truth)
    count, labels, areas = _components(pred > 0)
    touching = np.bincount(labels[truth], minlength=count) > 0
    false = [k for k in range(1, count) if not touching[k]]
    out = {"all": len(false), "predicted_components": count - 1, "false_px": int(sum(areas[k] for k in false))}
    for name, _, _ in SIZE_BINS:
        out[name] = sum(1 for k in false if size_bin(int(areas[k])) == name)
    return out


def film_scores(score: np.ndarray, truth: np.ndarray, threshold: float, cover: float = 0.3,
                mask: np.ndarray | None = None) -> dict:
    """Everything above for one film: pixel IoU/Dice/precision/recall of the binary `mask` (default
    `score > threshold`; pass the final mask when small components were removed), pixel AP of `score`,
    component recall (`cover` share) and false-positive components."""
    mask = (np.asarray(score) > threshold) if mask is None else np.asarray(mask) > 0
    return {"threshold": threshold, **pixel_scores(mask.astype(np.uint8), truth, 0.5),
            "ap": average_precision(score, truth), "component_recall": component_recall(mask, truth, cover),
            "false_positives": false_positive_components(mask, truth)}


# --- the baseline: no learning, dark pixels by a black top-hat --------------------------------------------------

TOPHAT_KERNEL = 25  # px, > 2x a defect's ~10 px width; fixed a priori
TOPHAT_SIGMAS = 4.0  # a pixel is defect when its top-hat exceeds this many noise sigmas; fixed a priori


def noise_sigma(film: np.ndarray) -> float:
    """Robust grain level of a film: 1.4826 x the median absolute value of the film minus its 5 x 5 median."""
    film = np.asarray(film)
    residual = film.astype(np.float32) - cv2.medianBlur(film, 5).astype(np.float32)
    return max(float(1.4826 * np.median(np.abs(residual))), 0.5)


def black_tophat_score(film: np.ndarray, kernel: int = TOPHAT_KERNEL, region: np.ndarray | None = None) -> np.ndarray:
    """Per-pixel darkness against the surroundings in noise sigmas: black top-hat (closing minus film, elliptic
    `kernel`, on the film smoothed by a 3 x 3 Gaussian) divided by `noise_sigma`. `region` (bool) zeroes the rest."""
    film = np.asarray(film)
    if film.ndim != 2 or film.dtype != np.uint8:
        raise ValueError(f"film must be a 2-D uint8 array, got shape {film.shape} dtype {film.dtype}")
    if kernel < 3 or kernel % 2 == 0:
        raise ValueError(f"kernel must be an odd number >= 3, got {kernel}")
    element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kernel, kernel))
    hat = cv2.morphologyEx(cv2.GaussianBlur(film, (3, 3), 0), cv2.MORPH_BLACKHAT, element).astype(np.float32)
    score = hat / noise_sigma(film)
    if region is not None:
        score = np.where(region, score, 0.0).astype(np.float32)
    return score


def tophat_mask(film: np.ndarray, kernel: int = TOPHAT_KERNEL, sigmas: float = TOPHAT_SIGMAS,
                region: np.ndarray | None = None, min_area: int = 12) -> np.ndarray:
    """The baseline's binary mask (uint8 0/1): top-hat score above `sigmas`, components under min_area px dropped."""
    from riawelc.inspect.pseudomask import remove_small_components

    return remove_small_components((black_tophat_score(film, kernel, region) > sigmas).astype(np.uint8), min_area)



def best_threshold(scores: list[np.ndarray], truths: list[np.ndarray], candidates) -> tuple[float, float]:
    """(threshold, Dice) of the candidate with the highest Dice pooled over every pixel of all maps.

    For VALIDATION data only (e.g. the embedded sample's val split): the chosen value is then applied unchanged
    to the evaluated films."""
    if len(scores) != len(truths) or not len(scores):
        raise ValueError(f"need as many score maps as truth masks (>= 1), got {len(scores)} and {len(truths)}")
    score = np.concatenate([np.asarray(s, np.float32).ravel() for s in scores])
    truth = np.concatenate([np.asarray(t).ravel() > 0 for t in truths])
    best = (float("nan"), -1.0)
    for threshold in candidates:
        pred = score > threshold
        total = pred.sum() + truth.sum()
        value = 2 * np.logical_and(pred, truth).sum() / total if total else 1.0
        if value > best[1]:
            best = (float(threshold), float(value))
    return best
