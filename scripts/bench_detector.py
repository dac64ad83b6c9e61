"""Seconds per whole film of the real-film detector (inspect_film, source "candidates"): the seam finder, the three
top-hats, the candidates' features, the rejector, the delineator, the component classifier and the cell calls, on
real films.

    python scripts/bench_detector.py [--films ../shared/gdxray/W0003] [--detector realfilms/out/models/detector.json]
        [--count 8] [--repeats 3]
"""

import argparse
import statistics
import time
from pathlib import Path

from riawelc.images import image_files
from riawelc.inspect.film import FilmModels, FilmSettings, inspect_film, read_film


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=Path, default=Path("../shared/gdxray/W0003"))
    parser.add_argument("--detector", type=Path, default=Path("realfilms/out/models/detector.json"))
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    models = FilmModels.load(args.detector.parent, detector=args.detector)  # with the delineator it names
    print(f"{args.detector}: delineator {'on' if models.delineator else 'none'}")
    files = image_files(args.films)[:args.count]
    medians = []
    for path in files:
        film = read_film(path)
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            result = inspect_film(film, models, FilmSettings(source="candidates"))
            times.append(time.perf_counter() - started)
        medians.append(statistics.median(times))
        print(f"{path.name}: {film.shape[1]} x {film.shape[0]} px, {len(result.regions)} regions, "
              f"median {medians[-1]:.2f} s of {args.repeats}")
    print(f"{len(files)} films: median {statistics.median(medians):.2f} s, slowest {max(medians):.2f} s a film "
          f"(target <= 5 s)")


if __name__ == "__main__":
    main()
