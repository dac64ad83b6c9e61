"""Windows along a film's seam: a grid along the fitted line, or windows centred on compact dark spots."""

from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np

from riawelc.constants import CLASSES, NO_DEFECT
from riawelc.films.labels import CELL_PX, Span, label_window
from riawelc.films.options import FilmOptions
from riawelc.seam import Seam


@dataclass
class Window:
    x0: int
    y0: int
    row: int
    col: int
    kind: str  # grid or spot


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
    """Windows centred on dark-spot candidates of a stretch, inside the film. A defect window keeps at least
    the margin of overlap with its stretch; a no_defect window stays wholly inside its (flaw-free) stretch."""
    win = options.window
    cells = max(int(round((min(stretch.x1, film.shape[1]) - stretch.x0) / CELL_PX)), 1)
    spots = dark_spot_candidates(film, seam, stretch.x0, stretch.x1, options, options.spots_per_cell * cells)
    if stretch.label == NO_DEFECT:
        low, high = stretch.x0, stretch.x1 - win
        if high < low:
            return []
    else:
        low, high = stretch.x0 + options.margin - win, stretch.x1 - options.margin
    windows = []
    for k, (x, y, _) in enumerate(spots):
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
