"""The docs site and the README: `mkdocs build --strict` passes (so a broken link, anchor, snippet or page fails
here), without importing TensorFlow; the service's environment-variable table agrees with `serve.settings`; the
README stays a front page whose links land."""

import ast
import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.mkdocs_hooks import LITERAL, settings_rows
from serve.settings import PREFIX, Settings

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SUBPACKAGES = tuple(sorted(p.parent.name for p in (REPO / "riawelc").glob("*/__init__.py")))  # each has an API page
HEAVY = ("tensorflow", "keras", "sklearn", "pandas")

# Runs `mkdocs build` and then says which heavy packages the build imported, whether it passed or not.
BUILD = f"""
import sys
from mkdocs.__main__ import cli
try:
    cli(["build", "--strict", "--site-dir", sys.argv[1]])
finally:
    print("imported:", ",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-c", BUILD, str(out)], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout[-3000:]}\n{run.stderr[-5000:]}"
    assert "imported: \n" in run.stdout, f"the docs build imported {run.stdout.split('imported:')[-1].strip()}"
    return out


def page(site: Path, doc: str) -> str:
    """The built HTML of a docs page given by its source path (`serving.md`, `api/index.md`)."""
    stem = doc.removesuffix(".md")
    html = site / ("index.html" if stem == "index" else f"{stem.removesuffix('/index')}/index.html")
    assert html.is_file(), f"no page built for docs/{doc}"
    return html.read_text()


def test_the_site_builds_strictly_with_every_page(site):
    for doc in sorted(p.relative_to(REPO / "docs").as_posix() for p in (REPO / "docs").rglob("*.md")):
        page(site, doc)


def test_the_api_pages_show_every_public_module(site):
    for package in SUBPACKAGES:
        html = page(site, f"api/{package}.md")
        modules = sorted(p.stem for p in (REPO / "riawelc" / package).glob("*.py") if not p.stem.startswith("_"))
        missing = [m for m in modules if f'id="riawelc.{package}.{m}"' not in html]
        assert modules and not missing, f"api/{package}.md lacks {missing}"


def test_the_cited_result_files_are_in_the_site(site):
    html = page(site, "whole-films.md")
    assert 'href="../results/filmeval/metrics.json"' in html
    cited = "results/filmeval/metrics.json"
    assert (site / cited).read_bytes() == (REPO / cited).read_bytes()
    # pictures made locally from research-only films are git-ignored, and never published with the site
    assert list((site / "results-real").rglob("*.png")) == []


def variables_from_env() -> set[str]:
    """Every RIAWELC_* name `Settings.from_env` reads, from its source: `PREFIX + "NAME"`, `_number(env, "NAME", ...)`
    or a literal "RIAWELC_NAME"."""
    tree = ast.parse((REPO / "serve/settings.py").read_text())
    settings = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    from_env = next(n for n in settings.body if isinstance(n, ast.FunctionDef) and n.name == "from_env")
    names = set()
    for node in ast.walk(from_env):
        if (isinstance(node, ast.BinOp) and isinstance(node.left, ast.Name) and node.left.id == "PREFIX"
                and isinstance(node.right, ast.Constant)):
            names.add(PREFIX + node.right.value)
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_number" and len(node.args) > 1
              and isinstance(node.args[1], ast.Constant)):
            names.add(PREFIX + node.args[1].value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(PREFIX):
            names.add(node.value)
    return names


def test_the_settings_table_names_every_variable_from_env_reads_and_no_other():
    documented = [name for name, _, _ in settings_rows()]
    assert len(documented) == len(set(documented)), "a variable is documented twice"
    read = variables_from_env()
    assert read, "found no RIAWELC_* variable in Settings.from_env: update variables_from_env() to the new code"
    assert sorted(set(documented) - read) == [], "documented in serve/settings.py but not read by Settings.from_env"
    assert sorted(read - set(documented)) == [], "read by Settings.from_env but missing from the docstring table"
    fields = {PREFIX + f.name.upper() for f in dataclasses.fields(Settings)}
    assert fields == set(documented), "each Settings field has the variable of its name"


def test_the_settings_table_gives_each_default():
    defaults = Settings()
    assert Settings.from_env({}) == defaults, "from_env without variables must give the dataclass defaults"
    for name, documented, _ in settings_rows():
        value = getattr(defaults, name.removeprefix(PREFIX).lower())
        if value is None or value == ():
            # no value of its own: documented as unset, or as what it derives from (the card, MODEL_DIR)
            assert documented.startswith("unset") or not LITERAL.fullmatch(documented), (name, documented)
        else:
            assert documented == str(value), f"{name}: the docs say {documented!r}, Settings says {value!r}"


def test_the_served_docs_show_the_settings_table(site):
    html = page(site, "serving.md")
    assert "riawelc:settings-table" not in html
    missing = [name for name in variables_from_env() if f"<td><code>{name}</code></td>" not in html]
    assert missing == []


def test_the_readme_is_a_front_page():
    lines = README.read_text().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines: move the detail into docs/"
    # the two commands on a fresh machine, as .ci/run runs the second
    assert ("bash scripts/repro.sh      # set up .venv, restore the embedded sample, run the whole pipeline "
            "(dvc repro)") in lines
    assert "bash scripts/test.sh       # set up .venv and run the test suite (CI runs this)" in lines


def test_the_readme_links_land(site):
    text = README.read_text()
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links
    for link in links:
        if re.match(r"[a-z]+:", link) or link.startswith("#"):
            continue
        path, _, anchor = link.partition("#")
        assert (REPO / path).exists(), f"README links to {path}, which does not exist"
        if anchor:
            assert path.startswith("docs/") and path.endswith(".md"), link
            assert f'id="{anchor}"' in page(site, path.removeprefix("docs/")), f"README: no #{anchor} in {path}"
