"""Stage films: the GDXray/BAM films cut into cell-labelled 227-px windows (a RIAWELC-layout tree) and its report."""

from pathlib import Path

from riawelc.films.flawtable import FlawTableError
from riawelc.films.options import FilmsError, load_options
from riawelc.films.tree import convert, format_table
from stages.common import REAL_PARAMS, fail, load_params
from stages.realfilms import OUT, TREES_RULES


def main() -> None:
    params = load_params("trees", TREES_RULES, REAL_PARAMS)
    try:
        summary = convert(Path(params["films"]), OUT / "films", OUT / "films-report", load_options(params["options"]))
    except (FilmsError, FlawTableError) as error:
        fail(f"trees.films: {error}")
    print(format_table(summary))


if __name__ == "__main__":
    main()
