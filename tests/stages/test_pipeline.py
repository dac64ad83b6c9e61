"""End to end: the whole DAG with `dvc repro` in a temporary copy of the repository, on a tiny sample.

The copy regenerates a tiny sample (10 patches per class), `dvc add`s it like a user with their own data would,
and runs a tiny profile (one epoch, small models), then checks every output and runs both ONNX files.
"""

import json
import sys
import time

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest

from riawelc.constants import CLASSES, PATCH_SIZE, SPLITS, UNET_SIZE
from tests.stages.pipeline_helpers import REPO, copy_repository, isolated_env, run, update_params

pytestmark = pytest.mark.slow

TINY_PROFILE = {
    "split": {"trials": 50},
    "classify": {"model": "smallcnn", "frozen_epochs": 1, "finetune_epochs": 0, "batch_size": 8},
    "unet": {"encoder": "small", "epochs": 1, "batch_size": 4},
    "export": {"parity_images": 4, "int8_calibration": 8},
    "filmsample": {"films": 2, "height": 400, "width": 900, "defects_per_film": 2},
    "filmeval": {"sources": ["unet", "cam_dark"]},
}


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pipeline")
    env = isolated_env(tmp)
    repo = copy_repository(tmp, env)
    run(["dvc", "pull", "-q", "data.dvc"], repo, env)  # the embedded sample, offline, from the in-repo remote
    assert len(list((repo / "data" / "training").iterdir())) == 4
    run([sys.executable, "scripts/make_sample.py", "--out", "data", "--per-class", "10", "--force"], repo, env)
    run(["dvc", "add", "-q", "data"], repo, env)
    update_params(repo, TINY_PROFILE)
    result = run(["dvc", "repro"], repo, env)
    return {"repo": repo, "env": env, "log": result.stdout}


def read_json(path):
    return json.loads(path.read_text())


def test_dedup_and_split_outputs(pipeline_run):
    repo = pipeline_run["repo"]
    dedup = read_json(repo / "results" / "dedup" / "report.json")
    assert dedup["images_after"] < dedup["images_before"]
    assert dedup["exact_duplicates_removed"] > 0 and dedup["label_conflicts"] > 0
    manifest = pd.read_csv(repo / "outputs" / "split" / "manifest.csv", keep_default_na=False)
    assert len(manifest) == dedup["images_after"] and manifest["md5"].is_unique
    assert (manifest.groupby("radiograph")["split"].nunique() == 1).all()
    assert set(manifest["split"]) == set(SPLITS)
    split = read_json(repo / "results" / "split" / "report.json")
    assert sum(split["images"].values()) == len(manifest)
    assert all(w > 0 for w in split["class_weights"].values())


def test_learning_stage_outputs(pipeline_run):
    repo = pipeline_run["repo"]
    results = repo / "results"
    assert (repo / "outputs" / "classify" / "model.keras").is_file()
    assert (results / "classify" / "live" / "plots" / "metrics" / "val" / "accuracy.tsv").is_file()
    evaluation = read_json(results / "evaluate" / "metrics.json")
    assert 0 <= evaluation["accuracy"] <= 1 and set(evaluation["per_class"]) == set(CLASSES)
    assert len(read_json(results / "evaluate" / "confusion.json")) == evaluation["test_images"]
    assert (results / "evaluate" / "misclassified.png").stat().st_size > 0
    assert read_json(results / "gradcam" / "summary.json")["cam_scale"] > 0
    assert any((results / "gradcam" / "overlays").iterdir())
    pseudo = pd.read_csv(repo / "outputs" / "pseudomask" / "manifest.csv", keep_default_na=False)
    assert all((repo / p).is_file() for p in pseudo["pseudomask"])
    assert "agreement_with_true_masks" in read_json(results / "pseudomask" / "report.json")
    segmentation = read_json(results / "segeval" / "metrics.json")
    for key in ("against_pseudo_masks", "against_true_masks", "false_positive_rate_no_defect"):
        assert key in segmentation
    assert (results / "segeval" / "best_median_worst.png").is_file()


def test_exported_models_run_in_onnx_runtime(pipeline_run):
    models = pipeline_run["repo"] / "models"
    parity = read_json(pipeline_run["repo"] / "results" / "export" / "parity.json")
    assert parity["probabilities_within_tolerance"] and parity["classifier"]["classes_identical"]
    patches = np.random.default_rng(0).uniform(0, 255, (3, PATCH_SIZE, PATCH_SIZE, 1)).astype(np.float32)
    classifier = ort.InferenceSession(str(models / "classifier.onnx"), providers=["CPUExecutionProvider"])
    names = [o.name for o in classifier.get_outputs()]
    assert names == ["features", "logits", "probabilities", "cams"]
    probabilities = classifier.run(["probabilities"], {"image": patches})[0]
    assert probabilities.shape == (3, len(CLASSES))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    unet = ort.InferenceSession(str(models / "unet.onnx"), providers=["CPUExecutionProvider"])
    mask = unet.run(["mask"], {"image": np.zeros((2, UNET_SIZE, UNET_SIZE, 1), np.float32)})[0]
    assert mask.shape == (2, UNET_SIZE, UNET_SIZE, 1)
    card = read_json(models / "classifier.json")
    assert card["classes"] == list(CLASSES) and card["cam_scale"] > 0
    assert card["training_data_md5"] == read_json_dvc(pipeline_run["repo"] / "data.dvc")


def test_int8_copies_and_their_report(pipeline_run):
    repo = pipeline_run["repo"]
    int8 = read_json(repo / "results" / "export" / "int8.json")
    assert int8["enabled"] and int8["calibration"]["patches"] == 8
    assert 0 <= int8["classifier"]["accuracy_int8"] <= 1 and 0 <= int8["classifier"]["agreement"] <= 1
    assert "dice_int8_vs_fp32" in int8["unet"]
    for name in ("classifier", "unet"):
        card = read_json(repo / "models" / f"{name}.json")
        assert (repo / "models" / card["int8"]["file"]).is_file()
    speed = read_json(repo / "results" / "export" / "timing.json")["int8_speed"]
    assert speed["classifier"]["speedup"] > 0


def test_film_evaluation_on_the_synthetic_films(pipeline_run):
    repo = pipeline_run["repo"]
    metrics = read_json(repo / "results" / "filmeval" / "metrics.json")
    assert metrics["films"] == 2 and set(metrics["per_film"]) == {"synth-film-1", "synth-film-2"}
    assert set(metrics["mean"]) == {"unet", "cam_dark", "tophat"}
    assert "val patches" in metrics["threshold_source"]  # the sample's val split has true masks
    for film in metrics["per_film"].values():
        totals = {scores["component_recall"]["all"]["total"] for scores in film.values()}
        assert len(totals) == 1 and totals.pop() >= 2  # two defects, a pore cluster is several components
        assert all(0 <= scores["dice"] <= 1 for scores in film.values())
    pictures = repo / "outputs" / "filmeval" / "pictures"
    assert sorted(p.name for p in pictures.iterdir())[:3] == ["synth-film-1_cam_dark.png", "synth-film-1_tophat.png",
                                                             "synth-film-1_unet.png"]


def read_json_dvc(path):
    import yaml

    return yaml.safe_load(path.read_text())["outs"][0]["md5"]


WALL_CLOCK_WORDS = ("second", "time", "duration", "elapsed", "date")


def keys_of(tree) -> set[str]:
    if isinstance(tree, dict):
        return set(tree) | {k for value in tree.values() for k in keys_of(value)}
    if isinstance(tree, list):
        return {k for value in tree for k in keys_of(value)}
    return set()


def test_metrics_have_no_wall_clock_keys_and_timings_are_kept_beside_them(pipeline_run):
    repo, env = pipeline_run["repo"], pipeline_run["env"]
    shown = json.loads(run(["dvc", "metrics", "show", "--json"], repo, env).stdout)
    keys = keys_of(shown)
    assert "accuracy" in keys and "cam_scale" in keys  # the metrics were read
    assert not [k for k in keys if any(word in k.lower() for word in WALL_CLOCK_WORDS)], sorted(keys)
    for stage in ("classify", "evaluate", "gradcam", "pseudomask", "unet", "segeval", "export", "filmsample",
                  "filmeval"):
        assert read_json(repo / "results" / stage / "timing.json")["seconds"] >= 0
    assert len(read_json(repo / "results" / "classify" / "timing.json")["epoch_seconds"]) == 1


def test_second_repro_does_nothing(pipeline_run):
    result = run(["dvc", "repro"], pipeline_run["repo"], pipeline_run["env"])
    assert "Running stage" not in result.stdout
    assert "up to date" in result.stdout


@pytest.mark.parametrize("pipeline", ["dvc.yaml", "realfilms/dvc.yaml"])
def test_committed_lock_matches_code_and_params(tmp_path, pipeline):
    """The lock on main matches the code and params: nothing would rerun. The real-film pipeline's deps include
    the films, ../shared/gdxray (beside the repository in CI); without them its check cannot run."""
    if pipeline.startswith("realfilms") and not (REPO.parent / "shared" / "gdxray" / "W0003").is_dir():
        pytest.skip("../shared/gdxray/W0003 is not beside the repository")
    env = isolated_env(tmp_path)
    result = run(["dvc", "repro", "--allow-missing", "--dry", pipeline], REPO, env)
    assert "Running stage" not in result.stdout, result.stdout


def test_experiments_run_queue_and_show(pipeline_run):
    """`dvc exp run -S`, a queued grid and `dvc exp show` work in a fresh repository (git identity from env)."""
    repo, env = pipeline_run["repo"], pipeline_run["env"]
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-qm", "tiny profile"], repo, env)
    run(["dvc", "exp", "run", "-n", "wider-phash", "-S", "dedup.phash_distance=6"], repo, env)
    run(["dvc", "exp", "run", "--queue", "-S", "dedup.phash_distance=2,3"], repo, env)
    run(["dvc", "queue", "start", "--jobs", "1"], repo, env)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        status = run(["dvc", "queue", "status"], repo, env).stdout
        if "Queued" not in status and "Running" not in status:
            break
        time.sleep(5)
    assert "Failed" not in status, status
    shown = json.loads(run(["dvc", "exp", "show", "--json"], repo, env).stdout)
    distances = set()
    for baseline in shown:
        for experiment in baseline.get("experiments") or []:
            for revision in experiment.get("revs", []):
                params = revision["data"]["params"]["params.yaml"]["data"]
                distances.add(params["dedup"]["phash_distance"])
    assert {6, 2, 3} <= distances, shown


def tree_digest(repo, *folders: str) -> dict[str, str]:
    """Relative path -> sha256 of every file under the folders (a missing folder gives no entries)."""
    import hashlib

    return {str(path.relative_to(repo)): hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in folders if (repo / folder).exists()
            for path in sorted((repo / folder).rglob("*")) if path.is_file()}


def test_profile_pipelines_leave_the_root_and_each_other_intact(pipeline_run):
    """Two profiles, each in its own generated pipeline (scripts/profile_pipelines.py): running one, with
    `dvc exp run` (the whole DAG) or `dvc repro` (up to its classifier), leaves the root pipeline's models and
    results and the other profile's outputs byte-identical."""
    from scripts.profile_pipelines import pipeline_files

    repo, env = pipeline_run["repo"], pipeline_run["env"]
    for name in ("one", "two"):
        paths = {"outputs": f"outputs-{name}", "models": f"models-{name}", "results": f"results-{name}"}
        for relative, text in pipeline_files(name, {"paths": paths}, root=repo).items():
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            (repo / relative).write_text(text)
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-qm", "two profile pipelines"], repo, env)
    root = tree_digest(repo, "models", "results")
    assert any(path.startswith("models/") for path in root)
    run(["dvc", "exp", "run", "pipelines/one/dvc.yaml"], repo, env)
    one = tree_digest(repo, "outputs-one", "models-one", "results-one")
    assert any(path.endswith("classifier.onnx") for path in one)
    assert tree_digest(repo, "models", "results") == root
    # The second profile runs as far as its classifier (what would clash first); the whole DAG again added ~1.5 min.
    run(["dvc", "repro", "pipelines/two/dvc.yaml:classify"], repo, env)
    assert "outputs-two/classify/model.keras" in tree_digest(repo, "outputs-two")
    assert tree_digest(repo, "models", "results") == root
    assert tree_digest(repo, "outputs-one", "models-one", "results-one") == one
