"""Whole films: riawelc.inspect.film on the service's ONNX sessions, any size up to RIAWELC_MAX_FILM_PIXELS; the
film's indications at its scale, the verdict at each acceptance level (RIAWELC_RULES), and the inspection report."""

import dataclasses
from typing import Annotated

from litestar import MediaType, Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from riawelc.inspect.film import FilmSettings
from serve import results
from serve.acceptance import ALL_LEVELS, judging_for
from serve.controllers.base import GuardedController, versioned
from serve.problems import problem, problem_responses
from serve.schemas import FileUpload, FilmArea, FilmSource, InspectResult
from serve.service import SETTING_SCALE, Service

FILM_DEFAULTS = FilmSettings()
ANSWERS = ["application/json", "image/png", MediaType.HTML.value]  # what /inspect answers, by the Accept header
FilmUpload = Annotated[FileUpload, Body(media_type=RequestEncodingType.MULTI_PART,
                                        description="a whole radiograph in the multipart field `file`: PNG or TIFF "
                                                    "(also JPEG; 8 or 16 bit gray) or a DICONDE (DICOM) file; any "
                                                    "size up to RIAWELC_MAX_FILM_PIXELS; never resized")]
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
ScaleParam = Annotated[float | None, Parameter(
    query="mm_per_pixel", gt=0.0, le=100.0,
    description="the film's pixel size in mm; overrides the file's own (DICOM pixel spacing, TIFF resolution, "
                f"which the answer's scale.note then gives). Default: the file's, else {SETTING_SCALE}, else none "
                "(sizes in px and no verdict, with the reason). GDXray films: 0.0403")]
LevelParam = Annotated[str | None, Parameter(
    query="level", min_length=1, max_length=100,
    description=f"the acceptance level of the rules (RIAWELC_RULES) to judge by, or {ALL_LEVELS} (the default: "
                "every level of the file); 400 for a level the file does not have")]
ThicknessParam = Annotated[float | None, Parameter(
    query="thickness", gt=0.0, le=1000.0,
    description="the nominal wall thickness t in mm, for the rules whose limit is a factor of t (400 when such a "
                "rule is asked for without it)")]
InvertParam = Annotated[bool, Parameter(
    query="invert", description="flip the film's polarity (a DICOM header that gets it wrong, a negative); "
                                "default false")]
WeldParam = Annotated[str | None, Parameter(query="weld_id", max_length=200,
                                            description="the weld id, for the report (else 'not recorded')")]
InspectorParam = Annotated[str | None, Parameter(query="inspector", max_length=200,
                                                 description="the inspector's name, for the report")]
IqiParam = Annotated[str | None, Parameter(query="iqi", max_length=200,
                                           description="the image quality indicator reading, for the report")]


class FilmsController(GuardedController):
    tags = ["inference"]
    problems = problem_responses(400, 401, 409, 413, 415, 422, 429, 503, reasons_of={
        400: "a query parameter out of its range or choices (an unknown level; no thickness where a rule needs "
             "it), or no multipart field `file`",
        409: "source=candidates but the service has no detector (RIAWELC_DETECTOR, MODEL_DIR/detector.json); "
             "level or thickness but no acceptance rules (RIAWELC_RULES)",
        413: "body over RIAWELC_MAX_BODY_BYTES, or a film over RIAWELC_MAX_FILM_PIXELS (read from its header)",
        415: "not a PNG, JPEG, TIFF or DICONDE file, or a DICOM transfer syntax no installed handler decodes",
        422: "undecodable, truncated, empty or colour image; an unreadable or unusable DICOM file"})

    @post("/inspect", status_code=200,
          summary="A whole film: defect regions, indications (in mm at the film's scale, else in px), the verdict "
                  "per acceptance level, the windows run and the overlay (JSON with base64 PNG; the PNG itself "
                  "with Accept: image/png; the inspection report with Accept: text/html)")
    async def inspect(self, request: Request, service: Service, data: FilmUpload,
                      source: SourceParam = FilmSource(FILM_DEFAULTS.source),
                      region: AreaParam = FilmArea(FILM_DEFAULTS.region), threshold: ThresholdParam = None,
                      overlay: OverlayParam = True, mm_per_pixel: ScaleParam = None, level: LevelParam = None,
                      thickness: ThicknessParam = None, invert: InvertParam = False, weld_id: WeldParam = None,
                      inspector: InspectorParam = None, iqi: IqiParam = None) -> Response[InspectResult]:
        models = service.require_models()
        answer = request.accept.best_match(ANSWERS, "application/json")
        settings = dataclasses.replace(FILM_DEFAULTS, source=source.value, region=region.value, threshold=threshold)
        if settings.source == "candidates" and models.detector is None:
            raise problem(409, "no-detector", "No detector loaded",
                          "source=candidates needs the real-film detector: set RIAWELC_DETECTOR to a detector.json "
                          "(dvc repro realfilms/dvc.yaml writes realfilms/out/models/detector.json) or put one in the "
                          "model folder")
        judging = judging_for(service.rules, level, thickness)  # bad levels and t are refused before any decoding
        content, filename = await data.file.read(), data.file.filename

        def job():
            film = service.decode_film(content, filename, mm_per_pixel, invert)
            assessment = results.assess_film(models, film, settings, judging, service.timer("inspect"))
            if answer == MediaType.HTML.value:
                return results.report(models, film, assessment, service.rules_info, weld_id, inspector, iqi), None
            return results.inspect(models, film, filename, assessment, overlay or answer == "image/png",
                                   service.rules_info)

        body, png = await service.run(job)
        if answer == MediaType.HTML.value:
            return versioned(models, body, MediaType.HTML)
        return versioned(models, png, "image/png") if answer == "image/png" else versioned(models, body)
