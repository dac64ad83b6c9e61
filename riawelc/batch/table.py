"""The results table of a batch folder: DIR/results.parquet, one row per film path, and DIR/parts/*.parquet, the
rows written since the last compaction.

Parquet files cannot be appended to, so the driver writes each few finished rows as a new part file (written under
a temporary name, then renamed: a part is whole or absent) and `compact` folds the parts into results.parquet
(written the same way) before and after a run. A row for a path replaces an older one (by its `finished` time), so
parts left by a crash between the table's rename and the parts' removal fold in again without a duplicate. A table
written before a column existed (a batch folder of an older version) reads with that column empty."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

RESULTS, PARTS = "results.parquet", "parts"
SCHEMA = pa.schema([
    ("path", pa.string()), ("output", pa.string()), ("sha256", pa.string()), ("bytes", pa.int64()),
    ("height", pa.int32()), ("width", pa.int32()), ("scale_source", pa.string()), ("mm_per_pixel", pa.float64()),
    ("model_version", pa.string()), ("settings_hash", pa.string()), ("status", pa.string()), ("error", pa.string()),
    ("retry", pa.bool_()), ("regions", pa.int32()), ("indications", pa.int32()), ("cells", pa.int32()),
    ("defect_cells", pa.int32()), ("defect_area_px", pa.int64()),
    ("defect_area_mm2", pa.float64()), ("verdicts", pa.string()), ("seconds", pa.float64()),
    ("worker", pa.string()), ("finished", pa.timestamp("us", tz="UTC")),
])
OUTPUT_FOLDERS = {"masks": ".png", "probability": ".png", "overlays": ".png", "regions": ".json",
                  "indications": ".json", "reports": ".html"}


def _write_atomically(table: pa.Table, path: Path) -> None:
    partial = path.with_name(f".{path.name}.partial")
    pq.write_table(table, partial)
    os.replace(partial, path)


class PartWriter:
    """Rows to DIR/parts/<time>-<pid>-<n>.parquet, `size` rows a file (1: nothing done is redone after a kill)."""

    def __init__(self, out: Path, size: int = 1):
        self.folder, self.size, self.rows = Path(out) / PARTS, max(1, size), []
        self.sequence = self.unfolded = 0  # parts written; of them, not yet compacted (the caller resets it)
        self.folder.mkdir(parents=True, exist_ok=True)

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.sequence += 1
            self.unfolded += 1
            name = f"{time.time_ns()}-{os.getpid()}-{self.sequence}.parquet"
            _write_atomically(pa.Table.from_pylist(self.rows, schema=SCHEMA), self.folder / name)
            self.rows = []


def _latest_per_path(table: pa.Table) -> pa.Table:
    table = table.sort_by([("path", "ascending"), ("finished", "descending")])
    paths = table.column("path").to_numpy(zero_copy_only=False)
    first = np.ones(len(paths), bool)
    first[1:] = paths[1:] != paths[:-1]
    return table.filter(pa.array(first))


def read_results(out: Path) -> tuple[pa.Table, list[Path]]:
    """(the latest row of every path in results.parquet and the parts, the part files read)."""
    out = Path(out)
    parts = sorted((out / PARTS).glob("*.parquet")) if (out / PARTS).is_dir() else []
    files = ([out / RESULTS] if (out / RESULTS).is_file() else []) + parts
    tables = [pq.read_table(f, schema=SCHEMA) for f in files]
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
    return _latest_per_path(table), parts


def compact(out: Path, keep: set[str] | None = None) -> pa.Table:
    """Fold the parts into results.parquet and remove them; with `keep`, drop the rows (and the output files) of
    every other path. Returns the table written."""
    out = Path(out)
    table, parts = read_results(out)
    if keep is not None:
        dropped = [name for path, name in zip(table.column("path").to_pylist(), table.column("output").to_pylist())
                   if path not in keep]
        table = table.filter(pa.array([path in keep for path in table.column("path").to_pylist()], pa.bool_()))
        for name in dropped:
            remove_outputs(out, name)
    out.mkdir(parents=True, exist_ok=True)
    _write_atomically(table, out / RESULTS)
    for part in parts:
        part.unlink(missing_ok=True)
    for partial in (out / PARTS).glob(".*.partial") if (out / PARTS).is_dir() else []:
        partial.unlink(missing_ok=True)  # a write a kill interrupted: its rows were never counted
    return table


def remove_outputs(out: Path, name: str) -> None:
    for folder, suffix in OUTPUT_FOLDERS.items():
        (Path(out) / folder / f"{name}{suffix}").unlink(missing_ok=True)
