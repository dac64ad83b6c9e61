"""`riawelc inspect-batch` on the local engine: one row per film with the films read as `riawelc inspect` reads
them; corrupt, empty and missing films are error rows and the batch goes on; SOURCE as a glob or a list; a rerun
skips what is done and redoes what changed (a film's bytes, the settings); a run killed part-way (SIGKILL) loses
nothing and duplicates nothing when started again."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from riawelc.batch import Job, ModelSpec, PoolEngine, film_sources, read_results, run_batch
from riawelc.inspect.film import FilmSettings
from tests.batch.batch_films import rows_by_path, write_detector, write_films
from tests.conftest import REPO
from tests.cli.test_cli import cli


@pytest.fixture
def batch(tmp_path):
    """films/ with three films, a corrupt and an empty one; a detector."""
    write_films(tmp_path / "films", 3)
    (tmp_path / "films" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (tmp_path / "films" / "empty.tif").write_bytes(b"")
    write_detector(tmp_path / "detector.json")
    return tmp_path


def run(tmp, source, *extra, out="out"):
    return cli("inspect-batch", source, "--out", tmp / out, "--models", tmp / "no-models", "--detector",
               tmp / "detector.json", *extra)


def test_every_film_gets_one_row_and_bad_films_are_error_rows(batch):
    result = run(batch, batch / "films", "--mm-per-pixel", "0.1")
    assert result.exit_code == 1, result.output  # 1: some film could not be inspected
    assert "3 inspected, 2 failed, 0 already done" in result.stdout
    rows = rows_by_path(batch / "out")
    assert len(rows) == 5 and not any((batch / "out" / "parts").iterdir())  # every part compacted
    bad = {os.path.basename(p): r for p, r in rows.items() if r["status"] == "error"}
    assert set(bad) == {"corrupt.png", "empty.tif"} and "empty file" in bad["empty.tif"]["error"]
    assert bad["empty.tif"]["sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    good = [r for r in rows.values() if r["status"] == "ok"]
    assert all(r["height"] == 300 and r["width"] == 900 and r["scale_source"] == "user" for r in good)
    assert all(r["regions"] >= 1 and r["defect_area_mm2"] == pytest.approx(r["defect_area_px"] * 0.01) for r in good)
    assert all(r["cells"] == 4 and 1 <= r["defect_cells"] <= 4 for r in good)  # 900 px: four 1 cm cells
    assert len({r["model_version"] for r in rows.values()}) == 1 and all(r["worker"] for r in rows.values())
    # The same masks as `riawelc inspect` writes for the same folder.
    single = cli("inspect", batch / "films", "--out", batch / "single", "--models", batch / "no-models",
                 "--detector", batch / "detector.json", "--mm-per-pixel", "0.1")
    assert single.exit_code == 1, single.output
    for r in good:
        name = f"{r['output']}.png"
        assert np.array_equal(cv2.imread(str(batch / "out" / "masks" / name), cv2.IMREAD_UNCHANGED),
                              cv2.imread(str(batch / "single" / "masks" / name), cv2.IMREAD_UNCHANGED))
        assert (batch / "out" / "indications" / f"{r['output']}.json").is_file()


def test_a_glob_and_a_list_name_the_films_and_missing_unreadable_or_large_ones_are_error_rows(batch):
    (batch / "folder.png").mkdir()
    (batch / "list.csv").write_text("path,weld\nfilms/film_00.png,A\nfilms/film_02.png,B\nfilms/gone.png,C\n"
                                    "films/film_00.png,A\nfolder.png,D\n")
    result = run(batch, batch / "list.csv")
    rows = rows_by_path(batch / "out")
    assert result.exit_code == 1 and len(rows) == 4  # the film named twice is one row
    assert rows[str(batch / "films" / "gone.png")]["status"] == "error"
    unreadable = rows[str(batch / "folder.png")]
    assert unreadable["error"].startswith("cannot read") and unreadable["retry"]  # tried again on a rerun
    (batch / "one.txt").write_text("# a text list\nfilms/film_01.png\n")
    assert run(batch, batch / "one.txt", "--max-mb", "0.001", out="small").exit_code == 1
    assert "over the limit" in rows_by_path(batch / "small")[str(batch / "films" / "film_01.png")]["error"]
    assert run(batch, str(batch / "films" / "film_0*.png"), out="globbed").exit_code == 0
    assert len(rows_by_path(batch / "globbed")) == 3
    assert run(batch, batch / "nowhere").exit_code == 2


def test_a_rerun_skips_what_is_done_and_redoes_a_changed_film_or_changed_settings(batch):
    run(batch, batch / "films")
    first = rows_by_path(batch / "out")
    again = run(batch, batch / "films")
    assert "0 inspected, 0 failed, 5 already done" in again.stdout
    assert rows_by_path(batch / "out") == first  # nothing rewritten
    write_films(batch / "films", 1, width=700)  # film_00 changes
    changed = run(batch, batch / "films")
    assert "1 inspected, 0 failed, 4 already done" in changed.stdout
    rows = rows_by_path(batch / "out")
    film = str(batch / "films" / "film_00.png")
    assert rows[film]["width"] == 700 and rows[film]["sha256"] != first[film]["sha256"]
    stricter = run(batch, batch / "films", "--min-area", "40")
    assert "3 inspected, 2 failed, 0 already done" in stricter.stdout
    rows = rows_by_path(batch / "out")
    assert len(rows) == 5 and len({r["settings_hash"] for r in rows.values()}) == 1
    assert rows[film]["settings_hash"] != first[film]["settings_hash"]


def test_a_run_killed_part_way_loses_nothing_and_duplicates_nothing(tmp_path):
    write_films(tmp_path / "films", 16, height=600, width=3000)
    write_detector(tmp_path / "detector.json")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "riawelc", "inspect-batch", str(tmp_path / "films"), "--out", str(out),
               "--models", str(tmp_path / "no-models"), "--detector", str(tmp_path / "detector.json")]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list((out / "parts").glob("*.parquet"))) < 3 and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    left, parts = read_results(out)  # readable after the kill: the table and the parts
    done = {r["path"]: r["finished"] for r in left.to_pylist()}
    assert 3 <= len(done) < 16 and len(parts) == len(done)
    again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{16 - len(done)} inspected, 0 failed, {len(done)} already done" in again.stdout
    rows = rows_by_path(out)
    assert len(rows) == 16 and all(r["status"] == "ok" for r in rows.values())
    assert {p: rows[p]["finished"] for p in done} == done  # the films done before the kill were not redone
    assert not list((out / "parts").iterdir())


def test_a_pool_worker_killed_mid_run_is_replaced_and_no_film_is_lost(tmp_path):
    write_films(tmp_path / "films", 8, height=600, width=3000)
    job = Job.make(tmp_path / "out", ModelSpec(tmp_path / "no-models", detector=write_detector(tmp_path / "d.json")),
                   FilmSettings(source="candidates"))
    killed = []

    def kill_the_first_worker(row, counts):
        if not killed:  # the pool breaks: a new one is started and the films in flight are sent again
            killed.append(int(row["worker"].rsplit(":", 1)[1]))
            os.kill(killed[0], signal.SIGKILL)

    outcome = run_batch(film_sources(tmp_path / "films"), job, PoolEngine(job, 2), progress=kill_the_first_worker)
    rows = rows_by_path(tmp_path / "out")
    assert outcome.inspected == 8 and len(rows) == 8 and all(r["status"] == "ok" for r in rows.values())
    assert len({r["worker"] for r in rows.values()}) >= 3  # the new pool's workers took over


def test_help_and_bad_input(batch):
    assert "Resumable" in cli("inspect-batch", "--help").stdout
    result = run(batch, batch / "films", "--ray-address", "auto")
    assert result.exit_code == 2 and "--engine ray" in result.stderr


def test_a_results_table_from_before_the_cells_columns_still_reads_and_compacts(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from riawelc.batch.table import RESULTS, SCHEMA, PartWriter, compact

    older = pa.schema([field for field in SCHEMA if field.name not in ("cells", "defect_cells")])
    stamp = datetime(2026, 12, 1, tzinfo=UTC)
    pq.write_table(pa.Table.from_pylist([{"path": "a.png", "status": "ok", "regions": 2, "finished": stamp}],
                                        schema=older), tmp_path / RESULTS)
    writer = PartWriter(tmp_path)
    writer.add({"path": "b.png", "status": "ok", "regions": 1, "cells": 4, "defect_cells": 1,
                "finished": stamp + timedelta(hours=1)})
    writer.flush()
    rows = {r["path"]: r for r in read_results(tmp_path)[0].to_pylist()}
    assert rows["a.png"]["regions"] == 2 and rows["a.png"]["cells"] is None and rows["b.png"]["defect_cells"] == 1
    assert compact(tmp_path).num_rows == 2 and pq.read_schema(tmp_path / RESULTS).names == SCHEMA.names
