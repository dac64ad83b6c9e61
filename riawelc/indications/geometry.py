"""A set of pixels' oriented extent: its length along the weld and width across it (cv2.minAreaRect on the pixel
centres, one pixel added to each side so that one pixel measures 1 x 1), and its angle to the film's x axis."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from riawelc.seam import Seam


@dataclass(frozen=True)
class Extent:
    centre: tuple[float, float]  # x, y (film px)
    along: float  # px, the rectangle side closer to the seam's direction
    across: float  # px, the other side
    angle: float  # degrees of the `along` side to the film's x axis, in (-90, 90]


def seam_direction(seam: Seam | None, x: float) -> np.ndarray:
    """Unit vector of the seam line at column x; the film's x axis when there is no seam."""
    if seam is None or not seam.fits:
        return np.array([1.0, 0.0])
    slope = float(np.polyval(np.polyder(seam.coefficients), x)) if len(seam.coefficients) > 1 else 0.0
    vector = np.array([1.0, slope])
    return vector / np.linalg.norm(vector)


def oriented_extent(xs: np.ndarray, ys: np.ndarray, seam: Seam | None) -> Extent:
    points = np.stack([xs, ys], axis=1).astype(np.float32)
    (cx, cy), _, _ = rect = cv2.minAreaRect(points)
    corners = cv2.boxPoints(rect)
    sides = [corners[1] - corners[0], corners[2] - corners[1]]
    lengths = [float(np.hypot(*side)) + 1.0 for side in sides]
    direction = seam_direction(seam, cx)
    alignment = []
    for side, length in zip(sides, lengths):
        unit = side / (length - 1.0) if length > 1.0 else np.array([1.0, 0.0])
        alignment.append(abs(float(np.dot(unit, direction))))
    k = 0 if alignment[0] >= alignment[1] else 1
    along_side = sides[k] if lengths[k] > 1.0 else np.array([1.0, 0.0])
    angle = float(np.degrees(np.arctan2(along_side[1], along_side[0])))
    angle = angle - 180.0 if angle > 90.0 else angle + 180.0 if angle <= -90.0 else angle
    return Extent((float(cx), float(cy)), lengths[k], lengths[1 - k], round(angle, 2))


def feret_diameter(xs: np.ndarray, ys: np.ndarray) -> float:
    """The longest distance across a set of pixels (between hull pixel centres, plus one pixel): a pore's diameter."""
    hull = cv2.convexHull(np.stack([xs, ys], axis=1).astype(np.float32)).reshape(-1, 2).astype(np.float64)
    if len(hull) < 2:
        return 1.0
    gaps = hull[:, None, :] - hull[None, :, :]
    return float(np.sqrt((gaps**2).sum(-1)).max()) + 1.0
