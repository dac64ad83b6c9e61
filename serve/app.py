"""The Litestar app: `create_app(settings)`; start with
`uvicorn --factory serve.app:create_app --host 127.0.0.1 --port 8000` (settings from RIAWELC_* variables).

The models load in the background after start-up: /health answers at once, /ready says 503 (with the reason)
until both ONNX models are loaded, checked against their cards and warmed up, and stays 503 if they cannot be.
The patch endpoints take one 227 x 227 patch; POST /inspect takes a whole film (riawelc.inspect.film on the same
ONNX sessions).
"""

import asyncio
import dataclasses
import hmac
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Callable

from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.config.cors import CORSConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders, State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import Body, Parameter
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

import riawelc
from riawelc.constants import CLASSES, PATCH_SIZE
from riawelc.inspect.film import FilmSettings
from serve import results
from serve.decode import DecodedFilm, DecodedPatch, DecodeError, decode_film_upload, decode_upload
from serve.observability import Metrics, configure_access_log, observability_middleware, request_id_of
from serve.pool import InferencePool, QueueFull
from serve.runtime import CLASSIFIER, UNET, ModelError, Models, load_models
from serve.schemas import (
    BatchResult,
    BatchUpload,
    ClassName,
    FileUpload,
    FilmArea,
    FilmSource,
    Health,
    InspectResult,
    ModelInfo,
    ModelMetadata,
    PredictResult,
    Problem,
    Ready,
    SegmentResult,
    TensorMetadata,
    UnetSegmentResult,
)
from serve.settings import Settings

PAGE = Path(__file__).parent / "static" / "index.html"
API_KEY_HEADER = "X-API-Key"
MODEL_VERSION_HEADER = "X-Model-Version"
PROBLEM = "urn:riawelc:problem:"  # RFC 9457 "type" prefix; the suffix names the problem
SYNTHETIC_NOTICE = ("These models were trained on the project's synthetic sample: they demonstrate the pipeline "
                    "and are not for inspecting real films.")
UNKNOWN_DATA_NOTICE = ("The model cards do not say whether the training data was real or synthetic: treat the "
                       "results as a demonstration.")
ONNX_DATATYPES = {"float32": "FP32", "float": "FP32"}


def problem(status: int, slug: str, title: str, detail: str, headers: dict | None = None,
            extra: dict | None = None) -> ProblemDetailsException:
    return ProblemDetailsException(status_code=status, type_=PROBLEM + slug, title=title, detail=detail,
                                   headers=headers, extra=extra)


class Service:
    """Everything a request needs: settings, metrics, the pool and (once loaded) the models."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.metrics = Metrics.create()
        self.pool = InferencePool(settings.workers, settings.queue_limit)
        self.models: Models | None = None
        self.error: str | None = None
        self.loading = True

    async def load(self) -> None:
        try:
            self.models = await asyncio.to_thread(load_models, self.settings.model_dir, self.settings.onnx_threads,
                                                  self.settings.mask_threshold, self.settings.detector)
            self.metrics.ready.set(1)
        except ModelError as error:
            self.error = str(error)
        except Exception as error:  # noqa: BLE001 - the service must stay up and say why
            self.error = f"unexpected error while loading the models: {type(error).__name__}: {error}"
        finally:
            self.loading = False

    def require_models(self) -> Models:
        if self.models is not None:
            return self.models
        if self.loading:
            raise problem(503, "models-loading", "Models are loading", "the models are still loading and warming up",
                          headers={"Retry-After": "2"})
        raise problem(503, "models-unavailable", "Models unavailable", self.error or "no models",
                      headers={"Retry-After": "30"})

    def decode(self, content: bytes, filename: str | None) -> DecodedPatch:
        with self.metrics.decode.time():
            return decode_upload(content, filename or "file", self.settings.max_pixels)

    def decode_film(self, content: bytes, filename: str | None) -> DecodedFilm:
        with self.metrics.decode.time():
            return decode_film_upload(content, filename or "film", self.settings.max_film_pixels)

    def timer(self, endpoint: str) -> results.Timed:
        return results.Timed(self.metrics.inference, endpoint)

    async def run(self, job: Callable[[], Any]) -> Any:
        """Run a decode + inference job in the bounded pool; queue full -> 503 with Retry-After."""
        try:
            return await self.pool.run(job)
        except QueueFull as error:
            self.metrics.rejected.inc()
            raise problem(503, "queue-full", "Inference queue full", str(error), headers={"Retry-After": "1"}) from None
        except DecodeError as error:
            raise problem(error.status, error.slug, error.title, error.detail) from None


def service_of(connection: ASGIConnection) -> Service:
    return connection.app.state.service


def require_api_key(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: with RIAWELC_API_KEY set, the X-API-Key header must equal it (constant-time comparison)."""
    expected = service_of(connection).settings.api_key
    if expected is None:
        return
    given = connection.headers.get(API_KEY_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8")):
        raise NotAuthorizedException(detail=f"missing or wrong {API_KEY_HEADER} header")


def _problems(*statuses: int, reasons_of: dict[int, str] | None = None) -> dict[int, ResponseSpec]:
    """Problem responses for the OpenAPI schema; `reasons_of` replaces the default reason of some statuses."""
    reasons = {400: "a query parameter out of its range or choices, or no multipart field `file`",
               401: "missing or wrong X-API-Key (when RIAWELC_API_KEY is set)",
               413: "body over RIAWELC_MAX_BODY_BYTES, or an image over RIAWELC_MAX_PIXELS (read from its header)",
               415: "not a PNG, JPEG or TIFF image", 422: "undecodable, truncated or empty image",
               429: "rate limit (RIAWELC_RATE_LIMIT) exceeded",
               503: "models loading or unavailable, or the inference queue is full (see Retry-After)"}
    reasons.update(reasons_of or {})
    return {status: ResponseSpec(Problem, description=reasons[status], media_type="application/problem+json",
                                 generate_examples=False) for status in statuses}


GUARDED = {"guards": [require_api_key], "security": [{"ApiKey": []}]}
INFERENCE = {**GUARDED, "status_code": 200, "tags": ["inference"],
             "responses": _problems(401, 413, 415, 422, 429, 503)}
Upload = Annotated[FileUpload, Body(media_type=RequestEncodingType.MULTI_PART,
                                    description=f"an image in the multipart field `file` (PNG, JPEG or TIFF; "
                                                f"8 or 16 bit; gray, RGB or RGBA; {PATCH_SIZE} x {PATCH_SIZE} or resized)")]
CAM_CLASS_DOC = "a class whose activation map to use instead of the predicted class's"


def _versioned(models: Models, content: Any, media_type: str | None = None) -> Response:
    return Response(content=content, media_type=media_type or MediaType.JSON,
                    headers={MODEL_VERSION_HEADER: models.version})


@get("/health", summary="Liveness: the process answers (never touches a model)", tags=["operations"])
async def health() -> Health:
    return Health(status="ok")


@get("/ready", summary="Readiness: 200 once the models are loaded and warmed up, else 503 with the reason",
     tags=["operations"], responses=_problems(503))
async def ready(request: Request) -> Ready:
    service = service_of(request)
    if service.models is None:
        reason = "the models are still loading and warming up" if service.loading else service.error
        raise problem(503, "not-ready", "Not ready", reason or "not ready", extra={"ready": False, "reason": reason},
                      headers={"Retry-After": "2" if service.loading else "30"})
    models = service.models
    return Ready(ready=True, model_version=models.version,
                 models={name: card["onnx"]["sha256"] for name, card in models.cards.items()})


async def _one_file(request: Request, data: FileUpload, endpoint: str, build: Callable) -> tuple[Models, Any]:
    """Decode the upload and run `build(models, patch, filename, timer)` in the pool; 503 without models."""
    service = service_of(request)
    models = service.require_models()
    content, filename = await data.file.read(), data.file.filename

    def job():
        return build(models, service.decode(content, filename), filename, service.timer(endpoint))

    return models, await service.run(job)


CamClass = Annotated[ClassName | None, Parameter(query="cam_class", description=CAM_CLASS_DOC)]


@post("/predict", **INFERENCE,
      summary="Class, probabilities and the activation-map overlay (JSON with base64 PNG, or the PNG itself "
              "with Accept: image/png)")
async def predict(request: Request, data: Upload, cam_class: CamClass = None) -> Response[PredictResult]:
    name = cam_class.value if cam_class else None
    models, (body, png) = await _one_file(
        request, data, "predict", lambda m, patch, filename, timer: results.predict(m, patch, filename, name, timer))
    wants_png = request.accept.best_match(["application/json", "image/png"], "application/json") == "image/png"
    return _versioned(models, png, "image/png") if wants_png else _versioned(models, body)


@post("/segment", **INFERENCE,
      summary="CAM mask, post-processed exactly as the pipeline's pseudomask stage")
async def segment(request: Request, data: Upload, cam_class: CamClass = None) -> Response[SegmentResult]:
    name = cam_class.value if cam_class else None
    models, body = await _one_file(
        request, data, "segment",
        lambda m, patch, filename, timer: results.segment_cam(m, patch, filename, name, timer))
    return _versioned(models, body)


@post("/segment/unet", **INFERENCE,
      summary="U-Net mask and the classifier's verdict on the same patch (gated by RIAWELC_GATE_NO_DEFECT)")
async def segment_unet(request: Request, data: Upload) -> Response[UnetSegmentResult]:
    gate = service_of(request).settings.gate_no_defect
    models, body = await _one_file(
        request, data, "segment_unet",
        lambda m, patch, filename, timer: results.segment_unet(m, patch, filename, gate, timer))
    return _versioned(models, body)


@post("/predict/batch", **INFERENCE,
      summary="Several patches (repeated multipart field `files`) classified as one ONNX batch")
async def predict_batch(request: Request,
                        data: Annotated[BatchUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
                        overlays: bool = False) -> Response[BatchResult]:
    service = service_of(request)
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

    return _versioned(models, await service.run(job))


FILM_DEFAULTS = FilmSettings()
FilmUpload = Annotated[FileUpload, Body(media_type=RequestEncodingType.MULTI_PART,
                                        description="a whole radiograph in the multipart field `file` (PNG or TIFF, "
                                                    "also JPEG; 8 or 16 bit gray; any size up to "
                                                    "RIAWELC_MAX_FILM_PIXELS; never resized)")]
SourceParam = Annotated[FilmSource, Parameter(
    query="source", description="where the per-pixel defect probability comes from: the U-Net mask (unet), the "
                                "U-Net weighted by the window's P(defect) (unet_gated), the class activation maps "
                                "(cam), the CAMs limited to pixels darker than their background (cam_dark), or the real-film "
                                "detector's top-hat candidates and their rejector probability (candidates: needs "
                                "RIAWELC_DETECTOR or MODEL_DIR/detector.json); "
                                f"default {FILM_DEFAULTS.source}")]
AreaParam = Annotated[FilmArea, Parameter(
    query="region", description="seam: the seam band (the whole film when no seam fits, and the answer says so); "
                                f"film: the whole film; default {FILM_DEFAULTS.region}")]
ThresholdParam = Annotated[float | None, Parameter(
    query="threshold", ge=0.0, le=1.0,
    description="defect probability threshold; default: the U-Net's (RIAWELC_MASK_THRESHOLD, else its card's) "
                "for the unet sources, the card's pseudomask threshold for the cam sources, the detector's for candidates")]
OverlayParam = Annotated[bool, Parameter(query="overlay", description="include the base64 overlay PNG in the JSON (default true)")]


@post("/inspect", **GUARDED, status_code=200, tags=["inference"],
      responses=_problems(400, 401, 409, 413, 415, 422, 429, 503, reasons_of={
          409: "source=candidates but the service has no detector (RIAWELC_DETECTOR, MODEL_DIR/detector.json)",
          413: "body over RIAWELC_MAX_BODY_BYTES, or a film over RIAWELC_MAX_FILM_PIXELS (read from its header)",
          422: "undecodable, truncated, empty or colour image"}),
      summary="A whole film: defect regions (box, class, score, area), the windows run and the overlay "
              "(JSON with base64 PNG, or the PNG itself with Accept: image/png)")
async def inspect(request: Request, data: FilmUpload, source: SourceParam = FilmSource(FILM_DEFAULTS.source),
                  region: AreaParam = FilmArea(FILM_DEFAULTS.region), threshold: ThresholdParam = None,
                  overlay: OverlayParam = True) -> Response[InspectResult]:
    service = service_of(request)
    models = service.require_models()
    wants_png = request.accept.best_match(["application/json", "image/png"], "application/json") == "image/png"
    settings = dataclasses.replace(FILM_DEFAULTS, source=source.value, region=region.value, threshold=threshold)
    if settings.source == "candidates" and models.detector is None:
        raise problem(409, "no-detector", "No detector loaded",
                      "source=candidates needs the real-film detector: set RIAWELC_DETECTOR to a detector.json "
                      "(dvc repro realfilms/dvc.yaml writes realfilms/out/models/detector.json) or put one in the "
                      "model folder")
    content, filename = await data.file.read(), data.file.filename

    def job():
        return results.inspect(models, service.decode_film(content, filename), filename, settings,
                               overlay or wants_png, service.timer("inspect"))

    body, png = await service.run(job)
    return _versioned(models, png, "image/png") if wants_png else _versioned(models, body)


def _tensors(card: dict, names: list[str] | None = None) -> tuple[list[TensorMetadata], list[TensorMetadata]]:
    """Card input/outputs as V2 tensor metadata (a named, dynamic dimension is -1)."""
    def shape(dims):
        return [d if isinstance(d, int) else -1 for d in dims]

    entry = card.get("input", {})
    inputs = [TensorMetadata(entry.get("name", "image"), ONNX_DATATYPES.get(entry.get("dtype"), "FP32"),
                             shape(entry.get("shape", [])))]
    outputs = [TensorMetadata(o["name"], "FP32", shape(o.get("shape", []))) for o in card.get("outputs", [])
               if names is None or o["name"] in names]
    return inputs, outputs


def training_data(card: dict) -> dict:
    """What the card says about the training data: its DVC hash and, from the card's `training_data` object
    ({"name": ..., "synthetic": bool}, written by the export stage), its name and whether it is synthetic
    (None = the card does not say)."""
    described = card.get("training_data") if isinstance(card.get("training_data"), dict) else {}
    synthetic = described.get("synthetic")
    return {"md5": card.get("training_data_md5"), "name": described.get("name"),
            "synthetic": synthetic if isinstance(synthetic, bool) else None}


@get("/model/info", tags=["models"], **GUARDED, responses=_problems(401, 503),
     summary="KServe V2 (Open Inference Protocol) model metadata, classes, hashes, metrics and training data")
async def model_info(request: Request) -> Response[ModelInfo]:
    service = service_of(request)
    models = service.require_models()
    entries = []
    for name in (CLASSIFIER, UNET):
        card = models.cards[name]
        inputs, outputs = _tensors(card)
        entries.append(ModelMetadata(
            name=name, versions=[card["onnx"]["sha256"][:12]], platform="onnxruntime_onnx", inputs=inputs,
            outputs=outputs, task=card.get("task", ""), sha256=card["onnx"]["sha256"], opset=card["onnx"].get("opset"),
            metrics=card.get("metrics") or {}, training_data=training_data(card)))
    data = training_data(models.cards[CLASSIFIER])
    notice = SYNTHETIC_NOTICE if data["synthetic"] else UNKNOWN_DATA_NOTICE if data["synthetic"] is None else None
    inputs, outputs = _tensors(models.cards[CLASSIFIER], ["probabilities", "cams"])
    return _versioned(models, ModelInfo(
        name="riawelc", versions=[models.version], platform="onnxruntime_onnx", inputs=inputs, outputs=outputs,
        classes=list(CLASSES), models=entries, training_data=data, synthetic_notice=notice,
        cam_scale=models.cam_scale, mask_threshold=models.mask_threshold,
        pseudomask=dataclasses.asdict(models.pseudomask), pseudomask_source=models.pseudomask_source,
        detector=({"path": models.detector_path, "settings": models.detector.settings.as_dict(),
                   "threshold": models.detector.threshold, "card": models.detector.card}
                  if models.detector is not None else None)))


@get("/metrics", tags=["operations"], media_type=CONTENT_TYPE_LATEST,
     summary="Prometheus metrics: requests by route and status, latency (decode, inference), errors, in flight")
async def metrics(request: Request) -> bytes:
    service = service_of(request)
    service.metrics.queue.set(service.pool.pending)
    return generate_latest(service.metrics.registry)


@get("/", include_in_schema=False, media_type=MediaType.HTML)
async def page(request: Request) -> str:
    return request.app.state.page


async def add_request_id(message, scope) -> None:
    """Every response (404s and rate-limit 429s included) carries the request's id."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)["X-Request-ID"] = request_id_of(scope)


@asynccontextmanager
async def lifespan(app: Litestar):
    service: Service = app.state.service
    task = asyncio.create_task(service.load())
    try:
        yield
    finally:
        task.cancel()
        service.pool.shutdown()


def create_app(settings: Settings | None = None) -> Litestar:
    """The service app; settings from the RIAWELC_* environment variables when not given."""
    settings = settings or Settings.from_env()
    configure_access_log(settings.log_level)
    service = Service(settings)
    middleware: list = [observability_middleware(service.metrics)]
    if settings.rate_limit:
        middleware.append(RateLimitConfig(rate_limit=settings.rate_limit,  # type: ignore[arg-type]
                                          exclude=["^/health$", "^/ready$", "^/metrics$", "^/schema"]).middleware)
    cors = None
    if settings.cors_origins:
        cors = CORSConfig(allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                          allow_headers=[API_KEY_HEADER, "Content-Type", "X-Request-ID", "Accept"],
                          expose_headers=[MODEL_VERSION_HEADER, "X-Request-ID", "Retry-After"])
    problems = ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        # Anything unexpected is still an RFC 9457 body (and never shows a traceback).
        exception_to_problem_detail_map={
            # Litestar's multipart parser decodes parts without a filename as UTF-8 text and lets the error out.
            UnicodeDecodeError: lambda error: problem(
                400, "bad-form-field", "Form field is not text",
                "a multipart part without a filename must be UTF-8 text; send images as file parts "
                "(Content-Disposition with a filename)"),
            Exception: lambda error: problem(
                500, "internal-error", "Internal error", f"unexpected {type(error).__name__}; see the server log"),
        },
    )
    return Litestar(
        route_handlers=[health, ready, predict, segment, segment_unet, predict_batch, inspect, model_info, metrics,
                        page],
        lifespan=[lifespan],
        state=State({"service": service, "page": PAGE.read_text(encoding="utf-8")}),
        plugins=[ProblemDetailsPlugin(problems)],
        middleware=middleware,
        before_send=[add_request_id],
        cors_config=cors,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="riawelc inspection service", version=riawelc.__version__, path="/schema",
            description="Weld-radiograph patch and whole-film inspection on the pipeline's exported ONNX models.",
            components=Components(security_schemes={"ApiKey": SecurityScheme(
                type="apiKey", name=API_KEY_HEADER, security_scheme_in="header")}),
        ),
    )
