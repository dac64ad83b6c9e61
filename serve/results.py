"""From decoded patches to response bodies, on the library's own functions (runs in the inference pool).

- /predict: riawelc.inspect.patches.inspect_patches (classifier only) -> class, probabilities, and the overlay of the
  predicted (or named) class's CAM: riawelc.inspect.cam.class_heatmaps, the same scaled, probability-weighted map as the
  inspection, drawn by riawelc.metrics.gallery.overlay.
- /segment: the CAM mask of riawelc.inspect.pseudomask.make_pseudomask, fed as the pseudomask stage feeds it (the raw map
  of one class, scaled by the card's cam_scale, upsampled, NOT weighted by probability), with the predicted class
  (or the named one) in place of the true label the stage has.
- /segment/unet: inspect_patches with the U-Net; optionally gated by P(no_defect).
- /inspect: riawelc.assessment.assess on the same sessions (Models.film): riawelc.inspect.film.inspect_film, the
  indications (riawelc.indications) and the verdicts (riawelc.acceptance); the overlay, or the report
  (riawelc.report).
"""

from __future__ import annotations

import base64
import dataclasses
import time
from datetime import UTC, datetime

import cv2
import numpy as np

import msgspec

from riawelc.assessment import Assessment, Judging, assess
from riawelc.constants import CLASS_INDEX, CLASSES, CLASSIFIER, NO_DEFECT, UNET
from riawelc.images import encode_png
from riawelc.inspect.cam import class_heatmaps
from riawelc.inspect.film import FilmSettings
from riawelc.inspect.film import overlay as film_overlay
from riawelc.inspect.drawing import overlay
from riawelc.inspect.pseudomask import make_pseudomask
from riawelc.report import ReportContext, render_report
from serve.decode import DecodedFilm, DecodedPatch
from serve.runtime import Models
from serve.schemas import (
    BatchItem,
    BatchResult,
    FilmCell,
    FilmRegion,
    FilmScale,
    Indication,
    InputInfo,
    InspectResult,
    PredictResult,
    Rules,
    SegmentResult,
    UnetSegmentResult,
    Verdict,
)

FILM_PNG_COMPRESSION = 3  # a 5,000 x 1,300 overlay: about 5 MB in 0.35 s (level 9: 4.7 MB in 4 s)


def png_base64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def rgb_png(array: np.ndarray) -> bytes:
    """An RGB picture (riawelc.inspect.drawing's overlays) as PNG bytes (OpenCV writes BGR)."""
    return encode_png(cv2.cvtColor(array, cv2.COLOR_RGB2BGR))


def _probabilities(row: np.ndarray) -> dict[str, float]:
    return {name: float(p) for name, p in zip(CLASSES, row)}


def input_info(patch: DecodedPatch, filename: str | None) -> InputInfo:
    return InputInfo(filename, patch.format, patch.mode, list(patch.original_size), patch.resized,
                     list(patch.conversions))


class Timed:
    """Adds the inference time of each call to the named endpoint's histogram."""

    def __init__(self, histogram, endpoint: str):
        self.histogram, self.endpoint = histogram, endpoint

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.histogram.labels(self.endpoint).observe(time.perf_counter() - self.start)


def predict(models: Models, patch: DecodedPatch, filename: str | None, cam_class: str | None,
            timer: Timed) -> tuple[PredictResult, bytes]:
    """The /predict body and the overlay PNG itself (for clients that ask for image/png)."""
    with timer:
        result, cams = models.inspect(patch.pixels[None], with_unet=False)
    predicted = int(result.predicted[0])
    shown = CLASS_INDEX[cam_class] if cam_class else predicted
    heat = result.heatmaps[0] if shown == predicted else class_heatmaps(
        cams, np.array([shown]), models.cam_scale, result.probabilities)[0]
    png = rgb_png(overlay(patch.pixels, heat))
    body = PredictResult(
        class_=CLASSES[predicted], confidence=float(result.probabilities[0, predicted]),
        probabilities=_probabilities(result.probabilities[0]), cam_class=CLASSES[shown], overlay_png=png_base64(png),
        resized=patch.resized, original_size=list(patch.original_size), input=input_info(patch, filename),
        model_version=models.version,
    )
    return body, png


def segment_cam(models: Models, patch: DecodedPatch, filename: str | None, cam_class: str | None,
                timer: Timed) -> SegmentResult:
    with timer:
        result, cams = models.inspect(patch.pixels[None], with_unet=False)
        predicted = int(result.predicted[0])
        chosen = CLASS_INDEX[cam_class] if cam_class else predicted
        heat = class_heatmaps(cams, np.array([chosen]), models.cam_scale)[0]  # unweighted, as the stage does
        mask = make_pseudomask(patch.pixels, heat, CLASSES[chosen], models.pseudomask)
    empty_reason = None
    if CLASSES[chosen] == NO_DEFECT:
        empty_reason = "the mask class is no_defect: pseudo-masks of no_defect patches are empty"
    elif not mask.any():
        empty_reason = f"no pixel of the {CLASSES[chosen]} activation map reaches the threshold " \
                       f"{models.pseudomask.threshold} (or all components were under min_area)"
    return SegmentResult(
        class_=CLASSES[predicted], confidence=float(result.probabilities[0, predicted]),
        probabilities=_probabilities(result.probabilities[0]), mask_class=CLASSES[chosen],
        mask_png=png_base64(encode_png(mask * 255)), defect_pixels=int(mask.sum()),
        defect_fraction=float(mask.mean()), empty_reason=empty_reason,
        postprocessing=dataclasses.asdict(models.pseudomask), postprocessing_source=models.pseudomask_source,
        resized=patch.resized, original_size=list(patch.original_size), input=input_info(patch, filename),
        model_version=models.version,
    )


def segment_unet(models: Models, patch: DecodedPatch, filename: str | None, gate_no_defect: float | None,
                 timer: Timed) -> UnetSegmentResult:
    with timer:
        result, _ = models.inspect(patch.pixels[None], with_unet=True)
    predicted = int(result.predicted[0])
    p_clean = float(result.probabilities[0, CLASS_INDEX[NO_DEFECT]])
    mask = result.masks[0]
    gated = gate_no_defect is not None and p_clean > gate_no_defect
    reason = None
    if gated:
        mask = np.zeros_like(mask)
        reason = f"classifier says no_defect with probability {p_clean:.3f} > RIAWELC_GATE_NO_DEFECT={gate_no_defect}"
    return UnetSegmentResult(
        class_=CLASSES[predicted], confidence=float(result.probabilities[0, predicted]),
        probabilities=_probabilities(result.probabilities[0]), mask_png=png_base64(encode_png(mask * 255)),
        defect_pixels=int(mask.sum()), defect_fraction=float(mask.mean()),
        max_probability=float(result.mask_probabilities[0].max()), threshold=models.mask_threshold,
        gated=gated, gate_reason=reason, resized=patch.resized, original_size=list(patch.original_size),
        input=input_info(patch, filename), model_version=models.version,
    )


def predict_batch(models: Models, patches: list[DecodedPatch], filenames: list[str | None], overlays: bool,
                  timer: Timed) -> BatchResult:
    """All patches through the classifier as one ONNX batch."""
    with timer:
        result, _ = models.inspect(np.stack([p.pixels for p in patches]), with_unet=False)
    items = []
    for i, (patch, name) in enumerate(zip(patches, filenames)):
        predicted = int(result.predicted[i])
        items.append(BatchItem(
            filename=name, class_=CLASSES[predicted], confidence=float(result.probabilities[i, predicted]),
            probabilities=_probabilities(result.probabilities[i]), resized=patch.resized,
            original_size=list(patch.original_size),
            overlay_png=png_base64(rgb_png(overlay(patch.pixels, result.heatmaps[i]))) if overlays else None,
        ))
    return BatchResult(count=len(items), results=items, model_version=models.version)


def assess_film(models: Models, film: DecodedFilm, settings: FilmSettings, judging: Judging,
                timer: Timed) -> Assessment:
    """The film inspected, its indications measured at its scale and judged at each level asked for."""
    with timer:
        return assess(film.radiograph, models.film, settings, judging)


def inspect(models: Models, film: DecodedFilm, filename: str | None, assessment: Assessment, with_overlay: bool,
            rules: dict | None = None) -> tuple[InspectResult, bytes | None]:
    """The /inspect body and the overlay PNG itself (None without the overlay)."""
    inspection, found = assessment.inspection, assessment.found
    png = None
    if with_overlay:
        png = encode_png(film_overlay(film.pixels, inspection), compression=FILM_PNG_COMPRESSION)
    summary = inspection.summary()
    mm = found.scale.mm_per_pixel

    def area_mm2(pixels: int, digits: int) -> float | None:
        return round(pixels * mm * mm, digits) if mm else None

    regions = [FilmRegion(box=list(r.box), class_=r.cls, score=r.score, mean_probability=r.mean_probability,
                          area_px=r.area_px, area_mm2=area_mm2(r.area_px, 4)) for r in inspection.regions]
    record = found.as_dict()
    height, width = film.size
    body = InspectResult(
        regions=regions, height=height, width=width, windows=inspection.windows, seconds=summary["seconds"],
        threshold=float(inspection.threshold), source=inspection.settings.get("source", ""),
        region=inspection.settings.get("region", ""), inspected=inspection.region_note,
        defect_area_mm2=area_mm2(int(inspection.mask.sum()), 3), mm_per_pixel=mm,
        overlay_png=png_base64(png) if png is not None else None, settings=summary["settings"],
        input=InputInfo(filename, film.format, film.mode, [height, width], False, list(film.conversions)),
        model_version=models.version, scale=FilmScale(**record["scale"]), units="mm" if mm else "px",
        indications=msgspec.convert(record["indications"], list[Indication]),
        weld_width_mm=record["weld_width_mm"], reference_length_mm=record["reference_length_mm"],
        cluster_distance_mm=record["cluster_distance_mm"], notes=record["notes"],
        verdicts=msgspec.convert([v.as_dict() for v in assessment.verdicts], list[Verdict]),
        rules=Rules(**rules) if rules else None, header=dict(film.radiograph.header),
        cells=msgspec.convert(summary["cells"], list[FilmCell]),
    )
    return body, png


def report_model(models: Models, source: str) -> dict:
    """The report's model provenance: the files behind the indications with the sha256 the service checked at
    start-up (the detector's and its delineator's for source candidates, else the two ONNX models'), the version,
    the training data."""
    if source == "candidates":
        card = models.detector.card if models.detector is not None else {}
        data = card.get("training_data_md5") or card.get("training_data_hash")
        files = [{"path": models.detector_path, "sha256": models.detector_sha256}]
        entry = models.detector.delineation if models.detector is not None else None
        if entry is not None:
            files.append({"path": entry["file"], "sha256": entry["sha256"]})
        return {"name": models.detector_path, "source": source, "version": f"detector {models.detector_sha256[:12]}",
                "files": files,
                "training_data": data or "not in the detector's card (trained on GDXray films: see its card)"}
    hashes = sorted({card.get("training_data_md5") for card in models.cards.values() if card.get("training_data_md5")})
    return {"name": f"service models {models.version}", "source": source, "version": models.version,
            "files": [{"path": f"{name}.onnx", "sha256": models.cards[name]["onnx"]["sha256"]}
                      for name in (CLASSIFIER, UNET)],
            "training_data": ", ".join(hashes) or None}


def report(models: Models, film: DecodedFilm, assessment: Assessment, rules: dict | None, weld_id: str | None,
           inspector: str | None, iqi: str | None) -> str:
    """The film's inspection report (riawelc.report): one self-contained HTML page."""
    context = ReportContext(weld_id, inspector, iqi, datetime.now(UTC).isoformat(timespec="seconds"),
                            report_model(models, assessment.inspection.settings.get("source", "")), rules)
    return render_report(film.pixels, film.radiograph, assessment.inspection.summary(), assessment.found,
                         assessment.verdicts, context)
