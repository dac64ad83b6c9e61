"""The BAM round-robin flaw table (`real-values.xls`): ISO 6520 flaws per 1 cm cell of each film.

Layout: two header rows (`ROC Nr`, `Label`, `Cells (cm)`, `Type`, `l (mm)`, `b (mm)`, `S`, `OD`, `D`,
`Max. cells`), then one row per flaw. A blank film number means "same film as the row above"; `Cells` may say
`No indication` (a flaw-free film); `Type` may carry a trailing `*`; lengths may be `?`. Nothing here raises on
a surprising row: it becomes an issue (a sentence naming the row) and the film is labelled conservatively
(an unreadable flaw position makes the whole film unlabelled rather than wrongly defect-free).
"""

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from riawelc.constants import DEFECT_CLASSES

OTHER = "other"  # a flaw outside the four classes: windows touching it are left out
# ISO 6520 codes of the three defect classes (the shared GDXray README's table); every other code is OTHER.
ISO_CLASSES = {
    1011: "crack", 1021: "crack", 1051: "crack",
    2011: "porosity", 2012: "porosity", 2013: "porosity", 2014: "porosity", 2015: "porosity", 2016: "porosity",
    402: "lack_of_penetration",
}
assert set(ISO_CLASSES.values()) == set(DEFECT_CLASSES)
REQUIRED_COLUMNS = {"film": "ROC", "cell": "Cells", "code": "Type", "length": "l", "max_cells": "Max."}


class FlawTableError(ValueError):
    """The table cannot be read at all (missing, not a spreadsheet, no header); the message says why."""


@dataclass(frozen=True)
class Flaw:
    cell: int  # 1-based cell where the flaw starts
    code: str  # ISO 6520 code as written, without a trailing '*'
    label: str  # one of DEFECT_CLASSES or OTHER
    length_mm: float | None  # None when the table says '?' or nothing
    row: int  # 1-based spreadsheet row, for reports

    def cells(self, max_cells: int | None = None) -> range:
        """Cells c ... c + ceil(l / 10) - 1 (one cell when the length is unknown), cut at the film's end."""
        count = 1 if not self.length_mm or self.length_mm <= 0 else math.ceil(self.length_mm / 10.0)
        end = self.cell + count
        return range(self.cell, min(end, max_cells + 1) if max_cells else end)


@dataclass
class FilmFlaws:
    film: str  # e.g. RRT-30R
    flaws: list[Flaw] = field(default_factory=list)
    max_cells: int | None = None
    no_indication: bool = False  # the table says the film is flaw-free
    unusable: str = ""  # non-empty: the film's rows cannot be trusted (reason)


@dataclass
class FlawTable:
    films: dict[str, FilmFlaws]
    issues: list[str]  # surprising rows and what was done about them


def film_name(number) -> str:
    """Round-robin film number -> film name as the GDXray readme spells it: 30 -> RRT-30R, 9 -> RRT-09R."""
    return f"RRT-{int(number):02d}R"


def iso_label(code: str) -> str | None:
    """Class of an ISO 6520 code ('2011' -> porosity, '5011' -> other); None if the code is not a number."""
    if not re.fullmatch(r"\d{3,4}", code):
        return None
    return ISO_CLASSES.get(int(code), OTHER)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def _read_rows(path: Path) -> list[list]:
    try:
        import xlrd
    except ImportError as error:  # the pipeline extra brings it
        raise FlawTableError("reading .xls needs xlrd: pip install -e '.[pipeline]'") from error
    if not path.is_file():
        raise FlawTableError(f"flaw table {path} does not exist")
    try:
        sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
    except Exception as error:  # xlrd raises many types for a broken file; all mean "cannot read"
        raise FlawTableError(f"cannot read flaw table {path}: {error}") from error
    return [sheet.row_values(r) for r in range(sheet.nrows)]


def _columns(rows: list[list], path: Path) -> tuple[int, dict[str, int]]:
    """Index of the first header row and the column of each required field."""
    for index, row in enumerate(rows[:10]):
        names = [_text(v) for v in row]
        if names and names[0].upper().startswith("ROC"):
            found = {}
            for key, title in REQUIRED_COLUMNS.items():
                matches = [i for i, n in enumerate(names) if n == title or n.startswith(title + " ")]
                if not matches:
                    raise FlawTableError(f"{path}: no '{title}' column in the header row {names}")
                found[key] = matches[0]
            return index, found
    raise FlawTableError(f"{path}: no header row starting with 'ROC' in the first 10 rows")


def read_flaw_table(path: Path | str) -> FlawTable:
    """Read real-values.xls into flaws per film, with every surprising row listed in `issues`."""
    path = Path(path)
    rows = _read_rows(path)
    header, col = _columns(rows, path)
    films: dict[str, FilmFlaws] = {}
    issues: list[str] = []
    current: str | None = None
    for index in range(header + 2, len(rows)):  # two header rows
        row, where = rows[index], f"row {index + 1}"
        if all(_text(v) == "" for v in row):
            continue
        number_text = _text(row[col["film"]])
        if number_text:
            number = _number(number_text)
            if number is None or not number.is_integer() or number <= 0:
                issues.append(f"{where}: film number {number_text!r} is not a number; its rows are skipped")
                current = None
                continue
            current = film_name(number)
        elif current is None:
            issues.append(f"{where}: blank film number with no film above it; row skipped")
            continue
        film = films.setdefault(current, FilmFlaws(current))
        _read_max_cells(film, row[col["max_cells"]], where, issues)
        cell_text = _text(row[col["cell"]])
        if cell_text.lower() == "no indication":
            film.no_indication = True
            continue
        cell = _number(cell_text)
        if cell is None or not cell.is_integer() or cell < 1:
            film.unusable = f"{where}: cell {cell_text!r} is not a cell number"
            issues.append(f"{film.film} {film.unusable}; film left unlabelled")
            continue
        code_text = _text(row[col["code"]])
        code = code_text.rstrip("*").strip()
        if code != code_text:
            issues.append(f"{film.film} {where}: code {code_text!r} read as {code}")
        label = iso_label(code)
        if label is None:
            issues.append(f"{film.film} {where}: code {code_text!r} is not an ISO 6520 number; treated as another flaw")
            label = OTHER
        length_text = _text(row[col["length"]])
        length = _number(length_text) if length_text else None
        if length is None or length <= 0:
            issues.append(f"{film.film} {where}: length {length_text!r} unknown; the flaw is taken to cover one cell")
            length = None
        film.flaws.append(Flaw(int(cell), code, label, length, index + 1))
    for film in films.values():
        beyond = [f for f in film.flaws if film.max_cells and f.cell > film.max_cells]
        if beyond:
            film.unusable = f"row {beyond[0].row}: cell {beyond[0].cell} is past the film's {film.max_cells} cells"
            issues.append(f"{film.film} {film.unusable}; film left unlabelled")
        if film.no_indication and film.flaws:
            issues.append(f"{film.film}: 'No indication' beside {len(film.flaws)} flaw row(s); the flaws are kept")
            film.no_indication = False
    return FlawTable(films, issues)


def _read_max_cells(film: FilmFlaws, value, where: str, issues: list[str]) -> None:
    text = _text(value)
    if not text:
        return
    number = _number(text)
    if number is None or not number.is_integer() or number < 1:
        issues.append(f"{film.film} {where}: Max. cells {text!r} is not a count; ignored")
    elif film.max_cells is None:
        film.max_cells = int(number)
    elif int(number) != film.max_cells:
        issues.append(f"{film.film} {where}: Max. cells {text} disagrees with {film.max_cells} above; kept {film.max_cells}")
