"""GDXray/BAM films -> a labelled patch tree in the RIAWELC layout (`<out>/<class>/<film>_Img1_..._[row][col].png`).

    riawelc films --films ../shared/gdxray/W0003 --out data-films [--config profile.yaml] [options]

Per film: find the seam line (riawelc.seam), cut windows along it (riawelc.films.windows), label each from the flaw
table's 1 cm cells (riawelc.films.flawtable, riawelc.films.labels), write the usable ones. Options: riawelc.films.options. Films that the table does not list are unlabelled (skipped, not
defect-free); films whose seam does not fit the one-band model, or whose table length disagrees with the film,
are skipped with the reason. A report folder (outside the tree, so the adapter reads the tree unchanged) gets
films.json, an overview PNG of every film with its band, and one contact sheet per class.
"""

import json
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import CLASSES
from riawelc.films.flawtable import FilmFlaws, FlawTable, read_flaw_table
from riawelc.films.labels import CELL_PX, Span, flaw_spans
from riawelc.films.options import FilmOptions, FilmsError, load_options
from riawelc.films.windows import film_windows, patch_name
from riawelc.images import BadImage, decode_gray, write_png
from riawelc.seam import Seam, find_seam

__all__ = ["FilmOptions", "FilmsError", "convert", "format_table", "load_options"]


@dataclass
class FilmResult:
    film: str
    file: str
    status: str  # converted, excluded, missing, duplicate, unreadable, unlabelled, no_seam, does_not_fit
    reason: str = ""
    cells: int | None = None
    flaws: list[str] = field(default_factory=list)  # spans, e.g. "porosity 2011 cells 4-4"
    patches: dict = field(default_factory=dict)  # class -> count
    left_out: dict = field(default_factory=dict)  # reason -> count
    seam: dict = field(default_factory=dict)


def read_film_names(films_dir: Path) -> tuple[dict[str, str], list[str]]:
    """File name -> film name from the folder's readme lines like 'W0003_0038.png is RRT-30R.tif'."""
    pattern = re.compile(r"^\s*(\S+\.png)\s+is\s+(\S+?)\.tif\s*$", re.MULTILINE | re.IGNORECASE)
    names, readmes = {}, []
    for path in sorted(films_dir.iterdir()):
        if path.is_file() and path.name.lower().endswith("readme.txt"):
            found = pattern.findall(path.read_text(errors="replace"))
            if found:
                readmes.append(path.name)
                names.update(found)
    if not names:
        raise FilmsError(f"{films_dir}: no readme (*readme.txt) with lines like 'W0003_0038.png is RRT-30R.tif'")
    return names, readmes


def find_table(films_dir: Path) -> Path:
    path = films_dir / "real-values.xls"
    if not path.is_file():
        raise FilmsError(f"{films_dir}: no real-values.xls (the flaw table); pass --table")
    return path


def convert_film(path: Path, name: str, flaws: FilmFlaws | None, options: FilmOptions, out: Path | None,
                 result: FilmResult) -> tuple[np.ndarray | None, Seam | None, list[Span], list]:
    """Fill `result` for one film; write its patches under `out` (None: label only). Returns what the sheets draw."""
    try:
        film = decode_gray(path.read_bytes(), path.name)
    except (BadImage, OSError) as error:
        result.status, result.reason = "unreadable", str(error)
        return None, None, [], []
    seam = find_seam(film, options.seam, options.seam_rows.get(name))
    result.seam = {"fits": seam.fits, "y_left": round(float(seam.y_at(0)), 1),
                   "y_right": round(float(seam.y_at(film.shape[1] - 1)), 1),
                   "half_height": seam.half_height, "contrast": round(seam.contrast, 3)}
    if flaws is None:
        result.status, result.reason = "unlabelled", "no rows in the flaw table"
        return film, seam, [], []
    result.cells = flaws.max_cells
    if flaws.unusable:
        result.status, result.reason = "unlabelled", flaws.unusable
        return film, seam, [], []
    spans = flaw_spans(flaws, film.shape[1], CELL_PX, options.cell_offset, options.tail_min_mm)
    result.flaws = [f"{s.label} {s.what}" for s in spans]
    if not seam.fits:
        result.status, result.reason = "no_seam", seam.reason
        return film, seam, spans, []
    film_cells = (film.shape[1] - options.cell_offset) / CELL_PX
    share = (flaws.max_cells or film_cells) / film_cells
    if not options.min_length_share <= share <= 1 / options.min_length_share:
        result.status = "does_not_fit"
        result.reason = (f"the table gives {flaws.max_cells} cells but the film is {film_cells:.1f} cells wide: "
                         "not a seam along the film (tube or pipe shot?)")
        return film, seam, spans, []
    labelled, left_out = film_windows(film, seam, spans, options)
    win = options.window
    written = []
    for window, label in labelled:
        crop = film[window.y0: window.y0 + win, window.x0: window.x0 + win]
        if win != options.patch_size:
            crop = cv2.resize(crop, (options.patch_size, options.patch_size), interpolation=cv2.INTER_AREA)
        file_name = patch_name(name, window, options)
        if out is not None:
            write_png(out / label / file_name, crop)
        written.append((label, file_name, window))
    result.status = "converted"
    result.patches = dict(Counter(label for label, _, _ in written))
    result.left_out = dict(left_out)
    return film, seam, spans, written


def prepare_out(out: Path, force: bool) -> None:
    """An empty or new folder; with force, a previous tree's class folders are removed first."""
    if out.exists() and not out.is_dir():
        raise FilmsError(f"--out {out} is a file")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise FilmsError(f"--out {out} is not empty; pass --force to replace its class folders")
        for name in CLASSES:
            if (out / name).is_dir():
                shutil.rmtree(out / name)
        others = sorted(p.name for p in out.iterdir())
        if others:
            raise FilmsError(f"--out {out} holds {others} besides class folders: refusing to mix them into the tree")
    out.mkdir(parents=True, exist_ok=True)


def convert(films_dir: Path, out: Path, report: Path, options: FilmOptions, table: Path | None = None,
            force: bool = False, log=print, progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Convert every film of a GDXray-style folder; write the tree, the report and the sheets; return the report.
    `progress(done, total, film)` is called after each film (a progress bar, say)."""
    from riawelc.films import sheets  # drawing only

    started = time.perf_counter()
    films_dir = Path(films_dir)
    if not films_dir.is_dir():
        raise FilmsError(f"--films {films_dir} is not a folder")
    names, readmes = read_film_names(films_dir)
    flaw_table: FlawTable = read_flaw_table(table or find_table(films_dir))
    prepare_out(out, force)
    present = {p.name for p in films_dir.iterdir() if p.is_file()}
    results, drawings, patches = [], [], []
    unlisted = sorted(n for n in present if n.lower().endswith(".png") and n not in names)
    first_file: dict[str, str] = {}
    for index, (file_name, name) in enumerate(sorted(names.items(), key=lambda item: (item[1], item[0]))):
        result = FilmResult(name, file_name, "")
        if name in first_file:  # its patches would overwrite the first file's
            result.status, result.reason = "duplicate", f"the readme also calls {first_file[name]} {name}"
        elif name in options.exclude:
            result.status, result.reason = "excluded", "reserved for evaluation (exclude option)"
        elif file_name not in present:
            result.status, result.reason = "missing", "listed in the readme, not in the folder"
        else:
            film, seam, spans, written = convert_film(films_dir / file_name, name, flaw_table.films.get(name),
                                                      options, out, result)
            if film is not None:
                drawings.append(sheets.FilmDrawing.of(film, name, seam, spans, written, result, options))
                patches += [(label, out / label / file_name, name, window) for label, file_name, window in written]
        first_file.setdefault(name, file_name)
        results.append(result)
        log(f"[{index + 1}/{len(names)}] {name}: {result.status} {result.reason}".rstrip(), flush=True)
        if progress is not None:
            progress(index + 1, len(names), name)
    seconds = time.perf_counter() - started
    summary = _summary(results, flaw_table, readmes, unlisted, options, seconds)
    report.mkdir(parents=True, exist_ok=True)
    for stale in [p for p in report.iterdir() if p.name.startswith("sheet_") and p.suffix == ".png"]:
        stale.unlink()  # a class without patches this time must not keep an old sheet
    (report / "films.json").write_text(json.dumps(summary, indent=1, default=str))
    sheets.write_overview(report / "overview.png", drawings)
    sheets.write_class_sheets(report, patches, options)
    return summary


def _summary(results, flaw_table, readmes, unlisted, options, seconds) -> dict:
    totals = Counter()
    left = Counter()
    for result in results:
        totals.update(result.patches)
        left.update(result.left_out)
    listed = {r.film for r in results}
    return {
        "options": asdict(options),
        "seconds": round(seconds, 1),
        "readmes": readmes,
        "patches": {c: totals.get(c, 0) for c in CLASSES},
        "left_out": dict(left),
        "films_by_status": dict(Counter(r.status for r in results)),
        "films_with_patches": sorted(r.film for r in results if r.patches),
        "table_issues": flaw_table.issues,
        "table_films_not_in_readme": sorted(set(flaw_table.films) - listed),
        "files_not_in_readme": unlisted,
        "films": [asdict(r) for r in results],
    }


def format_table(summary: dict) -> str:
    """The per-film report as a text table (films with patches, then every skipped film with its reason)."""
    short = {"crack": "crack", "lack_of_penetration": "LoP", "no_defect": "none", "porosity": "poro"}
    head = f"{'film':9} {'status':12} {'cells':>5} " + " ".join(f"{short[c]:>5}" for c in CLASSES) + "  left out"
    lines = [head, "-" * len(head)]
    for film in summary["films"]:
        counts = " ".join(f"{film['patches'].get(c, 0):5d}" for c in CLASSES)
        if film["status"] == "converted":
            left = ", ".join(f"{n} {k}" for k, n in sorted(film["left_out"].items(), key=lambda kv: -kv[1]))
            lines.append(f"{film['film']:9} {film['status']:12} {film['cells'] or '':>5} {counts}  {left}")
        else:
            lines.append(f"{film['film']:9} {film['status']:12} {film['cells'] or '':>5} {'':29} {film['reason']}")
    totals = " ".join(f"{summary['patches'][c]:5d}" for c in CLASSES)
    lines += ["-" * len(head), f"{'total':9} {len(summary['films_with_patches']):3d} films    {'':>3} {totals}"]
    lines.append("films by status: " + ", ".join(f"{k} {v}" for k, v in summary["films_by_status"].items()))
    for issue in summary["table_issues"]:
        lines.append(f"table: {issue}")
    for film in summary["table_films_not_in_readme"]:
        lines.append(f"table: {film} has rows but the readme does not list it")
    for name in summary["files_not_in_readme"]:
        lines.append(f"folder: {name} is not in the readme; ignored")
    lines.append(f"{sum(summary['patches'].values())} patches in {summary['seconds']} s")
    return "\n".join(lines)

