"""`riawelc composite`: synthetic defects with true masks drawn onto a real patch tree's no-defect windows
(riawelc.synth.composite, imported when the command runs: it pulls in scikit-learn)."""

import json
from pathlib import Path
from typing import Annotated, Literal

import typer

from riawelc.cli.common import fail

# riawelc.synth.composite's CONTRAST and SHAPES, here so that `riawelc --help` does not import it
# (tests/cli/test_cli.py checks that they agree).
CONTRAST = (4.0, 14.0)
SHAPES = ("sample", "film")


def composite(
    patches: Annotated[Path, typer.Option("--patches", help="a patch tree from riawelc films")],
    out: Annotated[Path, typer.Option("--out", help="new folder for the composite tree")],
    seed: Annotated[int, typer.Option("--seed", help="order of the windows and the drawn defects")] = 0,
    contrast: Annotated[tuple[float, float], typer.Option(
        "--contrast", metavar="LOW HIGH", show_default=False,
        help=f"defect darkness range in grain sigmas (default {CONTRAST[0]:g} {CONTRAST[1]:g}; "
             "the film shapes carry their own)")] = CONTRAST,
    shapes: Annotated[Literal[SHAPES], typer.Option(
        "--shapes",
        help="crack and lack-of-penetration shapes: the sample's, or drawn after the real films' ones")] = "sample",
    every_class: Annotated[bool, typer.Option(
        "--every-class", help="each window once under every class (clean and with one defect of each class)")] = False,
) -> None:
    """Composite patches: synthetic defects drawn onto real film windows, with true masks.

    Every no_defect window of a real patch tree (riawelc films) is kept as it is or receives one synthetic defect
    (crack, lack of penetration or porosity), drawn with a darkness of --contrast x the window's grain sigma.
    The result is a RIAWELC-layout tree with masks/, the film ids kept in the names, that the whole DAG trains
    on unchanged (profiles/gdxray_composite.yaml); a report <out>-report.json is written beside it.
    """
    if not 0 < contrast[0] <= contrast[1]:
        fail(f"error: --contrast needs 0 < LOW <= HIGH, got {list(contrast)}")
    from riawelc.synth.composite import CompositeError, write_composite

    try:
        summary = write_composite(patches, out, seed, tuple(contrast), shapes, every_class)
    except (CompositeError, FileExistsError) as error:
        fail(f"error: {error}")
    (out.parent / f"{out.name}-report.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"{sum(summary['per_class'].values())} patches from {summary['films']} films: {summary['per_class']}; "
          f"tree {out}, report {out.name}-report.json")
