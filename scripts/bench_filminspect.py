"""Whole-film inspection speed: seconds per 5,000 x 1,300 film, and the models' patch throughput.

    nice -n 5 python scripts/bench_filminspect.py --models models [--film path.png] [--variant fp32|int8]

Without --film a synthetic film (a bright seam band with grain and a few dark spots, 1,300 x 5,000 px, seeded)
is inspected; with --film that film. The target (issue 9) is at most 5 s per film on 2 cores with the default
models. Prints the film time (median and best of --repeats, after one warm-up), the windows inspected, the patch
throughput of each model at batch 32, and the load average before and after (the machine is shared: compare
figures taken at similar loads).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riawelc.constants import PATCH_SIZE  # noqa: E402
from riawelc.inspect.film import MODEL_FILES, SOURCES, FilmModels, FilmSettings, inspect_film, read_film  # noqa: E402


def synthetic_film(height: int = 1300, width: int = 5000, seed: int = 0) -> np.ndarray:
    """A film-like uint8 image: dark background, a bright slightly curved band, grain, dark spots and a dark line."""
    rng = np.random.default_rng(seed)
    y = np.arange(height)[:, None]
    x = np.arange(width)[None, :]
    centre = height / 2 + 30 * np.sin(x / width * np.pi)
    film = 60 + 110 * np.exp(-(((y - centre) / 150.0) ** 2)) + rng.normal(0, 3, (height, width))
    for cx in rng.integers(100, width - 100, 12):
        cy = int(centre[0, cx] + rng.integers(-60, 60))
        cv2.circle(film, (int(cx), cy), int(rng.integers(3, 9)), float(film[cy, cx] - 25), -1)
    cv2.line(film, (1200, int(centre[0, 1200])), (1700, int(centre[0, 1700])), float(film[650, 1200] - 20), 2)
    return np.clip(film, 0, 255).astype(np.uint8)


def patch_throughput(models: FilmModels, batch: int = 32, repeats: int = 3) -> dict:
    pixels = np.random.default_rng(0).uniform(0, 255, (batch, PATCH_SIZE, PATCH_SIZE, 1)).astype(np.float32)
    models.run(pixels)  # warm-up
    best = {"classifier": np.inf, "both": np.inf}
    for _ in range(repeats):
        started = time.perf_counter()
        models.run(pixels, need_unet=False)
        best["classifier"] = min(best["classifier"], time.perf_counter() - started)
        started = time.perf_counter()
        models.run(pixels, need_unet=True)
        best["both"] = min(best["both"], time.perf_counter() - started)
    return {name: batch / seconds for name, seconds in best.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", type=Path, default=Path("models"))
    p.add_argument("--variant", choices=tuple(MODEL_FILES), default="fp32")
    p.add_argument("--film", type=Path, help="a film to time (default: a synthetic 1,300 x 5,000 film)")
    p.add_argument("--source", choices=SOURCES, default=FilmSettings().source)
    p.add_argument("--region", choices=("seam", "film"), default="seam")
    p.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads (default 2: the 2-core target)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)

    load_before = os.getloadavg()
    models = FilmModels.load(args.models, args.variant, args.threads)
    film = read_film(args.film) if args.film else synthetic_film()
    settings = FilmSettings(source=args.source, region=args.region)
    inspect_film(film, models, settings)  # warm-up: first runs allocate
    seconds, inspection = [], None
    for _ in range(args.repeats):
        inspection = inspect_film(film, models, settings)
        seconds.append(inspection.seconds)
    speeds = patch_throughput(models)
    load_after = os.getloadavg()
    name = args.film.name if args.film else "synthetic"
    print(f"film {name} {film.shape[1]} x {film.shape[0]} px, models {models.name}, source {args.source}, "
          f"{args.threads} threads")
    print(f"  region: {inspection.region_note}; {inspection.windows} windows; {len(inspection.regions)} regions")
    print(f"  film time: median {np.median(seconds):.2f} s, best {min(seconds):.2f} s over {args.repeats} runs "
          f"(target <= 5 s); {inspection.windows / np.median(seconds):.1f} windows/s end to end")
    print(f"  patch throughput at batch 32: classifier {speeds['classifier']:.1f} /s, classifier + U-Net "
          f"{speeds['both']:.1f} /s")
    print(f"  load average (1, 5, 15 min): before {' '.join(f'{v:.2f}' for v in load_before)}, "
          f"after {' '.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
