"""Pictures for a person to check the film conversion: an overview of every film with its seam band and
flawed cells, and one contact sheet of patches per class (captioned with film and cell)."""

from dataclasses import dataclass

import cv2
import numpy as np

from riawelc.constants import CLASS_COLOURS, CLASSES
from riawelc.films.flawtable import OTHER
from riawelc.films.labels import CELL_PX, UNCOVERED, cell_of
from riawelc.images import read_patch, write_png

THUMB_WIDTH = 480
COLOURS = {**CLASS_COLOURS, OTHER: (160, 160, 160), UNCOVERED: (90, 90, 90)}  # BGR


@dataclass
class FilmDrawing:
    thumb: np.ndarray  # BGR, THUMB_WIDTH wide

    @classmethod
    def of(cls, film, name, seam, spans, written, result, options) -> "FilmDrawing":
        scale = THUMB_WIDTH / film.shape[1]
        small = cv2.resize(film, (THUMB_WIDTH, max(int(film.shape[0] * scale), 1)), interpolation=cv2.INTER_AREA)
        thumb = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        for span in spans:  # flawed cells as bars along the top edge
            x0, x1 = int(span.x0 * scale), int(min(span.x1, film.shape[1]) * scale)
            cv2.rectangle(thumb, (x0, 0), (max(x1 - 1, x0), 5), COLOURS.get(span.label, (255, 255, 255)), -1)
        for k in range(1, int(film.shape[1] / CELL_PX) + 1):  # cell ticks
            x = int((k * CELL_PX + options.cell_offset) * scale)
            cv2.line(thumb, (x, 6), (x, 9), (255, 255, 255), 1)
        if seam is not None:
            xs = np.arange(0, film.shape[1], 16)
            ys = seam.y_at(xs)
            colour = (0, 255, 0) if seam.fits else (0, 0, 255)
            for offset, thickness in ((0, 1), (-seam.half_height, 1), (seam.half_height, 1)):
                points = np.stack([xs * scale, (ys + offset) * scale], 1).astype(np.int32)
                cv2.polylines(thumb, [points], False, colour, thickness if offset == 0 else 1,
                              lineType=cv2.LINE_AA)
        for label, _, window in written:  # each written window's centre as a dot of its class colour
            centre = (int((window.x0 + options.window / 2) * scale), int((window.y0 + options.window / 2) * scale))
            cv2.circle(thumb, centre, 2, COLOURS[label], -1)
        text = f"{name}: {result.status} {sum(result.patches.values()) or ''}"
        _caption(thumb, text, (4, 24), 0.5)
        if result.reason:
            _caption(thumb, result.reason[:70], (4, thumb.shape[0] - 6), 0.35)
        return cls(thumb)


def _caption(image, text, origin, size) -> None:
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, size, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, size, (255, 255, 255), 1, cv2.LINE_AA)


def _grid(tiles: list[np.ndarray], columns: int, gap: int = 4) -> np.ndarray:
    height = max(t.shape[0] for t in tiles)
    width = max(t.shape[1] for t in tiles)
    rows = -(-len(tiles) // columns)
    sheet = np.full((rows * (height + gap), columns * (width + gap), 3), 32, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        sheet[r * (height + gap): r * (height + gap) + tile.shape[0], c * (width + gap): c * (width + gap) + tile.shape[1]] = tile
    return sheet


def write_overview(path, drawings: list[FilmDrawing], columns: int = 4) -> None:
    if drawings:
        write_png(path, _grid([d.thumb for d in drawings], columns))


def write_class_sheets(report, patches, options) -> None:
    """One sheet per class: a seeded sample of its patches, each captioned '<film> c<cell>'."""
    rng = np.random.default_rng(options.seed)
    for label in CLASSES:
        mine = [p for p in patches if p[0] == label]
        if not mine:
            continue
        chosen = sorted(rng.choice(len(mine), min(options.sheet_patches, len(mine)), replace=False))
        tiles = []
        for i in chosen:
            _, path, film, window = mine[i]
            tile = cv2.cvtColor(read_patch(path, options.patch_size), cv2.COLOR_GRAY2BGR)
            first = cell_of(window.x0, CELL_PX, options.cell_offset)
            last = cell_of(window.x0 + options.window - 1, CELL_PX, options.cell_offset)
            _caption(tile, f"{film} c{first}-{last}{' s' if window.kind == 'spot' else ''}", (3, tile.shape[0] - 5), 0.4)
            tiles.append(tile)
        write_png(report / f"sheet_{label}.png", _grid(tiles, 8))
