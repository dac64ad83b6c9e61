"""GDXray/BAM films -> a labelled patch tree in the RIAWELC layout (`<out>/<class>/<film>_Img1_..._[row][col].png`).

    python -m riawelc.films.tree --films ../shared/gdxray/W0003 --out data-films [--config profile.yaml] [options]

Per film: find the seam line (riawelc.seam), cut windows along it (riawelc.films.windows), label each from the flaw
table's 1 cm cells (riawelc.films.flawtable, riawelc.films.labels), write the usable ones. Options: riawelc.films.options. Films that the table does not list are unlabelled (skipped, not
defect-free); films whose seam does not fit the one-band model, or whose table length disagrees with the film,
are skipped with the reason. A report folder (outside the tree, so the adapter reads the tree unchanged) gets
films.json, an overview PNG of every film with its band, and one contact sheet per class.
"""

import argparse
import json
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import CLASSES
from riawelc.films.flawtable import FilmFlaws, FlawTable, FlawTableError, read_flaw_table
from riawelc.films.labels import CELL_PX, Span, flaw_spans
from riawelc.films.options import WINDOW_MODES, FilmOptions, FilmsError, load_options
from riawelc.films.windows import film_windows, patch_name
from riawelc.images import BadImage, decode_gray, write_png
from riawelc.seam import Seam, find_seam

__all__ = ["FilmOptions", "FilmsError", "load_options", "convert", "format_table", "main"]


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
            force: bool = False, log=print) -> dict:
    """Convert every film of a GDXray-style folder; write the tree, the report and the sheets; return the report."""
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


def _parser() -> argparse.ArgumentParser:
    defaults = FilmOptions()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--films", type=Path, required=True, help="GDXray-style folder: films, *readme.txt, real-values.xls")
    p.add_argument("--out", type=Path, required=True, help="patch tree to write (<out>/<class>/*.png)")
    p.add_argument("--report", type=Path, help="report folder (default: <out>-report, beside the tree)")
    p.add_argument("--table", type=Path, help="flaw table (default: <films>/real-values.xls)")
    p.add_argument("--config", type=Path, help="YAML file with these options (its films: section or top level)")
    p.add_argument("--force", action="store_true", help="replace the class folders of an existing tree")
    option_help = {
        "patch_size": "side of the written patches", "window_scale": "window side = patch_size * this, resized",
        "stride": "film px between windows", "rows": "rows of windows centred on the seam",
        "row_stride": "film px between rows", "margin": "px of overlap that carries a flawed cell's class",
        "exclude": "comma-separated films never written", "defect_windows": f"{WINDOW_MODES}",
        "no_defect_windows": f"{WINDOW_MODES}",
        "spot_classes": "comma-separated defect classes that dark_spots applies to", "spots_per_cell": "dark_spots windows per cell",
        "spot_kernel": "black top-hat line length px",
        "spot_min_share": "a stretch's further spots need this share of its strongest", "cell_offset": "px from the film's left edge to cell 1",
        "tail_min_mm": "> 0: flaws this long (mm) may end one cell later, leave windows there out",
        "min_length_share": "table length / film width below this: does not fit",
        "sheet_patches": "patches per class contact sheet", "seed": "contact sheet sampling",
    }
    for f in fields(FilmOptions):
        if f.name in ("seam", "seam_rows"):  # nested settings: YAML only
            continue
        default = getattr(defaults, f.name)
        kind = str if isinstance(default, tuple) else type(default)
        shown = ",".join(default) if isinstance(default, tuple) else default
        p.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=kind, default=None,
                       help=f"{option_help[f.name]} (default {shown})")
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    overrides = {f.name: getattr(args, f.name) for f in fields(FilmOptions) if f.name not in ("seam", "seam_rows")}
    report = args.report or args.out.parent / f"{args.out.name}-report"
    try:
        options = load_options(args.config, **overrides)
        summary = convert(args.films, args.out, report, options, args.table, args.force)
    except (FilmsError, FlawTableError) as error:
        print(f"films: {error}", file=sys.stderr)
        return 2
    print(format_table(summary))
    print(f"tree: {args.out}  report: {report}/films.json, overview.png, sheet_<class>.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
