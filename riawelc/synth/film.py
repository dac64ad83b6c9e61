"""Synthetic whole films with true defect masks, in the GDXray annotated layout (W0001 films, W0002 masks).

A film is one long bright seam on a darker plate, with defects of the sample's three classes placed along it.
The defects are drawn by the same field makers as the embedded sample's patches (riawelc.synth.patches), inside a
227-px window placed on the film, so the whole-film evaluation stage scores the sample's models on the kind of
defect they were trained on, at film scale: blending, seam band and region extraction all take part.

Layout written by `write_films` (what `riawelc.annotated.read_annotated` reads, as for ../shared/gdxray):
    root/W0001/W0001_000k.png   film k (8-bit)
    root/W0002/W0002_000k.png   its mask (1 = defect, as GDXray's)
    root/W0001/W0001_readme.txt names (W0001_0k synth-film-k.tif)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import DEFECT_CLASSES, PATCH_SIZE
from riawelc.images import encode_png
from riawelc.synth._fields import DEFECTS, PNG_COMPRESSION, Seam, write
from riawelc.synth.patches import MASK_THRESHOLD, MIN_MASK_PIXELS, random_film_style


@dataclass(frozen=True)
class FilmSpec:
    height: int = 640
    width: int = 2400
    defects: int = 6  # placed along the seam, one per stretch of width / defects px


def _smooth_field(rng: np.random.Generator, shape: tuple[int, int], feature_px: float) -> np.ndarray:
    """Random field with features about `feature_px` large, unit std."""
    coarse = rng.normal(size=(int(shape[0] / feature_px) + 3, int(shape[1] / feature_px) + 3)).astype(np.float32)
    field = cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return field / (field.std() + 1e-6)


def generate_film(rng: np.random.Generator, spec: FilmSpec = FilmSpec()) -> tuple[np.ndarray, np.ndarray, list]:
    """(film uint8 (H, W), mask uint8 0/1, [(class, x0, y0) of each defect's window])."""
    height, width = spec.height, spec.width
    style = random_film_style(rng)
    cols = np.arange(width, dtype=np.float32)
    rows = np.arange(height, dtype=np.float32)[:, None]
    # A gently curved, slightly tilted seam line, its width breathing along the film.
    centre = (height * rng.uniform(0.42, 0.58) + rng.uniform(-0.02, 0.02) * (cols - width / 2)
              + rng.uniform(2, 8) * _smooth_field(rng, (1, width), 400)[0]).astype(np.float32)
    halfwidth = (style.seam_halfwidth * (1 + 0.06 * _smooth_field(rng, (1, width), 300)[0])).astype(np.float32)
    offset = rows - centre[None, :]
    band = 1 / (1 + np.exp((np.abs(offset) - halfwidth[None, :]) / rng.uniform(4, 12)))
    dome = 1 - rng.uniform(0.05, 0.25) * np.clip(offset / halfwidth[None, :], -1, 1) ** 2
    period = rng.uniform(8, 18)
    ripples = rng.uniform(0.3, 1.5) * np.cos(2 * np.pi * (cols[None, :] + 0.4 * np.abs(offset)) / period)
    image = style.plate_level + band * (style.seam_contrast * dome + ripples)
    image += rng.uniform(-0.01, 0.01) * (cols[None, :] - width / 2)  # exposure falls off along the film
    image += rng.uniform(2, 6) * _smooth_field(rng, (height, width), 110)
    image += rng.uniform(1, 2.5) * _smooth_field(rng, (height, width), 22)

    field = np.zeros((height, width), np.float32)
    placed = []
    stretch = width / spec.defects
    for k in range(spec.defects):
        label = DEFECT_CLASSES[int(rng.integers(len(DEFECT_CLASSES)))]
        x0 = int(np.clip(k * stretch + rng.uniform(0, stretch - PATCH_SIZE), 0, width - PATCH_SIZE))
        y0 = int(np.clip(np.mean(centre[x0:x0 + PATCH_SIZE]) - PATCH_SIZE / 2, 0, height - PATCH_SIZE))
        local = Seam(centre[x0:x0 + PATCH_SIZE] - y0, halfwidth[x0:x0 + PATCH_SIZE])
        make_field, contrast = DEFECTS[label]
        for _ in range(50):
            one = make_field(rng, local)
            if np.count_nonzero(one >= MASK_THRESHOLD) >= MIN_MASK_PIXELS:
                break
        window = field[y0:y0 + PATCH_SIZE, x0:x0 + PATCH_SIZE]
        image[y0:y0 + PATCH_SIZE, x0:x0 + PATCH_SIZE] -= rng.uniform(*contrast) * one
        np.maximum(window, one, out=window)
        placed.append((label, x0, y0))

    image = cv2.GaussianBlur(image.astype(np.float32), (0, 0), style.unsharpness)
    grain = cv2.GaussianBlur(rng.normal(size=(height, width)).astype(np.float32), (0, 0), 0.9)
    image = image + style.grain_sigma * grain / grain.std()
    film = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return film, (field >= MASK_THRESHOLD).astype(np.uint8), placed


def write_films(root: Path, count: int = 3, seed: int = 0, spec: FilmSpec = FilmSpec()) -> dict:
    """Write `count` films and masks under `root` in the GDXray annotated layout; returns a summary."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    readme = ["Synthetic annotated films (riawelc.synth.film), GDXray W0001/W0002 layout", ""]
    films = []
    for k in range(1, count + 1):
        film, mask, placed = generate_film(rng, spec)
        name = f"synth-film-{k}"
        write(root / "W0001" / f"W0001_{k:04d}.png", encode_png(film, PNG_COMPRESSION))
        write(root / "W0002" / f"W0002_{k:04d}.png", encode_png(mask, PNG_COMPRESSION))
        readme.append(f"W0001_{k:02d} {name}.tif")
        films.append({"name": name, "defects": [{"class": c, "x0": x, "y0": y} for c, x, y in placed],
                      "defect_px": int(mask.sum())})
    (root / "W0001" / "W0001_readme.txt").write_text("\n".join(readme) + "\n")
    return {"seed": seed, "height": spec.height, "width": spec.width, "films": films}
