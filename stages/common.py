"""What every stage needs: its params section, the project paths, and JSON/CSV writers."""

import json
import os
import sys
from pathlib import Path

import yaml

from stages.validation import Rule, problems, text

PARAMS_FILE = Path(os.environ.get("RIAWELC_PARAMS", "params.yaml"))
REAL_PARAMS = Path("realfilms/params.yaml")  # the real-film pipeline, realfilms/dvc.yaml
PATH_RULES = {key: text() for key in ("data", "train_data", "outputs", "models", "results")}
TIMING_FILE = "timing.json"


def load_params(section: str | None = None, rules: dict[str, Rule] | None = None,
                file: Path = PARAMS_FILE) -> dict:
    """The whole params file, or one section of it checked against `rules` (the stage stops with a one-line
    error naming every bad key before it does any work). The real-film pipeline's stages read REAL_PARAMS."""
    try:
        params = yaml.safe_load(file.read_text())
    except (OSError, yaml.YAMLError) as error:
        fail(f"cannot read {file}: {error}".replace("\n", " "))
    if section is None:
        return params
    if not isinstance(params, dict) or section not in params:
        fail(f"{file} has no '{section}' section")
    if rules is not None and (found := problems(section, params[section], rules)):
        fail(f"{file}: " + "; ".join(found))
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
