"""Issue 8's robustness pieces: photometric augmentation settings, the high-pass backbone, patch features for the
classical baseline, film folds, and the params rule for ranges."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riawelc.constants import CLASSES
from riawelc.data.folds import film_folds
from riawelc.learn.augment import DEFAULT_PHOTOMETRIC, Photometric, augment_image
from riawelc.metrics.classification import fold_scores, majority_scores
from stages.validation import number_pair

ROOT = Path(__file__).resolve().parents[2]


def gradient_patch(size: int = 64) -> np.ndarray:
    ramp = np.linspace(40, 200, size, dtype=np.float32)
    image = np.tile(ramp[None, :], (size, 1))
    image[size // 2 - 3 : size // 2 + 3, size // 2 - 3 : size // 2 + 3] -= 30  # a dark "pore"
    return image[..., None]


def test_default_settings_give_the_transforms_of_before():
    image = gradient_patch()
    assert np.array_equal(augment_image(image, [3, 4]).numpy(),
                          augment_image(image, [3, 4], DEFAULT_PHOTOMETRIC).numpy())
    assert Photometric(contrast=[0.8, 1.2], gamma=[1, 1]) == DEFAULT_PHOTOMETRIC  # lists from params.yaml


def test_gamma_and_blur_change_the_image_deterministically_and_stay_in_range():
    image = gradient_patch()
    plain = augment_image(image, [3, 4]).numpy()
    strong = Photometric(gamma=(0.5, 2.0), blur_sigma=2.0, noise_std=0.0)
    first, again = (augment_image(image, [3, 4], strong).numpy() for _ in range(2))
    assert np.array_equal(first, again)
    assert 0.0 <= first.min() and first.max() <= 255.0
    assert np.abs(first - plain).mean() > 1.0


def test_blur_smooths_noise():
    rng = np.random.default_rng(0)
    noise = rng.normal(128, 30, (64, 64, 1)).astype(np.float32)
    quiet = Photometric(contrast=(1.0, 1.0), noise_std=0.0)
    blurred = Photometric(contrast=(1.0, 1.0), noise_std=0.0, blur_sigma=3.0)
    # Rotation interpolation smooths a little too; the blur must smooth far more, on every seed.
    for seed in range(3):
        assert augment_image(noise, [seed, 1], blurred).numpy().std() < augment_image(noise, [seed, 1], quiet).numpy().std() * 0.9


@pytest.mark.parametrize("kwargs", [{"gamma": (2.0, 1.0)}, {"contrast": (0.0, 1.0)}, {"blur_sigma": -1.0},
                                    {"gamma": (1.0, 1.0, 1.0)}])
def test_bad_photometric_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        Photometric(**kwargs)


def test_number_pair_rule():
    rule = number_pair(0, low_open=True)
    assert rule.accepts([0.5, 1.5]) and rule.accepts([1, 1])
    for bad in ([1.5, 0.5], [0, 1], [1], "1,2", [1, True], None):
        assert not rule.accepts(bad), bad


def test_highpass_backbone_ignores_exposure_and_sees_a_dark_spot():
    from riawelc.learn.models import LocalBackgroundSubtraction, build_classifier

    layer = LocalBackgroundSubtraction(8.0)
    flat = np.full((1, 64, 64, 1), 120.0, np.float32)
    assert np.abs(np.asarray(layer(flat))).max() < 1e-3
    ramp = np.tile(np.linspace(0, 255, 64, dtype=np.float32)[None, None, :, None], (1, 64, 1, 1))
    assert np.abs(np.asarray(layer(ramp))[:, :, 20:44]).max() < 1.0  # a linear ramp is background
    spot = flat.copy()
    spot[0, 30:34, 30:34] -= 40
    residual = np.asarray(layer(spot))
    assert residual[0, 31, 31, 0] < -20 and abs(residual[0, 5, 5, 0]) < 1.0
    model = build_classifier("smallcnn_highpass", "none", input_size=64)
    assert model.get_layer("backbone").get_layer("highpass").sigma == 8.0
    probabilities = model.predict(np.concatenate([flat, flat * 0.5 + 10]), verbose=0)
    assert np.allclose(probabilities[0], probabilities[1], atol=1e-4)  # exposure does not reach the classifier


def test_patch_features_are_finite_and_respond_to_a_dark_spot():
    from riawelc.learn.classical import patch_features

    rng = np.random.default_rng(1)
    clean = rng.normal(130, 3, (2, 96, 96, 1)).clip(0, 255)
    flawed = clean.copy()
    flawed[1, 40:50, 40:50] -= 60
    features = patch_features(flawed.astype(np.uint8))
    assert features.shape[0] == 2 and np.isfinite(features).all()
    assert not np.allclose(features[0], features[1])


def test_film_folds_keep_films_whole_and_spread_rare_classes():
    rows = []
    for film in range(10):
        label = CLASSES[0] if film < 4 else CLASSES[2]
        rows += [{"radiograph": f"F{film}", "label": label}] * (3 + film)
    manifest = pd.DataFrame(rows)
    folds = film_folds(manifest, 4, seed=0)
    assert set(folds) == {f"F{i}" for i in range(10)} and set(folds.values()) == {0, 1, 2, 3}
    assert len({folds[f"F{i}"] for i in range(4)}) == 4  # the four films of the rare class in four folds
    assert folds == film_folds(manifest, 4, seed=0)
    with pytest.raises(ValueError, match="10 films cannot fill 11 folds"):
        film_folds(manifest, 11, seed=0)


def test_scores_macro_f1_over_present_classes():
    true = np.array([0, 0, 2, 2])
    predicted = np.array([0, 2, 2, 2])
    result = fold_scores(true, predicted)
    assert result["classes_scored"] == [CLASSES[0], CLASSES[2]]
    assert result["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert result["macro_f1_4"] == pytest.approx((2 / 3 + 0.8) / 4)
    assert majority_scores(np.array([2, 2, 1]), true)["accuracy"] == 0.5


def test_training_dataset_applies_the_configured_photometric_settings():
    import dataclasses

    from riawelc.learn.training import TrainConfig, _train_dataset

    images = (np.random.default_rng(0).random((4, 48, 48, 1)) * 200).astype(np.uint8)
    labels = np.arange(4)
    plain = TrainConfig(batch_size=4)
    strong = dataclasses.replace(plain, photometric=Photometric(gamma=(0.6, 1.6), noise_std=8, blur_sigma=1.5))
    first = next(iter(_train_dataset(images, labels, plain, 1)))[0].numpy()
    second = next(iter(_train_dataset(images, labels, strong, 1)))[0].numpy()
    assert np.abs(first - second).mean() > 1.0  # fails if the settings never reach the augmentation


def _tree(root: Path, counts: dict[str, dict[str, int]]) -> None:
    """counts: film -> class -> patches (random 227 px patches, RIAWELC-style names)."""
    import cv2

    rng = np.random.default_rng(0)
    for film, per_class in counts.items():
        for label, n in per_class.items():
            (root / label).mkdir(parents=True, exist_ok=True)
            for k in range(n):
                patch = rng.normal(128, 10, (227, 227)).clip(0, 255).astype(np.uint8)
                cv2.imwrite(str(root / label / f"{film}_Img1_W227_S114_[0][{k}].png"), patch)


REAL_PARAMS = {
    "trees": {"films": "unused", "options": "unused", "drawn_seed": 0},
    "split": {"seed": 42, "trials": 20, "fractions": {"train": 0.6, "val": 0.2, "test": 0.2}},
    "folds": {"count": 3, "seed": 0},
    "classify": None,  # params.yaml's section, filled in below
    "arms": {"drawn_classical": {"classifier": "classical", "train_tree": "drawn"},
             "real_classical": {"classifier": "classical", "train_tree": "films"}},
}


def run_stage(workdir: Path, *args: str) -> None:
    import os
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", *args], cwd=workdir, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture
def real_pipeline(tmp_path):
    """A workspace of the real-film pipeline on small fake trees: six films, real windows (no_defect, porosity)
    and drawn ones (crack, porosity, no_defect) of five of them; split and features stages run."""
    import yaml

    films = [f"RRT-{n}R" for n in range(901, 907)]
    out = tmp_path / "realfilms" / "out"
    _tree(out / "films", {f: {"no_defect": 3, "porosity": 1} for f in films})
    _tree(out / "drawn", {f: {"crack": 2, "porosity": 1, "no_defect": 1} for f in films[:5]})
    params = dict(REAL_PARAMS, classify=yaml.safe_load((ROOT / "params.yaml").read_text())["classify"])
    (tmp_path / "realfilms" / "params.yaml").write_text(yaml.safe_dump(params))
    run_stage(tmp_path, "stages.realfilms.split")
    run_stage(tmp_path, "stages.realfilms.features")
    return tmp_path, films


def test_fold_stages_train_on_the_drawn_tree_and_score_every_real_patch_once(real_pipeline):
    import json

    workdir, films = real_pipeline
    for fold in range(3):
        run_stage(workdir, "stages.realfilms.fold", "drawn_classical", str(fold))
    run_stage(workdir, "stages.realfilms.summary", "drawn_classical")
    cv = json.loads((workdir / "results-real/realfilms/cv/drawn_classical.json").read_text())
    assert len(cv["runs"]) == 3
    for run in cv["runs"]:
        assert not set(run["train_films"]) & set(run["films"])
        assert set(run["train_films"]) <= set(films[:5])  # the drawn tree trains ...
        assert run["train_images"] == 4 * len(run["train_films"])
        assert run["model"]["images"] == 4 * len(run["films"])  # ... and the real one is scored
        assert run["majority"]["accuracy"] == 0.75  # the real training films' majority (no_defect), not crack
    predictions = pd.read_csv(workdir / "results-real/realfilms/cv/drawn_classical.predictions.csv")
    assert len(predictions) == 4 * len(films) and set(predictions["film"]) == set(films)  # every real patch once
    assert predictions["true"].value_counts().to_dict() == {"no_defect": 18, "porosity": 6}
    for run in cv["runs"]:  # the rows of a fold are that fold's films, and agree with its confusion matrix
        rows = predictions[predictions["fold"] == run["fold"]]
        assert set(rows["film"]) == set(run["films"])
        assert (rows["true"] == rows["predicted"]).mean() == pytest.approx(run["model"]["accuracy"])
    assert cv["pooled"]["images"] == 24
    assert cv["model"]["accuracy"]["mean"] == pytest.approx(np.mean([r["model"]["accuracy"] for r in cv["runs"]]),
                                                            abs=1e-4)


def test_classical_features_from_the_features_stage_give_the_same_predictions(real_pipeline):
    """The stored features (stage features) and features computed from the images give the same fold."""
    from riawelc.data.manifests import read_manifest
    from riawelc.learn.arms import run_arm

    workdir, _ = real_pipeline
    run_stage(workdir, "stages.realfilms.fold", "real_classical", "0")
    stored = pd.read_csv(workdir / "realfilms/out/folds/real_classical/fold0.predictions.csv")
    manifest = read_manifest(workdir / "realfilms/out/split/manifest.csv")
    manifest["path"] = [str(workdir / p) for p in manifest["path"]]
    train = manifest[~manifest["fold"].isin([0, 1])]
    _, table = run_arm({"classifier": "classical"}, {"seed": 42}, train, manifest[manifest["fold"] == 1],
                       manifest[manifest["fold"] == 0], train)
    assert table.equals(stored.drop(columns=["fold"]))


def test_test_stage_trains_on_the_split_train_films_and_scores_its_test_films(real_pipeline):
    import json

    workdir, films = real_pipeline
    run_stage(workdir, "stages.realfilms.test", "drawn_classical")
    arm = json.loads((workdir / "results-real/realfilms/test/drawn_classical.json").read_text())
    split = json.loads((workdir / "realfilms/out/split/films.json").read_text())["splits"]
    assert arm["films"] == split["test"] and arm["model"]["images"] == 4 * len(split["test"])
    assert arm["train_films"] == sorted(set(split["train"]) & set(films[:5]))


def test_a_fold_stage_with_an_unknown_arm_or_fold_says_so(real_pipeline):
    import os
    import subprocess

    workdir, _ = real_pipeline
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args, message in ((["nosuch", "0"], "arms has no 'nosuch'"), (["drawn_classical", "3"], "expected 0 to 2")):
        result = subprocess.run([sys.executable, "-m", "stages.realfilms.fold", *args], cwd=workdir, env=env,
                                capture_output=True, text=True)
        assert result.returncode == 1 and message in result.stderr
