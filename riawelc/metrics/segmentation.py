"""Segmentation metrics on hard (thresholded) binary masks. numpy + cv2 only.

Convention: when the predicted and the true mask are BOTH empty, IoU and Dice are 1.0: both agree that the patch
has no defect, which is the right answer (with the usual 0/0 it would be undefined, and dropping those patches
would hide false alarms). One empty and the other not gives 0.0.
"""

from __future__ import annotations

import cv2
import numpy as np

from riawelc.constants import CLASSES, DEFECT_CLASSES, NO_DEFECT


def _binary_pair(pred: np.ndarray, true: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    pred, true = np.asarray(pred), np.asarray(true)
    if pred.shape != true.shape:
        raise ValueError(f"pred shape {pred.shape} differs from true shape {true.shape}")
    return pred > threshold, true > threshold


def iou(pred: np.ndarray, true: np.ndarray, threshold: float = 0.5) -> float:
    """Intersection over union of `pred > threshold` and `true > threshold` (1.0 if both are empty)."""
    pred, true = _binary_pair(pred, true, threshold)
    union = np.logical_or(pred, true).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(pred, true).sum() / union)


def dice(pred: np.ndarray, true: np.ndarray, threshold: float = 0.5) -> float:
    """Dice coefficient 2|A and B| / (|A| + |B|) of the thresholded masks (1.0 if both are empty)."""
    pred, true = _binary_pair(pred, true, threshold)
    total = pred.sum() + true.sum()
    if total == 0:
        return 1.0
    return float(2 * np.logical_and(pred, true).sum() / total)


def _check_batch(masks: np.ndarray, labels) -> tuple[np.ndarray, np.ndarray]:
    masks, labels = np.asarray(masks), np.asarray(labels)
    if masks.ndim != 3 or labels.shape != (masks.shape[0],):
        raise ValueError(f"need masks (N, H, W) and N labels, got masks {masks.shape} and labels {labels.shape}")
    unknown = set(labels.tolist()) - set(CLASSES)
    if unknown:
        raise ValueError(f"unknown labels {sorted(unknown)}, expected some of {CLASSES}")
    return masks, labels


def per_class_scores(
    preds: np.ndarray, trues: np.ndarray, labels, threshold: float = 0.5
) -> dict[str, dict[str, float]]:
    """Mean IoU and Dice per class present, plus "mean_defect": the mean of the per-class means over the defect
    classes scored (each defect class weighs the same, however many patches it has).

    A defect patch whose reference mask is empty says nothing about localisation (the CAM found nothing there),
    and an empty prediction would "agree" with it perfectly: defect classes are scored only over patches with a
    non-empty reference, and how many were left out is reported. `no_defect` patches are all scored (an empty
    prediction there is the right answer; see also false_positive_rate).

    Returns {class: {"iou", "dice", "count", "scored", "empty_reference", "empty_reference_share"}, ...,
    "mean_defect": {"iou", "dice"}}; iou/dice are None for a class with nothing to score.
    """
    preds, labels = _check_batch(preds, labels)
    trues = np.asarray(trues)
    if trues.shape != preds.shape:
        raise ValueError(f"preds shape {preds.shape} differs from trues shape {trues.shape}")
    empty_reference = ~(trues > threshold).any(axis=(1, 2))
    scores: dict[str, dict[str, float]] = {}
    for name in CLASSES:
        members = labels == name
        if not members.any():
            continue
        left_out = members & empty_reference if name != NO_DEFECT else np.zeros_like(members)
        chosen = np.flatnonzero(members & ~left_out)
        scores[name] = {
            "iou": float(np.mean([iou(preds[i], trues[i], threshold) for i in chosen])) if chosen.size else None,
            "dice": float(np.mean([dice(preds[i], trues[i], threshold) for i in chosen])) if chosen.size else None,
            "count": int(members.sum()),
            "scored": int(chosen.size),
            "empty_reference": int(left_out.sum()),
            "empty_reference_share": float(left_out.sum() / members.sum()),
        }
    scored = [name for name in DEFECT_CLASSES if name in scores and scores[name]["scored"]]
    scores["mean_defect"] = {
        metric: float(np.mean([scores[name][metric] for name in scored])) if scored else None
        for metric in ("iou", "dice")
    }
    return scores


def false_positive_rate(preds: np.ndarray, labels, min_area: int = 1, threshold: float = 0.5) -> float:
    """Fraction of `no_defect` patches whose prediction has a defect component of at least `min_area` pixels
    (8-connected; min_area=1: any defect pixel). NaN if there is no `no_defect` patch."""
    preds, labels = _check_batch(preds, labels)
    if min_area < 1:
        raise ValueError(f"min_area must be >= 1, got {min_area}")
    clean = preds[labels == NO_DEFECT] > threshold
    if len(clean) == 0:
        return float("nan")
    return float(np.mean([_largest_component(mask) >= min_area for mask in clean]))


def _largest_component(mask: np.ndarray) -> int:
    if not mask.any():
        return 0
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return int(stats[1:, cv2.CC_STAT_AREA].max())
