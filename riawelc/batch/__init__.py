"""Batch inspection of many films into one results table, resumable, in one process, a process pool or on Ray.

SOURCE (a folder, a glob, a .txt/.csv list: riawelc.batch.sources) -> DIR/results.parquet, one row per film (path,
file sha256, size, scale source, model version, settings hash, status, counts, area, verdicts, seconds, worker),
and each film's files as `riawelc inspect` writes them (riawelc.assessment). Every engine runs the same
FilmWorker.inspect with the models loaded once per worker (riawelc.batch.worker). Rows go to part files renamed into
place and are compacted into the table (riawelc.batch.table), so a killed run loses nothing and a rerun redoes only
the films whose file, models or settings changed (riawelc.batch.run). Ray is imported only by the Ray engine."""

from riawelc.batch.engines import PoolEngine, SerialEngine
from riawelc.batch.job import Film, Job, ModelSpec
from riawelc.batch.on_ray import RayEngine
from riawelc.batch.run import BatchBusy, Outcome, Plan, make_engine, make_plan, run_batch
from riawelc.batch.sources import SourceError, film_sources
from riawelc.batch.table import RESULTS, SCHEMA, compact, read_results
from riawelc.batch.worker import ERROR, OK, FilmWorker

__all__ = ["ERROR", "OK", "RESULTS", "SCHEMA", "BatchBusy", "Film", "FilmWorker", "Job", "ModelSpec", "Outcome",
           "Plan", "PoolEngine", "RayEngine", "SerialEngine", "SourceError", "compact", "film_sources",
           "make_engine", "make_plan", "read_results", "run_batch"]
