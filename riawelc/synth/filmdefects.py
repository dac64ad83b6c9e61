"""Crack and lack-of-penetration shapes drawn after the real films' ones, for riawelc.synth.composite.

The sample's field makers (riawelc.synth.patches) draw mostly longitudinal cracks and a crisp, continuous root line
through the window. On the BAM films (contact sheets of `python -m riawelc.films.tree`, high-passed) it is the other
way round: most cracks are thin, broken lines running obliquely or across the seam (RRT-23R, 101R, 102R, 88R),
a few run along it (RRT-30R); lack of penetration is a soft-edged dark band 5-13 px wide, off the window's
centre row by up to a seam half width, and mostly broken into dashes (RRT-27R, 90R). Both are fainter than
the sample's, about 3-10 grain sigmas. A classifier taught the sample's shapes calls RRT-30R's thin longitudinal
crack lack of penetration. Each maker returns an intensity field in [0, 1] as synth's do, and comes with its
darkness range in grain sigmas; porosity keeps the sample's maker.
"""

from __future__ import annotations

import cv2
import numpy as np

from riawelc.constants import PATCH_SIZE
from riawelc.synth._fields import Seam, random_walk, seam_row, smooth_curve, smooth_noise


def _broken(rng: np.random.Generator, points: np.ndarray) -> list[np.ndarray]:
    """Split a polyline into runs with short gaps: real cracks are chains of segments, not one stroke."""
    runs, k = [], 0
    while k < len(points) - 1:
        length = int(rng.integers(6, 40))
        runs.append(points[k:k + length + 1])
        k += length + int(rng.integers(0, 5))
    return [run for run in runs if len(run) >= 2]


def film_crack_field(rng: np.random.Generator, seam: Seam) -> np.ndarray:
    """One to three thin broken lines: oblique or transverse (most), along the seam, or short and curved."""
    canvas = np.zeros((PATCH_SIZE, PATCH_SIZE), np.uint8)
    half = float(np.mean(seam.halfwidth))
    kind = rng.choice(["across", "along", "curved"], p=[0.55, 0.3, 0.15])
    for _ in range(1 if kind != "across" or rng.random() < 0.7 else int(rng.integers(2, 4))):
        if kind == "across":  # 35-85 degrees from the seam, top to bottom of the band
            angle = rng.uniform(0.6, 1.5)
            direction = angle if rng.choice([-1, 1]) > 0 else np.pi - angle  # pointing down, to either side
            x0 = rng.uniform(20, PATCH_SIZE - 20)
            start, length, wander = (x0, seam_row(seam, x0) - rng.uniform(0.6, 1.2) * half), rng.uniform(80, 240), 0.3
        elif kind == "along":
            direction = rng.normal(0, 0.04) + (np.pi if rng.random() < 0.5 else 0)
            x0 = rng.uniform(-10, 40) if np.cos(direction) > 0 else rng.uniform(PATCH_SIZE - 40, PATCH_SIZE + 10)
            start = (x0, seam_row(seam, x0) + rng.uniform(-0.5, 0.5) * half)
            length, wander = rng.uniform(120, 300), 0.12
        else:
            x0 = rng.uniform(40, PATCH_SIZE - 40)
            start = (x0, seam_row(seam, x0) + rng.uniform(-0.6, 0.6) * half)
            direction, length, wander = rng.uniform(0, 2 * np.pi), rng.uniform(40, 120), 0.6
        line = random_walk(rng, start, direction, length, wander)
        cv2.polylines(canvas, _broken(rng, line), False, 1, thickness=int(rng.choice([1, 1, 1, 2])))
    field = canvas.astype(np.float32)
    depth = np.clip(0.75 + 0.25 * smooth_noise(rng, 6), 0.4, 1.0)  # depth changes along the crack
    return np.maximum(field, cv2.GaussianBlur(field, (0, 0), 0.7)) * depth


def film_lack_of_penetration_field(rng: np.random.Generator, seam: Seam) -> np.ndarray:
    """A soft-edged dark band along the seam, off centre, continuous (a quarter) or broken into dashes."""
    rows = np.arange(PATCH_SIZE, dtype=np.float32)[:, None]
    cols = np.arange(PATCH_SIZE, dtype=np.float32)
    half = float(np.mean(seam.halfwidth))
    row = seam.centre + rng.uniform(-0.55, 0.55) * half + rng.normal(0, 0.02) * (cols - PATCH_SIZE / 2)
    sigma = rng.uniform(2.0, 4.5) * (1 + 0.15 * smooth_curve(rng, 5))  # mask width about 3.3 sigma: 7-15 px
    across = np.exp(-0.5 * ((rows - row[None, :]) / sigma[None, :]) ** 2)
    along = np.zeros(PATCH_SIZE, np.float32)
    if rng.random() < 0.25:
        dashes = [(-20.0, PATCH_SIZE + 20.0)]
    else:
        dashes, x = [], rng.uniform(-30, 150)
        while x < PATCH_SIZE and len(dashes) < 5:
            length = rng.uniform(15, 140)
            dashes.append((x, x + length))
            x += length + rng.uniform(5, 60)
    for x_start, x_end in dashes:
        taper = rng.uniform(4, 15)
        dash = np.clip(np.minimum(cols - x_start, x_end - cols) / taper, 0, 1) * rng.uniform(0.6, 1.0)
        along = np.maximum(along, dash)
    return (across * along[None, :]).astype(np.float32)


# Field maker and darkness at field 1, in grain sigmas, per class.
FILM_SHAPES = {"crack": (film_crack_field, (3.0, 10.0)),
               "lack_of_penetration": (film_lack_of_penetration_field, (3.0, 10.0))}
