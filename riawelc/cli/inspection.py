"""`riawelc inspect`: every film of a folder (PNG/TIFF/DICONDE) inspected (riawelc.inspect.film), its indications
measured, judged against acceptance rules, and reported (riawelc.assessment)."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from riawelc.cli.common import fail, progress_bar
from riawelc.inspect.film import MODEL_FILES, REGIONS, SOURCES, FilmSettings

DEFAULTS = FilmSettings()


def inspect_films(
    folder: Annotated[Path | None, typer.Argument(
        help="folder of films (PNG/TIFF, 8 or 16 bit, DICONDE .dcm)", show_default=False)] = None,
    *,
    models: Annotated[Path, typer.Option("--models", help="folder with the exported models and cards")]
    = Path("models"),
    films: Annotated[Path | None, typer.Option("--films", help="the folder of films, as an option",
                                               show_default=False)] = None,
    out: Annotated[Path, typer.Option(
        "--out", help="output folder: masks/, probability/, overlays/, regions/, indications/, reports/, "
                      "summary.json")],
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
    mm_per_pixel: Annotated[float | None, typer.Option(
        "--mm-per-pixel", help="pixel size of every film, mm (overrides the files' headers)",
        show_default=False)] = None,
    gdxray: Annotated[bool, typer.Option(
        "--gdxray", help="GDXray/BAM films: 0.0403 mm per pixel")] = False,
    invert: Annotated[bool, typer.Option(
        "--invert", help="flip the films' polarity (a header that got it wrong, a negative)")] = False,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="acceptance rules (YAML; e.g. profiles/acceptance-example.yaml, an example only)",
        show_default=False)] = None,
    level: Annotated[list[str] | None, typer.Option(
        "--level", help="acceptance level of the rules (repeatable; default: every level of the file)",
        show_default=False)] = None,
    thickness: Annotated[float | None, typer.Option(
        "--thickness", help="nominal wall thickness t, mm (rules that are a factor of t need it)",
        show_default=False)] = None,
    weld_id: Annotated[str | None, typer.Option("--weld-id", help="weld id, for the report",
                                                show_default=False)] = None,
    inspector: Annotated[str | None, typer.Option("--inspector", help="inspector's name, for the report",
                                                  show_default=False)] = None,
    iqi: Annotated[str | None, typer.Option("--iqi", help="image quality indicator reading, for the report",
                                            show_default=False)] = None,
    report: Annotated[bool, typer.Option("--report", help="write reports/<name>.html per film")] = False,
) -> None:
    """Whole-film inspection: every film of a folder, its indications in mm and a verdict against acceptance rules.

    Films: PNG/TIFF (8 or 16 bit) and DICONDE (.dcm: 16-bit pixels, rescale, MONOCHROME1/2 turned to the training films' polarity, --invert for a wrong header). The scale comes from the file (DICOM pixel spacing, TIFF resolution), or --mm-per-pixel, or --gdxray (0.0403 mm, for GDXray films only); a film without one gets sizes in px and no verdict.

    Per film: the seam band is inspected (or the whole film when its seam does not fit, or with --region film). With a detector (--detector, or MODELS/detector.json), its black top-hat candidates are kept by their rejector probability (--source candidates, the default then: the real-film method). Otherwise 227-px windows every --stride px go through the classifier and the U-Net, blended with a 2-D Hann weight. Each region becomes an indication (length along the weld, width across it, area, position, cell; for porosity the pores, the largest and the area share). With --rules, each --level (default: all) gives accept or reject, each rejection naming the indication and the rule.

    Writes per film masks/, probability/, overlays/ and regions/<name>.*, indications/<name>.json, with --report reports/<name>.html, and summary.json. Exit code 1 when a film could not be inspected (the others are); 2 for a bad input.
    """
    from riawelc.acceptance import AcceptanceError, load_rules
    from riawelc.assessment import Judging, Reading, assess_folder, folder_films, model_provenance, rules_provenance
    from riawelc.indications import IndicationSettings
    from riawelc.inspect.film import FilmInspectError, FilmModels
    from riawelc.radiograph import choose_scale
    from riawelc.report import ReportContext

    if (folder is None) == (films is None):
        fail("error: give the folder of films once: as FOLDER or as --films")
    films = folder or films
    try:
        choose_scale(None, mm_per_pixel, gdxray)
        judging = Judging(t_mm=thickness)
        rule_set = None
        if rules is not None:
            rule_set = load_rules(rules)
            judging = Judging(tuple(rule_set.check(level or list(rule_set.levels), thickness)), thickness,
                              IndicationSettings(rule_set.cluster_distance_mm, rule_set.reference_length_mm))
        elif level or thickness is not None:
            fail("error: --level and --thickness go with --rules FILE (the acceptance rules)")
        files = folder_films(films)  # fail before loading models when there is nothing to inspect
        loaded = FilmModels.load(models, variant, threads, detector)
        source = source or ("candidates" if loaded.detector is not None else DEFAULTS.source)
        settings = FilmSettings(stride=stride, region=region, source=source, threshold=threshold, min_area=min_area)
        context = None
        if report:
            context = ReportContext(weld_id, inspector, iqi, datetime.now(UTC).isoformat(timespec="seconds"),
                                    model_provenance(models, variant, detector, source),
                                    rules_provenance(rules, rule_set) if rule_set else None)
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
