"""Stage split: assign whole radiographs to train/val/test, verify nothing leaks, weigh the classes."""

import pandas as pd

from riawelc.split import (LeakageError, apply_assignment, automatic_assignment, explicit_assignment,
                           split_report, verify_no_leakage)
from stages.common import fail, load_params, paths, stage_dirs, write_json


def main() -> None:
    params = load_params("split")
    folders = paths()
    manifest = pd.read_csv(folders["outputs"] / "dedup" / "manifest.csv", keep_default_na=False)
    mode = params["mode"]
    try:
        if mode == "auto":
            mapping = automatic_assignment(manifest, params["fractions"], params["seed"], params["trials"])
        elif mode in params["assignments"]:
            mapping = explicit_assignment(manifest, params["assignments"][mode], params["unassigned"])
        else:
            fail(f"split.mode {mode!r} is neither 'auto' nor one of split.assignments {list(params['assignments'])}")
        split = apply_assignment(manifest, mapping)
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
