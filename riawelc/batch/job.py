"""What every worker of a batch is given (a Job: picklable, sent once per worker) and the two fingerprints a
result row is kept under: the model version (the sha256 of the ONNX pair, or of detector.json for source
"candidates") and the settings hash (everything else that decides a film's outputs)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from riawelc.assessment import Judging, Reading
from riawelc.constants import CLASSIFIER, UNET
from riawelc.digest import sha256_of
from riawelc.inspect.detector import DETECTOR_FILE
from riawelc.inspect.film import MODEL_FILES, FilmInspectError, FilmModels, FilmSettings
from riawelc.report import ReportContext

ROW_FORMAT = 1  # in the settings hash: a change of what a row holds redoes every film
DEFAULT_MAX_BYTES = 512 * 2**20  # a film file over this is an error row, never read into memory


@dataclass(frozen=True)
class ModelSpec:
    """Where the models are; each worker loads them once (`load`) with `threads` ONNX Runtime threads."""

    folder: Path
    variant: str = "fp32"
    detector: Path | None = None
    threads: int | None = 1

    @property
    def detector_file(self) -> Path | None:
        path = self.detector if self.detector is not None else self.folder / DETECTOR_FILE
        return path if self.detector is not None or path.is_file() else None

    def default_source(self) -> str:
        """As `riawelc inspect` chooses: the detector's candidates when there is a detector, else the U-Net."""
        return "candidates" if self.detector_file is not None else FilmSettings().source

    def load(self) -> FilmModels:
        return FilmModels.load(self.folder, self.variant, self.threads, self.detector)

    def version(self, source: str) -> str:
        """sha256 of detector.json (source "candidates"), else '<classifier sha256>+<U-Net sha256>'."""
        try:
            if source == "candidates":
                if self.detector_file is None:
                    raise FilmInspectError(f"source 'candidates' needs a detector: {self.folder} has no "
                                           f"{DETECTOR_FILE} (pass --detector)")
                return sha256_of(self.detector_file)
            return "+".join(sha256_of(self.folder / name) for name in MODEL_FILES[self.variant])
        except OSError as error:
            raise FilmInspectError(f"cannot read the models: {error}") from None

    def cards(self) -> dict:
        """The ONNX models' cards by sha256: their thresholds and CAM scale decide the masks too."""
        paths = [self.folder / f"{name}.json" for name in (CLASSIFIER, UNET)]
        return {p.name: sha256_of(p) for p in paths if p.is_file()}


@dataclass(frozen=True)
class Job:
    """One batch's fixed inputs: the output folder, the models, how films are read, inspected and judged, and
    which files are written per film. `model_version` and `settings_hash` are filled by `Job.make`."""

    out: Path
    models: ModelSpec
    settings: FilmSettings
    reading: Reading = field(default_factory=Reading)
    judging: Judging = field(default_factory=Judging)
    report: ReportContext | None = None
    pictures: bool = False  # probability/ and overlays/ PNGs besides masks/ (about half the film's time again)
    max_bytes: int = DEFAULT_MAX_BYTES
    model_version: str = ""
    settings_hash: str = ""

    @classmethod
    def make(cls, out: Path, models: ModelSpec, settings: FilmSettings, **options) -> Job:
        job = cls(Path(out), models, settings, **options)
        return replace(job, model_version=models.version(settings.source), settings_hash=job.fingerprint())

    def fingerprint(self) -> str:
        """sha256 (first 16 hex) of the settings, the reading, the rules, the report's fields (not its date), the
        files written, the byte limit and the model cards."""
        report = None if self.report is None else {**asdict(self.report), "created": None}
        described = {"format": ROW_FORMAT, "settings": asdict(self.settings), "reading": asdict(self.reading),
                     "judging": asdict(self.judging), "report": report, "pictures": self.pictures,
                     "max_bytes": self.max_bytes,
                     "cards": self.models.cards() if self.settings.source != "candidates" else {}}
        text = json.dumps(described, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Film:
    """A film of the batch: its path as SOURCE names it, and the name of its output files."""

    path: str
    output: str
