"""What the synthetic generators share: the seam geometry, smooth random fields, the defect intensity fields of
each class, and PNG bytes written the same way every time. Private to riawelc.synth (patches, films, drawn
defects on real windows)."""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import PATCH_SIZE

PNG_COMPRESSION = 9  # fixed, so that a seed gives the same bytes every time


@dataclass(frozen=True)
class Seam:
    centre: np.ndarray  # (PATCH_SIZE,) row of the seam centre line, per column
    halfwidth: np.ndarray  # (PATCH_SIZE,) per column


def smooth_noise(rng: np.random.Generator, cells: int, shape=(PATCH_SIZE, PATCH_SIZE)) -> np.ndarray:
    """Random field with features about PATCH_SIZE / cells pixels large, roughly unit std."""
    coarse = rng.normal(size=(cells + 3, cells + 3)).astype(np.float32)
    big = cv2.resize(coarse, (shape[1] * (cells + 3) // cells, shape[0] * (cells + 3) // cells),
                     interpolation=cv2.INTER_CUBIC)
    oy, ox = (big.shape[0] - shape[0]) // 2, (big.shape[1] - shape[1]) // 2
    field = big[oy:oy + shape[0], ox:ox + shape[1]]
    return field / (field.std() + 1e-6)


def smooth_curve(rng: np.random.Generator, cells: int) -> np.ndarray:
    return smooth_noise(rng, cells, shape=(1, PATCH_SIZE))[0]


def seam_row(seam: Seam, x: float) -> float:
    return float(np.interp(x, np.arange(PATCH_SIZE), seam.centre))


def crack_field(rng: np.random.Generator, seam: Seam) -> np.ndarray:
    """Thin jagged line, mostly along the seam, sometimes across it, sometimes branching."""
    canvas = np.zeros((PATCH_SIZE, PATCH_SIZE), np.uint8)
    half = float(np.mean(seam.halfwidth))
    if rng.random() < 0.25:  # transverse crack
        direction = np.pi / 2 + rng.uniform(-0.35, 0.35)
        x0 = rng.uniform(30, PATCH_SIZE - 30)
        start = (x0, seam_row(seam, x0) - rng.uniform(0.5, 1.0) * half)
        length = rng.uniform(1.0, 1.8) * half
    else:  # longitudinal crack
        direction = rng.uniform(-0.12, 0.12) + (np.pi if rng.random() < 0.5 else 0)
        length = rng.uniform(90, 220)
        x0 = rng.uniform(5, 60) if np.cos(direction) > 0 else rng.uniform(PATCH_SIZE - 60, PATCH_SIZE - 5)
        start = (x0, seam_row(seam, x0) + rng.uniform(-0.45, 0.45) * half)
    main = random_walk(rng, start, direction, length, wander=0.35)
    cv2.polylines(canvas, [main], False, 1, thickness=int(rng.choice([1, 1, 2, 2, 3])))
    for _ in range(rng.choice([0, 0, 1, 2, 3])):  # short thin branches off the main line
        origin = main[rng.integers(len(main))][0].astype(np.float64)
        branch = random_walk(rng, origin, direction + rng.choice([-1, 1]) * rng.uniform(0.5, 1.2),
                              rng.uniform(10, 40), wander=0.45)
        cv2.polylines(canvas, [branch], False, 1, thickness=1)
    line = canvas.astype(np.float32)
    # Crack depth changes along its length; a little blur gives a soft halo that stays under the threshold.
    depth = np.clip(0.8 + 0.2 * smooth_noise(rng, 6), 0.6, 1.0)
    return np.maximum(line, cv2.GaussianBlur(line, (0, 0), 0.7)) * depth


def random_walk(rng: np.random.Generator, start, direction: float, length: float, wander: float) -> np.ndarray:
    """Jagged polyline: short steps whose heading jitters around `direction`; int32 (n, 1, 2) for cv2."""
    steps = max(2, int(length / 2.5))
    heading, point, points = direction, np.array(start, np.float64), [np.array(start, np.float64)]
    for _ in range(steps):
        heading = direction + 0.6 * (heading - direction) + rng.normal(0, wander)
        point = point + 2.5 * np.array([np.cos(heading), np.sin(heading)])
        points.append(point)
    return np.rint(np.array(points)).astype(np.int32).reshape(-1, 1, 2)


def lack_of_penetration_field(rng: np.random.Generator, seam: Seam) -> np.ndarray:
    """Straight dark narrow band on the seam's centre line (the root), long, with crisp edges."""
    rows = np.arange(PATCH_SIZE, dtype=np.float32)[:, None]
    cols = np.arange(PATCH_SIZE, dtype=np.float32)
    centre = seam.centre + rng.uniform(-2, 2)
    width = rng.uniform(3, 9) * (1 + 0.12 * smooth_curve(rng, 5))
    across = np.clip(width[None, :] / 2 - np.abs(rows - centre[None, :]) + 0.5, 0, 1)
    if rng.random() < 0.6:  # runs through the whole patch
        x_start, x_end = -20.0, PATCH_SIZE + 20.0
    else:
        span = rng.uniform(0.5, 0.9) * PATCH_SIZE
        x_start = rng.uniform(-20, PATCH_SIZE - span)
        x_end = x_start + span
    along = np.clip(np.minimum(cols - x_start, x_end - cols) / 6, 0, 1)  # tapered ends
    along *= np.clip(0.85 + 0.12 * smooth_curve(rng, 4), 0.65, 1.0)
    return (across * along[None, :]).astype(np.float32)


def porosity_field(rng: np.random.Generator, seam: Seam) -> np.ndarray:
    """Round gas pores in the seam: a single pore, a cluster, or a line along the seam."""
    half = float(np.mean(seam.halfwidth))
    layout = rng.choice(["single", "cluster", "line"], p=[0.3, 0.4, 0.3])
    x0 = rng.uniform(35, PATCH_SIZE - 35)
    y0 = seam_row(seam, x0) + rng.uniform(-0.5, 0.5) * half
    if layout == "single":
        pores = [(x0, y0, rng.uniform(4, 8))]
    elif layout == "cluster":
        spread = rng.uniform(6, 18)
        pores = [(x0 + rng.normal(0, spread), y0 + rng.normal(0, spread * 0.7), rng.uniform(2, 6))
                 for _ in range(rng.integers(4, 13))]
    else:
        spacing, y0 = rng.uniform(10, 28), seam_row(seam, x0) + rng.uniform(-0.2, 0.2) * half
        count = rng.integers(4, 11)
        xs = x0 + spacing * (np.arange(count) - count / 2) + rng.normal(0, 2, count)
        pores = [(x, seam_row(seam, x) + (y0 - seam_row(seam, x0)) + rng.normal(0, 1.5), rng.uniform(2, 5))
                 for x in xs]
    rows = np.arange(PATCH_SIZE, dtype=np.float32)[:, None]
    cols = np.arange(PATCH_SIZE, dtype=np.float32)[None, :]
    field = np.zeros((PATCH_SIZE, PATCH_SIZE), np.float32)
    for x, y, radius in pores:
        # Slightly elliptical; darkness follows the path length through a sphere, and small pores are fainter.
        angle, aspect = rng.uniform(0, np.pi), rng.uniform(1.0, 1.35)
        u = (cols - x) * np.cos(angle) + (rows - y) * np.sin(angle)
        v = -(cols - x) * np.sin(angle) + (rows - y) * np.cos(angle)
        rho2 = (u / (radius * aspect)) ** 2 + (v / radius) ** 2
        sphere = np.sqrt(np.clip(1 - rho2, 0, 1))
        field = np.maximum(field, (0.6 + 0.4 * min(radius, 8) / 8) * sphere)
    return field


# Field maker and range of darkening (gray levels at field 1) per defect class.
DEFECTS = {
    "crack": (crack_field, (18, 38)),
    "lack_of_penetration": (lack_of_penetration_field, (18, 45)),
    "porosity": (porosity_field, (22, 55)),
}


def write(path: Path, data: bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)
