"""Composite patches: synthetic defects drawn onto real film windows, with true masks.

    riawelc composite --patches data-films --out data-composite [--seed 0] [--shapes film] [--every-class]

The real film patches (riawelc.films.tree) have weak labels (1 cm cells) and no masks; the synthetic sample has true
masks but a film look no real film has. Here every `no_defect` window of a real patch tree is kept as it is or
receives one synthetic defect (crack, lack of penetration or porosity, by the sample's own field makers), drawn
with a darkness of `contrast` x the window's grain sigma, so defect visibility follows each film's exposure and
grain. With `shapes="film"` cracks and lack of penetration take the shapes of the real films' ones
(riawelc.synth.filmdefects) instead of the sample's; with `every_class=True` every window appears once under each of
the four labels (clean, and with one defect of each class), so a film's look says nothing about the class. The
result is a RIAWELC-layout tree with `masks/`, the film ids kept in the names, that the whole DAG trains on
unchanged (`profiles/gdxray_composite.yaml`): real grain, real exposure spread, known masks. The
backgrounds' own unlisted defects (about a quarter of "no defect" windows hold one, README "Real films") stay
in as label noise.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import CLASSES, DEFECT_CLASSES, MASKS_DIRNAME, NO_DEFECT, PATCH_SIZE
from riawelc.images import BadImage, encode_png, image_files, read_patch
from riawelc.metrics.film import noise_sigma
from riawelc.synth._fields import DEFECTS, PNG_COMPRESSION, Seam, write
from riawelc.synth.filmdefects import FILM_SHAPES
from riawelc.synth.patches import MASK_THRESHOLD, MIN_MASK_PIXELS


class CompositeError(ValueError):
    """The input is not a patch tree this command can use; the message names the folder."""


CONTRAST = (4.0, 14.0)  # defect darkness at field 1, in grain sigmas: real pores pass a 10-sigma top-hat
SHAPES = ("sample", "film")  # whose crack and lack-of-penetration shapes are drawn
SEAM_HALF_WIDTH = 60.0  # px: where the field makers put pores and cracks (within the band) and the root line


def seam_of(window: np.ndarray, half_width: float = SEAM_HALF_WIDTH) -> Seam:
    """The window's seam as the sample's field makers expect it. riawelc.films.tree cuts its windows centred on the
    fitted seam line, and at native scale the band fills most of a window, so: the centre row, a fixed half width."""
    return Seam(np.full(PATCH_SIZE, (PATCH_SIZE - 1) / 2, np.float32), np.full(PATCH_SIZE, half_width, np.float32))


def add_defect(window: np.ndarray, label: str, rng: np.random.Generator,
               contrast: tuple[float, float] = CONTRAST, shapes: str = "sample") -> tuple[np.ndarray, np.ndarray]:
    """(window with one synthetic defect of class `label`, its uint8 0/1 mask)."""
    if window.shape != (PATCH_SIZE, PATCH_SIZE) or window.dtype != np.uint8:
        raise ValueError(f"window must be a {PATCH_SIZE} x {PATCH_SIZE} uint8 array, got {window.shape} {window.dtype}")
    if shapes not in SHAPES:
        raise ValueError(f"shapes must be one of {SHAPES}, got {shapes!r}")
    make_field = DEFECTS[label][0]
    if shapes == "film" and label in FILM_SHAPES:  # the real films' shapes carry their own darkness
        make_field, contrast = FILM_SHAPES[label]
    seam = seam_of(window)
    for _ in range(50):
        field = make_field(rng, seam)
        if np.count_nonzero(field >= MASK_THRESHOLD) >= MIN_MASK_PIXELS:
            break
    darkness = rng.uniform(*contrast) * noise_sigma(window)
    blurred = cv2.GaussianBlur(field, (0, 0), rng.uniform(0.5, 0.9))  # the imaging blur the film already has
    image = np.clip(np.rint(window.astype(np.float32) - darkness * blurred), 0, 255).astype(np.uint8)
    return image, (field >= MASK_THRESHOLD).astype(np.uint8)


def _no_defect_windows(patches: Path) -> list[Path]:
    folder = patches / NO_DEFECT
    if not folder.is_dir():
        raise CompositeError(f"{patches} has no {NO_DEFECT}/ folder: pass a patch tree made by riawelc films")
    files = image_files(folder)
    if not files:
        raise CompositeError(f"{folder} holds no patches")
    return files


def write_composite(patches: Path, out: Path, seed: int = 0, contrast: tuple[float, float] = CONTRAST,
                    shapes: str = "sample", every_class: bool = False) -> dict:
    """Deal the no_defect windows of `patches` round-robin (seeded order) over the four classes, or give each
    window every class (`every_class`); write the tree. Defect copies of a window are named `<name>_<class>`."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; write the composite tree into an empty folder")
    rng = np.random.default_rng(seed)
    files = _no_defect_windows(Path(patches))
    counts = {name: 0 for name in CLASSES}
    skipped = []
    for k, index in enumerate(rng.permutation(len(files))):
        path = files[index]
        try:
            clean = read_patch(path)
        except BadImage as error:
            skipped.append(f"{path.name}: {error}")
            continue
        for label in CLASSES if every_class else [CLASSES[k % len(CLASSES)]]:
            name, window, mask = path.name, clean, None
            if label in DEFECT_CLASSES:
                window, mask = add_defect(clean, label, rng, contrast, shapes)
                name = f"{path.stem}_{label}{path.suffix}" if every_class else name
            write(out / label / name, encode_png(window, PNG_COMPRESSION))
            if mask is not None:
                write(out / MASKS_DIRNAME / name, encode_png(mask * 255, PNG_COMPRESSION))
            counts[label] += 1
    return {"patches": str(patches), "seed": seed, "contrast_sigmas": list(contrast), "shapes": shapes,
            "every_class": every_class, "per_class": counts,
            "films": len({p.name.split("_Img")[0] for p in files}), "skipped": skipped}

