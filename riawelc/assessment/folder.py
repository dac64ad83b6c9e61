"""Every film of a folder (images and DICONDE files): riawelc.inspect.film's outputs, plus indications/<name>.json
(indications, scale source, verdicts) and, when asked, reports/<name>.html. A film that fails is reported and the
others go on. `write_assessment` writes one film's files; riawelc.batch writes through it too."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from riawelc.assessment.film import Assessment, Judging, assess
from riawelc.images import BadImage, write_png
from riawelc.inspect.film import FilmInspectError, FilmModels, FilmSettings, write_outputs
from riawelc.radiograph import (
    DEFAULT_MAX_PIXELS,
    FILM_SUFFIXES,
    Radiograph,
    RadiographError,
    decode_radiograph,
    film_paths,
    read_radiograph,
)
from riawelc.report import ReportContext, render_report


@dataclass(frozen=True)
class Reading:
    """How the films are read: the user's scale (or the GDXray profile), a polarity override, a pixel limit."""

    mm_per_pixel: float | None = None
    gdxray: bool = False
    invert: bool = False
    max_pixels: int = DEFAULT_MAX_PIXELS

    def read(self, path: Path) -> Radiograph:
        return read_radiograph(path, self.mm_per_pixel, self.gdxray, self.invert, self.max_pixels)

    def decode(self, data: bytes, name: str) -> Radiograph:
        """A film file's bytes already read (riawelc.batch hashes the same bytes it inspects)."""
        return decode_radiograph(data, name, self.mm_per_pixel, self.gdxray, self.invert, self.max_pixels)


def folder_films(folder: Path) -> list[Path]:
    if not Path(folder).is_dir():
        raise FilmInspectError(f"--films {folder} is not a folder")
    files = film_paths(folder)
    if not files:
        raise FilmInspectError(f"--films {folder} holds no film files ({', '.join(FILM_SUFFIXES)})")
    return files


def write_assessment(out: Path, stem: str, source_name: str, result: Assessment,
                     report: ReportContext | None = None, pictures: bool = True) -> None:
    """One film's files under `out`: masks/ and regions/ (with `pictures` also probability/ and overlays/, about half
    the inspection's time on a long film), indications/<stem>.json, and reports/<stem>.html when `report` is given."""
    if pictures:
        write_outputs(out, stem, result.radiograph.pixels, result.inspection, source_name)
    else:
        write_png(out / "masks" / f"{stem}.png", result.inspection.mask * np.uint8(255))
        (out / "regions").mkdir(parents=True, exist_ok=True)
        (out / "regions" / f"{stem}.json").write_text(
            json.dumps({"film": source_name, **result.inspection.summary()}, indent=1) + "\n")
    (out / "indications").mkdir(parents=True, exist_ok=True)
    (out / "indications" / f"{stem}.json").write_text(json.dumps(result.record(), indent=1) + "\n")
    if report is not None:
        (out / "reports").mkdir(parents=True, exist_ok=True)
        html = render_report(result.radiograph.pixels, result.radiograph, result.inspection.summary(), result.found,
                             result.verdicts, report)
        (out / "reports" / f"{stem}.html").write_text(html, encoding="utf-8")


def assess_folder(files: list[Path], models: FilmModels, out: Path, settings: FilmSettings, reading: Reading,
                  judging: Judging, report: ReportContext | None = None, log=print,
                  progress: Callable[[int, int, str], None] | None = None) -> dict:
    results = []
    for index, path in enumerate(files):
        try:
            radiograph = reading.read(path)
            result = assess(radiograph, models, settings, judging)
            write_assessment(out, path.stem, path.name, result, report)
        except (RadiographError, BadImage, FilmInspectError, OSError) as error:
            results.append({"film": path.name, "status": "error", "error": str(error)})
            log(f"error: {path.name}: {error}", file=sys.stderr)
        else:
            verdicts = {v.level: v.decision for v in result.verdicts}
            cells = result.inspection.cells
            defect_cells = sum(cell.defect for cell in cells)
            results.append({"film": path.name, "status": "inspected", "regions": len(result.inspection.regions),
                            "indications": len(result.found.indications), "cells": len(cells),
                            "defect_cells": defect_cells, "scale": radiograph.scale.source,
                            "verdicts": verdicts, "seconds": round(result.inspection.seconds, 2),
                            "region": result.inspection.region_note})
            said = "; ".join(f"{k}: {v or 'no verdict'}" for k, v in verdicts.items())
            log(f"[{index + 1}/{len(files)}] {path.name}: {len(result.found.indications)} indications"
                + (f", {defect_cells} of {len(cells)} cells defect" if cells else "") + f", scale "
                f"{radiograph.scale.source}" + (f", {said}" if said else "") + f", {result.inspection.region_note}")
        if progress is not None:
            progress(index + 1, len(files), path.name)
    summary = {"models": models.name, "settings": asdict(settings), "reading": asdict(reading),
               "levels": [level.name for level in judging.levels], "t_mm": judging.t_mm, "films": results}
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary
