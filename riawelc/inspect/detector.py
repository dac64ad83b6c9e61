"""The real-film detector as one file, `detector.json`: candidate settings (riawelc.inspect.candidates), the learned
rejector and component classifier (riawelc.inspect.trees), the cell model that calls each 1 cm cell
(riawelc.inspect.cells), which delineator outlines its kept regions (an ONNX file beside it, with its threshold,
reach and sha256: riawelc.inspect.delineator), and a card that says what it was trained on and how it scored.
riawelc.learn.detector builds it; inspect_film (source "candidates"), the CLI and the service run it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from riawelc.constants import DEFECT_CLASSES
from riawelc.inspect.candidates import COMPONENT_FEATURES, Candidates, CandidateSettings, find_candidates, peak_rule
from riawelc.inspect.cells import Cell, CellModel, CellModelError, call_cells
from riawelc.inspect.trees import TreeEnsemble, TreesError
from riawelc.seam import Seam

FORMAT = "riawelc-detector-1"
DETECTOR_FILE = "detector.json"


class DetectorError(ValueError):
    """A detector file that cannot be used; the message names the problem."""


@dataclass
class Detection:
    candidates: Candidates
    probability: np.ndarray  # (n,) P(true defect) (the peak rule: peak / (2 x peak level), clipped to [0, 1])
    class_probabilities: np.ndarray | None  # (n, len(DEFECT_CLASSES)) or None without a component classifier


@dataclass
class Detector:
    settings: CandidateSettings = field(default_factory=CandidateSettings)
    rejector: TreeEnsemble | None = None  # P(true defect) of a candidate; None: the peak rule
    classifier: TreeEnsemble | None = None  # P(class) of a kept candidate over DEFECT_CLASSES; None: no classes
    card: dict = field(default_factory=dict)
    cell_model: CellModel | None = None  # calls each 1 cm cell; None: no cell calls
    delineation: dict | None = None  # {"file", "threshold", "radius", "sha256"} of the delineator; None: none

    def __post_init__(self) -> None:
        for name, model in (("rejector", self.rejector), ("classifier", self.classifier)):
            if model is not None and tuple(model.features) != COMPONENT_FEATURES:
                raise DetectorError(f"the {name} was trained on features {model.features}, this version computes "
                                    f"{list(COMPONENT_FEATURES)}")
        if self.classifier is not None and tuple(self.classifier.classes) != DEFECT_CLASSES:
            raise DetectorError(f"the component classifier's classes must be {list(DEFECT_CLASSES)}, "
                                f"got {self.classifier.classes}")
        if self.delineation is not None:
            self.delineation = checked_delineation(self.delineation)

    @property
    def threshold(self) -> float:
        """The probability above which a candidate is kept (0.5 is the peak rule's own level)."""
        return self.settings.threshold if self.rejector is not None else 0.5

    def detect(self, film: np.ndarray, seam: Seam | None = None, region: np.ndarray | None = None) -> Detection:
        candidates = find_candidates(film, self.settings, seam, region)
        if self.rejector is not None:
            probability = self.rejector.probabilities(candidates.features)[:, 1] if len(candidates) else np.zeros(0)
        else:
            peaks = candidates.features[:, COMPONENT_FEATURES.index("peak_hat")]
            probability = np.clip(peaks / (2 * self.settings.peak), 0.0, 1.0)
            probability = np.where(peak_rule(candidates, self.settings), np.maximum(probability, 0.5 + 1e-6),
                                   np.minimum(probability, 0.5))
        classes = None
        if self.classifier is not None:
            classes = (self.classifier.probabilities(candidates.features) if len(candidates)
                       else np.zeros((0, len(DEFECT_CLASSES))))
        return Detection(candidates, probability, classes)

    def cells(self, film: np.ndarray, detection: Detection, seam: Seam | None = None,
              region: np.ndarray | None = None) -> list[Cell]:
        """Every 1 cm cell of the film called by the cell model (empty without one); same seam and region as
        `detect` was given."""
        if self.cell_model is None:
            return []
        candidates = detection.candidates
        x = candidates.centres()[:, 0] if len(candidates) else np.zeros(0)
        return call_cells(self.cell_model, film, candidates.smooth, seam, region, x, detection.probability,
                          candidates.features, detection.class_probabilities)

    def as_dict(self) -> dict:
        return {"format": FORMAT, "settings": self.settings.as_dict(),
                "rejector": self.rejector.as_dict() if self.rejector else None,
                "classifier": self.classifier.as_dict() if self.classifier else None,
                "cell_model": self.cell_model.as_dict() if self.cell_model else None,
                "delineation": self.delineation, "card": self.card}

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.as_dict()) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Detector":
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except OSError as error:
            raise DetectorError(f"{path}: cannot read ({error.strerror})") from None
        except json.JSONDecodeError as error:
            raise DetectorError(f"{path}: not JSON ({error})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DetectorError(f"{path}: not a detector file of format {FORMAT!r}")
        known = {f.name for f in fields(CandidateSettings)}
        given = data.get("settings") or {}
        unknown = sorted(set(given) - known)
        if unknown:
            raise DetectorError(f"{path}: unknown candidate settings {unknown}")
        try:
            settings = CandidateSettings(**given)
            rejector = TreeEnsemble.from_dict(data["rejector"]) if data.get("rejector") else None
            classifier = TreeEnsemble.from_dict(data["classifier"]) if data.get("classifier") else None
            cell_model = CellModel.from_dict(data["cell_model"]) if data.get("cell_model") else None
            return cls(settings, rejector, classifier, data.get("card") or {}, cell_model, data.get("delineation"))
        except (TreesError, CellModelError, TypeError, ValueError) as error:
            raise DetectorError(f"{path}: {error}") from None


def checked_delineation(entry) -> dict:
    """The detector file's delineator entry, checked: a file name beside the detector file, a threshold in [0, 1],
    a reach in whole px and the file's sha256."""
    if not isinstance(entry, dict) or sorted(entry) != ["file", "radius", "sha256", "threshold"]:
        raise DetectorError("delineation must be a mapping of file, threshold, radius and sha256")
    file, threshold, radius, sha = entry["file"], entry["threshold"], entry["radius"], entry["sha256"]
    if not isinstance(file, str) or not file or Path(file).name != file:
        raise DetectorError(f"delineation.file must be a file name beside the detector file, got {file!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        raise DetectorError(f"delineation.threshold must be a number in [0, 1], got {threshold!r}")
    if isinstance(radius, bool) or not isinstance(radius, int) or radius < 0:
        raise DetectorError(f"delineation.radius must be a whole number of px >= 0, got {radius!r}")
    if not isinstance(sha, str) or len(sha) != 64:
        raise DetectorError(f"delineation.sha256 must be 64 hex digits, got {sha!r}")
    return {"file": file, "threshold": float(threshold), "radius": radius, "sha256": sha}
