"""Stage `inspect` of batch/dvc.yaml: every film of a folder given by params inspected into one results table
(riawelc.batch), so that a batch's results are versioned with `dvc repro batch/dvc.yaml`.

    python -m stages.batch [PARAMS]     (from the repository root; PARAMS defaults to batch/params.yaml)

Writes the `out` folder (results.parquet and each film's files; kept between runs, `persist`, so a killed
`dvc repro` resumes and a changed param redoes only what it changes) and `summary` (counts and verdicts only: no
times, so `dvc metrics diff` shows what the films, models and params change). The table keeps exactly the
folder's films."""

import sys
from collections import Counter
from pathlib import Path

from riawelc.acceptance import load_rules
from riawelc.assessment import Judging, Reading
from riawelc.batch import Job, ModelSpec, film_sources, make_engine, run_batch
from riawelc.inspect.film import REGIONS, SOURCES, FilmSettings
from stages.common import fail, load_params, write_json
from stages.validation import Rule, choice, flag, integer, number, text

PARAMS = Path("batch/params.yaml")


def optional(rule: Rule) -> Rule:
    return Rule(f"null or {rule.allowed}", lambda v: v is None or rule.accepts(v))


RULES = {"films": text(), "out": text(), "summary": text(), "models": text(), "detector": optional(text()),
         "source": optional(choice(*SOURCES)), "region": choice(*REGIONS), "gdxray": flag(),
         "mm_per_pixel": optional(number(0, low_open=True)), "rules": optional(text()),
         "levels": Rule("a list of level names", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)),
         "thickness": optional(number(0, low_open=True)), "engine": choice("local", "ray"), "workers": integer(1),
         "threads": integer(1)}


def summary(table) -> dict:
    """Counts of the table's rows: statuses, regions, indications, cells called and each level's decisions."""
    import json

    rows = table.to_pylist()
    decisions = Counter((level, decision) for row in rows if row["verdicts"]
                        for level, decision in json.loads(row["verdicts"]).items())
    return {"films": len(rows), "ok": sum(r["status"] == "ok" for r in rows),
            "errors": {r["path"]: r["error"] for r in rows if r["status"] != "ok"},
            "regions": sum(r["regions"] or 0 for r in rows), "indications": sum(r["indications"] or 0 for r in rows),
            "defect_cells": sum(r["defect_cells"] or 0 for r in rows), "cells": sum(r["cells"] or 0 for r in rows),
            "verdicts": {f"{level}: {decision or 'none'}": n for (level, decision), n in sorted(decisions.items(),
                                                                                              key=str)}}


def main() -> None:
    params = load_params("inspect", RULES, Path(sys.argv[1]) if len(sys.argv) > 1 else PARAMS)
    try:
        judging = (Judging.from_rules(load_rules(params["rules"]), params["levels"], params["thickness"])
                   if params["rules"] else Judging())
        spec = ModelSpec(Path(params["models"]), detector=params["detector"] and Path(params["detector"]),
                         threads=params["threads"])
        settings = FilmSettings(region=params["region"], source=params["source"] or spec.default_source())
        job = Job.make(Path(params["out"]), spec, settings, judging=judging,
                       reading=Reading(params["mm_per_pixel"], params["gdxray"]))
        files = film_sources(params["films"])
        engine = make_engine(params["engine"], job, params["workers"])
    except ValueError as error:
        fail(str(error))
    outcome = run_batch(files, job, engine, prune=True)
    print(f"{outcome.films} films: {outcome.inspected} inspected, {outcome.failed} failed, {outcome.skipped} "
          f"already done; {outcome.films_per_minute:.1f} films/min; table {outcome.table}")
    import pyarrow.parquet as pq

    write_json(Path(params["summary"]), summary(pq.read_table(outcome.table)))


if __name__ == "__main__":
    main()
