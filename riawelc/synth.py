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

PNG_COMPRESSION = 9  # fixed, so that a seed gives the same bytes every time
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


@dataclass(frozen=True)
class _Seam:
    centre: np.ndarray  # (PATCH_SIZE,) row of the seam centre line, per column
    halfwidth: np.ndarray  # (PATCH_SIZE,) per column


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
        make_field, contrast = _DEFECTS[label]
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


def _smooth_noise(rng: np.random.Generator, cells: int, shape=(PATCH_SIZE, PATCH_SIZE)) -> np.ndarray:
    """Random field with features about PATCH_SIZE / cells pixels large, roughly unit std."""
    coarse = rng.normal(size=(cells + 3, cells + 3)).astype(np.float32)
    big = cv2.resize(coarse, (shape[1] * (cells + 3) // cells, shape[0] * (cells + 3) // cells),
                     interpolation=cv2.INTER_CUBIC)
    oy, ox = (big.shape[0] - shape[0]) // 2, (big.shape[1] - shape[1]) // 2
    field = big[oy:oy + shape[0], ox:ox + shape[1]]
    return field / (field.std() + 1e-6)


def _smooth_curve(rng: np.random.Generator, cells: int) -> np.ndarray:
    return _smooth_noise(rng, cells, shape=(1, PATCH_SIZE))[0]


def _random_seam(rng: np.random.Generator, style: FilmStyle) -> _Seam:
    x = np.arange(PATCH_SIZE, dtype=np.float32) - PATCH_SIZE / 2
    centre = (rng.uniform(0.35, 0.65) * PATCH_SIZE + rng.uniform(-0.08, 0.08) * x
              + rng.uniform(-4e-4, 4e-4) * x**2 + rng.uniform(0, 3) * _smooth_curve(rng, 3))
    halfwidth = style.seam_halfwidth * (1 + rng.uniform(0.02, 0.08) * _smooth_curve(rng, 4))
    return _Seam(centre.astype(np.float32), halfwidth.astype(np.float32))


def _background(rng: np.random.Generator, style: FilmStyle, seam: _Seam) -> np.ndarray:
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
    image += rng.uniform(2, 6) * _smooth_noise(rng, 2)
    image += rng.uniform(1, 2.5) * _smooth_noise(rng, 10)
    return image.astype(np.float32)


def _grain(rng: np.random.Generator, sigma: float) -> np.ndarray:
    # Slightly correlated grain looks like film and compresses a little better than white noise.
    noise = cv2.GaussianBlur(rng.normal(size=(PATCH_SIZE, PATCH_SIZE)).astype(np.float32), (0, 0), 0.9)
    return sigma * noise / noise.std()


# ---------------------------------------------------------------- defects
# Each returns an intensity field in [0, 1]: how strongly each pixel is darkened (times the contrast).


def _seam_row(seam: _Seam, x: float) -> float:
    return float(np.interp(x, np.arange(PATCH_SIZE), seam.centre))


def _crack_field(rng: np.random.Generator, seam: _Seam) -> np.ndarray:
    """Thin jagged line, mostly along the seam, sometimes across it, sometimes branching."""
    canvas = np.zeros((PATCH_SIZE, PATCH_SIZE), np.uint8)
    half = float(np.mean(seam.halfwidth))
    if rng.random() < 0.25:  # transverse crack
        direction = np.pi / 2 + rng.uniform(-0.35, 0.35)
        x0 = rng.uniform(30, PATCH_SIZE - 30)
        start = (x0, _seam_row(seam, x0) - rng.uniform(0.5, 1.0) * half)
        length = rng.uniform(1.0, 1.8) * half
    else:  # longitudinal crack
        direction = rng.uniform(-0.12, 0.12) + (np.pi if rng.random() < 0.5 else 0)
        length = rng.uniform(90, 220)
        x0 = rng.uniform(5, 60) if np.cos(direction) > 0 else rng.uniform(PATCH_SIZE - 60, PATCH_SIZE - 5)
        start = (x0, _seam_row(seam, x0) + rng.uniform(-0.45, 0.45) * half)
    main = _random_walk(rng, start, direction, length, wander=0.35)
    cv2.polylines(canvas, [main], False, 1, thickness=int(rng.choice([1, 1, 2, 2, 3])))
    for _ in range(rng.choice([0, 0, 1, 2, 3])):  # short thin branches off the main line
        origin = main[rng.integers(len(main))][0].astype(np.float64)
        branch = _random_walk(rng, origin, direction + rng.choice([-1, 1]) * rng.uniform(0.5, 1.2),
                              rng.uniform(10, 40), wander=0.45)
        cv2.polylines(canvas, [branch], False, 1, thickness=1)
    line = canvas.astype(np.float32)
    # Crack depth changes along its length; a little blur gives a soft halo that stays under the threshold.
    depth = np.clip(0.8 + 0.2 * _smooth_noise(rng, 6), 0.6, 1.0)
    return np.maximum(line, cv2.GaussianBlur(line, (0, 0), 0.7)) * depth


def _random_walk(rng: np.random.Generator, start, direction: float, length: float, wander: float) -> np.ndarray:
    """Jagged polyline: short steps whose heading jitters around `direction`; int32 (n, 1, 2) for cv2."""
    steps = max(2, int(length / 2.5))
    heading, point, points = direction, np.array(start, np.float64), [np.array(start, np.float64)]
    for _ in range(steps):
        heading = direction + 0.6 * (heading - direction) + rng.normal(0, wander)
        point = point + 2.5 * np.array([np.cos(heading), np.sin(heading)])
        points.append(point)
    return np.rint(np.array(points)).astype(np.int32).reshape(-1, 1, 2)


def _lack_of_penetration_field(rng: np.random.Generator, seam: _Seam) -> np.ndarray:
    """Straight dark narrow band on the seam's centre line (the root), long, with crisp edges."""
    rows = np.arange(PATCH_SIZE, dtype=np.float32)[:, None]
    cols = np.arange(PATCH_SIZE, dtype=np.float32)
    centre = seam.centre + rng.uniform(-2, 2)
    width = rng.uniform(3, 9) * (1 + 0.12 * _smooth_curve(rng, 5))
    across = np.clip(width[None, :] / 2 - np.abs(rows - centre[None, :]) + 0.5, 0, 1)
    if rng.random() < 0.6:  # runs through the whole patch
        x_start, x_end = -20.0, PATCH_SIZE + 20.0
    else:
        span = rng.uniform(0.5, 0.9) * PATCH_SIZE
        x_start = rng.uniform(-20, PATCH_SIZE - span)
        x_end = x_start + span
    along = np.clip(np.minimum(cols - x_start, x_end - cols) / 6, 0, 1)  # tapered ends
    along *= np.clip(0.85 + 0.12 * _smooth_curve(rng, 4), 0.65, 1.0)
    return (across * along[None, :]).astype(np.float32)


def _porosity_field(rng: np.random.Generator, seam: _Seam) -> np.ndarray:
    """Round gas pores in the seam: a single pore, a cluster, or a line along the seam."""
    half = float(np.mean(seam.halfwidth))
    layout = rng.choice(["single", "cluster", "line"], p=[0.3, 0.4, 0.3])
    x0 = rng.uniform(35, PATCH_SIZE - 35)
    y0 = _seam_row(seam, x0) + rng.uniform(-0.5, 0.5) * half
    if layout == "single":
        pores = [(x0, y0, rng.uniform(4, 8))]
    elif layout == "cluster":
        spread = rng.uniform(6, 18)
        pores = [(x0 + rng.normal(0, spread), y0 + rng.normal(0, spread * 0.7), rng.uniform(2, 6))
                 for _ in range(rng.integers(4, 13))]
    else:
        spacing, y0 = rng.uniform(10, 28), _seam_row(seam, x0) + rng.uniform(-0.2, 0.2) * half
        count = rng.integers(4, 11)
        xs = x0 + spacing * (np.arange(count) - count / 2) + rng.normal(0, 2, count)
        pores = [(x, _seam_row(seam, x) + (y0 - _seam_row(seam, x0)) + rng.normal(0, 1.5), rng.uniform(2, 5))
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
_DEFECTS = {
    "crack": (_crack_field, (18, 38)),
    "lack_of_penetration": (_lack_of_penetration_field, (18, 45)),
    "porosity": (_porosity_field, (22, 55)),
}


# ---------------------------------------------------------------- the RIAWELC-like tree


def patch_file_name(radiograph_id: str, row: int, col: int) -> str:
    return f"{radiograph_id}_Img1_A80_S1_[{row}][{col}].png"


def _encode_png(image: np.ndarray, compression: int = PNG_COMPRESSION) -> bytes:
    ok, buffer = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:
        raise RuntimeError("cv2.imencode failed to encode a PNG")
    return buffer.tobytes()


def _write(path: Path, data: bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


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
        total_bytes += _write(root / splits[i] / FOLDER_OF_CLASS[label] / names[i], _encode_png(image))
        files.append((splits[i], label))
        if label != NO_DEFECT:
            total_bytes += _write(root / MASKS_DIRNAME / names[i], _encode_png(mask * 255))

    # RIAWELC's duplicates, each from its own source patches.
    n_exact = max(1, round(EXACT_COPY_FRACTION * n))
    sources = rng.permutation(n)[:n_exact + CONFLICTING_COPIES + NEAR_DUPLICATES].tolist()
    for i in sources[:n_exact]:  # same bytes, same class, another split
        split = str(rng.choice([s for s in ORIGINAL_SPLITS if s != splits[i]]))
        total_bytes += _write(root / split / FOLDER_OF_CLASS[labels[i]] / names[i], _encode_png(images[i]))
        files.append((split, labels[i]))
    for i in sources[n_exact:n_exact + CONFLICTING_COPIES]:  # same bytes, another class
        label = str(rng.choice([c for c in CLASSES if c != labels[i]]))
        split = str(rng.choice(ORIGINAL_SPLITS))
        total_bytes += _write(root / split / FOLDER_OF_CLASS[label] / names[i], _encode_png(images[i]))
        files.append((split, label))
    for i in sources[n_exact + CONFLICTING_COPIES:]:  # same pixels, other bytes, another film id
        film = str(rng.choice([f for f in film_ids if f != film_of[i]]))
        name = patch_file_name(film, *free_cells[film].pop())
        data = _encode_png(images[i], NEAR_DUPLICATE_COMPRESSION)
        if data == _encode_png(images[i]):
            raise RuntimeError("re-encoding did not change the PNG bytes; pick another compression level")
        split = str(rng.choice(ORIGINAL_SPLITS))
        total_bytes += _write(root / split / FOLDER_OF_CLASS[labels[i]] / name, data)
        files.append((split, labels[i]))
        if labels[i] != NO_DEFECT:
            total_bytes += _write(root / MASKS_DIRNAME / name, _encode_png(masks[i] * 255))

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
