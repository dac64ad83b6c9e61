"""Check dvc.yaml's code deps against what each stage really imports (tests/stages/test_stage_deps.py).

A stage `python -m stages.<name>` runs every file of the repository's own packages that `stages/<name>.py` reaches
through imports, at module level or inside functions. A file of that closure missing from the stage's deps means an
edit to it does not rerun the stage; a listed code file outside the closure reruns it for nothing. Pure AST: nothing
is imported.
"""

import ast
import re
from pathlib import Path

import yaml

STAGE_COMMAND = re.compile(r"(?:RIAWELC_PARAMS=\S+ )?python -m (stages(?:\.\w+)+)(?: .*)?")


def repo_packages(repo: Path) -> set[str]:
    """The repository's own top-level packages: folders at its root with an __init__.py (riawelc, stages, serve...)."""
    return {init.parent.name for init in repo.glob("*/__init__.py")}


def module_file(module: str, repo: Path) -> Path | None:
    """The file that defines `module` (a.b -> a/b.py or a/b/__init__.py), or None when it is not in the repo."""
    base = repo.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path, repo: Path) -> str:
    """The dotted name of a repo file (a/b/__init__.py -> a.b, a/b/c.py -> a.b.c)."""
    parts = path.relative_to(repo).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def with_parent_packages(module: str) -> list[str]:
    """Importing a.b.c runs a/__init__.py and a/b/__init__.py first: [a, a.b, a.b.c]."""
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def imported_modules(path: Path, repo: Path) -> set[str]:
    """Every module an import statement anywhere in the file may load, function bodies included. For
    `from x import y`, y is counted as the module x.y too: it is one when x/y.py exists."""
    name = module_name(path, repo)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # `from . import y` is the file's own package; each further dot goes one package up.
                anchor = package.split(".")[:package.count(".") + 2 - node.level]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module
            modules.add(base)
            modules.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return modules


def import_closure(module: str, repo: Path) -> set[str]:
    """Repo-relative paths of every file of the repo's own packages that importing `module` runs, itself included."""
    packages = repo_packages(repo)
    closure: set[str] = set()
    pending = [module]
    while pending:
        for name in with_parent_packages(pending.pop()):
            if name.split(".")[0] not in packages:
                continue  # third-party or standard library
            path = module_file(name, repo)
            if path is None or path.relative_to(repo).as_posix() in closure:
                continue
            closure.add(path.relative_to(repo).as_posix())
            pending.extend(imported_modules(path, repo))
    return closure


def code_deps(deps: list) -> list[str]:
    """The deps that are plain repo paths; `${...}` deps come from params.yaml's paths: data, not code."""
    return [dep for dep in deps if isinstance(dep, str) and "${" not in dep]


def is_covered(file: str, deps: list[str]) -> bool:
    """True when `file` is a dep or lies inside a folder dep."""
    return any(file == dep.rstrip("/") or file.startswith(dep.rstrip("/") + "/") for dep in deps)


def stage_problems(stage: str, module: str, deps: list[str], repo: Path) -> list[str]:
    """One message per closure file missing from `deps`, per listed .py file outside the closure, and per whole
    package folder listed (it would rerun the stage on an edit to any file of the package)."""
    closure = import_closure(module, repo)
    packages = repo_packages(repo)
    found = [f"stage '{stage}': {dep} lists a whole package folder; list the files it imports instead"
             for dep in deps if dep.rstrip("/") in packages]
    found += [f"stage '{stage}': {file} is imported but not in deps" for file in sorted(closure)
              if not is_covered(file, deps)]
    found += [f"stage '{stage}': {dep} is in deps but not imported" for dep in deps
              if dep.endswith(".py") and dep not in closure]
    # A subpackage folder is a fair dep when the stage runs all of it (its __init__ imports every module).
    for dep in deps:
        folder = repo / dep.rstrip("/")
        if dep.rstrip("/") not in packages and folder.is_dir() and (folder / "__init__.py").is_file():
            unused = sorted(f.relative_to(repo).as_posix() for f in folder.rglob("*.py")
                            if f.relative_to(repo).as_posix() not in closure)
            found += [f"stage '{stage}': {dep} is in deps but {file} is not imported" for file in unused]
    return found


def dep_problems(dvc_yaml: Path, repo: Path) -> list[str]:
    """Every code-dep problem of every `python -m stages.<name> [args]` stage of `dvc_yaml` (foreach and matrix
    stages too), stages in file order. Deps are read relative to the stage's wdir, as DVC reads them."""
    stages = yaml.safe_load(Path(dvc_yaml).read_text())["stages"]
    found = []
    for stage, spec in stages.items():
        spec = spec.get("do", spec)
        if command := STAGE_COMMAND.fullmatch(spec["cmd"].strip()):
            # A copy outside the repository (the tests edit copies) reads as if it were the root dvc.yaml.
            home = Path(dvc_yaml).resolve().parent
            home = home if home.is_relative_to(repo.resolve()) else repo.resolve()
            base = (home / spec.get("wdir", ".")).resolve()
            deps = [(base / dep).resolve().relative_to(repo.resolve()).as_posix() + ("/" if dep.endswith("/") else "")
                    for dep in code_deps(spec.get("deps", []))
                    if (base / dep).resolve().is_relative_to(repo.resolve())]
            found += stage_problems(stage, command[1], deps, repo)
    return found
