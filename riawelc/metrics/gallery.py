"""Small PNG galleries with cv2: titled grids of tiles (the overlays they show: riawelc.inspect.drawing)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from riawelc.inspect.drawing import to_rgb

TITLE_HEIGHT = 18  # px band above each tile for its title
PADDING = 4  # px between tiles and around the grid
BACKGROUND = 255  # white


def best_median_worst(scores) -> list[int]:
    """Indices of the highest, the median and the lowest score (ties keep the first)."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    if order.size == 0:
        raise ValueError("scores is empty")
    return [int(order[0]), int(order[order.size // 2]), int(order[-1])]


def _draw_title(cell: np.ndarray, title: str) -> None:
    font, thickness = cv2.FONT_HERSHEY_SIMPLEX, 1
    scale = 0.4
    width = cv2.getTextSize(title, font, scale, thickness)[0][0]
    if width > cell.shape[1] - 2:  # shrink long titles to fit the tile width
        scale *= (cell.shape[1] - 2) / width
    cv2.putText(cell, title, (1, TITLE_HEIGHT - 5), font, scale, (0, 0, 0), thickness, cv2.LINE_AA)


def grid_image(tiles: list[np.ndarray], titles: list[str] | None = None, ncols: int = 4) -> np.ndarray:
    """Tiles (all the same size, gray or RGB uint8) in rows of `ncols`, each under its title: one RGB image of
    ncols * (W + PADDING) + PADDING by nrows * (title band + H + PADDING) + PADDING pixels (no band without titles)."""
    if not tiles:
        raise ValueError("no tiles to draw")
    if ncols < 1:
        raise ValueError(f"ncols must be >= 1, got {ncols}")
    if titles is not None and len(titles) != len(tiles):
        raise ValueError(f"got {len(tiles)} tiles but {len(titles)} titles")
    tiles = [to_rgb(tile) for tile in tiles]
    height, width = tiles[0].shape[:2]
    for tile in tiles:
        if tile.shape[:2] != (height, width):
            raise ValueError(f"all tiles must have the same size, got {tile.shape[:2]} and {(height, width)}")
    title_height = TITLE_HEIGHT if titles is not None else 0
    ncols = min(ncols, len(tiles))
    nrows = -(-len(tiles) // ncols)
    cell_w, cell_h = width + PADDING, title_height + height + PADDING
    canvas = np.full((nrows * cell_h + PADDING, ncols * cell_w + PADDING, 3), BACKGROUND, np.uint8)
    for i, tile in enumerate(tiles):
        top, left = PADDING + (i // ncols) * cell_h, PADDING + (i % ncols) * cell_w
        if titles is not None:
            _draw_title(canvas[top : top + title_height, left : left + width], titles[i])
        canvas[top + title_height : top + title_height + height, left : left + width] = tile
    return canvas


def save_grid(path: str | Path, tiles: list[np.ndarray], titles: list[str] | None = None, ncols: int = 4) -> Path:
    """Writes `grid_image(tiles, titles, ncols)` to a PNG file (parent folders are created); returns the path."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"gallery path must end in .png, got {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = grid_image(tiles, titles, ncols)
    if not cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")
    return path
