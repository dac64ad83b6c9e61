"""Labels of windows cut along a film, from the flaw table's 1 cm cells.

Cell k covers x in [(k-1)·cell_px, k·cell_px) + offset (about 248 px: 1 cm at 40.3 µm per pixel). A window
takes the class of the flawed cells it overlaps by at least `margin` pixels. It is left out when it comes
within `margin` of a flawed cell's edge without that much overlap (the cell grid is only good to about 25 px
and the flaw may lie anywhere in its cell), when it comes within `margin` of a flaw outside the four classes
or of the part of the film the table does not cover, and when it carries two defect classes.
"""

from dataclasses import dataclass

import numpy as np

from riawelc.constants import CELL_PX, NO_DEFECT
from riawelc.films.flawtable import OTHER, FilmFlaws

UNCOVERED = "uncovered"  # film beyond the table's last cell
TAIL = "tail"  # the cell after a long flaw's last cell, where it may still run


@dataclass(frozen=True)
class Span:
    """A stretch [x0, x1) of film pixels carrying one label (a defect class, OTHER or UNCOVERED)."""

    x0: float
    x1: float
    label: str
    what: str  # for reports: ISO code(s) and first cell

    def overlap(self, a: float, b: float) -> float:
        """Overlap of [a, b) with the span in pixels; negative: the gap between them."""
        return min(b, self.x1) - max(a, self.x0)


def flaw_spans(film: FilmFlaws, film_width: int, cell_px: float = CELL_PX, offset: float = 0.0,
               tail_min_mm: float = 0.0) -> list[Span]:
    """Spans of every flaw (merged per label where cells touch) and of the film past the table's last cell.

    A flaw of l mm starting somewhere in cell c ends in cell c + ceil(l/10) - 1 or in the next one (it may
    start late in its cell). With `tail_min_mm` > 0, that next cell of every flaw at least this long becomes a
    TAIL span, unless a flaw of the same class covers it: windows touching it are left out.
    """
    cells: dict[str, set[int]] = {}
    codes: dict[str, set[str]] = {}
    tails: dict[str, set[int]] = {}
    for flaw in film.flaws:
        covered = flaw.cells(film.max_cells)
        cells.setdefault(flaw.label, set()).update(covered)
        codes.setdefault(flaw.label, set()).add(flaw.code)
        if tail_min_mm > 0 and flaw.length_mm and flaw.length_mm >= tail_min_mm:
            tail = flaw.cells().stop  # the cell after c + ceil(l/10) - 1
            if not film.max_cells or tail <= film.max_cells:
                tails.setdefault(flaw.label, set()).add(tail)
    spans = []
    for label, numbers in cells.items():
        for first, last in _runs(sorted(numbers)):
            what = f"{'/'.join(sorted(codes[label]))} cells {first}-{last}"
            spans.append(Span(offset + (first - 1) * cell_px, offset + last * cell_px, label, what))
    for label, numbers in tails.items():
        for cell in sorted(numbers - cells[label]):
            spans.append(Span(offset + (cell - 1) * cell_px, offset + cell * cell_px, TAIL, f"{label} may end in cell {cell}"))
    if film.max_cells:
        end = offset + film.max_cells * cell_px
        if end < film_width:
            spans.append(Span(end, float("inf"), UNCOVERED, f"past cell {film.max_cells}"))
    return sorted(spans, key=lambda s: (s.x0, s.label))


def _runs(numbers: list[int]):
    start = previous = numbers[0]
    for n in numbers[1:]:
        if n != previous + 1:
            yield start, previous
            start = n
        previous = n
    yield start, previous


def label_window(x0: float, x1: float, spans: list[Span], margin: float) -> tuple[str | None, str]:
    """(class, "") for a usable window [x0, x1), or (None, reason) for one left out."""
    carried, near = set(), []
    for span in spans:
        overlap = span.overlap(x0, x1)
        if overlap <= -margin:
            continue
        if span.label == OTHER:
            return None, "near a flaw outside the four classes"
        if span.label == UNCOVERED:
            return None, "past the table's last cell"
        if span.label == TAIL:
            return None, "where a long flaw may end"
        if overlap >= margin:
            carried.add(span.label)
        else:
            near.append(span)
    if len(carried) > 1:
        return None, "two defect classes"
    if near and not (carried and all(s.label in carried for s in near)):
        return None, "within the margin of a flawed cell's edge"
    return (carried.pop() if carried else NO_DEFECT), ""


def cell_of(x: float, cell_px: float = CELL_PX, offset: float = 0.0) -> int:
    """1-based cell number of film column x."""
    return int(np.floor((x - offset) / cell_px)) + 1
