"""Batch inspection speed: films per minute of `riawelc inspect-batch` on each engine, in one run.

    nice -n 5 python scripts/bench_batch.py [--models models] [--films 40] [--keep DIR]

Writes `--films` synthetic 5,000 x 1,300 films (riawelc.synth.film, the filmsample generator, seeded), then
inspects them from scratch with local 1 worker, local 2 workers, Ray 1 worker and Ray 2 workers, every worker with
the same ONNX Runtime and OpenCV threads (--threads, default 1) and the ONNX models of --models (source unet, seam
band). Per configuration: the workers' start-up (models loaded) apart from the films' rate (first film sent to last
row back); Ray's own start (ray.init, one local Ray of 2 CPUs for both Ray runs) apart again. Then the scaling
efficiency (2-worker rate / twice the 1-worker rate), Ray's overhead against local at 1 worker (start-up excluded),
the bytes read and written per film, and the load average before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riawelc.batch import Job, ModelSpec, film_sources, make_engine, run_batch  # noqa: E402
from riawelc.inspect.film import FilmSettings  # noqa: E402
from riawelc.synth.film import FilmSpec, write_films  # noqa: E402

CONFIGS = (("local", 1), ("local", 2), ("ray", 1), ("ray", 2))
OBJECT_STORE = 256 * 2**20


def folder_bytes(folder: Path, skip: tuple[str, ...] = ()) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.name.startswith(skip))


def bench(films: list[Path], models: Path, threads: int, out_root: Path) -> list[dict]:
    import ray

    results = []
    for engine, workers in CONFIGS:
        if engine == "ray" and not ray.is_initialized():
            began = time.perf_counter()
            ray.init(num_cpus=2, object_store_memory=OBJECT_STORE, include_dashboard=False)
            ray_init = time.perf_counter() - began
        out = out_root / f"{engine}-{workers}"
        job = Job.make(out, ModelSpec(models, threads=threads), FilmSettings(source="unet"))
        outcome = run_batch(films, job, make_engine(engine, job, workers))
        assert outcome.inspected == len(films), f"{engine} {workers}: {outcome.failed} films failed"
        results.append({"engine": engine, "workers": workers, "startup": outcome.startup_seconds,
                        "rate": outcome.films_per_minute, "seconds": outcome.film_seconds,
                        "ray_init": ray_init if engine == "ray" else None,
                        "written": folder_bytes(out, (".inspect-batch",)) / len(films)})
        print(f"  {engine} x{workers}: {outcome.films_per_minute:.1f} films/min, start-up "
              f"{outcome.startup_seconds:.1f} s", flush=True)
    ray.shutdown()
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", type=Path, default=Path("models"))
    p.add_argument("--films", type=int, default=40)
    p.add_argument("--threads", type=int, default=1, help="ONNX Runtime and OpenCV threads per worker")
    p.add_argument("--keep", type=Path, help="write the films and outputs here (default: a temporary folder)")
    args = p.parse_args(argv)

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    began = time.perf_counter()
    write_films(root / "films", args.films, seed=0, spec=FilmSpec(height=1300, width=5000))
    films = film_sources(root / "films" / "W0001")
    film_bytes = sum(f.stat().st_size for f in films) / len(films)
    print(f"{len(films)} films 5,000 x 1,300 px written in {time.perf_counter() - began:.0f} s "
          f"({film_bytes / 2**20:.2f} MB each); models {args.models} (source unet), {args.threads} thread(s) "
          f"per worker; {os.cpu_count()} CPUs", flush=True)
    load_before = os.getloadavg()
    rows = bench(films, args.models, args.threads, root / "out")
    load_after = os.getloadavg()

    print("\n| engine | workers | start-up s | films/min | s/film | written per film |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['engine']} | {r['workers']} | {r['startup']:.1f} | {r['rate']:.1f} | "
              f"{60 / r['rate']:.2f} | {r['written'] / 1024:.0f} KB |")
    rate = {(r["engine"], r["workers"]): r["rate"] for r in rows}
    ray_init = next(r["ray_init"] for r in rows if r["ray_init"] is not None)
    for engine in ("local", "ray"):
        print(f"{engine}: scaling efficiency at 2 workers {rate[engine, 2] / (2 * rate[engine, 1]):.2f} "
              "(target >= 0.8)")
    print(f"Ray overhead at 1 worker: {rate['local', 1] / rate['ray', 1] - 1:+.1%} of local's time per film "
          f"(target <= 10 %); Ray start (ray.init, 2 CPUs) {ray_init:.1f} s, excluded")
    print(f"bytes per film: {film_bytes / 2**20:.2f} MB read, {rows[0]['written'] / 1024:.0f} KB written")
    print(f"load average (1, 5, 15 min): before {' '.join(f'{v:.2f}' for v in load_before)}, "
          f"after {' '.join(f'{v:.2f}' for v in load_after)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
