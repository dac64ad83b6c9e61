"""Request and response shapes (msgspec Structs: typed, fast, and in the OpenAPI schema)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from typing import Any

import msgspec
from litestar.datastructures import UploadFile

from riawelc.constants import CLASSES
from riawelc.inspect.film import REGIONS, SOURCES

# Query values a caller may name a class by; built from riawelc.constants, never copied.
ClassName = enum.Enum("ClassName", {name: name for name in CLASSES}, type=str)
# /inspect's ?source= and ?region= values, from riawelc.inspect.film.
FilmSource = enum.Enum("FilmSource", {name: name for name in SOURCES}, type=str)
FilmArea = enum.Enum("FilmArea", {name: name for name in REGIONS}, type=str)


@dataclass
class FileUpload:
    file: UploadFile


@dataclass
class BatchUpload:
    files: list[UploadFile]


class InputInfo(msgspec.Struct):
    """What the service did to the upload to get a 227 x 227 8-bit gray patch."""

    filename: str | None
    format: str
    mode: str
    original_size: list[int]  # [height, width]
    resized: bool
    conversions: list[str]


class PatchResult(msgspec.Struct):
    """What every answer about one patch has: the classifier's verdict and what was done to the upload. (In the
    JSON these fields come first, then the endpoint's own.)"""

    class_: str = msgspec.field(name="class")
    confidence: float = 0.0
    probabilities: dict[str, float] = {}
    resized: bool = False
    original_size: list[int] = []
    input: InputInfo | None = None
    model_version: str = ""


class PredictResult(PatchResult):
    cam_class: str = ""  # the class whose activation map the overlay shows
    overlay_png: str = ""  # base64 PNG: jet CAM (scaled, weighted by its class probability) over the patch


class SegmentResult(PatchResult):
    """The CAM mask, made exactly as the pseudomask stage makes pseudo-masks (with the class instead of a label)."""

    mask_class: str = ""  # the class whose CAM became the mask
    mask_png: str = ""  # base64 PNG, 0 or 255
    defect_pixels: int = 0
    defect_fraction: float = 0.0
    empty_reason: str | None = None
    postprocessing: dict[str, float | int | bool | str] = {}
    postprocessing_source: str = ""


class UnetSegmentResult(PatchResult):
    mask_png: str = ""  # base64 PNG, 0 or 255: U-Net probability > threshold (empty when gated)
    defect_pixels: int = 0
    defect_fraction: float = 0.0
    max_probability: float = 0.0
    threshold: float = 0.5
    gated: bool = False
    gate_reason: str | None = None


class BatchItem(msgspec.Struct):
    filename: str | None
    class_: str = msgspec.field(name="class")
    confidence: float = 0.0
    probabilities: dict[str, float] = {}
    resized: bool = False
    original_size: list[int] = []
    overlay_png: str | None = None


class BatchResult(msgspec.Struct):
    count: int
    results: list[BatchItem]
    model_version: str


class FilmRegion(msgspec.Struct):
    """One connected defect region of a film (riawelc.inspect.film.Region)."""

    box: list[int]  # [x, y, width, height] in film pixels
    class_: str = msgspec.field(name="class")  # the defect class whose map is strongest over the region
    score: float = 0.0  # highest defect probability in the region
    mean_probability: float = 0.0
    area_px: int = 0
    area_mm2: float = 0.0


class InspectResult(msgspec.Struct):
    """A whole film through riawelc.inspect.film.inspect_film on the service's models."""

    regions: list[FilmRegion]  # highest score first
    height: int  # film size in px
    width: int
    windows: int  # 227-px windows run through the models
    seconds: float  # inspection time (decoding and the overlay not included)
    threshold: float  # defect probability threshold used
    source: str  # unet | unet_gated | cam | cam_dark
    region: str  # what was asked: seam | film
    inspected: str  # what was inspected and why, e.g. "seam band: line +- 168 px" or "whole film: <reason>"
    defect_area_mm2: float
    mm_per_pixel: float  # the scale of area_mm2 (riawelc.constants.MM_PER_PIXEL)
    overlay_png: str | None = None  # base64 PNG: film, heat map and region boxes (None with ?overlay=false)
    settings: dict[str, int | float | str | None] = {}  # riawelc.inspect.film.FilmSettings in use
    input: InputInfo | None = None
    model_version: str = ""


class Health(msgspec.Struct):
    status: str


class Ready(msgspec.Struct):
    ready: bool
    reason: str | None = None
    model_version: str | None = None
    models: dict[str, str] = {}  # name -> ONNX file sha256


class TensorMetadata(msgspec.Struct):
    """KServe V2 / Open Inference Protocol tensor metadata."""

    name: str
    datatype: str
    shape: list[int]


class ModelMetadata(msgspec.Struct):
    """KServe V2 / Open Inference Protocol model metadata, plus what the card says about the model."""

    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]
    task: str = ""
    sha256: str = ""
    opset: int | None = None
    metrics: dict[str, float | None] = {}
    training_data: dict[str, str | bool | None] = {}


class ModelInfo(msgspec.Struct):
    """The service as one V2 model (the classifier's tensors), its two ONNX models, and the data notice."""

    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]
    classes: list[str]
    models: list[ModelMetadata]
    training_data: dict[str, str | bool | None]
    synthetic_notice: str | None
    cam_scale: float
    mask_threshold: float
    pseudomask: dict[str, float | int | bool | str]
    pseudomask_source: str
    detector: dict[str, Any] | None = None  # the real-film detector: its path, settings, threshold and card


class Problem(msgspec.Struct):
    """RFC 9457 problem details (application/problem+json), the body of every error."""

    status: int
    title: str
    type: str | None = None
    detail: str | None = None
