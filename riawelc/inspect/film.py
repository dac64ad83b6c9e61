"""Whole-film inspection: slide the exported ONNX models over a film and blend their windows into defect maps.

    riawelc inspect --models models --films <folder> --out <folder>   (the command: riawelc.cli)

numpy + OpenCV + ONNX Runtime only (no TensorFlow), so the pipeline and the service share it. Per film:
- the seam band (riawelc.seam) is inspected, or the whole film when its seam does not fit the one-band model
  (the reason is reported) or when asked (`region="film"`);
- 227-px windows every `stride` px are run through the classifier and the U-Net in batches;
- the windows' maps are blended with a smooth 2-D Hann weight (with a stride of half a window the weights of
  overlapping windows sum to a constant, so the blend has no seams at window edges);
- the per-pixel defect probability comes from `source`: the U-Net's mask ("unet"), optionally weighted by the
  window's P(defect) ("unet_gated"), or the class activation maps ("cam", a 14 x 14 grid for smallcnn: about
  16 px cells), optionally limited to the pixels darker than their local background ("cam_dark", the
  pseudomask stage's dark-pixel rule);
- the mask is `probability > threshold` without components under `min_area` px; each component is a region
  (box, class from the per-class CAM maps, score, area in mm^2 at riawelc.constants.MM_PER_PIXEL).
Source "candidates" is the real-film detector instead (riawelc.inspect.detector, `detector.json`): no windows; the
black top-hat candidates in the same band, each with its rejector probability and its component classifier's class,
and, when the detector has a cell model, each 1 cm cell along the film called defect or not (riawelc.inspect.cells).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import (CLASS_COLOURS, CLASSES, CLASSIFIER, DEFECT_CLASSES, MM_PER_PIXEL, NO_DEFECT, PATCH_SIZE,
                               UNET)
from riawelc.images import (
    IMAGE_SUFFIXES,
    BadImage,
    from_unet_size,
    image_files,
    to_unet_size,
    write_png,
)
from riawelc.inspect.cam import scale_maps, upsample
from riawelc.inspect.cells import UNCLASSIFIED, Cell
from riawelc.inspect.delineator import Delineator, DelineatorError, delineator_of
from riawelc.inspect.detector import DETECTOR_FILE, Detector, DetectorError
from riawelc.inspect.filmfile import read_film
from riawelc.inspect.pseudomask import PseudoMaskConfig, dark_pixels, disk, remove_small_components
from riawelc.seam import Seam, find_seam

SOURCES = ("unet", "unet_gated", "cam", "cam_dark", "candidates")
REGIONS = ("seam", "film")
CELL_BAR_PX = 12  # height of the overlay's bar under a defect cell
DEFECT_INDEX = [CLASSES.index(name) for name in DEFECT_CLASSES]
NO_DEFECT_INDEX = CLASSES.index(NO_DEFECT)
# int8_classifier: the small U-Net gained nothing from int8 on this CPU (memory-bound), the classifier did.
MODEL_FILES = {"fp32": (f"{CLASSIFIER}.onnx", f"{UNET}.onnx"), "int8": (f"{CLASSIFIER}.int8.onnx", f"{UNET}.int8.onnx"),
               "int8_classifier": (f"{CLASSIFIER}.int8.onnx", f"{UNET}.onnx")}


class FilmInspectError(ValueError):
    """A problem that stops the inspection of one film or of the whole run; the message names it."""


@dataclass(frozen=True)
class FilmSettings:
    """How a film is inspected.

    stride: px between neighbouring windows (both directions); half a window gives a seamless Hann blend.
    region: "seam" inspects the seam band grown by `band_margin` px (whole film if the seam does not fit),
        "film" the whole film.
    source: where the defect probability comes from (see the module docstring).
    threshold: probability above which a pixel is defect; None takes it from the model cards (the U-Net card's
        metrics.threshold for the U-Net sources, the pseudomask threshold of the classifier card for the CAM
        sources, the detector's threshold for "candidates"), i.e. values chosen on training data, never on the
        inspected films.
    min_area: regions smaller than this (px) are dropped (defects are small: keep it small).
    batch_size: windows per ONNX Runtime call.
    """

    stride: int = PATCH_SIZE // 2
    region: str = "seam"
    band_margin: int = 40
    source: str = "unet"
    threshold: float | None = None
    min_area: int = 12
    batch_size: int = 32

    def __post_init__(self) -> None:
        if not 1 <= self.stride <= PATCH_SIZE:
            raise ValueError(f"stride must be in [1, {PATCH_SIZE}], got {self.stride}")
        if self.region not in REGIONS:
            raise ValueError(f"region must be one of {REGIONS}, got {self.region!r}")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        if self.band_margin < 0 or self.min_area < 0 or self.batch_size < 1:
            raise ValueError("band_margin and min_area must be >= 0 and batch_size >= 1")


class FilmModels:
    """The two ONNX sessions and what their cards say (CAM scale, thresholds, pseudomask parameters), and the
    real-film detector and its delineator when there are. A folder with only a detector serves source "candidates"
    alone."""

    def __init__(self, classifier, unet, cam_scale: float, unet_threshold: float = 0.5,
                 pseudomask: PseudoMaskConfig = PseudoMaskConfig(), name: str = "models",
                 detector: Detector | None = None, delineator: Delineator | None = None):
        self.classifier, self.unet = classifier, unet
        self.cam_scale, self.unet_threshold, self.pseudomask, self.name = cam_scale, unet_threshold, pseudomask, name
        self.detector, self.delineator = detector, delineator

    @classmethod
    def load(cls, model_dir: str | Path, variant: str = "fp32", threads: int | None = None,
             detector: str | Path | None = None) -> "FilmModels":
        """Sessions for `model_dir`/classifier.onnx and unet.onnx ("int8": the *.int8.onnx files, "int8_classifier":
        the int8 classifier with the fp32 U-Net) and their cards; the detector from `detector`, else
        `model_dir`/detector.json when it exists, and the delineator its file names, beside it."""
        model_dir = Path(model_dir)
        if variant not in MODEL_FILES:
            raise FilmInspectError(f"model variant must be one of {tuple(MODEL_FILES)}, got {variant!r}")
        detector_path = Path(detector) if detector is not None else model_dir / DETECTOR_FILE
        loaded, delineator = None, None
        if detector is not None or detector_path.is_file():
            try:
                loaded = Detector.load(detector_path)
                delineator = delineator_of(loaded.delineation, detector_path.parent, threads)
            except (DetectorError, DelineatorError) as error:
                raise FilmInspectError(str(error)) from None
        files = [model_dir / name for name in MODEL_FILES[variant]]
        cards = [model_dir / f"{name}.json" for name in (CLASSIFIER, UNET)]
        if loaded is not None and not any(p.exists() for p in files + cards):
            return cls(None, None, 1.0, name=f"{detector_path} (detector only)", detector=loaded,
                       delineator=delineator)
        models = cls._load_onnx(model_dir, variant, threads, files, cards)
        models.detector, models.delineator = loaded, delineator
        return models

    @classmethod
    def _load_onnx(cls, model_dir: Path, variant: str, threads: int | None, files: list[Path],
                   cards: list[Path]) -> "FilmModels":
        import onnxruntime as ort

        missing = [str(p) for p in files + cards if not p.is_file()]
        if missing:
            raise FilmInspectError(f"missing model files: {', '.join(missing)} "
                                   "(run the export stage, or pass --models)")
        try:
            classifier_card, unet_card = (json.loads(p.read_text()) for p in cards)
        except json.JSONDecodeError as error:
            raise FilmInspectError(f"unreadable model card in {model_dir}: {error}") from None
        cam_scale = classifier_card.get("cam_scale")
        if not isinstance(cam_scale, (int, float)) or not cam_scale > 0:
            raise FilmInspectError(f"{cards[0]}: cam_scale must be a positive number, got {cam_scale!r}")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        try:
            sessions = [ort.InferenceSession(str(p), options, providers=["CPUExecutionProvider"]) for p in files]
        except Exception as error:  # noqa: BLE001 - ONNX Runtime raises its own exception types for bad files
            raise FilmInspectError(f"cannot load the ONNX models in {model_dir}: {error}") from None
        threshold = (unet_card.get("metrics") or {}).get("threshold")
        known = {f.name for f in fields(PseudoMaskConfig)}  # a newer card may carry more keys
        pseudomask = PseudoMaskConfig(**{k: v for k, v in (classifier_card.get("pseudomask") or {}).items()
                                         if k in known})
        return cls(sessions[0], sessions[1], float(cam_scale), float(threshold) if threshold is not None else 0.5,
                   pseudomask, f"{model_dir} ({variant})")

    def threshold_for(self, source: str) -> float:
        if source == "candidates":
            return self.detector.threshold if self.detector is not None else 0.5
        return self.unet_threshold if source.startswith("unet") else self.pseudomask.threshold

    def run(self, pixels: np.ndarray, need_unet: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(N, 227, 227, 1) float32 -> probabilities (N, C), raw cams (N, h, w, C), U-Net mask (N, 227, 227) or None."""
        if self.classifier is None:
            raise FilmInspectError(f"{self.name} has no classifier.onnx or unet.onnx: only source 'candidates' runs")
        probabilities, cams = self.classifier.run(["probabilities", "cams"], {"image": pixels})
        masks = None
        if need_unet:
            (unet_out,) = self.unet.run(["mask"], {"image": to_unet_size(pixels, is_mask=False)})
            masks = from_unet_size(unet_out)[..., 0]
        return probabilities, cams, masks


@dataclass
class Region:
    box: tuple[int, int, int, int]  # x, y, width, height (film px)
    cls: str  # defect class with the strongest mean class map over the region
    score: float  # highest defect probability in the region
    mean_probability: float
    area_px: int
    area_mm2: float

    def as_dict(self) -> dict:
        out = asdict(self)
        out["class"] = out.pop("cls")
        return out


@dataclass
class FilmInspection:
    probability: np.ndarray  # (H, W) float32 defect probability in [0, 1]
    class_maps: np.ndarray  # (len(DEFECT_CLASSES), H, W) float32: blended P(class) * scaled CAM of each class
    mask: np.ndarray  # (H, W) uint8 0/1
    inspected: np.ndarray  # (H, W) bool: pixels some window covered
    regions: list[Region]
    threshold: float
    windows: int
    seconds: float
    region_note: str  # what was inspected and why
    seam: Seam | None = None
    settings: dict = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)  # each 1 cm cell called (source "candidates" with a cell model)

    def summary(self) -> dict:
        return {"height": int(self.mask.shape[0]), "width": int(self.mask.shape[1]), "windows": self.windows,
                "seconds": round(self.seconds, 3), "threshold": self.threshold, "region": self.region_note,
                "settings": self.settings, "defect_area_mm2": round(float(self.mask.sum()) * MM_PER_PIXEL**2, 3),
                "regions": [r.as_dict() for r in self.regions], "cells": [c.as_dict() for c in self.cells]}


def hann_weights(size: int = PATCH_SIZE) -> np.ndarray:
    """A 2-D Hann window sin^2(pi (i + 0.5) / size), positive everywhere (a lone window at a film edge still counts)."""
    one = np.sin(np.pi * (np.arange(size) + 0.5) / size) ** 2
    return np.outer(one, one).astype(np.float32)


def _starts(length: int, stride: int, size: int = PATCH_SIZE) -> list[int]:
    """Window origins from 0 every `stride` px, the last one flush with the end (length >= size)."""
    starts = list(range(0, length - size + 1, stride))
    if starts[-1] != length - size:
        starts.append(length - size)
    return starts


def window_origins(shape: tuple[int, int], stride: int, seam: Seam | None = None, half_band: float = 0.0,
                   size: int = PATCH_SIZE) -> list[tuple[int, int]]:
    """(y0, x0) of the windows covering a film of `shape` (>= size both ways), or only its seam band
    (the seam line +- half_band) when `seam` is given."""
    height, width = shape
    origins = []
    for x0 in _starts(width, stride, size):
        if seam is None:
            origins += [(y0, x0) for y0 in _starts(height, stride, size)]
            continue
        line = seam.y_at(np.arange(x0, x0 + size))
        top = int(np.clip(np.floor(line.min() - half_band), 0, height))
        bottom = int(np.clip(np.ceil(line.max() + half_band), 0, height))
        if bottom - top <= size:
            centre = (top + bottom) / 2
            origins.append((int(np.clip(round(centre - size / 2), 0, height - size)), x0))
        else:
            origins += [(top + y0, x0) for y0 in _starts(bottom - top, stride, size)]
    return origins


class Blender:
    """Weighted running sums of window maps onto a film-sized canvas; `result` divides by the weights."""

    def __init__(self, shape: tuple[int, int], channels: int, size: int = PATCH_SIZE):
        self.sums = np.zeros((channels, *shape), np.float32)
        self.weights = np.zeros(shape, np.float32)
        self.window = hann_weights(size)
        self.size = size

    def add(self, y0: int, x0: int, maps: np.ndarray) -> None:
        """maps: (channels, size, size) for the window at (y0, x0)."""
        s = self.size
        self.sums[:, y0:y0 + s, x0:x0 + s] += maps * self.window
        self.weights[y0:y0 + s, x0:x0 + s] += self.window

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(channels, H, W) blended maps (0 where no window reached) and the covered pixels."""
        covered = self.weights > 0
        out = np.zeros_like(self.sums)
        np.divide(self.sums, self.weights, out=out, where=covered)
        return out, covered


def extract_regions(probability: np.ndarray, class_maps: np.ndarray, threshold: float,
                    min_area: int = 0) -> tuple[np.ndarray, list[Region]]:
    """mask = probability > threshold without 8-connected components under min_area px; one Region each."""
    mask = remove_small_components((probability > threshold).astype(np.uint8), min_area)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    regions = []
    for k in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[k])
        inside = labels[y:y + h, x:x + w] == k
        values = probability[y:y + h, x:x + w][inside]
        class_means = [float(m[y:y + h, x:x + w][inside].mean()) for m in class_maps]
        cls = DEFECT_CLASSES[int(np.argmax(class_means))] if max(class_means) > 0 else UNCLASSIFIED
        regions.append(Region((x, y, w, h), cls, round(float(values.max()), 4),
                              round(float(values.mean()), 4), area, round(area * MM_PER_PIXEL**2, 4)))
    regions.sort(key=lambda r: -r.score)
    return mask, regions


def _inspected_area(film: np.ndarray, settings: FilmSettings) -> tuple[Seam | None, float, str]:
    if settings.region == "film":
        return None, 0.0, "whole film (asked)"
    seam = find_seam(film)
    if not seam.fits:
        return None, 0.0, f"whole film: {seam.reason}"
    half_band = seam.half_height + settings.band_margin
    return seam, half_band, f"seam band: line +- {half_band:.0f} px"


def inspected_band(film: np.ndarray, settings: FilmSettings = FilmSettings()) -> tuple[Seam | None, np.ndarray | None,
                                                                                  str]:
    """(seam, the pixels inspected as a bool mask or None for the whole film, what was inspected and why)."""
    seam, half_band, note = _inspected_area(film, settings)
    if seam is None:
        return None, None, note
    rows = np.arange(film.shape[0], dtype=np.float64)[:, None]
    return seam, np.abs(rows - seam.y_at(np.arange(film.shape[1]))[None, :]) <= half_band, note


def inspect_film(film: np.ndarray, models: FilmModels, settings: FilmSettings = FilmSettings()) -> FilmInspection:
    """Slide both models over a 2-D uint8 film and return its blended defect maps and regions."""
    started = time.perf_counter()
    film = np.asarray(film)
    if film.ndim != 2 or film.dtype != np.uint8:
        raise FilmInspectError(f"film must be a 2-D uint8 array, got shape {film.shape} dtype {film.dtype}")
    if settings.source == "candidates":
        return _inspect_candidates(film, models, settings, started)
    height, width = film.shape
    # A film smaller than one window is padded by reflection and the maps cropped back.
    padded = cv2.copyMakeBorder(film, 0, max(PATCH_SIZE - height, 0), 0, max(PATCH_SIZE - width, 0),
                                cv2.BORDER_REFLECT_101) if min(film.shape) < PATCH_SIZE else film
    seam, half_band, note = _inspected_area(padded, settings)
    origins = window_origins(padded.shape, settings.stride, seam, half_band)
    need_unet = settings.source.startswith("unet")
    blender = Blender(padded.shape, len(DEFECT_CLASSES) + 1)
    for start in range(0, len(origins), settings.batch_size):
        chunk = origins[start:start + settings.batch_size]
        pixels = np.stack([padded[y0:y0 + PATCH_SIZE, x0:x0 + PATCH_SIZE] for y0, x0 in chunk])[..., None]
        probabilities, cams, masks = models.run(pixels.astype(np.float32), need_unet)
        # Per-class maps: scaled CAM of each defect class weighted by its probability (the /predict overlay rule).
        class_cams = np.stack([upsample(scale_maps(cams[..., c], models.cam_scale, probabilities[:, c]))
                               for c in DEFECT_INDEX], axis=1)  # (n, 3, 227, 227)
        if settings.source == "unet":
            defect = masks
        elif settings.source == "unet_gated":
            defect = masks * (1.0 - probabilities[:, NO_DEFECT_INDEX])[:, None, None]
        else:
            defect = np.clip(class_cams.sum(axis=1), 0.0, 1.0)
        for (y0, x0), maps, one_defect in zip(chunk, class_cams, defect):
            blender.add(y0, x0, np.concatenate([one_defect[None], maps]))
    blended, covered = blender.result()
    blended, covered = blended[:, :height, :width], covered[:height, :width]
    probability = blended[0]
    if settings.source == "cam_dark":
        probability = probability * _dark_prior(film, covered, models.pseudomask)
    threshold = settings.threshold if settings.threshold is not None else models.threshold_for(settings.source)
    mask, regions = extract_regions(probability, blended[1:], threshold, settings.min_area)
    return FilmInspection(probability, blended[1:], mask, covered, regions, threshold, len(origins),
                          time.perf_counter() - started, note, seam, asdict(settings))


def _inspect_candidates(film: np.ndarray, models: FilmModels, settings: FilmSettings, started: float) -> FilmInspection:
    """The detector's candidates in the seam band (or the whole film), each painted with its probability."""
    detector = models.detector
    if detector is None:
        raise FilmInspectError(f"source 'candidates' needs a detector: {models.name} has no {DETECTOR_FILE} "
                               "(build it with `dvc repro realfilms/dvc.yaml`, or pass --detector)")
    seam, region, note = inspected_band(film, settings)
    detection = detector.detect(film, seam, region)
    probability = detection.candidates.paint(detection.probability)
    if detection.class_probabilities is not None:
        class_maps = np.stack([detection.candidates.paint(detection.class_probabilities[:, k])
                               for k in range(len(DEFECT_CLASSES))])
    else:
        class_maps = np.zeros((len(DEFECT_CLASSES), *film.shape), np.float32)
    covered = region if region is not None else np.ones(film.shape, bool)
    threshold = settings.threshold if settings.threshold is not None else detector.threshold
    if models.delineator is not None:
        probability, class_maps = _delineate(film, detection.candidates.smooth, probability, class_maps, threshold,
                                             covered, models.delineator)
    mask, regions = extract_regions(probability, class_maps, threshold, settings.min_area)
    cells = detector.cells(film, detection, seam, region)
    return FilmInspection(probability, class_maps, mask, covered, regions, threshold, 0,
                          time.perf_counter() - started, note + f"; {len(detection.candidates)} candidates", seam,
                          asdict(settings), cells)


def _delineate(film: np.ndarray, smooth: float, probability: np.ndarray, class_maps: np.ndarray, threshold: float,
               covered: np.ndarray, delineator: Delineator) -> tuple[np.ndarray, np.ndarray]:
    """The delineator's outline pixels join the kept region they border: each takes the largest probability (and
    class map values) of the kept pixels within the delineator's reach."""
    kept = probability > threshold
    added = delineator.outline(film, smooth, kept) & ~kept & covered
    if not added.any():
        return probability, class_maps
    element = disk(delineator.radius)

    def spread(values):  # a grey dilation of the kept pixels' values
        return cv2.dilate(np.where(kept, values, 0).astype(np.float32), element)

    probability = np.where(added, spread(probability), probability).astype(np.float32)
    class_maps = np.stack([np.where(added, spread(m), m) for m in class_maps]).astype(np.float32)
    return probability, class_maps


def _dark_prior(film: np.ndarray, covered: np.ndarray, cfg: PseudoMaskConfig) -> np.ndarray:
    """The pseudomask stage's dark pixels (below the local background), computed over the covered rows only."""
    rows = np.flatnonzero(covered.any(axis=1))
    prior = np.zeros(film.shape, np.float32)
    if rows.size:
        top, bottom = rows[0], rows[-1] + 1
        prior[top:bottom] = dark_pixels(np.ascontiguousarray(film[top:bottom]), cfg)
    return prior




def overlay(film: np.ndarray, inspection: FilmInspection, alpha: float = 0.5) -> np.ndarray:
    """The film in gray, the defect probability as a heat map (opacity rising with the probability up to `alpha`
    at the threshold, so faint evidence does not wash the film), and every region's box in its class colour
    (BGR uint8)."""
    picture = cv2.cvtColor(film, cv2.COLOR_GRAY2BGR)
    heat = cv2.applyColorMap(np.clip(inspection.probability * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_JET)
    opacity = alpha * np.clip(inspection.probability / max(inspection.threshold, 1e-6), 0, 1)[..., None]
    picture = (picture * (1 - opacity) + heat * opacity).astype(np.uint8)
    for region in inspection.regions:
        x, y, w, h = region.box
        colour = CLASS_COLOURS.get(region.cls, (255, 255, 255))
        cv2.rectangle(picture, (x - 2, y - 2), (x + w + 1, y + h + 1), colour, 2)
        cv2.putText(picture, f"{region.cls} {region.score:.2f}", (x, max(y - 6, 12)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, colour, 1, cv2.LINE_AA)
    bottom = picture.shape[0] - 1
    for cell in inspection.cells:  # a bar along the film's bottom edge under each defect cell
        if cell.defect:
            colour = CLASS_COLOURS.get(cell.cls, (255, 255, 255))
            cv2.rectangle(picture, (cell.x0 + 2, bottom - CELL_BAR_PX), (cell.x1 - 3, bottom), colour, -1)
            cv2.putText(picture, f"cell {cell.cell} {cell.probability:.2f}", (cell.x0 + 4, bottom - CELL_BAR_PX - 4),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
    return picture


def write_outputs(out: Path, stem: str, film: np.ndarray, inspection: FilmInspection, source_file: str = "") -> None:
    """out/masks/<stem>.png (255 = defect), out/probability/<stem>.png (probability x 255), out/overlays/<stem>.png,
    out/regions/<stem>.json."""
    write_png(out / "masks" / f"{stem}.png", inspection.mask * np.uint8(255))
    probability = np.clip(np.rint(inspection.probability * 255), 0, 255).astype(np.uint8)
    write_png(out / "probability" / f"{stem}.png", probability)
    write_png(out / "overlays" / f"{stem}.png", overlay(film, inspection))
    (out / "regions").mkdir(parents=True, exist_ok=True)
    (out / "regions" / f"{stem}.json").write_text(json.dumps({"film": source_file or stem, **inspection.summary()},
                                                             indent=1) + "\n")


def film_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise FilmInspectError(f"--films {folder} is not a folder")
    files = image_files(folder)
    if not files:
        raise FilmInspectError(f"--films {folder} holds no image files ({', '.join(IMAGE_SUFFIXES)})")
    return files


def inspect_folder(films: Path, models: FilmModels, out: Path, settings: FilmSettings, log=print,
                   progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Inspect every film of `films`; a film that fails is reported and the others go on. Returns the summary.
    `progress(done, total, film)` is called after each film (a progress bar, say)."""
    files = film_files(films)
    results = []
    for index, path in enumerate(files):
        try:
            film = read_film(path)
            inspection = inspect_film(film, models, settings)
            write_outputs(out, path.stem, film, inspection, path.name)
        except (BadImage, FilmInspectError, OSError) as error:
            results.append({"film": path.name, "status": "error", "error": str(error)})
            log(f"error: {path.name}: {error}", file=sys.stderr)
        else:
            results.append({"film": path.name, "status": "inspected", "regions": len(inspection.regions),
                            "seconds": round(inspection.seconds, 2), "region": inspection.region_note})
            log(f"[{index + 1}/{len(files)}] {path.name}: {len(inspection.regions)} regions, {inspection.windows} "
                f"windows, {inspection.seconds:.1f} s, {inspection.region_note}")
        if progress is not None:
            progress(index + 1, len(files), path.name)
    summary = {"models": models.name, "settings": asdict(settings), "films": results}
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary

