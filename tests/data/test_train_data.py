"""classify with `paths.train_data`: train on another tree of the same films, evaluate on the real one."""

import json
import os
import subprocess
import sys

import pandas as pd
import yaml

from riawelc.data.split import same_films_in_splits
from tests.stages.pipeline_helpers import REPO
from tests.stages.test_realfilms import _tree

FILMS = [f"RRT-{n}R" for n in range(901, 909)]


def test_same_films_in_splits_keeps_only_train_and_val_films():
    split = pd.DataFrame({"radiograph": ["A", "A", "B", "C"], "split": ["train", "train", "val", "test"]})
    other = pd.DataFrame({"radiograph": ["A", "B", "C", "D"], "label": ["crack"] * 4})
    rows = same_films_in_splits(other, split)
    assert rows["radiograph"].tolist() == ["A", "B"] and rows["split"].tolist() == ["train", "val"]


def _stage(name, cwd, params):
    env = {**os.environ, "RIAWELC_PARAMS": str(params), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", f"stages.{name}"], cwd=cwd, capture_output=True, text=True, env=env)


def _project(tmp_path, train_data):
    _tree(tmp_path / "real", {f: {"no_defect": 3, "porosity": 2} for f in FILMS})
    _tree(tmp_path / "drawn", {f: {"crack": 2, "porosity": 1, "no_defect": 1, "lack_of_penetration": 1}
                               for f in FILMS})
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["paths"].update(data="real", train_data=train_data)
    params["split"]["trials"] = 20
    params["classify"].update(frozen_epochs=1, batch_size=8)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    for stage in ("dedup", "split"):
        assert _stage(stage, tmp_path, path).returncode == 0
    return path


def test_classify_trains_on_the_train_data_patches_of_the_split_films(tmp_path):
    params = _project(tmp_path, "drawn")
    result = _stage("classify", tmp_path, params)
    assert result.returncode == 0, result.stderr
    manifest = pd.read_csv(tmp_path / "outputs" / "split" / "manifest.csv")
    films = manifest.groupby("radiograph")["split"].first()
    summary = json.loads((tmp_path / "results" / "classify" / "summary.json").read_text())
    assert summary["train_data"] == "drawn"
    assert summary["train_images"] == 5 * (films == "train").sum()  # the drawn patches of the train films
    assert summary["val_images"] == 5 * (films == "val").sum()
    assert f"training on drawn: {summary['train_images']} train" in result.stdout


def test_classify_refuses_a_train_data_tree_it_cannot_use(tmp_path):
    params = _project(tmp_path, "nowhere")
    result = _stage("classify", tmp_path, params)
    assert result.returncode == 1 and "paths.train_data: nowhere is not a folder" in result.stderr
    _tree(tmp_path / "others", {"RRT-999R": {"crack": 2}})  # films the split does not know
    params.write_text(params.read_text().replace("train_data: nowhere", "train_data: others"))
    result = _stage("classify", tmp_path, params)
    assert result.returncode == 1 and "has no patches of the train or val films" in result.stderr
    _tree(tmp_path / "cracks", {f: {"crack": 2} for f in FILMS})  # right films, one class only
    params.write_text(params.read_text().replace("train_data: others", "train_data: cracks"))
    result = _stage("classify", tmp_path, params)
    assert result.returncode == 1 and "must be > 0" in result.stderr and "{'crack': " in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "outputs" / "classify" / "model.keras").exists()
