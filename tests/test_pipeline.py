"""End to end: `dvc repro` on the embedded sample in a temporary copy of the repository."""

import json
import time

import pandas as pd
import pytest

from riawelc.constants import SPLITS
from tests.pipeline_helpers import REPO, copy_repository, isolated_env, run, update_params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pipeline")
    env = isolated_env(tmp)
    repo = copy_repository(tmp, env)
    run(["dvc", "pull", "-q", "data.dvc"], repo, env)  # from the in-repo sample remote, offline
    update_params(repo, TINY_PROFILE)
    started = time.monotonic()
    result = run(["dvc", "repro"], repo, env)
    return {"repo": repo, "env": env, "seconds": time.monotonic() - started, "log": result.stdout}


# Few epochs and small models so the whole DAG runs in a few minutes on 2 cores.
TINY_PROFILE: dict = {}


def test_dedup_and_split_outputs(pipeline_run):
    repo = pipeline_run["repo"]
    dedup = json.loads((repo / "results" / "dedup" / "report.json").read_text())
    assert dedup["images_after"] < dedup["images_before"]
    assert dedup["exact_duplicates_removed"] > 0 and dedup["label_conflicts"] > 0
    manifest = pd.read_csv(repo / "outputs" / "split" / "manifest.csv", keep_default_na=False)
    assert len(manifest) == dedup["images_after"]
    assert manifest["md5"].is_unique
    assert (manifest.groupby("radiograph")["split"].nunique() == 1).all()
    assert set(manifest["split"]) == set(SPLITS)
    split = json.loads((repo / "results" / "split" / "report.json").read_text())
    assert sum(split["images"].values()) == len(manifest)
    assert all(w > 0 for w in split["class_weights"].values())


def test_second_repro_does_nothing(pipeline_run):
    result = run(["dvc", "repro"], pipeline_run["repo"], pipeline_run["env"])
    assert "Running stage" not in result.stdout
    assert "up to date" in result.stdout


def test_committed_lock_matches_code_and_params(tmp_path):
    """dvc.lock on main matches the code and params: nothing would rerun."""
    env = isolated_env(tmp_path)
    result = run(["dvc", "repro", "--allow-missing", "--dry"], REPO, env)
    assert "Running stage" not in result.stdout, result.stdout
