"""Every film of a folder (images and DICONDE files): riawelc.inspect.film's outputs, plus indications/<name>.json
(indications, scale source, verdicts) and, when asked, reports/<name>.html. A film that fails is reported and the
others go on."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from riawelc.assessment.film import Judging, assess
from riawelc.images import BadImage
from riawelc.inspect.film import FilmInspectError, FilmModels, FilmSettings, write_outputs
from riawelc.radiograph import DEFAULT_MAX_PIXELS, FILM_SUFFIXES, RadiographError, film_paths, read_radiograph
from riawelc.report import ReportContext, render_report


@dataclass(frozen=True)
class Reading:
    """How the films are read: the user's scale (or the GDXray profile), a polarity override, a pixel limit."""

    mm_per_pixel: float | None = None
    gdxray: bool = False
    invert: bool = False
    max_pixels: int = DEFAULT_MAX_PIXELS


def folder_films(folder: Path) -> list[Path]:
    if not Path(folder).is_dir():
        raise FilmInspectError(f"--films {folder} is not a folder")
    files = film_paths(folder)
    if not files:
        raise FilmInspectError(f"--films {folder} holds no film files ({', '.join(FILM_SUFFIXES)})")
    return files


def assess_folder(files: list[Path], models: FilmModels, out: Path, settings: FilmSettings, reading: Reading,
                  judging: Judging, report: ReportContext | None = None, log=print,
                  progress: Callable[[int, int, str], None] | None = None) -> dict:
    results = []
    for index, path in enumerate(files):
        try:
            radiograph = read_radiograph(path, reading.mm_per_pixel, reading.gdxray, reading.invert,
                                         reading.max_pixels)
            result = assess(radiograph, models, settings, judging)
            write_outputs(out, path.stem, radiograph.pixels, result.inspection, path.name)
            (out / "indications").mkdir(parents=True, exist_ok=True)
            (out / "indications" / f"{path.stem}.json").write_text(json.dumps(result.record(), indent=1) + "\n")
            if report is not None:
                (out / "reports").mkdir(parents=True, exist_ok=True)
                html = render_report(radiograph.pixels, radiograph, result.inspection.summary(), result.found,
                                     result.verdicts, report)
                (out / "reports" / f"{path.stem}.html").write_text(html, encoding="utf-8")
        except (RadiographError, BadImage, FilmInspectError, OSError) as error:
            results.append({"film": path.name, "status": "error", "error": str(error)})
            log(f"error: {path.name}: {error}", file=sys.stderr)
        else:
            verdicts = {v.level: v.decision for v in result.verdicts}
            results.append({"film": path.name, "status": "inspected", "regions": len(result.inspection.regions),
                            "indications": len(result.found.indications), "scale": radiograph.scale.source,
                            "verdicts": verdicts, "seconds": round(result.inspection.seconds, 2),
                            "region": result.inspection.region_note})
            said = "; ".join(f"{k}: {v or 'no verdict'}" for k, v in verdicts.items())
            log(f"[{index + 1}/{len(files)}] {path.name}: {len(result.found.indications)} indications, scale "
                f"{radiograph.scale.source}" + (f", {said}" if said else "") + f", {result.inspection.region_note}")
        if progress is not None:
            progress(index + 1, len(files), path.name)
    summary = {"models": models.name, "settings": asdict(settings), "reading": asdict(reading),
               "levels": [level.name for level in judging.levels], "t_mm": judging.t_mm, "films": results}
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary
