"""Lazy public names for a subpackage's `__init__` (PEP 562).

A subpackage's `__init__` says what is public without importing it: `from riawelc.learn.arms import run_arm`
then runs `arms` and what it imports, not every module of `riawelc.learn`. That keeps a DVC stage's code deps
(the files its imports reach) to what it uses, so an edit to the detector does not rerun a CNN's folds.
"""

import importlib
import sys
from collections.abc import Callable


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]) -> tuple[Callable, Callable]:
    """`__getattr__` and `__dir__` for `package`, whose public names are `exports` ({module: names}). A public
    name is imported from its module on first use and kept; a submodule's name imports the submodule; anything
    else is an AttributeError that names the package."""
    owner = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str):
        namespace = sys.modules[package].__dict__
        if name in owner:
            namespace[name] = getattr(importlib.import_module(f"{package}.{owner[name]}"), name)
            return namespace[name]
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{package}.{name}":
                raise  # the submodule exists but something it imports does not
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(sys.modules[package].__dict__) | set(owner))

    return __getattr__, __dir__
