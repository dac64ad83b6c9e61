"""`riawelc inspect`: the exported ONNX models slid over every film of a folder (riawelc.inspect.film)."""

from pathlib import Path
from typing import Annotated, Literal

import typer

from riawelc.cli.common import fail, progress_bar
from riawelc.inspect.film import MODEL_FILES, REGIONS, SOURCES, FilmSettings

DEFAULTS = FilmSettings()


def inspect_films(
    folder: Annotated[Path | None, typer.Argument(
        help="folder of films (PNG/TIFF, 8 or 16 bit)", show_default=False)] = None,
    *,
    models: Annotated[Path, typer.Option("--models", help="folder with the exported models and cards")]
    = Path("models"),
    films: Annotated[Path | None, typer.Option("--films", help="the folder of films, as an option",
                                               show_default=False)] = None,
    out: Annotated[Path, typer.Option(
        "--out", help="output folder: masks/, probability/, overlays/, regions/, summary.json")],
    detector: Annotated[Path | None, typer.Option(
        "--detector", help="the real-film detector (detector.json; default: MODELS/detector.json when it exists)",
        show_default=False)] = None,
    variant: Annotated[Literal[tuple(MODEL_FILES)], typer.Option(
        "--variant",
        help="fp32, int8 or int8_classifier models")] = "fp32",
    source: Annotated[Literal[SOURCES] | None, typer.Option(
        "--source", help="defect probability source (default: candidates when there is a detector, else "
                         f"{DEFAULTS.source})", show_default=False)] = None,
    region: Annotated[Literal[REGIONS], typer.Option(
        "--region", help="seam band or whole film")] = DEFAULTS.region,
    stride: Annotated[int, typer.Option("--stride", help="px between windows")] = DEFAULTS.stride,
    threshold: Annotated[float | None, typer.Option(
        "--threshold", help="defect probability threshold (default: the cards')", show_default=False)] = None,
    min_area: Annotated[int, typer.Option("--min-area", help="smallest region, px")] = DEFAULTS.min_area,
    threads: Annotated[int | None, typer.Option(
        "--threads", help="ONNX Runtime threads (default: all cores)", show_default=False)] = None,
) -> None:
    """Whole-film inspection: slide the exported ONNX models over every film of a folder.

    Per film: the seam band is inspected (or the whole film when its seam does not fit, or with --region film).
    With a detector (--detector, or MODELS/detector.json), its black top-hat candidates are kept by their rejector
    probability (--source candidates, the default then: the real-film method). Otherwise 227-px windows every
    --stride px go through the classifier and the U-Net, their maps are blended with a 2-D Hann weight. The defect
    probability above the threshold, without regions under --min-area px, is the mask. Writes per film masks/<name>.png, probability/<name>.png, overlays/<name>.png and
    regions/<name>.json, and summary.json. Exit code 1 when a film could not be inspected (the others are).
    """
    from riawelc.inspect.film import FilmInspectError, FilmModels, film_files, inspect_folder

    if (folder is None) == (films is None):
        fail("error: give the folder of films once: as FOLDER or as --films")
    films = folder or films
    try:
        files = film_files(films)  # fail before loading models when there is nothing to inspect
        loaded = FilmModels.load(models, variant, threads, detector)
        source = source or ("candidates" if loaded.detector is not None else DEFAULTS.source)
        settings = FilmSettings(stride=stride, region=region, source=source, threshold=threshold, min_area=min_area)
        print(f"{len(files)} films, models {loaded.name}, source {settings.source}")
        with progress_bar("films") as progress:
            summary = inspect_folder(films, loaded, out, settings, progress=progress)
    except (FilmInspectError, ValueError) as error:
        fail(f"error: {error}")
    failed = [r for r in summary["films"] if r["status"] != "inspected"]
    print(f"{len(summary['films']) - len(failed)} inspected, {len(failed)} failed; outputs in {out}")
    if failed:
        raise typer.Exit(1)
