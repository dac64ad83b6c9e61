"""A contact sheet a person can judge: one film's true defects found, true defects missed, and false alarms, each
cropped around it (prediction outlined in magenta, the hand mask in green) and captioned with its size and how much
of it was predicted. The sheets show film: they stay in cached outputs, never in the repository."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from riawelc.metrics.gallery import grid_image

CROP = 96  # px of film around a component's centre
SCALE = 2  # crops are enlarged this much
TRUTH_COLOUR, PREDICTED_COLOUR = (0, 200, 0), (255, 0, 255)  # RGB


def _crop(film: np.ndarray, pred: np.ndarray, truth: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    half = CROP // 2
    padded = [np.pad(a, half, mode="constant") for a in (film, pred.astype(np.uint8), truth.astype(np.uint8))]
    x, y = int(round(centre[0])) + half, int(round(centre[1])) + half
    window = [a[y - half:y + half, x - half:x + half] for a in padded]
    picture = cv2.cvtColor(cv2.resize(window[0], None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_NEAREST),
                           cv2.COLOR_GRAY2RGB)
    for mask, colour in ((window[2], TRUTH_COLOUR), (window[1], PREDICTED_COLOUR)):
        big = cv2.resize(mask, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_NEAREST)
        contours, _ = cv2.findContours(big, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(picture, contours, -1, colour, 1)
    return picture


def component_cases(pred: np.ndarray, truth: np.ndarray, cover: float = 0.3) -> dict[str, list[dict]]:
    """The true components found (>= `cover` of their pixels predicted) and missed, and the predicted components
    touching no true pixel, each {centre, area, covered}; largest first."""
    pred, truth = np.asarray(pred) > 0, np.asarray(truth) > 0
    cases = {"found": [], "missed": [], "false": []}
    count, labels, stats, centres = cv2.connectedComponentsWithStats(truth.astype(np.uint8), connectivity=8)
    hit = np.bincount(labels[pred], minlength=count)
    for k in range(1, count):
        area = int(stats[k, cv2.CC_STAT_AREA])
        share = hit[k] / area
        cases["found" if share >= cover else "missed"].append(
            {"centre": tuple(centres[k]), "area": area, "covered": round(float(share), 2)})
    count, labels, stats, centres = cv2.connectedComponentsWithStats(pred.astype(np.uint8), connectivity=8)
    touching = np.bincount(labels[truth], minlength=count) > 0
    for k in range(1, count):
        if not touching[k]:
            cases["false"].append({"centre": tuple(centres[k]), "area": int(stats[k, cv2.CC_STAT_AREA]), "covered": 0.0})
    for items in cases.values():
        items.sort(key=lambda c: -c["area"])
    return cases


def contact_sheet(film: np.ndarray, pred: np.ndarray, truth: np.ndarray, per_kind: int = 16,
                  columns: int = 8) -> tuple[np.ndarray, dict[str, int]]:
    """RGB sheet: up to `per_kind` crops of each kind (found, missed, false), and the count of each kind."""
    cases = component_cases(pred, truth)
    tiles, titles = [], []
    for kind, items in cases.items():
        for case in items[:per_kind]:
            tiles.append(_crop(film, pred, truth, case["centre"]))
            x, y = (int(v) for v in case["centre"])
            titles.append(f"{kind} {case['area']}px {int(100 * case['covered'])}% @{x},{y}")
    counts = {kind: len(items) for kind, items in cases.items()}
    if not tiles:
        return np.full((CROP * SCALE, CROP * SCALE, 3), 255, np.uint8), counts
    return grid_image(tiles, titles, columns), counts


def write_sheet(path: str | Path, film: np.ndarray, pred: np.ndarray, truth: np.ndarray, **kwargs) -> dict[str, int]:
    sheet, counts = contact_sheet(film, pred, truth, **kwargs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")
    return counts
