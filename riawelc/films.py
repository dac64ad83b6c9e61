"""GDXray/BAM films -> a labelled patch tree in the RIAWELC layout (`<out>/<class>/<film>_Img1_..._[row][col].png`).

    python -m riawelc.films --films ../shared/gdxray/W0003 --out data-films [--config profile.yaml] [options]

Per film: find the seam line (riawelc.seam), cut windows along it, label each from the flaw table's 1 cm cells
(riawelc.filmlabels), write the usable ones. Films that the table does not list are unlabelled (skipped, not
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
import yaml

from riawelc.constants import CLASSES, NO_DEFECT, PATCH_SIZE
from riawelc.filmlabels import CELL_PX, Span, cell_of, flaw_spans, label_window
from riawelc.flawtable import FilmFlaws, FlawTable, FlawTableError, read_flaw_table
from riawelc.images import BadImage, decode_gray, write_png
from riawelc.seam import Seam, SeamSettings, find_seam

ANNOTATED_FILMS = ("bam5", "RRT-12R", "RRT-22R")  # hand-masked in W0001/W0002: evaluation only
WINDOW_MODES = ("grid", "dark_spots")


class FilmsError(ValueError):
    """Input the conversion cannot start from (no folder, no readme, no table, bad options)."""


@dataclass(frozen=True)
class FilmOptions:
    patch_size: int = PATCH_SIZE  # side of the written patches
    window_scale: float = 1.0  # window side in film pixels = patch_size * window_scale, resized to patch_size
    stride: int = 114  # film pixels between neighbouring windows along the seam
    rows: int = 1  # rows of windows, centred on the seam line
    row_stride: int = 114  # film pixels between rows
    margin: int = 25  # px: overlap needed to carry a flawed cell's class, and clearance from other flaws
    exclude: tuple = ANNOTATED_FILMS  # never written (reserved for evaluation)
    defect_windows: str = "grid"  # grid, or dark_spots: centre defect windows on black top-hat candidates
    no_defect_windows: str = "grid"  # the same for no_defect windows (a control: both classes show dark spots)
    spot_classes: tuple = ("porosity",)  # defect classes that dark_spots applies to (see the README's figures)
    spots_per_cell: int = 2  # dark_spots: windows per 1 cm cell
    spot_min_share: float = 0.5  # dark_spots: a further spot of a stretch needs this share of its strongest
    spot_kernel: int = 41  # dark_spots: length of the black top-hats' lines, film pixels (pores ~10-40)
    cell_offset: float = 0.0  # film pixels from the left edge to cell 1
    tail_min_mm: float = 0.0  # > 0: flaws this long may run into one more cell, windows there are left out
    # (a flaw starting late in its cell c ends in cell c + ceil(l/10)). Off: on the hand-masked films it did
    # not make no_defect windows cleaner and it costs 10 % of the patches (README, "Real films").
    min_length_share: float = 0.9  # the table's film length over the film's width: below this (or above its
    # inverse) the film does not fit the cell grid (tubes and pipes, with 2 or 14 cells on a 20-cell film)
    seam_rows: dict = field(default_factory=dict)  # film -> [top, bottom] shares of its height to search
    # for the seam, for films whose second bright band a person has checked (two-band films are refused without)
    sheet_patches: int = 48  # patches per class contact sheet
    seed: int = 0  # contact sheet sampling
    seam: SeamSettings = field(default_factory=SeamSettings)

    @property
    def window(self) -> int:
        return int(round(self.patch_size * self.window_scale))

    def check(self) -> "FilmOptions":
        problems = []
        if self.patch_size < 16 or self.window < 16:
            problems.append(f"patch_size {self.patch_size} and window {self.window} must be at least 16")
        if self.stride < 1 or self.row_stride < 1 or self.rows < 1:
            problems.append("stride, row_stride and rows must be positive")
        if self.margin < 0 or self.margin * 2 >= self.window:
            problems.append(f"margin {self.margin} must be >= 0 and under half the window ({self.window})")
        for name in ("defect_windows", "no_defect_windows"):
            if getattr(self, name) not in WINDOW_MODES:
                problems.append(f"{name} {getattr(self, name)!r}: use one of {WINDOW_MODES}")
        for film, rows in self.seam_rows.items():
            if not (isinstance(rows, (list, tuple)) and len(rows) == 2 and 0 <= rows[0] < rows[1] <= 1):
                problems.append(f"seam_rows {film}: {rows!r} must be [top, bottom] with 0 <= top < bottom <= 1")
        if set(self.spot_classes) - set(CLASSES) - {NO_DEFECT} or NO_DEFECT in self.spot_classes:
            problems.append(f"spot_classes {self.spot_classes}: use defect classes of {CLASSES}")
        if not 0 < self.min_length_share <= 1:
            problems.append("min_length_share must be in (0, 1]")
        if problems:
            raise FilmsError("bad film options: " + "; ".join(problems))
        return self


def load_options(config: Path | None = None, **overrides) -> FilmOptions:
    """Defaults < the YAML file's `films:` section (or its top level) < overrides that are not None."""
    values: dict = {}
    if config is not None:
        if not Path(config).is_file():
            raise FilmsError(f"no options file {config}")
        try:
            tree = yaml.safe_load(Path(config).read_text()) or {}
        except yaml.YAMLError as error:
            raise FilmsError(f"{config} is not valid YAML: {error}") from error
        values = dict(tree.get("films", tree)) if isinstance(tree, dict) else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(FilmOptions)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise FilmsError(f"unknown film option(s) {unknown}; known: {sorted(known)}")
    seam = values.pop("seam", None) or {}
    seam_known = {f.name for f in fields(SeamSettings)}
    if set(seam) - seam_known:
        raise FilmsError(f"unknown seam option(s) {sorted(set(seam) - seam_known)}; known: {sorted(seam_known)}")
    for name in ("exclude", "spot_classes"):  # lists: a YAML list or a comma-separated flag
        if name in values:
            items = values[name].split(",") if isinstance(values[name], str) else values[name]
            values[name] = tuple(str(item).strip() for item in items if str(item).strip())
    seam = {k: tuple(v) if isinstance(v, list) else v for k, v in seam.items()}
    try:
        return FilmOptions(**values, seam=SeamSettings(**seam)).check()
    except TypeError as error:
        raise FilmsError(f"bad film options: {error}") from error


@dataclass
class FilmResult:
    film: str
    file: str
    status: str  # converted, excluded, missing, unreadable, unlabelled, no_seam, does_not_fit
    reason: str = ""
    cells: int | None = None
    flaws: list[str] = field(default_factory=list)  # spans, e.g. "porosity 2011 cells 4-4"
    patches: dict = field(default_factory=dict)  # class -> count
    left_out: dict = field(default_factory=dict)  # reason -> count
    seam: dict = field(default_factory=dict)


@dataclass
class Window:
    x0: int
    y0: int
    row: int
    col: int
    kind: str  # grid or spot


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


def grid_windows(film: np.ndarray, seam: Seam, options: FilmOptions) -> tuple[list[Window], int]:
    """Windows every `stride` px along the seam, `rows` rows centred on it; (windows, count off the film)."""
    win, height, width = options.window, film.shape[0], film.shape[1]
    windows, off = [], 0
    for col, x0 in enumerate(range(0, width - win + 1, options.stride)):
        centre = float(seam.y_at(x0 + win / 2))
        for row in range(options.rows):
            y0 = int(round(centre + (row - (options.rows - 1) / 2) * options.row_stride - win / 2))
            if y0 < 0 or y0 + win > height:
                off += 1
                continue
            windows.append(Window(x0, y0, row, col, "grid"))
    return windows, off


def dark_spot_candidates(film: np.ndarray, seam: Seam, x0: float, x1: float, options: FilmOptions,
                         count: int) -> list[tuple[int, int, float]]:
    """Up to `count` (x, y, strength) black top-hat maxima inside the seam band over [x0, x1), far apart."""
    width, height = film.shape[1], film.shape[0]
    a, b = max(int(x0), 0), min(int(np.ceil(x1)), width)
    if b - a < 8:
        return []
    centre = seam.y_at(np.arange(a, b))
    half = max(seam.half_height, options.spot_kernel)
    top, bottom = int(max(centre.min() - half, 0)), int(min(centre.max() + half, height))
    region = film[top:bottom, a:b]
    # Compact dark spots: dark against a closing along x AND against a closing along y. A disc kernel alone
    # fills the toe of the band's own profile (windows landed on the band's edge); one line alone keeps
    # vertical scanner streaks and the film's edge, or the band's edges.
    smooth = cv2.GaussianBlur(region, (5, 5), 0)
    along = cv2.morphologyEx(smooth, cv2.MORPH_BLACKHAT, np.ones((1, options.spot_kernel), np.uint8))
    across = cv2.morphologyEx(smooth, cv2.MORPH_BLACKHAT, np.ones((options.spot_kernel, 1), np.uint8))
    hat = np.minimum(along, across).astype(np.float32)
    rows = np.arange(top, bottom)[:, None]
    hat[np.abs(rows - centre[None, :]) > 0.75 * seam.half_height] = 0  # the band's core only
    edge = options.spot_kernel  # the film's own left and right edges are dark lines
    hat[:, : max(edge - a, 0)] = 0
    hat[:, max(width - edge - a, 0):] = 0
    spots, spacing = [], options.window // 2
    for _ in range(count):
        y, x = np.unravel_index(int(np.argmax(hat)), hat.shape)
        strength = float(hat[y, x])
        if strength <= 0 or (spots and strength < options.spot_min_share * spots[0][2]):
            break
        spots.append((a + int(x), top + int(y), strength))
        hat[max(y - spacing, 0): y + spacing, max(x - spacing, 0): x + spacing] = 0
    return spots


def spot_windows(film: np.ndarray, seam: Seam, stretch: Span, options: FilmOptions, first_col: int) -> list[Window]:
    """Windows centred on dark-spot candidates of a stretch, kept inside it by the margin and inside the film."""
    win = options.window
    cells = max(int(round((min(stretch.x1, film.shape[1]) - stretch.x0) / CELL_PX)), 1)
    spots = dark_spot_candidates(film, seam, stretch.x0, stretch.x1, options, options.spots_per_cell * cells)
    windows = []
    for k, (x, y, _) in enumerate(spots):
        low, high = stretch.x0 + options.margin - win, stretch.x1 - options.margin  # keep >= margin overlap
        x0 = int(round(min(max(x - win / 2, low), high, film.shape[1] - win)))
        y0 = int(round(min(max(y - win / 2, 0), film.shape[0] - win)))
        windows.append(Window(max(x0, 0), max(y0, 0), 0, first_col + k, "spot"))
    return windows


def patch_name(film: str, window: Window, options: FilmOptions) -> str:
    """RIAWELC-style: `<film>_Img1_W<window>_S<stride>_[row][col].png` (Img2 and T<kernel> for spot windows)."""
    if window.kind == "spot":
        return f"{film}_Img2_W{options.window}_T{options.spot_kernel}_[{window.row}][{window.col}].png"
    return f"{film}_Img1_W{options.window}_S{options.stride}_[{window.row}][{window.col}].png"


def no_defect_stretches(spans: list[Span], width: int, margin: float) -> list[Span]:
    """The film between flaw spans (each side shrunk by a margin), for dark-spot no_defect windows."""
    edges, start = [], 0.0
    for span in sorted(spans, key=lambda s: s.x0):
        if span.x0 - margin > start:
            edges.append(Span(start, span.x0 - margin, NO_DEFECT, "between flaws"))
        start = max(start, span.x1 + margin)
    if start < width:
        edges.append(Span(start, float(width), NO_DEFECT, "between flaws"))
    return edges


def window_mode(label: str, options: FilmOptions) -> str:
    if label == NO_DEFECT:
        return options.no_defect_windows
    return options.defect_windows if label in options.spot_classes else "grid"


def film_windows(film: np.ndarray, seam: Seam, spans: list[Span], options: FilmOptions) -> tuple[list, Counter]:
    """(window, label) pairs of one film and a count of windows left out by reason."""
    left_out: Counter = Counter()
    grid, off = grid_windows(film, seam, options)
    if off:
        left_out["window leaves the film"] += off
    labelled = []
    for window in grid:
        label, reason = label_window(window.x0, window.x0 + options.window, spans, options.margin)
        if label is None:
            left_out[reason] += 1
        elif window_mode(label, options) == "grid":
            labelled.append((window, label))
    stretches = [s for s in spans if s.label in CLASSES and window_mode(s.label, options) == "dark_spots"]
    if options.no_defect_windows == "dark_spots":
        stretches += no_defect_stretches(spans, film.shape[1], options.margin)
    col = 0
    for stretch in stretches:
        for window in spot_windows(film, seam, stretch, options, col):
            label, reason = label_window(window.x0, window.x0 + options.window, spans, options.margin)
            if label is None:
                left_out[f"dark-spot window: {reason}"] += 1
            else:
                labelled.append((window, label))
        col += 1000  # keeps spot names unique per stretch
    return labelled, left_out


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
    from riawelc import filmsheets  # drawing only

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
    for index, (file_name, name) in enumerate(sorted(names.items(), key=lambda item: item[1])):
        result = FilmResult(name, file_name, "")
        if name in options.exclude:
            result.status, result.reason = "excluded", "reserved for evaluation (exclude option)"
        elif file_name not in present:
            result.status, result.reason = "missing", "listed in the readme, not in the folder"
        else:
            film, seam, spans, written = convert_film(films_dir / file_name, name, flaw_table.films.get(name),
                                                      options, out, result)
            if film is not None:
                drawings.append(filmsheets.FilmDrawing.of(film, name, seam, spans, written, result, options))
                patches += [(label, out / label / file_name, name, window) for label, file_name, window in written]
        results.append(result)
        log(f"[{index + 1}/{len(names)}] {name}: {result.status} {result.reason}".rstrip(), flush=True)
    seconds = time.perf_counter() - started
    summary = _summary(results, flaw_table, readmes, unlisted, options, seconds)
    report.mkdir(parents=True, exist_ok=True)
    (report / "films.json").write_text(json.dumps(summary, indent=1, default=str))
    filmsheets.write_overview(report / "overview.png", drawings)
    filmsheets.write_class_sheets(report, patches, options)
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
