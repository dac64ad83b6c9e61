"""Each real-film profile has a pipeline of its own (pipelines/<name>/), generated from the root dvc.yaml and
params.yaml with the profile over them; the committed files are what the generator writes today."""

import yaml

from scripts.profile_pipelines import PROFILES, all_files, merged, pipeline_files
from tests.conftest import REPO


def test_committed_profile_pipelines_are_up_to_date():
    stale = [path for path, text in all_files().items()
             if not (REPO / path).is_file() or (REPO / path).read_text() != text]
    assert stale == [], "run python scripts/profile_pipelines.py"


def test_a_profile_pipeline_runs_the_root_stages_on_the_profiles_params():
    root = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
    files = pipeline_files("demo", {"paths": {"outputs": "outputs-demo"}, "classify": {"frozen_epochs": 2}})
    pipeline = yaml.safe_load(files["pipelines/demo/dvc.yaml"])["stages"]
    params = yaml.safe_load(files["pipelines/demo/params.yaml"])
    assert list(pipeline) == list(root)
    for name, stage in pipeline.items():
        assert stage["wdir"] == "../.."
        assert stage["cmd"] == f"RIAWELC_PARAMS=pipelines/demo/params.yaml {root[name]['cmd']}"
        assert stage["deps"] == root[name]["deps"] and stage["outs"] == root[name]["outs"]
        keys = [k for entry in root[name].get("params", []) for k in ([entry] if isinstance(entry, str) else entry)]
        assert stage.get("params", [{}])[0].get("pipelines/demo/params.yaml", []) == keys
    root_params = yaml.safe_load((REPO / "params.yaml").read_text())
    assert params["paths"]["outputs"] == "outputs-demo" and params["paths"]["data"] == root_params["paths"]["data"]
    assert params["classify"]["frozen_epochs"] == 2 and params["classify"]["seed"] == root_params["classify"]["seed"]


def test_every_profile_has_its_own_outputs():
    outputs = {name: yaml.safe_load((REPO / "pipelines" / name / "params.yaml").read_text())["paths"]
               for name in PROFILES}
    root = yaml.safe_load((REPO / "params.yaml").read_text())["paths"]
    for key in ("outputs", "models", "results"):
        values = [root[key]] + [paths[key] for paths in outputs.values()]
        assert len(set(values)) == len(values), f"paths.{key} shared: {values}"


def test_merge_is_key_by_key():
    assert merged({"a": {"x": 1, "y": 2}, "b": 3}, {"a": {"y": 5}}) == {"a": {"x": 1, "y": 5}, "b": 3}
