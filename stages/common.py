"""What every stage needs: its params section, the project paths, and JSON/CSV writers."""

import json
import os
import sys
from pathlib import Path

import yaml

from stages.validation import Rule, problems, text

PARAMS_FILE = Path(os.environ.get("RIAWELC_PARAMS", "params.yaml"))
PATH_RULES = {key: text() for key in ("data", "train_data", "outputs", "models", "results")}
TIMING_FILE = "timing.json"


def load_params(section: str | None = None, rules: dict[str, Rule] | None = None) -> dict:
    """The whole params file, or one section of it checked against `rules` (the stage stops with a one-line
    error naming every bad key before it does any work)."""
    try:
        params = yaml.safe_load(PARAMS_FILE.read_text())
    except (OSError, yaml.YAMLError) as error:
        fail(f"cannot read {PARAMS_FILE}: {error}".replace("\n", " "))
    if section is None:
        return params
    if not isinstance(params, dict) or section not in params:
        fail(f"{PARAMS_FILE} has no '{section}' section")
    if rules is not None and (found := problems(section, params[section], rules)):
        fail(f"{PARAMS_FILE}: " + "; ".join(found))
    return params[section]


def paths() -> dict[str, Path]:
    """The `paths` section of params.yaml: the one place that names the data and output folders."""
    return {key: Path(value) for key, value in load_params("paths", PATH_RULES).items()}


def stage_dirs(stage: str) -> tuple[Path, Path]:
    """(outputs/<stage>, results/<stage>): large cached outputs, and small committed results."""
    folders = paths()
    out, results = folders["outputs"] / stage, folders["results"] / stage
    out.mkdir(parents=True, exist_ok=True)
    results.mkdir(parents=True, exist_ok=True)
    return out, results


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def fail(message: str) -> None:
    """End the stage with a clear message and a non-zero exit, without a traceback."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(1)


def read_manifest(path: Path):
    import pandas as pd

    return pd.read_csv(path, keep_default_na=False)


def load_split(manifest, split: str | None, mask_column: str | None = None):
    """(rows, images (N, 227, 227, 1) uint8, labels (N,) class indices[, masks (N, 227, 227) uint8 0/1]) of one
    split, or of every row when split is None."""
    import numpy as np

    from riawelc.constants import CLASS_INDEX
    from riawelc.images import read_patches

    rows = manifest if split is None else manifest[manifest["split"] == split]
    rows = rows.reset_index(drop=True)
    images = read_patches(list(rows["path"]))
    labels = rows["label"].map(CLASS_INDEX).to_numpy(np.int64)
    if mask_column is None:
        return rows, images, labels
    return rows, images, labels, read_masks(rows[mask_column], images.shape[1:3])


class StageTimer:
    """Wall-clock seconds of a stage's work, written on success to results/<stage>/timing.json with any `extra`
    figures (per-epoch seconds). The file is committed but not a DVC metric: times differ from run to run, and
    `dvc metrics diff` must show only what code and params change."""

    def __init__(self, results: Path):
        self.path = Path(results) / TIMING_FILE
        self.extra: dict = {}

    def __enter__(self):
        import time

        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type, *exc):
        import time

        self.seconds = round(time.perf_counter() - self._start, 1)
        if exc_type is None:
            write_json(self.path, {"seconds": self.seconds, **self.extra})


def load_cam_predictor(model_path: Path):
    """The saved classifier as a model with two outputs, [probabilities, cams] (features are left out: at
    EfficientNet's 1280 channels they would not fit in memory for a whole dataset)."""
    import keras

    from riawelc.models import cam_model

    full = cam_model(keras.models.load_model(model_path))
    return keras.Model(full.input, full.outputs[2:])


def read_masks(paths, shape):
    """Masks from files; an empty path means an empty mask (no_defect patches)."""
    import numpy as np

    from riawelc.images import read_mask

    return np.stack([read_mask(p) if p else np.zeros(shape, np.uint8) for p in paths])
