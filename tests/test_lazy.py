"""The subpackages' lazy public names (riawelc/lazy.py): a module imports only what it uses, and every public
name a subpackage lists is really there."""

import importlib
import subprocess
import sys

import pytest

LAZY_PACKAGES = ("riawelc.inspect", "riawelc.learn", "riawelc.metrics")


def loaded_after(statement: str) -> set[str]:
    """The riawelc modules a fresh interpreter holds after running `statement`."""
    code = f"import sys\n{statement}\nprint('\\n'.join(m for m in sys.modules if m.startswith('riawelc')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_a_module_of_a_subpackage_does_not_run_its_siblings():
    loaded = loaded_after("from riawelc.inspect.pseudomask import make_pseudomask")
    assert "riawelc.inspect.pseudomask" in loaded
    assert not {"riawelc.inspect.film", "riawelc.inspect.detector", "riawelc.inspect.cam"} & loaded
    loaded = loaded_after("import riawelc.metrics.classification")
    assert "riawelc.metrics.filmeval" not in loaded and not any(m.startswith("riawelc.inspect") for m in loaded)


def test_a_public_name_is_imported_on_first_use_and_kept():
    loaded = loaded_after("import riawelc.inspect as inspect\nassert 'Detector' in dir(inspect)")
    assert "riawelc.inspect.detector" not in loaded
    loaded = loaded_after("import riawelc.inspect as inspect\nfrom riawelc.inspect.detector import Detector\n"
                          "assert inspect.Detector is Detector and 'Detector' in vars(inspect)")
    assert "riawelc.inspect.detector" in loaded


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_listed_name_exists_in_its_module(package):
    module = importlib.import_module(package)
    for source, names in module.EXPORTS.items():
        owner = importlib.import_module(f"{package}.{source}")
        assert all(hasattr(owner, name) for name in names), f"{package}.{source} lacks one of {names}"
    assert sorted(module.__all__) == sorted(name for names in module.EXPORTS.values() for name in names)
    assert set(module.__all__) <= set(dir(module))


def test_an_unknown_name_is_an_attribute_error_naming_the_package():
    import riawelc.inspect as inspect
    with pytest.raises(AttributeError, match="'riawelc.inspect' has no attribute 'no_such_name'"):
        inspect.no_such_name  # noqa: B018
    assert inspect.trees is importlib.import_module("riawelc.inspect.trees")  # a submodule by its name
