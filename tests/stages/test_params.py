"""Params checks: every stage refuses a bad params.yaml section with one line naming the key, before any work;
the committed params pass every stage's rules."""

import os
import subprocess
import sys

import pytest
import yaml

from stages.validation import choice, flag, fractions, integer, number, odd_integer, problems
from tests.conftest import REPO

STAGES = tuple(yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"])  # dvc.yaml is the stage list


def stage_rules(stage: str) -> dict:
    import importlib

    return importlib.import_module(f"stages.{stage}").RULES


@pytest.mark.parametrize("rule, good, bad", [
    (integer(1), [1, 16], [0, -3, 1.5, True, "8", None]),
    (integer(0, 64), [0, 64], [65, -1]),
    (odd_integer(3), [3, 41], [1, 4, 3.0]),
    (number(0, low_open=True), [1e-6, 3], [0, -1, float("nan"), float("inf"), False]),
    (number(0, 1, high_open=True), [0, 0.5], [1, 1.2]),
    (choice("adam", "adamw"), ["adam"], ["sgd", None]),
    (flag(), [True, False], [1, "true"]),
    (fractions(("train", "val", "test")), [{"train": 0.7, "val": 0.15, "test": 0.15}],
     [{"train": 1.5, "val": 0.15, "test": 0.15}, {"train": 0.5, "val": 0.5}, {"train": 0.6, "val": 0.2, "test": 0.1},
      {"train": 0.0, "val": 0.5, "test": 0.5}]),
])
def test_rules_accept_and_refuse(rule, good, bad):
    assert all(rule.accepts(value) for value in good)
    assert not any(rule.accepts(value) for value in bad)


def test_problems_name_missing_unknown_and_bad_keys():
    rules = {"batch_size": integer(1), "augment": flag()}
    found = problems("classify", {"batch_size": 0, "augmnet": True}, rules)
    assert "classify.augmnet is not a known key (known: batch_size, augment)" in found
    assert "classify.augment is missing; it must be true or false" in found
    assert "classify.batch_size must be an integer >= 1, got 0" in found
    assert problems("classify", {"batch_size": 4, "augment": False}, rules) == []
    assert problems("classify", None, rules) == ["classify must be a mapping of keys to values, got None"]


@pytest.mark.parametrize("stage", STAGES)
def test_committed_params_pass_every_stage(stage):
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    assert problems(stage, params[stage], stage_rules(stage)) == []


@pytest.mark.parametrize("stage, section, key, value, expected", [
    ("split", "split", "fractions", {"train": 1.5, "val": 0.15, "test": 0.15}, "split.fractions must be"),
    ("dedup", "dedup", "near_duplicates", "delete", "dedup.near_duplicates must be one of report"),
    ("classify", "classify", "batch_size", 0, "classify.batch_size must be an integer >= 1, got 0"),
    ("classify", "classify", "frozen_epochs", 0, "frozen_epochs + finetune_epochs must be at least 1"),
    ("pseudomask", "pseudomask", "dark_window", 40, "pseudomask.dark_window must be an odd integer >= 3, got 40"),
    ("dedup", "paths", "data", "", "paths.data must be a non-empty string"),
    ("filmsample", "filmsample", "width", 100, "filmsample.width must be an integer in [300, 10000], got 100"),
    ("filmeval", "filmeval", "sources", ["unet", "bogus"], "filmeval.sources must be a non-empty list of unet"),
    ("filmeval", "filmeval", "films", "no-such-folder", "no-such-folder is not an annotated-film folder"),
    ("filmeval", "filmeval", "variant", "int4", "filmeval.variant must be one of fp32"),
])
def test_stage_stops_with_one_line_naming_the_key(tmp_path, stage, section, key, value, expected):
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params[section][key] = value
    if key == "frozen_epochs":
        params["classify"]["finetune_epochs"] = 0
    bad = tmp_path / "params.yaml"
    bad.write_text(yaml.safe_dump(params))
    env = {**os.environ, "RIAWELC_PARAMS": str(bad)}
    # Run in an empty folder: a stage that got past its checks would fail on missing inputs instead.
    result = subprocess.run([sys.executable, "-m", f"stages.{stage}"], cwd=tmp_path, capture_output=True, text=True,
                            env={**env, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "outputs").exists()
