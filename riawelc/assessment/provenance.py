"""What a report names as its model and rules: the files used, their sha256, a version and a training-data hash."""

from __future__ import annotations

import json
from pathlib import Path

from riawelc import __version__
from riawelc.constants import CLASSIFIER, UNET
from riawelc.digest import sha256_of
from riawelc.inspect.detector import DETECTOR_FILE
from riawelc.inspect.detector import FORMAT as DETECTOR_FORMAT
from riawelc.inspect.film import MODEL_FILES


def _card(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def model_provenance(models: Path, variant: str, detector: Path | None, source: str) -> dict:
    """The files that produced the indications (the detector.json for source "candidates", else the ONNX models and
    their cards), each with its sha256; the version; the training-data hash when a card has one."""
    if source == "candidates":
        path = Path(detector) if detector is not None else Path(models) / DETECTOR_FILE
        card = _card(path).get("card", {})
        data = card.get("training_data_md5") or card.get("training_data_hash")
        return {"name": str(path), "source": source, "version": f"{DETECTOR_FORMAT}, riawelc {__version__}",
                "files": [{"path": str(path), "sha256": sha256_of(path)}],
                "training_data": data or "not in the detector's card (trained on GDXray films: see its card)"}
    paths = [Path(models) / name for name in MODEL_FILES[variant]]
    cards = [Path(models) / f"{name}.json" for name in (CLASSIFIER, UNET)]
    hashes = sorted({c.get("training_data_md5") for c in map(_card, cards) if c.get("training_data_md5")})
    made = _card(cards[0]).get("created_by", {})
    return {"name": f"{models} ({variant})", "source": source,
            "version": f"riawelc {made.get('riawelc', __version__)} models, run by riawelc {__version__}",
            "files": [{"path": str(p), "sha256": sha256_of(p)} for p in paths + cards if p.is_file()],
            "training_data": ", ".join(hashes) or None}


def rules_provenance(path: Path, rules) -> dict:
    return {"path": str(path), "sha256": sha256_of(path), "title": rules.title, "notice": rules.notice}
