"""dvc.yaml lists every file of each stage's import closure as a code dep, and no code file outside it (a missing
dep lets `dvc repro` skip a stage whose code changed). Pure AST, no TensorFlow: fast."""

import pytest
import yaml

from tests.conftest import REPO
from tests.stages.stage_deps import dep_problems, import_closure

DVC_YAML = REPO / "dvc.yaml"


def edited_copy(tmp_path, stage: str, edit) -> list[str]:
    """The problems of a copy of dvc.yaml whose `stage` deps went through `edit` (list -> list)."""
    pipeline = yaml.safe_load(DVC_YAML.read_text())
    pipeline["stages"][stage]["deps"] = edit(pipeline["stages"][stage]["deps"])
    copy = tmp_path / "dvc.yaml"
    copy.write_text(yaml.safe_dump(pipeline, sort_keys=False))
    return dep_problems(copy, REPO)


def test_every_stage_lists_exactly_its_code_deps():
    assert dep_problems(DVC_YAML, REPO) == []


@pytest.mark.parametrize("profile", ["real", "composite", "drawn"])
def test_every_profile_pipeline_lists_exactly_its_code_deps(profile):
    assert dep_problems(REPO / "pipelines" / profile / "dvc.yaml", REPO) == []


def test_every_real_film_stage_lists_exactly_its_code_deps():
    """realfilms/dvc.yaml: matrix and foreach stages, commands with arguments, paths relative to wdir .."""
    assert dep_problems(REPO / "realfilms" / "dvc.yaml", REPO) == []


def test_the_delineators_training_does_not_depend_on_the_detector():
    """Stage delineator learns from the hand masks alone: a change to the detector must not retrain it (an hour)."""
    stage = yaml.safe_load((REPO / "realfilms" / "dvc.yaml").read_text())["stages"]["delineator"]
    detector = {"riawelc/inspect/candidates.py", "riawelc/inspect/detector.py", "riawelc/learn/detector.py",
                "realfilms/out/masked", "stages/realfilms/detection.py"}
    assert "riawelc/inspect/tophat.py" in stage["deps"] and not detector & set(stage["deps"])
    params = stage["params"][0]["realfilms/params.yaml"]
    assert "detector" not in params and {"detector.smooth", "detector.max_grain"} <= set(params)


def test_the_batch_stage_lists_exactly_its_code_deps():
    """batch/dvc.yaml: a command with an argument, deps templated from batch/params.yaml, wdir .."""
    assert dep_problems(REPO / "batch" / "dvc.yaml", REPO) == []


@pytest.mark.parametrize("stage, removed", [
    ("dedup", "riawelc/images.py"),
    ("evaluate", "riawelc/quiet.py"),
    ("gradcam", "stages/__init__.py"),
])
def test_a_removed_dep_is_named(tmp_path, stage, removed):
    problems = edited_copy(tmp_path, stage, lambda deps: [dep for dep in deps if dep != removed])
    assert f"stage '{stage}': {removed} is imported but not in deps" in problems


def test_a_listed_file_outside_the_closure_is_named(tmp_path):
    problems = edited_copy(tmp_path, "split", lambda deps: deps + ["riawelc/films/tree.py"])
    assert "stage 'split': riawelc/films/tree.py is in deps but not imported" in problems


def test_a_subpackage_folder_dep_must_be_run_whole(tmp_path):
    """A subpackage folder is a dep only when the stage imports all of it (an edit anywhere in it reruns the stage)."""
    problems = edited_copy(tmp_path, "split", lambda deps: deps + ["riawelc/films"])
    assert "stage 'split': riawelc/films is in deps but riawelc/films/flawtable.py is not imported" in problems


def test_a_folder_dep_covers_its_files_but_a_whole_package_is_reported(tmp_path):
    problems = edited_copy(tmp_path, "evaluate",
                           lambda deps: [dep for dep in deps if not dep.startswith("riawelc/")] + ["riawelc/"])
    assert [problem for problem in problems if problem.startswith("stage 'evaluate'")] == [
        "stage 'evaluate': riawelc/ lists a whole package folder; list the files it imports instead"]


@pytest.fixture
def fake_repo(tmp_path):
    """A stage that imports a library module only inside a function, through a package, a submodule named in
    `from lib import ...` and a relative import; lib/unused.py is never imported."""
    files = {
        "stages/__init__.py": "",
        "stages/demo.py": "import json\n\nfrom lib import tables\n\n\ndef run():\n    from lib.util import helper\n\n"
                          "    return helper(json.dumps(tables.ROWS))\n",
        "lib/__init__.py": "",
        "lib/tables.py": "ROWS = [1, 2]\n",
        "lib/util.py": "import numpy\n\nfrom .deep.leaf import VALUE\n\n\ndef helper(text):\n    return text, VALUE\n",
        "lib/deep/__init__.py": "",
        "lib/deep/leaf.py": "VALUE = 3\n",
        "lib/unused.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_imports_inside_function_bodies_count(fake_repo):
    assert "lib/util.py" in import_closure("stages.demo", fake_repo)


def test_closure_follows_packages_submodules_and_relative_imports(fake_repo):
    assert import_closure("stages.demo", fake_repo) == {
        "stages/__init__.py", "stages/demo.py", "lib/__init__.py", "lib/tables.py", "lib/util.py",
        "lib/deep/__init__.py", "lib/deep/leaf.py"}
