"""Stage verdicts (issue 18) on the small fake GDXray folder of tests/stages/test_realfilms_detector.py: the reference
verdict follows the table, the confusion adds up, the trivial "always reject" agreement is the reference's reject
share, and a bad level stops the stage with one line."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from riawelc.films.flawtable import OTHER, read_flaw_table
from tests.conftest import REPO
from tests.stages.test_realfilms import run_stage
from tests.stages.test_realfilms_detector import workspace  # noqa: F401 - the fixture, run once for this module

LEVELS = ["example-strict", "example-lenient"]


def with_verdicts(root, levels) -> None:
    params_file = root / "realfilms" / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    params["verdicts"] = {"rules": str(REPO / "profiles" / "acceptance-example.yaml"), "levels": levels,
                          "thickness_mm": 10.0}
    params_file.write_text(yaml.safe_dump(params))


@pytest.fixture(scope="module")
def verdicts(workspace):  # noqa: F811 - pytest's fixture by name
    with_verdicts(workspace, LEVELS)
    run_stage(workspace, "stages.realfilms.verdicts")
    return json.loads((workspace / "results-real/realfilms/verdicts.json").read_text())


def test_the_reference_verdict_follows_the_table_and_the_confusion_adds_up(workspace, verdicts):  # noqa: F811
    table = read_flaw_table(workspace / "gdxray" / "W0003" / "real-values.xls")
    films = {row["film"]: row for row in verdicts["per_film"]}
    assert verdicts["films"] == len(films) and "RRT-30R" in films
    notes = " ".join(verdicts["notes"])
    assert "RRT-40R: left out" in notes and "RRT-88R: left out, unreadable" in notes
    for name, row in films.items():
        in_scope = [f for f in table.films[name].flaws if f.label != OTHER]
        assert row["table_rows"] == len(in_scope)
        if any(f.label in ("crack", "lack_of_penetration") for f in in_scope):  # no level accepts these
            assert set(row["reference"].values()) == {"reject"}
    assert verdicts["table_rows"]["four_classes"] == sum(r["table_rows"] for r in films.values())
    assert verdicts["table_rows"]["other_codes_out_of_scope"] == sum(r["other_code_rows"] for r in films.values())
    for level in LEVELS:
        scored = verdicts["levels"][level]["folds"]
        cells = scored["confusion"]
        assert sum(sum(row.values()) for row in cells.values()) == len(films)
        same = cells["reference_reject"]["inspection_reject"] + cells["reference_accept"]["inspection_accept"]
        assert scored["agreement"] == pytest.approx(same / len(films), abs=1e-4)
        rejects = sum(r["reference"][level] == "reject" for r in films.values())
        assert scored["always_reject_agreement"] == pytest.approx(rejects / len(films), abs=1e-4)
        assert sorted(d["film"] for d in scored["disagreements"]) == sorted(
            n for n, r in films.items() if r["reference"][level] != r["folds"][level])
        for d in scored["disagreements"]:
            assert d["caused_by"], d  # the indications behind it, the inspection's or the table's


def test_every_reference_flaw_is_scored(verdicts):
    assert len(verdicts["flaws"]) == verdicts["table_rows"]["four_classes"]
    for flaw in verdicts["flaws"]:
        assert set(flaw["rule_outcome"]) == set(LEVELS)
        if flaw["class"] in ("crack", "lack_of_penetration"):
            assert set(flaw["rule_outcome"].values()) == {"reject"}
        assert flaw["detected"] or not flaw["detected_as_its_class"]
        assert ("length_error_mm" in flaw) == (flaw["detected_as_its_class"] and bool(flaw["l_mm"]))


def test_an_unknown_level_stops_the_stage_with_one_line(workspace, verdicts):  # noqa: F811
    with_verdicts(workspace, ["B"])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "stages.realfilms.verdicts"], cwd=workspace, env=env,
                         capture_output=True, text=True, check=False)
    with_verdicts(workspace, LEVELS)
    assert run.returncode != 0 and "unknown level 'B'" in run.stderr
    assert len([line for line in run.stderr.splitlines() if "unknown level" in line]) == 1
