"""Patch inference: one 227 x 227 patch (or a batch of them) through the classifier and the U-Net."""

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from riawelc.constants import PATCH_SIZE
from serve import results
from serve.controllers.base import GuardedController, versioned, wants_png
from serve.decode import DecodeError
from serve.problems import problem, problem_responses
from serve.runtime import Models
from serve.schemas import (
    BatchResult,
    BatchUpload,
    ClassName,
    FileUpload,
    PredictResult,
    SegmentResult,
    UnetSegmentResult,
)
from serve.service import Service

Upload = Annotated[FileUpload, Body(media_type=RequestEncodingType.MULTI_PART,
                                    description=f"an image in the multipart field `file` (PNG, JPEG or TIFF; "
                                                f"8 or 16 bit; gray, RGB or RGBA; {PATCH_SIZE} x {PATCH_SIZE} or "
                                                "resized)")]
CamClass = Annotated[ClassName | None, Parameter(
    query="cam_class", description="a class whose activation map to use instead of the predicted class's")]


async def _one_file(service: Service, data: FileUpload, endpoint: str, infer: Callable,
                    option: Any) -> tuple[Models, Any]:
    """Decode the upload and run `infer(models, patch, filename, option, timer)` in the pool; 503 without models."""
    models = service.require_models()
    content, filename = await data.file.read(), data.file.filename

    def job():
        return infer(models, service.decode(content, filename), filename, option, service.timer(endpoint))

    return models, await service.run(job)


class PatchesController(GuardedController):
    tags = ["inference"]
    problems = problem_responses(401, 413, 415, 422, 429, 503)

    @post("/predict", status_code=200,
          summary="Class, probabilities and the activation-map overlay (JSON with base64 PNG, or the PNG itself "
                  "with Accept: image/png)")
    async def predict(self, request: Request, service: Service, data: Upload,
                      cam_class: CamClass = None) -> Response[PredictResult]:
        cam = cam_class.value if cam_class else None
        models, (body, png) = await _one_file(service, data, "predict", results.predict, cam)
        return versioned(models, png, "image/png") if wants_png(request) else versioned(models, body)

    @post("/segment", status_code=200, summary="CAM mask, post-processed exactly as the pipeline's pseudomask stage")
    async def segment(self, service: Service, data: Upload, cam_class: CamClass = None) -> Response[SegmentResult]:
        cam = cam_class.value if cam_class else None
        models, body = await _one_file(service, data, "segment", results.segment_cam, cam)
        return versioned(models, body)

    @post("/segment/unet", status_code=200,
          summary="U-Net mask and the classifier's verdict on the same patch (gated by RIAWELC_GATE_NO_DEFECT)")
    async def segment_unet(self, service: Service, data: Upload) -> Response[UnetSegmentResult]:
        gate = service.settings.gate_no_defect
        models, body = await _one_file(service, data, "segment_unet", results.segment_unet, gate)
        return versioned(models, body)

    @post("/predict/batch", status_code=200,
          summary="Several patches (repeated multipart field `files`) classified as one ONNX batch")
    async def predict_batch(self, service: Service,
                            data: Annotated[BatchUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
                            overlays: bool = False) -> Response[BatchResult]:
        models = service.require_models()
        files = data.files if isinstance(data.files, list) else [data.files]
        if not files or len(files) > service.settings.max_batch:
            raise problem(422, "batch-size", "Wrong number of files",
                          f"send 1 to {service.settings.max_batch} files in the field `files`, got {len(files)}")
        contents = [(await f.read(), f.filename) for f in files]

        def job():
            patches = []
            for index, (content, filename) in enumerate(contents):
                try:
                    patches.append(service.decode(content, filename))
                except DecodeError as error:
                    error.detail = f"file {index + 1} of {len(contents)}: {error.detail}"
                    raise
            return results.predict_batch(models, patches, [name for _, name in contents], overlays,
                                         service.timer("predict_batch"))

        return versioned(models, await service.run(job))
