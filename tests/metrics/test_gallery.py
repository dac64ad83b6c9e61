import cv2
import numpy as np
import pytest

from riawelc.inspect.drawing import GREEN, RED, outline, overlay
from riawelc.metrics.gallery import PADDING, TITLE_HEIGHT, best_median_worst, save_grid


def test_overlay_is_rgb_of_the_image_size_and_hot_where_the_map_is_high():
    image = np.full((40, 30), 128, np.uint8)
    heat = np.zeros((5, 5), np.float32)
    heat[:, 3:] = 1.0  # right side hot
    rgb = overlay(image, heat)
    assert rgb.shape == (40, 30, 3) and rgb.dtype == np.uint8
    assert rgb[20, 28, 0] > rgb[20, 28, 2]  # red over the hot side (jet)
    assert rgb[20, 1, 2] > rgb[20, 1, 0]  # blue over the cold side


def test_outline_draws_mask_borders_in_their_colours():
    image = np.zeros((20, 20), np.uint8)
    mask = np.zeros((20, 20), np.uint8)
    mask[5:15, 5:15] = 1
    rgb = outline(image, [mask], [GREEN])
    assert tuple(rgb[5, 10]) == GREEN  # on the border
    assert tuple(rgb[10, 10]) == (0, 0, 0)  # inside stays untouched
    with pytest.raises(ValueError, match="colours"):
        outline(image, [mask], [GREEN, RED])


def test_best_median_worst():
    assert best_median_worst([0.2, 0.9, 0.5, 0.1, 0.7]) == [1, 2, 3]


def test_save_grid_writes_a_readable_png_of_the_expected_size(tmp_path):
    tiles = [np.full((30, 40), 50 * i, np.uint8) for i in range(5)]
    path = save_grid(tmp_path / "sub" / "grid.png", tiles, titles=[f"tile {i}" for i in range(5)], ncols=3)
    grid = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert grid is not None
    assert grid.shape == (2 * (TITLE_HEIGHT + 30 + PADDING) + PADDING, 3 * (40 + PADDING) + PADDING, 3)
    # The fifth tile sits in row 2, column 2, with its gray value.
    top, left = PADDING + (TITLE_HEIGHT + 30 + PADDING) + TITLE_HEIGHT, PADDING + (40 + PADDING)
    assert (grid[top : top + 30, left : left + 40] == 200).all()

    untitled = cv2.imread(str(save_grid(tmp_path / "plain.png", tiles[:2], ncols=4)))
    assert untitled.shape == (30 + 2 * PADDING, 2 * (40 + PADDING) + PADDING, 3)


def test_save_grid_rejects_mixed_tile_sizes(tmp_path):
    with pytest.raises(ValueError, match="same size"):
        save_grid(tmp_path / "g.png", [np.zeros((5, 5), np.uint8), np.zeros((6, 5), np.uint8)])
