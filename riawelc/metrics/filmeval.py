"""Whole-film inspection against hand-drawn (or synthetic true) masks, beside the black top-hat baseline.

Used by the filmeval stage (stages/filmeval.py). numpy + OpenCV + ONNX Runtime only.

Annotated films (riawelc.metrics.annotated) come in GDXray's layout.

Thresholds are inputs, never fitted on the film they score: `validation_thresholds` picks, per method, the
value with the best pooled Dice on validation patches with true masks; `leave_one_film_out` picks each film's on
the other annotated films; otherwise the model cards' thresholds (learned sources) and the a-priori TOPHAT_SIGMAS
(top-hat) are used. The caller records which.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from riawelc.constants import CLASSES, NO_DEFECT, PATCH_SIZE
from riawelc.inspect.film import FilmModels, FilmSettings, inspect_film
from riawelc.inspect.pseudomask import remove_small_components
# read_annotated is riawelc.metrics' public name for it (its EXPORTS still say filmeval)
from riawelc.metrics.annotated import AnnotatedError, read_annotated  # noqa: F401
from riawelc.metrics.film import TOPHAT_SIGMAS, best_threshold, black_tophat_score, film_scores

TOPHAT = "tophat"
PROBABILITY_GRID = tuple(float(v) for v in np.round(np.arange(0.05, 0.96, 0.05), 2))
SIGMA_GRID = tuple(float(v) for v in np.arange(1.0, 20.01, 0.5))


def validation_thresholds(models: FilmModels, patches: np.ndarray, truths: np.ndarray,
                          sources: list[str]) -> dict[str, tuple[float, float]]:
    """Per method (the learned `sources` that have a per-window score, and the top-hat), (threshold, pooled
    Dice) with the best Dice on validation patches (N, 227, 227, 1) against their true masks (N, 227, 227)."""
    maps: dict[str, list[np.ndarray]] = {s: [] for s in sources if s in ("unet", "unet_gated")}
    for start in range(0, len(patches), 32):
        probabilities, _, masks = models.run(patches[start:start + 32].astype(np.float32))
        if "unet" in maps:
            maps["unet"] += list(masks)
        if "unet_gated" in maps:
            maps["unet_gated"] += list(masks * (1 - probabilities[:, CLASSES.index(NO_DEFECT)])[:, None, None])
    chosen = {method: best_threshold(scores, list(truths), PROBABILITY_GRID) for method, scores in maps.items()}
    chosen[TOPHAT] = best_threshold([black_tophat_score(p[..., 0]) for p in patches], list(truths), SIGMA_GRID)
    return chosen


@dataclass
class FilmMaps:
    """Every method's per-pixel score on one film (probability, or top-hat noise sigmas), over the same pixels."""

    scores: dict[str, np.ndarray]
    card_thresholds: dict[str, float]  # what each method uses when no threshold is chosen
    inspected: np.ndarray  # bool: pixels some window covered (the top-hat is scored there too)
    info: dict[str, dict]  # per learned source: seconds, windows, what region was inspected


def film_maps(film: np.ndarray, models: FilmModels, sources: list[str],
              settings: FilmSettings = FilmSettings()) -> FilmMaps:
    scores, cards, info, inspected = {}, {}, {}, None
    for source in sources:
        inspection = inspect_film(film, models, replace(settings, source=source, threshold=None))
        inspected = inspection.inspected
        scores[source], cards[source] = inspection.probability, inspection.threshold
        info[source] = {"seconds": round(inspection.seconds, 2), "windows": inspection.windows,
                        "region": inspection.region_note}
    if inspected is None:
        inspected = np.ones(film.shape, bool)
    scores[TOPHAT], cards[TOPHAT] = black_tophat_score(film, region=inspected), TOPHAT_SIGMAS
    return FilmMaps(scores, cards, inspected, info)


def score_film(maps: FilmMaps, truth: np.ndarray, thresholds: dict[str, float], min_area: int = 12,
               cover: float = 0.3) -> tuple[dict, dict]:
    """Scores and binary masks (score > threshold, components under min_area px dropped) per method; a method
    missing from `thresholds` uses its card's threshold (learned) or TOPHAT_SIGMAS (top-hat)."""
    scores, masks = {}, {}
    truth_px = max(int(truth.sum()), 1)
    for method, score in maps.scores.items():
        threshold = thresholds.get(method, maps.card_thresholds[method])
        masks[method] = remove_small_components((score > threshold).astype(np.uint8), min_area)
        scores[method] = {**film_scores(score, truth, threshold, cover, masks[method]), **maps.info.get(method, {}),
                          "truth_inspected_share": round(float(truth[maps.inspected].sum()) / truth_px, 4)}
    return scores, masks


def evaluate_film(film: np.ndarray, truth: np.ndarray, models: FilmModels, sources: list[str],
                  thresholds: dict[str, float], settings: FilmSettings = FilmSettings(),
                  cover: float = 0.3) -> tuple[dict, dict]:
    """film_maps then score_film: each learned source and the top-hat, over the same inspected pixels."""
    return score_film(film_maps(film, models, sources, settings), truth, thresholds, settings.min_area, cover)


def leave_one_film_out(maps: dict[str, FilmMaps], truths: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Per film, per method, the threshold with the best Dice pooled over the OTHER films: every film is scored at
    a threshold it had no part in choosing (for annotated films that come without any other validation data)."""
    if len(maps) < 2:
        raise AnnotatedError(f"leave-one-film-out thresholds need at least 2 annotated films, got {len(maps)}")
    chosen = {}
    for name in maps:
        others = [other for other in maps if other != name]
        chosen[name] = {method: best_threshold([maps[o].scores[method] for o in others], [truths[o] for o in others],
                                               SIGMA_GRID if method == TOPHAT else PROBABILITY_GRID)[0]
                        for method in maps[name].scores}
    return chosen


def mean_scores(films: dict[str, dict]) -> dict:
    """Per method, mean IoU / Dice / AP over the films and pooled component recall and false positives."""
    methods = next(iter(films.values())).keys()
    out = {}
    for method in methods:
        entries = [films[f][method] for f in films]
        aps = [e["ap"] for e in entries if e["ap"] is not None]
        found = sum(e["component_recall"]["all"]["found"] for e in entries)
        total = sum(e["component_recall"]["all"]["total"] for e in entries)
        out[method] = {"iou": round(float(np.mean([e["iou"] for e in entries])), 4),
                       "dice": round(float(np.mean([e["dice"] for e in entries])), 4),
                       "ap": round(float(np.mean(aps)), 4) if aps else None,
                       "defects_found": found, "defects": total,
                       "component_recall": round(found / total, 4) if total else None,
                       "false_positive_components_per_film": round(
                           float(np.mean([e["false_positives"]["all"] for e in entries])), 2)}
    return out


def two_colour_picture(film: np.ndarray, predicted: np.ndarray, truth: np.ndarray, width: int = 2400) -> np.ndarray:
    """Film in gray; human mask outlined green, prediction filled magenta (overlap shows both)."""
    picture = cv2.cvtColor(film, cv2.COLOR_GRAY2BGR)
    picture[predicted > 0] = (0.5 * picture[predicted > 0] + 0.5 * np.array([255, 0, 255])).astype(np.uint8)
    contours, _ = cv2.findContours((truth > 0).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(picture, contours, -1, (0, 255, 0), 2)
    scale = min(1.0, width / picture.shape[1])
    return cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def true_mask_patches(rows, read_patches, read_mask) -> tuple[np.ndarray, np.ndarray] | None:
    """(patches, masks) of manifest rows (dicts with path, mask, label) when they carry true masks, else None:
    no_defect rows without a mask file count as clean; defect rows without one leave the whole set out (their
    truth is unknown)."""
    rows = list(rows)
    if not rows or any(r["label"] != NO_DEFECT and not r.get("mask") for r in rows):
        return None
    patches = read_patches([r["path"] for r in rows])
    masks = np.stack([read_mask(r["mask"]) if r.get("mask") else np.zeros((PATCH_SIZE, PATCH_SIZE), np.uint8)
                      for r in rows])
    return patches, masks

