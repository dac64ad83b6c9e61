import pandas as pd
import pytest

from riawelc.constants import CLASSES, SPLITS
from riawelc.data.split import (
    LeakageError,
    apply_assignment,
    automatic_assignment,
    class_weights,
    explicit_assignment,
    verify_no_leakage,
)


def toy_manifest(n_radiographs: int = 12, per_class: int = 5) -> pd.DataFrame:
    rows = []
    for r in range(n_radiographs):
        for c, label in enumerate(CLASSES):
            for i in range((r + c) % 3 + per_class - 2):
                rows.append({"md5": f"{r}-{c}-{i}", "label": label, "radiograph": f"RRT-{900 + r}R"})
    return pd.DataFrame(rows)


def test_automatic_assignment_keeps_radiographs_whole_and_is_deterministic():
    manifest = toy_manifest()
    fractions = {"train": 0.6, "val": 0.2, "test": 0.2}
    first = automatic_assignment(manifest, fractions, seed=1, trials=50)
    assert first == automatic_assignment(manifest, fractions, seed=1, trials=50)
    split = apply_assignment(manifest, first)
    verify_no_leakage(split)
    assert set(split["split"]) == set(SPLITS)
    share = split.groupby("split").size() / len(split)
    assert share["train"] == pytest.approx(0.6, abs=0.1)
    for label in CLASSES:  # every class is spread like the targets
        part = split[split["label"] == label].groupby("split").size() / (split["label"] == label).sum()
        assert part["train"] == pytest.approx(0.6, abs=0.15)


def test_automatic_assignment_rejects_bad_fractions_and_too_few_radiographs():
    with pytest.raises(ValueError, match="fractions"):
        automatic_assignment(toy_manifest(), {"train": 0.8, "test": 0.2}, seed=0)
    with pytest.raises(ValueError, match="radiograph"):
        automatic_assignment(toy_manifest(n_radiographs=2), {"train": 0.6, "val": 0.2, "test": 0.2}, seed=0)


def test_explicit_assignment_reproduces_a_published_split():
    manifest = toy_manifest(4)
    published = {"train": ["RRT-900R", "RRT-901R"], "val": ["RRT-902R"], "test": ["RRT-903R"]}
    split = apply_assignment(manifest, explicit_assignment(manifest, published))
    assert dict(split.groupby("radiograph")["split"].first()) == {
        "RRT-900R": "train", "RRT-901R": "train", "RRT-902R": "val", "RRT-903R": "test"}


def test_explicit_assignment_errors_name_the_problem():
    manifest = toy_manifest(4)
    with pytest.raises(ValueError, match="RRT-903R"):
        explicit_assignment(manifest, {"train": ["RRT-900R", "RRT-901R"], "val": ["RRT-902R"]})
    mapping = explicit_assignment(manifest, {"train": ["RRT-900R"], "test": ["RRT-901R"]}, unassigned="drop")
    assert set(apply_assignment(manifest, mapping)["radiograph"]) == {"RRT-900R", "RRT-901R"}
    with pytest.raises(LeakageError, match="RRT-900R"):
        explicit_assignment(manifest, {"train": ["RRT-900R"], "test": ["RRT-900R"]}, unassigned="drop")
    with pytest.raises(ValueError, match="holdout"):
        explicit_assignment(manifest, {"holdout": ["RRT-900R"]}, unassigned="drop")


def test_verification_catches_a_hash_or_radiograph_in_two_splits():
    manifest = pd.DataFrame({"md5": ["a", "b", "a"], "radiograph": ["R1", "R1", "R2"], "split": ["train", "train", "test"]})
    with pytest.raises(LeakageError, match="md5 a"):
        verify_no_leakage(manifest)
    manifest = pd.DataFrame({"md5": ["a", "b"], "radiograph": ["R1", "R1"], "split": ["train", "val"]})
    with pytest.raises(LeakageError, match="radiograph R1"):
        verify_no_leakage(manifest)


def test_class_weights_are_inverse_frequency_on_train():
    labels = ["crack"] * 10 + ["porosity"] * 30 + ["no_defect"] * 40 + ["lack_of_penetration"] * 20
    manifest = pd.DataFrame({"label": labels + ["crack"] * 50, "split": ["train"] * 100 + ["test"] * 50})
    weights = class_weights(manifest)
    assert weights == {"crack": 2.5, "lack_of_penetration": 1.25, "no_defect": 0.625, "porosity": pytest.approx(100 / 120, abs=1e-6)}
