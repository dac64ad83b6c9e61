"""Films -> labelled patch tree, on small synthetic films drawn here and a tiny real-values.xls in the BAM layout."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
import xlwt  # dev group: writes the .xls fixtures
from typer.testing import CliRunner

from riawelc.cli import app
from riawelc.constants import CLASSES, DEFECT_CLASSES, NO_DEFECT
from riawelc.data.dataset import radiograph_id, scan_tree
from riawelc.data.dedup import remove_exact_duplicates
from riawelc.films.flawtable import OTHER, FilmFlaws, Flaw, FlawTableError, read_flaw_table
from riawelc.films.labels import CELL_PX, TAIL, UNCOVERED, Span, flaw_spans, label_window
from riawelc.films.tree import FilmOptions, FilmsError, convert, load_options
from riawelc.images import read_patch, write_png
from riawelc.seam import find_seam

REPO = Path(__file__).resolve().parents[2]
GDXRAY = Path(os.environ.get("RIAWELC_GDXRAY", REPO.parent / "shared" / "gdxray"))
CELLS = 10
WIDTH, HEIGHT = int((CELLS + 0.6) * CELL_PX), 800
HEADER = [["ROC", "Label", "Cells", "Type", "l", "b", "S", "OD", "D", "Max."],
          ["Nr", "", "(cm)", "", "(mm)", "(mm)", "", "", "", "cells"]]


def seam_y(x):
    return 330 + 0.012 * (np.asarray(x, float) - WIDTH / 2)  # a slightly tilted seam


def cell_centre(cell: int) -> int:
    return int((cell - 0.5) * CELL_PX)


def draw_film(seed: int, defects=(), letter=True, bands=(1,)) -> np.ndarray:
    """Dark film, a bright seam band (several for `bands`), a brighter lead letter beside it, dark round defects."""
    rng = np.random.default_rng(seed)
    y = np.arange(HEIGHT)[:, None]
    film = np.full((HEIGHT, WIDTH), 60.0)
    for k, _ in enumerate(bands):
        centre = seam_y(np.arange(WIDTH))[None, :] + k * 250
        film += 110 * np.exp(-0.5 * ((y - centre) / 45) ** 2)
    if letter:  # brighter than the seam, just above it, and a wire IQI line near the top
        film[150:260, 1100:1180] = 250
        film[60:66, 300:1500] = 240
    for x, r in defects:
        yy, xx = np.ogrid[:HEIGHT, :WIDTH]
        film[(yy - seam_y(x)) ** 2 + (xx - x) ** 2 <= r * r] -= 70
    film += rng.normal(0, 4, film.shape)
    return np.clip(film, 0, 255).astype(np.uint8)


def write_xls(path: Path, rows: list[list]) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("REAL VALUES")
    for r, row in enumerate(HEADER + rows):
        for c, value in enumerate(row):
            if value is not None and value != "":
                sheet.write(r, c, value)
    book.save(str(path))


# Film 30: porosity in cell 3, a 15 mm crack from cell 6 (cells 6-7), another flaw (5011*) in cell 9.
# Film 202: 'No indication'. Film 40: a malformed cell. Film 31: listed in the readme, missing from the folder.
TABLE_ROWS = [
    [30, "D31", 3, 2011, 0.8, None, None, None, 20, CELLS],
    [None, None, 6, "1011", 15.0, None, None, None, "?", None],  # blank film number: as above
    [None, None, 9, "5011*", "?", None, None, None, "?", None],  # starred code, unknown length
    [202, None, "No indication", None, None, None, None, None, None, CELLS],
    [40, "A48", "abc", 2011, 1.0, None, None, None, None, CELLS],
    [31, "D32", 2, 402, 6.0, None, None, None, 16, CELLS],
]


@pytest.fixture
def film_folder(tmp_path) -> Path:
    return write_film_folder(tmp_path / "W0003")


def write_film_folder(folder: Path) -> Path:
    """A tiny GDXray-style folder: drawn films, a readme, real-values.xls (TABLE_ROWS), and the awkward cases
    (a two-band film, unreadable files, a film name given twice, a listed film missing)."""
    folder.mkdir(parents=True)
    write_png(folder / "W0003_0001.png", draw_film(1, defects=[(cell_centre(3), 9), (cell_centre(6) + 40, 7)]))
    write_png(folder / "W0003_0002.png", draw_film(2))
    write_png(folder / "W0003_0003.png", draw_film(3, bands=(1, 2)))  # RRT-40R: two bands
    write_png(folder / "W0003_0004.png", draw_film(4))  # RRT-09R: no rows in the table
    (folder / "W0003_0005.png").write_bytes(b"not a png")  # RRT-12R... excluded; 0006 unreadable
    (folder / "W0003_0006.png").write_bytes(b"not a png either")
    (folder / "W0003_readme.txt").write_text(
        "Round robin films\n\n"
        "W0003_0001.png is RRT-30R.tif\nW0003_0002.png is RRT-202R.tif\nW0003_0003.png is RRT-40R.tif\n"
        "W0003_0004.png is RRT-09R.tif\nW0003_0005.png is RRT-12R.tif\nW0003_0006.png is RRT-88R.tif\n"
        "W0003_0007.png is RRT-31R.tif\nW0003_0008.png is RRT-30R.tif\n"
    )
    write_png(folder / "W0003_0008.png", draw_film(8))  # a second file that the readme calls RRT-30R
    write_xls(folder / "real-values.xls", TABLE_ROWS + [[88, "35", 1, 1051, 39.4, None, None, None, 23, CELLS]])
    return folder


def quiet(*args, **kwargs):
    pass


def test_seam_line_follows_the_band_not_the_brighter_letter():
    film = draw_film(0)
    seam = find_seam(film)
    assert seam.fits, seam.reason
    xs = np.arange(0, WIDTH, 50)
    assert np.abs(seam.y_at(xs) - seam_y(xs)).max() < 12
    # the brightest rows at the letter's columns are the letter, not the seam
    assert abs(int(np.argmax(film[:, 1140])) - seam_y(1140)) > 80


def test_seam_refuses_two_bands_and_no_band():
    two = find_seam(draw_film(0, bands=(1, 2), letter=False))
    assert not two.fits and "two bright bands" in two.reason
    flat = np.random.default_rng(0).normal(90, 4, (HEIGHT, WIDTH)).clip(0, 255).astype(np.uint8)
    assert not find_seam(flat).fits
    # told where to look, the same two-band film fits the lower band
    lower = find_seam(draw_film(0, bands=(1, 2), letter=False), rows=(0.45, 1.0))
    assert lower.fits and abs(lower.y_at(WIDTH / 2) - (seam_y(WIDTH / 2) + 250)) < 12


def test_flaw_table_reads_the_bam_layout(tmp_path):
    path = tmp_path / "real-values.xls"
    write_xls(path, TABLE_ROWS + [[None, None, 5, 2011, 1.0, None, None, None, None, 679]])
    table = read_flaw_table(path)
    film = table.films["RRT-30R"]
    assert [(f.cell, f.code, f.label, f.length_mm) for f in film.flaws] == [
        (3, "2011", "porosity", 0.8), (6, "1011", "crack", 15.0), (9, "5011", OTHER, None)]
    assert film.max_cells == CELLS
    assert table.films["RRT-202R"].no_indication and not table.films["RRT-202R"].flaws
    assert "abc" in table.films["RRT-40R"].unusable
    issues = "\n".join(table.issues)
    assert "'5011*' read as 5011" in issues and "length '?' unknown" in issues
    assert "Max. cells 679 disagrees with 10" in issues  # the trailing row belongs to film 31 (forward fill)
    assert [f.cell for f in table.films["RRT-31R"].flaws] == [2, 5]
    write_xls(path, [[30, "D31", 3, 2011, 0.8, None, None, None, 20, CELLS], [None, None, 12, 2011, 1.0]])
    assert "cell 12 is past the film's 10 cells" in read_flaw_table(path).films["RRT-30R"].unusable


def test_flaw_table_errors_name_the_problem(tmp_path):
    with pytest.raises(FlawTableError, match="does not exist"):
        read_flaw_table(tmp_path / "none.xls")
    (tmp_path / "bad.xls").write_bytes(b"garbage")
    with pytest.raises(FlawTableError, match="cannot read"):
        read_flaw_table(tmp_path / "bad.xls")
    write_xls(tmp_path / "blank.xls", [])
    book = xlwt.Workbook()
    book.add_sheet("x").write(0, 0, "Film")
    book.save(str(tmp_path / "noheader.xls"))
    with pytest.raises(FlawTableError, match="no header row"):
        read_flaw_table(tmp_path / "noheader.xls")
    assert read_flaw_table(tmp_path / "blank.xls").films == {}


def test_flaw_cells_from_length():
    assert list(Flaw(6, "1011", "crack", 15.0, 1).cells()) == [6, 7]
    assert list(Flaw(6, "1011", "crack", 10.0, 1).cells()) == [6]
    assert list(Flaw(3, "2011", "porosity", None, 1).cells()) == [3]
    assert list(Flaw(18, "402", "lack_of_penetration", 80.0, 1).cells(max_cells=20)) == [18, 19, 20]


def test_window_labels_and_exclusion_rules():
    c = CELL_PX
    spans = [Span(2 * c, 3 * c, "porosity", ""), Span(5 * c, 7 * c, "crack", ""),
             Span(8 * c, 9 * c, OTHER, ""), Span(10 * c, float("inf"), UNCOVERED, "")]
    margin = 25
    assert label_window(0, 227, spans, margin) == (NO_DEFECT, "")
    assert label_window(2 * c + 10, 2 * c + 237, spans, margin) == ("porosity", "")
    assert label_window(2 * c - 227 + 10, 2 * c + 10, spans, margin)[1] == "within the margin of a flawed cell's edge"
    assert label_window(2 * c - 227 - 30, 2 * c - 30, spans, margin) == (NO_DEFECT, "")  # clear of the cell
    assert label_window(5 * c + 100, 5 * c + 327, spans, margin) == ("crack", "")  # inside a two-cell crack
    assert label_window(3 * c - 100, 3 * c + 127, spans, margin)[0] == "porosity"  # gap to cell 6 is wide
    assert label_window(8 * c - 100, 8 * c + 127, spans, margin) == (None, "near a flaw outside the four classes")
    assert label_window(10 * c - 100, 10 * c + 127, spans, margin) == (None, "past the table's last cell")
    both = [Span(0, c, "porosity", ""), Span(c, 2 * c, "crack", "")]
    assert label_window(c - 100, c + 127, both, margin) == (None, "two defect classes")


def test_flaw_spans_merge_cells_and_mark_tails():
    film = FilmFlaws("RRT-30R", [Flaw(3, "2011", "porosity", 0.8, 3), Flaw(4, "2013", "porosity", 12.0, 4),
                                 Flaw(9, "5011", OTHER, None, 5)], max_cells=10)
    spans = flaw_spans(film, int(10.5 * CELL_PX))
    assert [(s.label, round(s.x0 / CELL_PX)) for s in spans] == [("porosity", 2), (OTHER, 8), (UNCOVERED, 10)]
    assert round(spans[0].x1 / CELL_PX) == 5  # cells 3-5: 0.8 mm in cell 3, 12 mm from cell 4 covers 4-5
    tails = [s for s in flaw_spans(film, int(10.5 * CELL_PX), tail_min_mm=5) if s.label == TAIL]
    assert [round(s.x0 / CELL_PX) for s in tails] == [5]  # cell 6: the 12 mm flaw may end there
    assert label_window(5 * CELL_PX + 10, 5 * CELL_PX + 237, tails, 25) == (None, "where a long flaw may end")


def test_convert_writes_a_tree_the_adapter_reads(film_folder, tmp_path):
    out, report = tmp_path / "tree", tmp_path / "report"
    summary = convert(film_folder, out, report, FilmOptions(), log=quiet)
    films = {f["film"]: f for f in reversed(summary["films"])}  # the first file of a film name wins
    assert films["RRT-30R"]["status"] == "converted"
    assert films["RRT-202R"]["status"] == "converted" and set(films["RRT-202R"]["patches"]) == {NO_DEFECT}
    assert films["RRT-40R"]["status"] == "unlabelled" and "abc" in films["RRT-40R"]["reason"]
    assert films["RRT-09R"]["status"] == "unlabelled" and "no rows" in films["RRT-09R"]["reason"]
    assert films["RRT-12R"]["status"] == "excluded"
    assert films["RRT-88R"]["status"] == "unreadable"
    assert films["RRT-31R"]["status"] == "missing"
    second = [f for f in summary["films"] if f["file"] == "W0003_0008.png"]
    assert second[0]["status"] == "duplicate" and "W0003_0001.png" in second[0]["reason"]
    left = films["RRT-30R"]["left_out"]
    assert left["near a flaw outside the four classes"] > 0 and left["past the table's last cell"] > 0

    scan = scan_tree(out)
    assert scan.rejects == []
    assert {p.radiograph for p in scan.patches} == {"RRT-30R", "RRT-202R"}
    assert {p.radiograph for p in scan.patches} == {radiograph_id(p.path.name) for p in scan.patches}
    counts = {c: sum(p.label == c for p in scan.patches) for c in CLASSES}
    assert counts == {c: summary["patches"][c] for c in CLASSES}
    assert counts["porosity"] > 0 and counts["crack"] > 0 and counts["lack_of_penetration"] == 0
    manifest, conflicts = remove_exact_duplicates(scan)
    assert len(manifest) == len(scan.patches) and conflicts == []

    # a porosity patch sits on cell 3 and shows the drawn pore: its darkest pixels are far below the seam's
    porosity = [p for p in scan.patches if p.label == "porosity"]
    assert min(int(read_patch(p.path).min()) for p in porosity) < 120
    crack = [p for p in scan.patches if p.label == "crack"]
    assert all(read_patch(p.path).shape == (227, 227) for p in crack)

    saved = json.loads((report / "films.json").read_text())
    assert saved["patches"] == summary["patches"]
    assert (report / "overview.png").is_file()
    assert {p.name for p in report.iterdir() if p.name.startswith("sheet_")} == {
        "sheet_crack.png", "sheet_no_defect.png", "sheet_porosity.png"}


def test_dark_spot_windows_are_centred_on_the_pore(film_folder, tmp_path):
    options = FilmOptions(defect_windows="dark_spots", spots_per_cell=1)
    convert(film_folder, tmp_path / "tree", tmp_path / "report", options, log=quiet)
    porosity = sorted((tmp_path / "tree" / "porosity").iterdir())
    assert porosity and all("_Img2_" in p.name for p in porosity)
    centre_rows = read_patch(porosity[0])[83:144]  # the seam's middle (its flanks are darker than a pore)
    y, x = np.unravel_index(np.argmin(centre_rows), centre_rows.shape)
    assert abs(x - 113) < 15 and abs(y + 83 - 113) < 15
    assert centre_rows.min() < 130  # the pore, not the band's grain
    crack = sorted((tmp_path / "tree" / "crack").iterdir())
    assert crack and all("_Img1_" in p.name for p in crack)  # spot_classes: porosity only by default


def test_dark_spot_no_defect_windows_stay_clear_of_flaws(film_folder, tmp_path):
    spots = FilmOptions(defect_windows="dark_spots")
    both = FilmOptions(defect_windows="dark_spots", no_defect_windows="dark_spots")
    first = convert(film_folder, tmp_path / "a", tmp_path / "a-report", spots, log=quiet)["patches"]
    second = convert(film_folder, tmp_path / "b", tmp_path / "b-report", both, log=quiet)["patches"]
    clean = sorted((tmp_path / "b" / NO_DEFECT).iterdir())
    assert clean and all("_Img2_" in p.name for p in clean)
    # windows centred on spots between flaws never spill into a flawed cell and take its class
    assert {c: second[c] for c in DEFECT_CLASSES} == {c: first[c] for c in DEFECT_CLASSES} and second["porosity"] > 0


def test_options_from_yaml_and_flags(tmp_path):
    config = tmp_path / "films.yaml"
    config.write_text("films:\n  stride: 57\n  exclude: [a, b]\n  seam: {degree: 1}\n  seam_rows: {RRT-97R: [0.7, 1.0]}\n")
    options = load_options(config, stride=None, margin=30)
    assert (options.stride, options.margin, options.exclude, options.seam.degree) == (57, 30, ("a", "b"), 1)
    assert options.seam_rows == {"RRT-97R": [0.7, 1.0]}
    assert load_options(None, exclude="x, y").exclude == ("x", "y")
    config.write_text("films:\n")
    assert load_options(config) == FilmOptions()
    config.write_text("- 57\n")
    with pytest.raises(FilmsError, match="mapping"):
        load_options(config)
    config.write_text("films:\n  strid: 57\n")
    with pytest.raises(FilmsError, match="unknown film option"):
        load_options(config)
    with pytest.raises(FilmsError, match="margin"):
        load_options(None, margin=200)


def films_command(*args):
    """`riawelc films ARGS` in this process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, ["films", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_command_reports_bad_input_without_a_traceback(film_folder, tmp_path):
    out = tmp_path / "tree"
    code, _, err = films_command("--films", tmp_path / "nowhere", "--out", out)
    assert code == 2 and "is not a folder" in err and "Traceback" not in err
    code, printed, _ = films_command("--films", film_folder, "--out", out)
    assert code == 0
    assert "RRT-31R" in printed and "listed in the readme, not in the folder" in printed
    assert "'5011*' read as 5011" in printed and "patches in" in printed
    code, _, err = films_command("--films", film_folder, "--out", out)  # not empty, no --force
    assert code == 2 and "--force" in err
    assert films_command("--films", film_folder, "--out", out, "--force", "--stride", "228")[0] == 0
    (film_folder / "real-values.xls").write_bytes(b"broken")
    code, _, err = films_command("--films", film_folder, "--out", out, "--force")
    assert code == 2 and "cannot read flaw table" in err
    (film_folder / "W0003_readme.txt").unlink()
    code, _, err = films_command("--films", film_folder, "--out", out, "--force")
    assert code == 2 and "no readme" in err


@pytest.mark.skipif(not (GDXRAY / "W0003" / "real-values.xls").is_file(),
                    reason=f"no GDXray films at {GDXRAY} (set RIAWELC_GDXRAY)")
def test_real_gdxray_films(tmp_path):
    """All shared films: tubes, pipes and the two-band film are refused; the tree has all four classes."""
    out = tmp_path / "tree"
    summary = convert(GDXRAY / "W0003", out, tmp_path / "report", load_options(REPO / "profiles" / "gdxray_films.yaml"),
                      log=quiet)
    films = {f["film"]: f for f in summary["films"]}
    for name in ("RRT-70R", "RRT-71R", "RRT-72R", "RRT-92R", "RRT-93R", "RRT-97R"):
        assert films[name]["status"] in ("no_seam", "does_not_fit"), (name, films[name])
    for name in ("RRT-12R", "RRT-22R", "bam5"):
        assert films[name]["status"] == "excluded"
    assert films["RRT-202R"]["status"] == "converted" and set(films["RRT-202R"]["patches"]) == {NO_DEFECT}
    assert all(summary["patches"][c] > 20 for c in CLASSES), summary["patches"]
    scan = scan_tree(out, check_images=False)
    names = {f["film"] for f in summary["films"] if f["patches"]}
    assert {p.radiograph for p in scan.patches} == names
