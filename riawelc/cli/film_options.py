"""The options `riawelc inspect` and `riawelc inspect-batch` share (models, how films are read, inspected, judged
and reported), declared once, and the acceptance rules they turn into."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from riawelc.cli.common import fail
from riawelc.inspect.detector import DETECTOR_FILE
from riawelc.inspect.film import MODEL_FILES, REGIONS, SOURCES, FilmSettings

DEFAULTS = FilmSettings()
# The real-film pipeline's detector (realfilms/dvc.yaml, stage model): the default when neither --detector nor
# MODELS/detector.json names one, so that `riawelc inspect FOLDER --out OUT` on real films runs the real-film
# method, not the embedded sample's synthetic-trained U-Net.
REAL_FILM_DETECTOR = Path("realfilms") / "out" / "models" / DETECTOR_FILE

Models = Annotated[Path, typer.Option("--models", help="folder with the exported models and cards")]
Detector = Annotated[Path | None, typer.Option(
    "--detector", help=f"the real-film detector (detector.json; default: MODELS/{DETECTOR_FILE}, else "
                       f"{REAL_FILM_DETECTOR.as_posix()}, when it exists)",
    show_default=False)]
Variant = Annotated[Literal[tuple(MODEL_FILES)], typer.Option("--variant", help="fp32, int8 or int8_classifier models")]
Source = Annotated[Literal[SOURCES] | None, typer.Option(
    "--source", help="defect probability source (default: candidates when there is a detector, else "
                     f"{DEFAULTS.source})", show_default=False)]
Region = Annotated[Literal[REGIONS], typer.Option("--region", help="seam band or whole film")]
Stride = Annotated[int, typer.Option("--stride", help="px between windows")]
Threshold = Annotated[float | None, typer.Option(
    "--threshold", help="defect probability threshold (default: the cards')", show_default=False)]
MinArea = Annotated[int, typer.Option("--min-area", help="smallest region, px")]
MmPerPixel = Annotated[float | None, typer.Option(
    "--mm-per-pixel", help="pixel size of every film, mm (overrides the files' headers)", show_default=False)]
Gdxray = Annotated[bool, typer.Option("--gdxray", help="GDXray/BAM films: 0.0403 mm per pixel")]
Invert = Annotated[bool, typer.Option(
    "--invert", help="flip the films' polarity (a header that got it wrong, a negative)")]
Rules = Annotated[Path | None, typer.Option(
    "--rules", help="acceptance rules (YAML; e.g. profiles/acceptance-example.yaml, an example only)",
    show_default=False)]
Levels = Annotated[list[str] | None, typer.Option(
    "--level", help="acceptance level of the rules (repeatable; default: every level of the file)",
    show_default=False)]
Thickness = Annotated[float | None, typer.Option(
    "--thickness", help="nominal wall thickness t, mm (rules that are a factor of t need it)", show_default=False)]
WeldId = Annotated[str | None, typer.Option("--weld-id", help="weld id, for the report", show_default=False)]
Inspector = Annotated[str | None, typer.Option("--inspector", help="inspector's name, for the report",
                                               show_default=False)]
Iqi = Annotated[str | None, typer.Option("--iqi", help="image quality indicator reading, for the report",
                                         show_default=False)]
Report = Annotated[bool, typer.Option("--report", help="write reports/<name>.html per film")]


def chosen_detector(models: Path, detector: Path | None) -> Path | None:
    """--detector when given; else None when MODELS holds a detector (FilmModels.load finds it) or the real-film
    pipeline has built none; else the real-film pipeline's, said on stdout."""
    if detector is not None or (models / DETECTOR_FILE).is_file() or not REAL_FILM_DETECTOR.is_file():
        return detector
    print(f"detector: {REAL_FILM_DETECTOR.as_posix()} (the real-film pipeline's; --detector names another)")
    return REAL_FILM_DETECTOR


def judging_from(rules: Path | None, level: list[str] | None, thickness: float | None):
    """(Judging, the rule set or None) from --rules, --level and --thickness; raises AcceptanceError."""
    from riawelc.acceptance import load_rules
    from riawelc.assessment import Judging

    if rules is None:
        if level or thickness is not None:
            fail("error: --level and --thickness go with --rules FILE (the acceptance rules)")
        return Judging(), None
    rule_set = load_rules(rules)
    return Judging.from_rules(rule_set, level, thickness), rule_set


def report_context(models: Path, variant: str, detector: Path | None, source: str, rules: Path | None, rule_set,
                   weld_id: str | None, inspector: str | None, iqi: str | None):
    from riawelc.assessment import model_provenance, rules_provenance
    from riawelc.report import ReportContext

    return ReportContext(weld_id, inspector, iqi, datetime.now(UTC).isoformat(timespec="seconds"),
                         model_provenance(models, variant, detector, source),
                         rules_provenance(rules, rule_set) if rule_set else None)
