"""Stage split: assign whole radiographs to train/val/test, verify nothing leaks, weigh the classes."""

import pandas as pd

from riawelc.constants import SPLITS
from riawelc.data.split import (
    LeakageError,
    apply_assignment,
    automatic_assignment,
    explicit_assignment,
    split_report,
    verify_no_leakage,
)
from stages.common import fail, load_params, paths, stage_dirs, write_json
from stages.validation import choice, fractions, integer, mapping, text

RULES = {"mode": text(), "seed": integer(0, 2**32 - 1), "trials": integer(1), "fractions": fractions(SPLITS),
         "unassigned": choice("error", "drop"), "assignments": mapping()}


def main() -> None:
    params = load_params("split", RULES)
    folders = paths()
    mode = params["mode"]
    if mode != "auto" and mode not in params["assignments"]:
        fail(f"split.mode {mode!r} is neither 'auto' nor one of split.assignments {list(params['assignments'])}")
    manifest = pd.read_csv(folders["outputs"] / "dedup" / "manifest.csv", keep_default_na=False)
    try:
        if mode == "auto":
            assignment = automatic_assignment(manifest, params["fractions"], params["seed"], params["trials"])
        else:
            assignment = explicit_assignment(manifest, params["assignments"][mode], params["unassigned"])
        split = apply_assignment(manifest, assignment)
        verify_no_leakage(split)
    except (ValueError, LeakageError) as error:
        fail(str(error))
    out, results = stage_dirs("split")
    split.to_csv(out / "manifest.csv", index=False)
    report = split_report(split)
    write_json(out / "assignment.json", {"mode": mode, "radiographs": report.pop("radiographs")})
    write_json(results / "report.json", report)
    print(f"split ({mode}): " + ", ".join(f"{k} {v}" for k, v in report["images"].items()))


if __name__ == "__main__":
    main()
