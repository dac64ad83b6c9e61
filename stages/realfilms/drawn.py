"""Stage drawn: film-shaped synthetic defects drawn onto the films' no-defect windows, every window under all four
labels (riawelc.synth.composite; the training tree of arm a8)."""

from riawelc.synth.composite import CompositeError, write_composite
from stages.common import REAL_PARAMS, fail, load_params
from stages.realfilms import OUT, TREES_RULES


def main() -> None:
    params = load_params("trees", TREES_RULES, REAL_PARAMS)
    try:
        summary = write_composite(OUT / "films", OUT / "drawn", seed=params["drawn_seed"], shapes="film",
                                  every_class=True)
    except (CompositeError, FileExistsError) as error:
        fail(f"drawn tree: {error}")
    print(f"drawn: {summary}")


if __name__ == "__main__":
    main()
