"""The package's plan, checked from the source (AST, function bodies included; nothing is imported):
the service-safe subpackages (riawelc.inspect, and issue 18's radiograph, indications, acceptance, report and
assessment) and all they import stay free of TensorFlow, Keras, pandas and scikit-learn; serve/ uses only those
and the top level; no module takes another module's private names; nothing but tests imports a stage."""

import ast
from pathlib import Path

import pytest

from tests.stages.stage_deps import import_closure, imported_modules, module_file, module_name

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "keras", "pandas", "sklearn")
TOP_LEVEL = {"riawelc", "riawelc.constants", "riawelc.images", "riawelc.seam", "riawelc.digest", "riawelc.quiet"}
# What the service may import besides the top level: each is checked free of HEAVY with all it imports.
SERVICE_SAFE = ("inspect", "radiograph", "indications", "acceptance", "report", "assessment")
STAGE_PLUMBING = {"stages", "stages.common", "stages.validation", "stages.sections", "stages.realfilms",
                  "stages.realfilms.common", "stages.realfilms.detection", "stages.realfilms.cellmodel",
                  "stages.realfilms.rules"}


def python_files(*folders: str) -> list[Path]:
    return sorted(f for folder in folders for f in (REPO / folder).rglob("*.py") if "__pycache__" not in f.parts)


def heavy_imports(files: set[str], repo: Path = REPO) -> list[str]:
    """'file: module' for every import of a HEAVY library in the given repo files."""
    return [f"{file}: {module}" for file in sorted(files) for module in sorted(imported_modules(repo / file, repo))
            if module.split(".")[0] in HEAVY]


def package_closure(package: str = "inspect", repo: Path = REPO) -> set[str]:
    """Every repo file that importing any module of riawelc.<package> may run."""
    files = set()
    for path in sorted(f for f in (repo / "riawelc" / package).rglob("*.py") if "__pycache__" not in f.parts):
        files |= import_closure(module_name(path, repo), repo)
    return files


def inspect_closure(repo: Path = REPO) -> set[str]:
    return package_closure("inspect", repo)


def test_inspect_and_all_it_imports_never_import_tensorflow_keras_pandas_or_sklearn():
    closure = inspect_closure()
    assert "riawelc/inspect/film.py" in closure and "riawelc/images.py" in closure
    assert heavy_imports(closure) == []


@pytest.mark.parametrize("package", SERVICE_SAFE[1:])
def test_the_other_service_safe_packages_and_all_they_import_stay_light(package):
    closure = package_closure(package)
    assert f"riawelc/{package}/__init__.py" in closure
    assert heavy_imports(closure) == []


def test_the_boundary_check_sees_imports_inside_functions(tmp_path):
    """The check reads function bodies: a lazy pandas import two modules away is found."""
    (tmp_path / "riawelc" / "inspect").mkdir(parents=True)
    (tmp_path / "riawelc" / "__init__.py").write_text("")
    (tmp_path / "riawelc" / "inspect" / "__init__.py").write_text("from riawelc.inspect.maps import heat\n")
    (tmp_path / "riawelc" / "inspect" / "maps.py").write_text("from riawelc import tables\n\ndef heat():\n    pass\n")
    (tmp_path / "riawelc" / "tables.py").write_text("def table():\n    import pandas as pd\n    return pd\n")
    assert heavy_imports(inspect_closure(tmp_path), tmp_path) == ["riawelc/tables.py: pandas"]


def service_safe(module: str) -> bool:
    return module in TOP_LEVEL or module.split(".")[:2] in [["riawelc", package] for package in SERVICE_SAFE]


def test_serve_imports_only_the_service_safe_packages_and_the_top_level():
    outside, used = [], set()
    for path in python_files("serve"):
        for module in imported_modules(path, REPO):
            if module.split(".")[0] != "riawelc" or module_file(module, REPO) is None:
                continue  # another library, or a name (not a module) such as riawelc.__version__
            if service_safe(module):
                used.add(module.split(".")[1] if "." in module else module)
            else:
                outside.append(f"{path.relative_to(REPO)}: {module}")
    assert outside == []
    assert {"inspect", "radiograph", "acceptance", "report", "assessment"} <= used  # the check sees real imports


def test_the_serve_check_refuses_what_lies_outside():
    assert service_safe("riawelc.radiograph.dicom") and service_safe("riawelc.images")
    assert not service_safe("riawelc.learn.models") and not service_safe("riawelc.data")
    assert not service_safe("riawelc.reports")  # a name that only starts like a safe package


def private_names_taken(path: Path) -> list[str]:
    """`from other_module import _name`: another module's private name (a package's private module `_x` may be
    imported by its own package, and its names are public)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [f"{path.relative_to(REPO)}: {node.module}.{alias.name}" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


def test_no_module_takes_another_modules_private_names():
    assert [hit for path in python_files("riawelc", "serve", "stages", "scripts")
            for hit in private_names_taken(path)] == []


@pytest.mark.parametrize("folder", ["riawelc", "serve", "scripts"])
def test_nothing_outside_the_stages_imports_stages(folder):
    importers = [f"{path.relative_to(REPO)}: {module}" for path in python_files(folder)
                 for module in imported_modules(path, REPO) if module.split(".")[0] == "stages"]
    assert importers == []


def test_no_stage_imports_another_stage():
    stage_modules = {module_name(path, REPO) for path in python_files("stages")} - STAGE_PLUMBING
    importers = [f"{path.relative_to(REPO)}: {module}" for path in python_files("stages")
                 for module in imported_modules(path, REPO) if module in stage_modules]
    assert stage_modules and importers == []


def test_every_subpackage_says_what_it_is_for_and_exports_its_public_names():
    for init in sorted((REPO / "riawelc").glob("*/__init__.py")):
        tree = ast.parse(init.read_text())
        assert ast.get_docstring(tree), f"{init.relative_to(REPO)} has no docstring"
        exported = [node for node in tree.body if isinstance(node, ast.Assign)
                    and any(getattr(t, "id", None) == "__all__" for t in node.targets)]
        assert exported, f"{init.relative_to(REPO)} has no __all__"
