"""What every stage needs: its params section, the project paths, and JSON/CSV writers."""

import json
import os
import sys
from pathlib import Path

import yaml

PARAMS_FILE = Path(os.environ.get("RIAWELC_PARAMS", "params.yaml"))


def load_params(section: str | None = None) -> dict:
    params = yaml.safe_load(PARAMS_FILE.read_text())
    if section is None:
        return params
    if section not in params:
        raise SystemExit(f"{PARAMS_FILE} has no '{section}' section")
    return params[section]


def paths() -> dict[str, Path]:
    """The `paths` section of params.yaml: the one place that names the data and output folders."""
    return {key: Path(value) for key, value in load_params("paths").items()}


def stage_dir(stage: str) -> Path:
    folder = paths()["outputs"] / stage
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def fail(message: str) -> None:
    """End the stage with a clear message and a non-zero exit, without a traceback."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(1)
