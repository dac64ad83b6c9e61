"""MkDocs hooks of the docs site (`hooks:` in mkdocs.yml): what the pages take from the repository itself.

- The result files (`results/`, `results-real/`: JSON, JSONL, CSV, TSV and the sample's PNG galleries) that git
  tracks or would track are copied into the site under the same paths, so a page links a figure to the file it
  comes from, and `mkdocs build --strict` fails when a cited file is missing. Ignored files stay out: the pictures
  made locally from research-only films (`results-real/**/*.png`) must never be published.
- `<!-- riawelc:settings-table -->` becomes the service's environment-variable table, read from the docstring of
  `serve/settings.py` (parsed, not imported): the variables are documented in one place.
- `<!-- riawelc:modules PACKAGE -->` becomes one mkdocstrings block per public module of PACKAGE, found on disk,
  so a new module gets its API section without editing a page.
- `PlainDocstrings` (a griffe extension, `extensions:` of the mkdocstrings handler) keeps the docstrings' plain text
  plain: the library writes `x[k]`, `[r][c]` and `<out>` as prose, which Markdown would take for links and HTML.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import griffe
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

REPO = Path(__file__).resolve().parents[1]
RESULT_FOLDERS = ("results", "results-real")
RESULT_SUFFIXES = {".json", ".jsonl", ".csv", ".tsv", ".png"}
SETTINGS_MODULE = REPO / "serve" / "settings.py"
SETTINGS_MARKER = "<!-- riawelc:settings-table -->"
MODULES_MARKER = re.compile(r"<!-- riawelc:modules ([\w.]+) -->")
LITERAL = re.compile(r"[\w./*-]+")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def settings_rows(path: Path = SETTINGS_MODULE) -> list[tuple[str, str, str]]:
    """(variable, default, meaning) of each row of the `| variable | default | meaning |` table in the module's
    docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    lines = [line.strip() for line in doc.splitlines()]
    try:
        start = lines.index("| variable | default | meaning |")
    except ValueError:
        raise PluginError(f"{path.relative_to(REPO)}: no '| variable | default | meaning |' table in its docstring")
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != 3:
            raise PluginError(f"{path.relative_to(REPO)}: a settings row without three cells: {line}")
        rows.append((cells[0], cells[1], cells[2]))
    if not rows:
        raise PluginError(f"{path.relative_to(REPO)}: the settings table has no rows")
    return rows


def settings_table() -> str:
    """The settings table as Markdown: variables, and defaults that are plain values, as code."""
    out = ["| variable | default | meaning |", "|---|---|---|"]
    for name, default, meaning in settings_rows():
        shown = f"`{default}`" if LITERAL.fullmatch(default) else default
        out.append(f"| `{name}` | {shown} | {meaning} |")
    return "\n".join(out)


def module_directives(package: str) -> str:
    """One `::: package.module` block per public module of the package, in name order."""
    folder = REPO.joinpath(*package.split("."))
    modules = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    if not modules:
        raise PluginError(f"docs: package {package} has no public modules in {folder.relative_to(REPO)}")
    return "\n\n".join(f"::: {package}.{module}" for module in modules)


def result_files() -> list[str]:
    """The result files git tracks or would track (not ignored), relative to the repository."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--",
                                 *RESULT_FOLDERS], cwd=REPO, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise PluginError(f"docs: cannot list the result files with git ({error})") from error
    return sorted({uri for uri in listed.split("\0")
                   if Path(uri).suffix in RESULT_SUFFIXES and (REPO / uri).is_file()})


def on_files(files, config):
    for uri in result_files():
        if files.get_file_from_path(uri) is None:
            files.append(File(uri, str(REPO), config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_markdown(markdown, page, config, files):
    if SETTINGS_MARKER in markdown:
        markdown = markdown.replace(SETTINGS_MARKER, settings_table())
    return MODULES_MARKER.sub(lambda match: module_directives(match.group(1)), markdown)


def plain_text(docstring: str) -> str:
    """Escape `[`, `]` and `<` outside code spans and indented code blocks, so that Markdown shows them as written."""
    out, in_code, previous_blank = [], False, True
    for line in docstring.split("\n"):
        in_code = line.startswith("    ") and (previous_blank or in_code)
        previous_blank = not line.strip()
        if in_code or previous_blank:
            out.append(line)
            continue
        pieces, end = [], 0
        for match in CODE_SPAN.finditer(line):
            pieces += [_escape(line[end:match.start()]), match.group(0)]
            end = match.end()
        out.append("".join(pieces + [_escape(line[end:])]))
    return "\n".join(out)


def _escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]").replace("<", "&lt;")


class PlainDocstrings(griffe.Extension):
    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = plain_text(obj.docstring.value)
