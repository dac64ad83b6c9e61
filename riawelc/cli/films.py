"""`riawelc films`: GDXray/BAM films -> a labelled patch tree (riawelc.films.tree), one flag per film option."""

import inspect
from dataclasses import fields
from pathlib import Path
from typing import Annotated

import typer

from riawelc.cli.common import fail, progress_bar
from riawelc.films.options import WINDOW_MODES, FilmOptions, FilmsError, load_options

YAML_ONLY = ("seam", "seam_rows")  # nested settings: in the --config file only
OPTION_HELP = {
    "patch_size": "side of the written patches", "window_scale": "window side = patch_size * this, resized",
    "stride": "film px between windows", "rows": "rows of windows centred on the seam",
    "row_stride": "film px between rows", "margin": "px of overlap that carries a flawed cell's class",
    "exclude": "comma-separated films never written", "defect_windows": " or ".join(WINDOW_MODES),
    "no_defect_windows": " or ".join(WINDOW_MODES),
    "spot_classes": "comma-separated defect classes that dark_spots applies to",
    "spots_per_cell": "dark_spots windows per cell", "spot_kernel": "black top-hat line length px",
    "spot_min_share": "a stretch's further spots need this share of its strongest",
    "cell_offset": "px from the film's left edge to cell 1",
    "tail_min_mm": "> 0: flaws this long (mm) may end one cell later, leave windows there out",
    "min_length_share": "table length / film width below this: does not fit",
    "sheet_patches": "patches per class contact sheet", "seed": "contact sheet sampling",
}


def films(
    films: Annotated[Path, typer.Option("--films", help="GDXray-style folder: films, *readme.txt, real-values.xls")],
    out: Annotated[Path, typer.Option("--out", help="patch tree to write (<out>/<class>/*.png)")],
    report: Annotated[Path | None, typer.Option(
        "--report", help="report folder (default: <out>-report, beside the tree)")] = None,
    table: Annotated[Path | None, typer.Option(
        "--table", help="flaw table (default: <films>/real-values.xls)")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="YAML file with the film options (its films: section or top level)")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace the class folders of an existing tree")] = False,
    **options,
) -> None:
    """GDXray/BAM films -> a labelled patch tree in the RIAWELC layout (<out>/<class>/<film>_Img1_...png).

    Per film: find the seam line, cut windows along it, label each from the flaw table's 1 cm cells, write the
    usable ones. Films that the table does not list are unlabelled (skipped, not defect-free); films whose seam
    does not fit the one-band model, or whose table length disagrees with the film, are skipped with the reason.
    The report folder (outside the tree) gets films.json, an overview PNG of every film with its band, and one
    contact sheet per class. Film options: the defaults, then the --config file, then the flags.
    """
    from riawelc.films.flawtable import FlawTableError
    from riawelc.films.tree import convert, format_table

    report = report or out.parent / f"{out.name}-report"
    try:
        film_options = load_options(config, **options)
        with progress_bar("films") as progress:
            summary = convert(films, out, report, film_options, table, force, progress=progress)
    except (FilmsError, FlawTableError) as error:
        fail(f"films: {error}")
    print(format_table(summary))
    print(f"tree: {out}  report: {report}/films.json, overview.png, sheet_<class>.png")


def _option_parameters() -> list[inspect.Parameter]:
    """One --flag per FilmOptions field (but the nested YAML-only ones), None meaning "not given"."""
    defaults = FilmOptions()
    parameters = []
    for field in fields(FilmOptions):
        if field.name in YAML_ONLY:
            continue
        default = getattr(defaults, field.name)
        kind = str if isinstance(default, tuple) else type(default)
        shown = ",".join(default) if isinstance(default, tuple) else default
        flag = "--" + field.name.replace("_", "-")
        option = typer.Option(flag, help=f"{OPTION_HELP.get(field.name, field.name)} (default {shown})",
                              show_default=False, rich_help_panel="Film options (override --config)")
        parameters.append(inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                            annotation=Annotated[kind | None, option]))
    return parameters


def _with_film_options(command):
    """`command`'s signature with **options replaced by the film option flags, which Typer reads."""
    signature = inspect.signature(command)
    fixed = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    clash = {p.name for p in fixed} & {f.name for f in fields(FilmOptions)}
    assert not clash, f"film options {clash} clash with the command's own flags"
    command.__signature__ = signature.replace(parameters=fixed + _option_parameters())
    return command


films = _with_film_options(films)
