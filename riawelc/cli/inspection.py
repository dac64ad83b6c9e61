"""`riawelc inspect`: every film of a folder (PNG/TIFF/DICONDE) inspected (riawelc.inspect.film), its indications
measured, judged against acceptance rules, and reported (riawelc.assessment)."""

from pathlib import Path
from typing import Annotated

import typer

from riawelc.cli import film_options as o
from riawelc.cli.common import fail, progress_bar
from riawelc.inspect.film import FilmSettings

DEFAULTS = FilmSettings()


def inspect_films(
    folder: Annotated[Path | None, typer.Argument(
        help="folder of films (PNG/TIFF, 8 or 16 bit, DICONDE .dcm)", show_default=False)] = None,
    *,
    models: o.Models = Path("models"),
    films: Annotated[Path | None, typer.Option("--films", help="the folder of films, as an option",
                                               show_default=False)] = None,
    out: Annotated[Path, typer.Option(
        "--out", help="output folder: masks/, probability/, overlays/, regions/, indications/, reports/, "
                      "summary.json")],
    detector: o.Detector = None,
    variant: o.Variant = "fp32",
    source: o.Source = None,
    region: o.Region = DEFAULTS.region,
    stride: o.Stride = DEFAULTS.stride,
    threshold: o.Threshold = None,
    min_area: o.MinArea = DEFAULTS.min_area,
    threads: Annotated[int | None, typer.Option(
        "--threads", help="ONNX Runtime threads (default: all cores)", show_default=False)] = None,
    mm_per_pixel: o.MmPerPixel = None,
    gdxray: o.Gdxray = False,
    invert: o.Invert = False,
    rules: o.Rules = None,
    level: o.Levels = None,
    thickness: o.Thickness = None,
    weld_id: o.WeldId = None,
    inspector: o.Inspector = None,
    iqi: o.Iqi = None,
    report: o.Report = False,
) -> None:
    """Whole-film inspection: every film of a folder, its indications in mm and a verdict against acceptance rules.

    Films: PNG/TIFF (8 or 16 bit) and DICONDE (.dcm: 16-bit pixels, rescale, MONOCHROME1/2 turned to the training films' polarity, --invert for a wrong header). The scale comes from the file (DICOM pixel spacing, TIFF resolution), or --mm-per-pixel, or --gdxray (0.0403 mm, for GDXray films only); a film without one gets sizes in px and no verdict.

    Per film: the seam band is inspected (or the whole film when its seam does not fit, or with --region film). With a detector (--detector, MODELS/detector.json, or the real-film pipeline's realfilms/out/models/detector.json), its black top-hat candidates are kept by their rejector probability (--source candidates, the default then: the real-film method). Otherwise 227-px windows every --stride px go through the classifier and the U-Net, blended with a 2-D Hann weight. Each region becomes an indication (length along the weld, width across it, area, position, cell; for porosity the pores, the largest and the area share). With --rules, each --level (default: all) gives accept or reject, each rejection naming the indication and the rule.

    Writes per film masks/, probability/, overlays/ and regions/<name>.*, indications/<name>.json, with --report reports/<name>.html, and summary.json. Exit code 1 when a film could not be inspected (the others are); 2 for a bad input.
    """
    from riawelc.acceptance import AcceptanceError
    from riawelc.assessment import Reading, assess_folder, folder_films
    from riawelc.inspect.film import FilmInspectError, FilmModels
    from riawelc.radiograph import choose_scale

    if (folder is None) == (films is None):
        fail("error: give the folder of films once: as FOLDER or as --films")
    films = folder or films
    try:
        choose_scale(None, mm_per_pixel, gdxray)
        judging, rule_set = o.judging_from(rules, level, thickness)
        files = folder_films(films)  # fail before loading models when there is nothing to inspect
        detector = o.chosen_detector(models, detector)
        loaded = FilmModels.load(models, variant, threads, detector)
        source = source or ("candidates" if loaded.detector is not None else DEFAULTS.source)
        settings = FilmSettings(stride=stride, region=region, source=source, threshold=threshold, min_area=min_area)
        context = None
        if report:
            context = o.report_context(models, variant, detector, source, rules, rule_set, weld_id, inspector, iqi)
        print(f"{len(files)} films, models {loaded.name}, source {settings.source}")
        with progress_bar("films") as progress:
            summary = assess_folder(files, loaded, out, settings, Reading(mm_per_pixel, gdxray, invert), judging,
                                    context, progress=progress)
    except (AcceptanceError, FilmInspectError, ValueError) as error:
        fail(f"error: {error}")
    failed = [r for r in summary["films"] if r["status"] != "inspected"]
    print(f"{len(summary['films']) - len(failed)} inspected, {len(failed)} failed; outputs in {out}")
    if failed:
        raise typer.Exit(1)
