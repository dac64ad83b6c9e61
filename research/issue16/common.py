"""Shared helpers of probe16: masked films, top-hat score, per-film metrics, variant log.

Run scripts with PYTHONPATH=/work/i15 (set below as a fallback) and /work/main/.venv/bin/python.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, "/work/i15")

import cv2
import numpy as np

from riawelc.metrics.film import component_recall, false_positive_components, noise_sigma

ROOT = Path("/work/shared/gdxray")
HERE = Path("/work/probe16")
NAMES = ["bam5", "RRT-12R", "RRT-22R"]
VARIANTS = HERE / "variants.jsonl"


def load_masked():
    """{name: (film uint8, truth bool)} of the three hand-masked films."""
    out = {}
    for k, name in enumerate(NAMES, 1):
        film = cv2.imread(str(ROOT / f"W0001/W0001_000{k}.png"), cv2.IMREAD_GRAYSCALE)
        truth = cv2.imread(str(ROOT / f"W0002/W0002_000{k}.png"), cv2.IMREAD_GRAYSCALE) > 0
        out[name] = (film, truth)
    return out


def tophat(film: np.ndarray, size: int, smooth: float = 1.0, sigma: float | None = None) -> np.ndarray:
    """Black top-hat (closing minus film, elliptic `size`) of the film smoothed by a Gaussian of `smooth` px,
    divided by the film's grain sigma (riawelc.metrics.film.noise_sigma)."""
    sm = cv2.GaussianBlur(film, (0, 0), smooth) if smooth > 0 else film
    el = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    hat = cv2.morphologyEx(sm, cv2.MORPH_BLACKHAT, el).astype(np.float32)
    return hat / (noise_sigma(film) if sigma is None else sigma)


def drop_small(mask: np.ndarray, min_area: int) -> np.ndarray:
    if min_area <= 1:
        return mask.astype(bool)
    n, lab, st, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = st[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep[lab]


def dice(pred: np.ndarray, truth: np.ndarray) -> float:
    a, b = pred.sum(), truth.sum()
    return float(2 * np.logical_and(pred, truth).sum() / (a + b)) if a + b else 1.0


def scores(pred: np.ndarray, truth: np.ndarray) -> dict:
    pred = pred.astype(bool)
    inter = np.logical_and(pred, truth).sum()
    union = np.logical_or(pred, truth).sum()
    cr = component_recall(pred.astype(np.uint8), truth.astype(np.uint8))["all"]
    fp = false_positive_components(pred.astype(np.uint8), truth.astype(np.uint8))
    return {"dice": round(dice(pred, truth), 4), "iou": round(float(inter / union) if union else 1.0, 4),
            "comp_recall": round(cr["recall"], 4), "found": cr["found"], "components": cr["total"],
            "false_components": fp["all"], "predicted_components": fp["predicted_components"]}


def log_variant(name: str, description: str, params: dict, per_film: dict, extra: dict | None = None) -> dict:
    mean = {k: round(float(np.mean([per_film[f][k] for f in per_film])), 4)
            for k in ("dice", "iou", "comp_recall", "false_components")}
    entry = {"name": name, "description": description, "params": params, "per_film": per_film, "mean": mean,
             "time": time.strftime("%H:%M:%S")}
    if extra:
        entry.update(extra)
    with open(VARIANTS, "a") as fh:
        fh.write(json.dumps(entry, default=float) + "\n")
    return entry


def show(entry: dict) -> None:
    pf = entry["per_film"]
    cells = "  ".join(f"{f}: D {pf[f]['dice']:.3f} I {pf[f]['iou']:.3f} R {pf[f]['found']}/{pf[f]['components']} "
                      f"FP {pf[f]['false_components']}" for f in pf)
    print(f"{entry['name']:<34} mean Dice {entry['mean']['dice']:.3f} | {cells}", flush=True)
