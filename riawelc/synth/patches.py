"""Synthetic weld-radiograph patches in the RIAWELC layout.

Radiographs are negatives: metal thickness shows bright, so the weld seam is a bright band on a darker plate
and voids (cracks, pores, lack of penetration) are darker than their surroundings. Each patch comes with its
true binary mask, which RIAWELC itself does not have: it lets us score CAM pseudo-masks and the U-Net.

`write_sample` writes a small RIAWELC-like tree, including the flaws of the real release that this project
fixes: patches split at random (not by radiograph), byte-identical copies across splits, copies under a
conflicting class, and re-encoded near-duplicates.
"""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import (
    CLASSES,
    MASKS_DIRNAME,
    NO_DEFECT,
    ORIGINAL_SPLITS,
    PATCH_SIZE,
    RIAWELC_FOLDERS,
)
from riawelc.images import encode_png
from riawelc.synth._fields import (
    DEFECTS,
    PNG_COMPRESSION,
    Seam,
    smooth_curve,
    smooth_noise,
    write,
)

NEAR_DUPLICATE_COMPRESSION = 1  # same pixels, different bytes
MASK_THRESHOLD = 0.25  # a pixel is defect where the defect intensity field reaches this
MIN_MASK_PIXELS = 12  # a defect patch must show at least this much defect
SPLIT_FRACTIONS = (0.70, 0.15, 0.15)  # RIAWELC's random split, in ORIGINAL_SPLITS order
EXACT_COPY_FRACTION = 0.05
CONFLICTING_COPIES = 3
NEAR_DUPLICATES = 3
# Ten films in the RRT-NNNR style, one in the bam style.
RADIOGRAPH_IDS = tuple(f"RRT-{n}R" for n in range(901, 911)) + ("bam9",)
GRID_ROWS = 6  # patches per film: a few rows across the seam, many columns along it

FOLDER_OF_CLASS = {label: folder for folder, label in RIAWELC_FOLDERS.items()}


@dataclass(frozen=True)
class FilmStyle:
    """What patches cut from one radiograph have in common (exposure, seam, grain)."""

    plate_level: float  # gray level of the plate beside the seam
    seam_contrast: float  # how much brighter the seam is
    seam_halfwidth: float  # pixels
    grain_sigma: float  # film grain, gray levels
    unsharpness: float  # Gaussian sigma of the imaging blur, pixels


def random_film_style(rng: np.random.Generator) -> FilmStyle:
    return FilmStyle(
        plate_level=rng.uniform(45, 95),
        seam_contrast=rng.uniform(55, 110),
        seam_halfwidth=rng.uniform(35, 75),
        grain_sigma=rng.uniform(1.4, 2.2),
        unsharpness=rng.uniform(0.5, 0.9),
    )


def generate_patch(
    label: str, rng: np.random.Generator, style: FilmStyle | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One 227x227 uint8 patch of class `label` and its uint8 0/1 defect mask (all zeros for no_defect)."""
    if label not in CLASSES:
        raise ValueError(f"Unknown label {label!r}; expected one of {CLASSES}")
    if style is None:
        style = random_film_style(rng)
    # Patches of one film still differ a little.
    style = FilmStyle(
        plate_level=style.plate_level + rng.normal(0, 6),
        seam_contrast=style.seam_contrast * rng.uniform(0.85, 1.15),
        seam_halfwidth=style.seam_halfwidth * rng.uniform(0.85, 1.15),
        grain_sigma=style.grain_sigma * rng.uniform(0.9, 1.1),
        unsharpness=style.unsharpness,
    )
    seam = _random_seam(rng, style)
    image = _background(rng, style, seam)

    field = np.zeros((PATCH_SIZE, PATCH_SIZE), np.float32)
    if label != NO_DEFECT:
        make_field, contrast = DEFECTS[label]
        for _ in range(50):  # retry the rare defect that falls mostly outside the patch
            field = make_field(rng, seam)
            if np.count_nonzero(field >= MASK_THRESHOLD) >= MIN_MASK_PIXELS:
                break
        image = image - rng.uniform(*contrast) * field

    # Imaging blur softens edges; grain is added after it, as on film.
    image = cv2.GaussianBlur(image, (0, 0), style.unsharpness)
    image = image + _grain(rng, style.grain_sigma)
    image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    mask = (field >= MASK_THRESHOLD).astype(np.uint8)
    return image, mask


# ---------------------------------------------------------------- background


def _random_seam(rng: np.random.Generator, style: FilmStyle) -> Seam:
    x = np.arange(PATCH_SIZE, dtype=np.float32) - PATCH_SIZE / 2
    centre = (rng.uniform(0.35, 0.65) * PATCH_SIZE + rng.uniform(-0.08, 0.08) * x
              + rng.uniform(-4e-4, 4e-4) * x**2 + rng.uniform(0, 3) * smooth_curve(rng, 3))
    halfwidth = style.seam_halfwidth * (1 + rng.uniform(0.02, 0.08) * smooth_curve(rng, 4))
    return Seam(centre.astype(np.float32), halfwidth.astype(np.float32))


def _background(rng: np.random.Generator, style: FilmStyle, seam: Seam) -> np.ndarray:
    """Plate, bright seam with weld ripples, uneven exposure and mild benign mottling (no grain yet)."""
    rows = np.arange(PATCH_SIZE, dtype=np.float32)[:, None]
    cols = np.arange(PATCH_SIZE, dtype=np.float32)[None, :]
    offset = rows - seam.centre[None, :]
    edge_softness = rng.uniform(4, 12)
    band = 1 / (1 + np.exp((np.abs(offset) - seam.halfwidth[None, :]) / edge_softness))
    dome = 1 - rng.uniform(0.05, 0.25) * np.clip(offset / seam.halfwidth[None, :], -1, 1) ** 2
    # Solidification ripples: faint chevrons along the seam.
    period, chevron = rng.uniform(8, 18), rng.uniform(0, 0.6)
    ripples = rng.uniform(0.3, 1.5) * np.cos(2 * np.pi * (cols + chevron * np.abs(offset)) / period
                                             + rng.uniform(0, 2 * np.pi))
    image = style.plate_level + band * (style.seam_contrast * dome + ripples)
    # Uneven exposure: a gentle gradient plus broad blotches; mottling at a smaller (still benign) scale.
    image += rng.uniform(-0.06, 0.06) * (cols - PATCH_SIZE / 2) + rng.uniform(-0.06, 0.06) * (rows - PATCH_SIZE / 2)
    image += rng.uniform(2, 6) * smooth_noise(rng, 2)
    image += rng.uniform(1, 2.5) * smooth_noise(rng, 10)
    return image.astype(np.float32)


def _grain(rng: np.random.Generator, sigma: float) -> np.ndarray:
    # Slightly correlated grain looks like film and compresses a little better than white noise.
    noise = cv2.GaussianBlur(rng.normal(size=(PATCH_SIZE, PATCH_SIZE)).astype(np.float32), (0, 0), 0.9)
    return sigma * noise / noise.std()


# ---------------------------------------------------------------- defects
# Each returns an intensity field in [0, 1]: how strongly each pixel is darkened (times the contrast).


# ---------------------------------------------------------------- the RIAWELC-like tree


def patch_file_name(radiograph_id: str, row: int, col: int) -> str:
    return f"{radiograph_id}_Img1_A80_S1_[{row}][{col}].png"


def _stratified_splits(rng: np.random.Generator, labels: list[str]) -> list[str]:
    """Random 70/15/15 split by patch (per class, so every class folder exists), as RIAWELC did."""
    splits = [""] * len(labels)
    for label in CLASSES:
        members = rng.permutation([i for i, name in enumerate(labels) if name == label])
        n_val = max(1, round(SPLIT_FRACTIONS[1] * len(members)))
        n_test = max(1, round(SPLIT_FRACTIONS[2] * len(members)))
        order = [ORIGINAL_SPLITS[1]] * n_val + [ORIGINAL_SPLITS[2]] * n_test
        order += [ORIGINAL_SPLITS[0]] * (len(members) - len(order))
        for i, split in zip(members, order):
            splits[i] = split
    return splits


def write_sample(root: Path, seed: int = 0, per_class: int = 120) -> dict:
    """Write a synthetic RIAWELC tree under `root` (must be empty or absent) and return a summary.

    Layout: root/{training,validation,testing}/{Difetto1,Difetto2,Difetto4,NoDifetto}/<film>_Img1_A80_S1_[r][c].png
    and root/masks/<file name> (0/255 PNG) for every defect patch.
    """
    if per_class < 4:
        raise ValueError(f"per_class must be at least 4 (one patch per split and class), got {per_class}")
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty; write the sample into an empty folder")
    rng = np.random.default_rng(seed)

    labels = [label for label in CLASSES for _ in range(per_class)]
    n = len(labels)
    # Few films for a tiny sample, so that each film still holds several classes.
    film_ids = list(RADIOGRAPH_IDS[:min(len(RADIOGRAPH_IDS), max(3, n // 8)) - 1]) + [RADIOGRAPH_IDS[-1]]
    styles = {film: random_film_style(rng) for film in film_ids}
    film_of = [""] * n
    for k, i in enumerate(rng.permutation(n)):
        film_of[i] = film_ids[k % len(film_ids)]
    grid_cols = max(40, -(-2 * n // (GRID_ROWS * len(film_ids))))
    free_cells = {film: [divmod(int(c), grid_cols) for c in rng.permutation(GRID_ROWS * grid_cols)]
                  for film in film_ids}
    names = [patch_file_name(film_of[i], *free_cells[film_of[i]].pop()) for i in range(n)]
    splits = _stratified_splits(rng, labels)

    total_bytes = 0
    files: list[tuple[str, str]] = []  # (split, class) of every image file written
    images, masks = [], []
    for i, label in enumerate(labels):
        image, mask = generate_patch(label, rng, styles[film_of[i]])
        images.append(image)
        masks.append(mask)
        total_bytes += write(root / splits[i] / FOLDER_OF_CLASS[label] / names[i], encode_png(image, PNG_COMPRESSION))
        files.append((splits[i], label))
        if label != NO_DEFECT:
            total_bytes += write(root / MASKS_DIRNAME / names[i], encode_png(mask * 255, PNG_COMPRESSION))

    # RIAWELC's duplicates, each from its own source patches.
    n_exact = max(1, round(EXACT_COPY_FRACTION * n))
    sources = rng.permutation(n)[:n_exact + CONFLICTING_COPIES + NEAR_DUPLICATES].tolist()
    for i in sources[:n_exact]:  # same bytes, same class, another split
        split = str(rng.choice([s for s in ORIGINAL_SPLITS if s != splits[i]]))
        total_bytes += write(root / split / FOLDER_OF_CLASS[labels[i]] / names[i], encode_png(images[i], PNG_COMPRESSION))
        files.append((split, labels[i]))
    for i in sources[n_exact:n_exact + CONFLICTING_COPIES]:  # same bytes, another class
        label = str(rng.choice([c for c in CLASSES if c != labels[i]]))
        split = str(rng.choice(ORIGINAL_SPLITS))
        total_bytes += write(root / split / FOLDER_OF_CLASS[label] / names[i], encode_png(images[i], PNG_COMPRESSION))
        files.append((split, label))
    for i in sources[n_exact + CONFLICTING_COPIES:]:  # same pixels, other bytes, another film id
        film = str(rng.choice([f for f in film_ids if f != film_of[i]]))
        name = patch_file_name(film, *free_cells[film].pop())
        data = encode_png(images[i], NEAR_DUPLICATE_COMPRESSION)
        if data == encode_png(images[i], PNG_COMPRESSION):
            raise RuntimeError("re-encoding did not change the PNG bytes; pick another compression level")
        split = str(rng.choice(ORIGINAL_SPLITS))
        total_bytes += write(root / split / FOLDER_OF_CLASS[labels[i]] / name, data)
        files.append((split, labels[i]))
        if labels[i] != NO_DEFECT:
            total_bytes += write(root / MASKS_DIRNAME / name, encode_png(masks[i] * 255, PNG_COMPRESSION))

    return {
        "seed": seed,
        "unique_patches": n,
        "image_files": len(files),
        "per_class": {c: sum(1 for _, label in files if label == c) for c in CLASSES},
        "per_split": {s: sum(1 for split, _ in files if split == s) for s in ORIGINAL_SPLITS},
        "radiographs": film_ids,
        "exact_copies": n_exact,
        "conflicting_copies": CONFLICTING_COPIES,
        "near_duplicates": NEAR_DUPLICATES,
        "mask_files": sum(1 for label in labels if label != NO_DEFECT)
        + sum(1 for i in sources[n_exact + CONFLICTING_COPIES:] if labels[i] != NO_DEFECT),
        "total_bytes": total_bytes,
    }
