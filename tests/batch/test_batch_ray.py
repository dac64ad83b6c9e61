"""The Ray engine against a local Ray that the tests start (2 CPUs, a 100 MB object store: CI machines have little
shared memory) and stop: the same rows, bit-identical masks and the same regions as the local engine; a worker
process killed during the run is restarted and every film still ends with exactly one row."""

import json
import os
import signal

import pytest

from riawelc.batch import Job, ModelSpec, RayEngine, SerialEngine, film_sources, run_batch
from riawelc.inspect.film import FilmSettings
from tests.batch.batch_films import rows_by_path, write_detector, write_films

ray = pytest.importorskip("ray")
PER_RUN = ("seconds", "worker", "finished")  # what differs between two runs of the same film


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, object_store_memory=100 * 2**20, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False)
    yield
    ray.shutdown()


def job_for(out, models, source, detector=None):
    return Job.make(out, ModelSpec(models, detector=detector, threads=1), FilmSettings(source=source, region="film"))


def same_outputs(a, b, name):
    for folder, suffix in (("masks", ".png"), ("indications", ".json")):
        assert (a / folder / f"{name}{suffix}").read_bytes() == (b / folder / f"{name}{suffix}").read_bytes()
    first, second = ({k: v for k, v in json.loads((d / "regions" / f"{name}.json").read_text()).items()
                      if k != "seconds"} for d in (a, b))
    assert first == second


def test_ray_and_local_give_the_same_rows_and_bit_identical_masks(local_ray, onnx_models, tmp_path):
    write_films(tmp_path / "films", 4, height=300, width=700)
    (tmp_path / "films" / "corrupt.png").write_bytes(b"not a film")
    files = film_sources(tmp_path / "films")
    local_job, ray_job = (job_for(tmp_path / name, onnx_models, "unet") for name in ("local", "ray"))
    run_batch(files, local_job, SerialEngine(local_job))
    outcome = run_batch(files, ray_job, RayEngine(ray_job, workers=2))
    assert outcome.inspected == 4 and outcome.failed == 1 and outcome.workers == 2
    local, on_ray = rows_by_path(tmp_path / "local"), rows_by_path(tmp_path / "ray")
    assert local.keys() == on_ray.keys()
    for path, row in local.items():
        assert {k: v for k, v in row.items() if k not in PER_RUN} == \
               {k: v for k, v in on_ray[path].items() if k not in PER_RUN}
        if row["status"] == "ok":
            same_outputs(tmp_path / "local", tmp_path / "ray", row["output"])
    assert len({r["worker"] for r in on_ray.values()}) == 2  # both actors worked, each with its models loaded once


def test_a_worker_killed_mid_run_is_restarted_and_no_film_is_lost(local_ray, tmp_path):
    write_films(tmp_path / "films", 10, height=600, width=3000)
    files = film_sources(tmp_path / "films")
    job = job_for(tmp_path / "out", tmp_path / "no-models", "candidates", write_detector(tmp_path / "d.json"))
    killed = []

    def kill_the_first_worker(row, counts):
        if not killed:  # its next film is already queued on it: the kill lands mid-film or just before
            killed.append(int(row["worker"].rsplit(":", 1)[1]))
            os.kill(killed[0], signal.SIGKILL)

    outcome = run_batch(files, job, RayEngine(job, workers=2), progress=kill_the_first_worker)
    rows = rows_by_path(tmp_path / "out")
    assert len(rows) == 10 and all(r["status"] == "ok" for r in rows.values()), rows
    assert outcome.inspected == 10
    workers = {r["worker"] for r in rows.values()}
    assert len(workers) == 3 and any(w.endswith(f":{killed[0]}") for w in workers)  # the killed one, restarted
