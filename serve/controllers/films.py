"""Whole films: riawelc.inspect.film on the service's ONNX sessions, any size up to RIAWELC_MAX_FILM_PIXELS."""

import dataclasses
from typing import Annotated

from litestar import Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from riawelc.inspect.film import FilmSettings
from serve import results
from serve.controllers.base import GuardedController, versioned, wants_png
from serve.problems import problem, problem_responses
from serve.schemas import FileUpload, FilmArea, FilmSource, InspectResult
from serve.service import Service

FILM_DEFAULTS = FilmSettings()
FilmUpload = Annotated[FileUpload, Body(media_type=RequestEncodingType.MULTI_PART,
                                        description="a whole radiograph in the multipart field `file` (PNG or TIFF, "
                                                    "also JPEG; 8 or 16 bit gray; any size up to "
                                                    "RIAWELC_MAX_FILM_PIXELS; never resized)")]
SourceParam = Annotated[FilmSource, Parameter(
    query="source", description="where the per-pixel defect probability comes from: the U-Net mask (unet), the "
                                "U-Net weighted by the window's P(defect) (unet_gated), the class activation maps "
                                "(cam), the CAMs limited to pixels darker than their background (cam_dark), or "
                                "the real-film detector's top-hat candidates and their rejector probability "
                                "(candidates: needs RIAWELC_DETECTOR or MODEL_DIR/detector.json); "
                                f"default {FILM_DEFAULTS.source}")]
AreaParam = Annotated[FilmArea, Parameter(
    query="region", description="seam: the seam band (the whole film when no seam fits, and the answer says so); "
                                f"film: the whole film; default {FILM_DEFAULTS.region}")]
ThresholdParam = Annotated[float | None, Parameter(
    query="threshold", ge=0.0, le=1.0,
    description="defect probability threshold; default: the U-Net's (RIAWELC_MASK_THRESHOLD, else its card's) "
                "for the unet sources, the card's pseudomask threshold for the cam sources, the detector's for "
                "candidates")]
OverlayParam = Annotated[bool, Parameter(
    query="overlay", description="include the base64 overlay PNG in the JSON (default true)")]


class FilmsController(GuardedController):
    tags = ["inference"]
    problems = problem_responses(400, 401, 409, 413, 415, 422, 429, 503, reasons_of={
        409: "source=candidates but the service has no detector (RIAWELC_DETECTOR, MODEL_DIR/detector.json)",
        413: "body over RIAWELC_MAX_BODY_BYTES, or a film over RIAWELC_MAX_FILM_PIXELS (read from its header)",
        422: "undecodable, truncated, empty or colour image"})

    @post("/inspect", status_code=200,
          summary="A whole film: defect regions (box, class, score, area), the windows run and the overlay "
                  "(JSON with base64 PNG, or the PNG itself with Accept: image/png)")
    async def inspect(self, request: Request, service: Service, data: FilmUpload,
                      source: SourceParam = FilmSource(FILM_DEFAULTS.source),
                      region: AreaParam = FilmArea(FILM_DEFAULTS.region), threshold: ThresholdParam = None,
                      overlay: OverlayParam = True) -> Response[InspectResult]:
        models = service.require_models()
        png_only = wants_png(request)
        settings = dataclasses.replace(FILM_DEFAULTS, source=source.value, region=region.value, threshold=threshold)
        if settings.source == "candidates" and models.detector is None:
            raise problem(409, "no-detector", "No detector loaded",
                          "source=candidates needs the real-film detector: set RIAWELC_DETECTOR to a detector.json "
                          "(dvc repro realfilms/dvc.yaml writes realfilms/out/models/detector.json) or put one in the "
                          "model folder")
        content, filename = await data.file.read(), data.file.filename

        def job():
            return results.inspect(models, service.decode_film(content, filename), filename, settings,
                                   overlay or png_only, service.timer("inspect"))

        body, png = await service.run(job)
        return versioned(models, png, "image/png") if png_only else versioned(models, body)
