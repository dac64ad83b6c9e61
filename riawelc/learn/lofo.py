"""Leave one film out on the hand-masked films: every figure reported on a film comes from settings chosen, and
models trained, on the other films only. Choices are made by the mean of the other films' Dice (not the pooled
Dice, which one film with many defect pixels would decide alone).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np

from riawelc.learn.detector import dice
from riawelc.metrics.film import component_recall, false_positive_components

Films = dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (film uint8, truth bool)


def mask_scores(pred: np.ndarray, truth: np.ndarray) -> dict:
    """Pixel Dice and IoU, component recall (a true component is found when 30 % of it is predicted) and false
    components of one film."""
    pred, truth = np.asarray(pred) > 0, np.asarray(truth) > 0
    union = int(np.logical_or(pred, truth).sum())
    found = component_recall(pred.astype(np.uint8), truth.astype(np.uint8))["all"]
    false = false_positive_components(pred.astype(np.uint8), truth.astype(np.uint8))
    return {"dice": round(dice(pred, truth), 4),
            "iou": round(int(np.logical_and(pred, truth).sum()) / union, 4) if union else 1.0,
            "found": int(found["found"]), "components": int(found["total"]),
            "component_recall": round(float(found["recall"]), 4), "false_components": int(false["all"]),
            "predicted_px": int(pred.sum()), "true_px": int(truth.sum()),
            "intersection_px": int(np.logical_and(pred, truth).sum())}


def summarise(per_film: dict[str, dict]) -> dict:
    """Mean over films and the pooled pixel figures."""
    films = list(per_film.values())
    inter, pred, true = (sum(f[k] for f in films) for k in ("intersection_px", "predicted_px", "true_px"))
    found, total = sum(f["found"] for f in films), sum(f["components"] for f in films)
    return {"mean_dice": round(float(np.mean([f["dice"] for f in films])), 4),
            "mean_iou": round(float(np.mean([f["iou"] for f in films])), 4),
            "pooled_dice": round(2 * inter / (pred + true), 4) if pred + true else 1.0,
            "component_recall": round(found / total, 4) if total else 1.0,
            "false_components_per_film": round(float(np.mean([f["false_components"] for f in films])), 2),
            "found": found, "components": total}


def summary_lines(summary: dict[str, dict], per_film: dict[str, dict[str, dict]]) -> list[str]:
    """One printable line per method: mean Dice with each film's, pooled Dice, component recall, false components."""
    return [f"{method:<11} mean Dice {row['mean_dice']:.3f} ("
            + " ".join(f"{n} {scores['dice']:.3f}" for n, scores in per_film[method].items())
            + f"), pooled {row['pooled_dice']:.3f}, component recall {row['component_recall']:.3f}, false "
            f"components/film {row['false_components_per_film']}" for method, row in summary.items()]


def leave_one_out_grid(films: Films, grid: list[Hashable], predict: Callable[[str, Hashable], np.ndarray],
                       label: Callable[[Hashable], dict]) -> dict:
    """For each film, the grid point with the best mean Dice on the other films (ties: the earlier point), and the
    film's scores at it. predict(name, point) -> mask; label(point) -> the point as params."""
    table = {(name, point): dice(predict(name, point) > 0, truth) for name, (_, truth) in films.items()
             for point in grid}
    per_film = {}
    for name, (_, truth) in films.items():
        others = [o for o in films if o != name]
        best = max(grid, key=lambda p: (np.mean([table[(o, p)] for o in others]), -grid.index(p)))
        per_film[name] = {**mask_scores(predict(name, best), truth), "chosen": label(best),
                          "others_mean_dice": round(float(np.mean([table[(o, best)] for o in others])), 4)}
    return per_film
