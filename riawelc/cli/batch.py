"""`riawelc inspect-batch`: many films (a folder, a glob or a list) into one results table, resumable, on this
machine or on Ray (riawelc.batch)."""

import time
from pathlib import Path
from typing import Annotated, Literal

import typer

from riawelc.cli import film_options as o
from riawelc.cli.common import fail, progress_bar
from riawelc.inspect.film import FilmSettings

DEFAULTS = FilmSettings()
STATUS_EVERY = 60.0  # seconds between status lines (a log file gets no progress bar)


def inspect_batch(
    source: Annotated[str, typer.Argument(
        metavar="SOURCE", help="a folder of films, a glob ('archive/**/*.dcm', quoted) or a .txt/.csv list of paths",
        show_default=False)],
    *,
    out: Annotated[Path, typer.Option(
        "--out", help="output folder: results.parquet, parts/, masks/, regions/, indications/, reports/")],
    engine: Annotated[Literal["local", "ray"], typer.Option("--engine", help="where the films are inspected")]
    = "local",
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="worker processes (default: 1 locally; on Ray one per CPU of the cluster)",
        show_default=False)] = None,
    ray_address: Annotated[str | None, typer.Option(
        "--ray-address", help="auto (this machine's cluster) or ray://HOST:10001; default: start a local Ray",
        show_default=False)] = None,
    object_store_mb: Annotated[int, typer.Option(
        "--object-store-mb", min=78, help="object store of a local Ray, MB (only paths and rows go through it)")]
    = 256,
    threads: Annotated[int, typer.Option(
        "--threads", min=1, help="ONNX Runtime and OpenCV threads per worker")] = 1,
    models: o.Models = Path("models"),
    detector: o.Detector = None,
    variant: o.Variant = "fp32",
    probability_source: o.Source = None,
    region: o.Region = DEFAULTS.region,
    stride: o.Stride = DEFAULTS.stride,
    threshold: o.Threshold = None,
    min_area: o.MinArea = DEFAULTS.min_area,
    mm_per_pixel: o.MmPerPixel = None,
    gdxray: o.Gdxray = False,
    invert: o.Invert = False,
    max_mb: Annotated[float, typer.Option("--max-mb", help="a film file larger than this is an error row, MB")]
    = 512.0,
    rules: o.Rules = None,
    level: o.Levels = None,
    thickness: o.Thickness = None,
    weld_id: o.WeldId = None,
    inspector: o.Inspector = None,
    iqi: o.Iqi = None,
    report: o.Report = False,
    pictures: Annotated[bool, typer.Option(
        "--pictures", help="also probability/ and overlays/ PNGs (about half the inspection's time again)")]
    = False,
    part_size: Annotated[int, typer.Option(
        "--part-size", min=1, help="rows per part file (1: a killed run redoes nothing it finished)")] = 1,
    prune: Annotated[bool, typer.Option(
        "--prune", help="the table keeps only SOURCE's films (and their files); default: rows of other films "
                        "stay")] = False,
) -> None:
    """Inspect many films into one table, DIR/results.parquet: a row per film (path, file sha256, size, scale source, model version, settings hash, status or the error, region and indication counts, defect area, verdicts, seconds, worker), and each film's masks/, regions/, indications/ (and reports/ with --report) as `riawelc inspect` writes them.

    Resumable: a rerun skips every film whose row has the same file sha256, model version and settings hash, and redoes the rest; rows are written as part files (DIR/parts/) and compacted into the table, so a killed run loses nothing. A corrupt, empty, too large or unreadable film is an error row and the batch goes on.

    --engine local runs one process (or --workers N processes); --engine ray runs one Ray actor per worker, each loading the models once, with restarts and retries when a worker dies: --ray-address auto joins this machine's cluster, ray://HOST:10001 a remote one, none starts a local Ray. Exit code 1 when a film of SOURCE has an error row; 2 for a bad input.
    """
    from riawelc.acceptance import AcceptanceError
    from riawelc.assessment import Reading
    from riawelc.batch import BatchBusy, Job, ModelSpec, SourceError, film_sources, make_engine, run_batch
    from riawelc.inspect.film import FilmInspectError
    from riawelc.radiograph import choose_scale

    if ray_address and engine != "ray":
        fail("error: --ray-address goes with --engine ray")
    try:
        choose_scale(None, mm_per_pixel, gdxray)
        judging, rule_set = o.judging_from(rules, level, thickness)
        files = film_sources(source)
        detector = o.chosen_detector(models, detector)
        spec = ModelSpec(models, variant, detector, threads)
        chosen = probability_source or spec.default_source()
        settings = FilmSettings(stride=stride, region=region, source=chosen, threshold=threshold, min_area=min_area)
        context = (o.report_context(models, variant, detector, chosen, rules, rule_set, weld_id, inspector, iqi)
                   if report else None)
        job = Job.make(out, spec, settings, reading=Reading(mm_per_pixel, gdxray, invert), judging=judging,
                       report=context, pictures=pictures, max_bytes=int(max_mb * 2**20))
        runner = make_engine(engine, job, workers, ray_address, object_store_mb * 2**20)
    except (AcceptanceError, FilmInspectError, SourceError, ValueError) as error:
        fail(f"error: {error}")
    print(f"{len(files)} films, engine {engine}, source {chosen}, model {job.model_version[:12]}, "
          f"settings {job.settings_hash}")
    last = [time.monotonic()]
    with progress_bar("films") as bar:
        def progress(row: dict, counts: dict) -> None:
            total = counts["done"] + counts["failed"] + counts["remaining"]
            said = (f"{counts['failed']} failed, {counts['remaining']} left, "
                    f"{counts['films_per_minute']:.1f} films/min")
            bar(counts["done"] + counts["failed"], total, said)
            if row["status"] != "ok":
                print(f"error: {row['path']}: {row['error']}")
            if time.monotonic() - last[0] > STATUS_EVERY:
                last[0] = time.monotonic()
                print(f"{counts['done'] + counts['failed']}/{total} films, {said}")

        try:
            outcome = run_batch(files, job, runner, part_size, prune, progress)
        except (BatchBusy, FilmInspectError, RuntimeError) as error:
            fail(f"error: {error}")
    print(f"{outcome.inspected} inspected, {outcome.failed} failed, {outcome.skipped} already done "
          f"(same file, models and settings); {outcome.films_per_minute:.1f} films/min on {outcome.workers} "
          f"worker(s), start-up {outcome.startup_seconds + outcome.ray_seconds:.1f} s; table {outcome.table}")
    if outcome.errors:
        raise typer.Exit(1)
