"""A batch from SOURCE to DIR/results.parquet: fold in what an earlier run left, plan (skip every film whose row
has the same file sha256, model version and settings hash; redo the rest), inspect on an engine while writing
part files, and compact. One driver per DIR at a time (a lock file)."""

from __future__ import annotations

import fcntl
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from riawelc.batch.job import Film, Job
from riawelc.batch.table import RESULTS, PartWriter, compact, read_results
from riawelc.batch.worker import OK
from riawelc.digest import sha256_of

LOCK = ".inspect-batch.lock"
COMPACT_EVERY = 1000  # parts: folded into the table during a long run too (a part is ~1.4 ms to read back)


class BatchBusy(RuntimeError):
    """Another inspect-batch is writing the same folder."""


@dataclass
class Plan:
    films: list[Film]  # every film of SOURCE
    todo: list[Film]  # those to inspect now

    @property
    def skipped(self) -> int:
        return len(self.films) - len(self.todo)


@dataclass
class Outcome:
    films: int
    skipped: int
    inspected: int
    failed: int
    startup_seconds: float  # workers up, models loaded (Ray's own start apart: ray_seconds)
    ray_seconds: float
    film_seconds: float  # from the first film sent to the last row back
    workers: int
    table: Path
    errors: int  # films of SOURCE whose row in the table is an error (this run's or an earlier one's)

    @property
    def films_per_minute(self) -> float:
        return 60.0 * (self.inspected + self.failed) / self.film_seconds if self.film_seconds > 0 else 0.0


def _unchanged(row: dict, path: str, job: Job) -> bool:
    """A row that stands for the film as it is now: same models and settings, a final status, same bytes."""
    if row["model_version"] != job.model_version or row["settings_hash"] != job.settings_hash:
        return False
    if row["retry"] or row["sha256"] is None:
        return False
    try:
        if Path(path).stat().st_size != row["bytes"]:
            return False
        return sha256_of(path) == row["sha256"]  # read only for films that might be skipped
    except OSError:
        return False


def output_names(paths: list[str], existing: dict[str, dict]) -> dict[str, str]:
    """The name of each film's output files: its stem, unless another film (of this batch or already in the table)
    has that stem; then stem-<8 hex of its path>. A film already in the table keeps its name."""
    stems = Counter(Path(p).stem for p in paths)
    taken = {row["output"]: path for path, row in existing.items()}
    names = {}
    for path in paths:
        if path in existing:
            names[path] = existing[path]["output"]
            continue
        stem = Path(path).stem
        clash = stems[stem] > 1 or taken.get(stem, path) != path
        names[path] = f"{stem}-{hashlib.sha256(path.encode()).hexdigest()[:8]}" if clash else stem
    return names


def make_plan(files: list[Path], job: Job, existing: dict[str, dict]) -> Plan:
    paths = [str(f) for f in files]
    names = output_names(paths, existing)
    films = [Film(p, names[p]) for p in paths]
    todo = [f for f in films if not (f.path in existing and _unchanged(existing[f.path], f.path, job))]
    return Plan(films, todo)


@contextmanager
def locked(out: Path):
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchBusy(f"another inspect-batch is writing {out} (lock {out / LOCK})") from None
        yield


def run_batch(files: list[Path], job: Job, engine, part_size: int = 1, prune: bool = False,
              progress: Callable[[dict, dict], None] | None = None) -> Outcome:
    """Inspect `files` into job.out on `engine` (riawelc.batch.engines / on_ray). `progress(row, counts)` after
    every row; counts: done, failed, remaining, films_per_minute. `prune`: the table keeps only these films."""
    out = Path(job.out)
    with locked(out):
        table, _ = read_results(out)
        existing = {row["path"]: row for row in table.to_pylist()}
        plan = make_plan(files, job, existing)
        compact(out)  # a crash's parts folded in: the table is whole before anything new is written
        counts = {"done": 0, "failed": 0, "remaining": len(plan.todo), "films_per_minute": 0.0}
        startup = film_seconds = 0.0
        writer = PartWriter(out, part_size)
        try:
            if plan.todo:
                began = time.perf_counter()
                engine.start()
                startup = time.perf_counter() - began - getattr(engine, "ray_seconds", 0.0)
                began = time.perf_counter()
                for row in engine.run(plan.todo):
                    writer.add(row)
                    if writer.unfolded >= COMPACT_EVERY:
                        compact(out)
                        writer.unfolded = 0
                    counts["done" if row["status"] == OK else "failed"] += 1
                    counts["remaining"] -= 1
                    film_seconds = time.perf_counter() - began
                    counts["films_per_minute"] = 60.0 * (counts["done"] + counts["failed"]) / film_seconds
                    if progress is not None:
                        progress(row, counts)
        finally:
            writer.flush()
            if plan.todo:
                engine.stop()
            table = compact(out, {f.path for f in plan.films} if prune else None)
    paths = {f.path for f in plan.films}
    errors = sum(1 for path, status in zip(table.column("path").to_pylist(), table.column("status").to_pylist())
                 if path in paths and status != OK)
    return Outcome(len(plan.films), plan.skipped, counts["done"], counts["failed"], startup,
                   getattr(engine, "ray_seconds", 0.0), film_seconds, getattr(engine, "workers", 1) or 1,
                   out / RESULTS, errors)


def make_engine(kind: str, job: Job, workers: int | None = None, address: str | None = None,
                object_store_bytes: int | None = None):
    """"local": this process (1 worker) or a process pool; "ray": Ray actors (`address`: see on_ray)."""
    if kind == "local":
        from riawelc.batch.engines import PoolEngine, SerialEngine

        return SerialEngine(job) if (workers or 1) == 1 else PoolEngine(job, workers)
    if kind == "ray":
        from riawelc.batch.on_ray import LOCAL_OBJECT_STORE, RayEngine

        return RayEngine(job, workers, address, object_store_bytes=object_store_bytes or LOCAL_OBJECT_STORE)
    raise ValueError(f"engine must be local or ray, got {kind!r}")
