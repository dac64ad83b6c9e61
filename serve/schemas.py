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

    box: list[int]  # [x, y, width, height] in film px
    class_: str = msgspec.field(name="class")  # the defect class whose map is strongest over the region
    score: float = 0.0  # highest defect probability in the region
    mean_probability: float = 0.0
    area_px: int = 0
    area_mm2: float | None = None  # at the film's scale; None without one


class FilmCell(msgspec.Struct):
    """One 1 cm cell along the film (riawelc.inspect.cells.Cell), called by the detector's cell model."""

    cell: int  # 1, 2, ... from the film's left edge
    x0: int  # film columns [x0, x1)
    x1: int
    probability: float  # P(defect) of the cell
    defect: bool
    class_: str = msgspec.field(name="class", default="")  # a defect cell's class (its largest candidate's)
    candidates: int = 0


class FilmScale(msgspec.Struct):
    """The film's pixel size and where it came from (riawelc.radiograph.Scale)."""

    mm_per_pixel: float | None  # None: no scale, sizes in px and no verdict
    source: str  # DICOM PixelSpacing | DICOM ImagerPixelSpacing[ / EstimatedRadiographicMagnificationFactor] |
    #             DICOM NominalScannedPixelSpacing | TIFF resolution | user (?mm_per_pixel) | RIAWELC_MM_PER_PIXEL | none
    note: str = ""  # what a reader should know: the header's value a user scale overrode, or why there is none


class Indication(msgspec.Struct):
    """One indication (riawelc.indications.Indication): a region, or a cluster of pores, measured."""

    number: int  # 1, 2, ... along the film; the report numbers them so too
    class_: str = msgspec.field(name="class")
    score: float = 0.0
    box: list[int] = []  # [x, y, width, height] in film px
    centre_px: list[float] = []  # [x, y]
    length_px: float = 0.0  # along the weld (oriented extent, not the box)
    width_px: float = 0.0  # across the weld
    angle_deg: float = 0.0
    area_px: int = 0
    pores: int | None = None  # porosity only
    largest_pore_px: float | None = None
    length_mm: float | None = None  # the mm fields: None without a scale
    width_mm: float | None = None
    area_mm2: float | None = None
    position_mm: float | None = None  # the centre's distance from the film's start
    start_mm: float | None = None
    end_mm: float | None = None
    cell: int | None = None  # the 1 cm cell of the centre, 1-based
    largest_pore_mm: float | None = None
    area_share_percent: float | None = None  # porosity: pore area per reference length of weld
    summed_length_mm: float | None = None  # this class's lengths within the reference length around it


class Breach(msgspec.Struct):
    """A rejection: the indication and the rule it breaks (riawelc.acceptance.Breach)."""

    indication: int
    rule: int  # 1-based, in the level
    rule_text: str
    measure: str
    value: float
    limit: float
    unit: str = ""
    text: str = ""  # the whole reason in words


class Verdict(msgspec.Struct):
    """The verdict of one acceptance level (riawelc.acceptance.Verdict)."""

    level: str
    decision: str | None  # accept | reject | None (no verdict: see note)
    t_mm: float | None = None
    note: str = ""
    reasons: list[Breach] = []
    unassessed: list[str] = []  # what no rule could assess (a class no rule covers, a measure missing)


class Rules(msgspec.Struct):
    """The acceptance rules the service judges by (RIAWELC_RULES)."""

    path: str
    sha256: str
    title: str = ""
    notice: str = ""
    levels: list[str] = []


class InspectResult(msgspec.Struct):
    """A whole film through riawelc.inspect.film.inspect_film on the service's models, its indications measured
    (riawelc.indications) and judged (riawelc.acceptance) as `riawelc inspect` does."""

    regions: list[FilmRegion]  # highest score first
    height: int  # film size in px
    width: int
    windows: int  # 227-px windows run through the models
    seconds: float  # inspection time (decoding and the overlay not included)
    threshold: float  # defect probability threshold used
    source: str  # unet | unet_gated | cam | cam_dark | candidates
    region: str  # what was asked: seam | film
    inspected: str  # what was inspected and why, e.g. "seam band: line +- 168 px" or "whole film: <reason>"
    defect_area_mm2: float | None  # at the film's scale; None without one
    mm_per_pixel: float | None  # the film's scale (scale.mm_per_pixel); None: sizes in px
    overlay_png: str | None = None  # base64 PNG: film, heat map and region boxes (None with ?overlay=false)
    settings: dict[str, int | float | str | None] = {}  # riawelc.inspect.film.FilmSettings in use
    input: InputInfo | None = None
    model_version: str = ""
    scale: FilmScale | None = None
    units: str = "px"  # of the indications' sizes: mm with a scale, px without
    indications: list[Indication] = []  # in order along the film
    weld_width_mm: float | None = None  # the seam band's height; None without a seam or a scale
    reference_length_mm: float = 100.0  # summed lengths and area shares are taken over this length of weld
    cluster_distance_mm: float = 2.0  # pores closer than this form one indication
    notes: list[str] = []  # what limits the indications (no seam line, no scale)
    verdicts: list[Verdict] = []  # one per level asked for; none without RIAWELC_RULES
    rules: Rules | None = None
    header: dict[str, str] = {}  # a DICONDE file's descriptive header strings (component name, ...)
    cells: list[FilmCell] = []  # every 1 cm cell called (source candidates, a detector with a cell model)


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
    rules: Rules | None = None  # the acceptance rules of /inspect (RIAWELC_RULES)


class Problem(msgspec.Struct):
    """RFC 9457 problem details (application/problem+json), the body of every error."""

    status: int
    title: str
    type: str | None = None
    detail: str | None = None
