from dataclasses import replace

import cv2
import numpy as np
import pytest

from riawelc.constants import DEFECT_CLASSES, NO_DEFECT
from riawelc.inspect.pseudomask import PseudoMaskConfig, make_pseudomask, mask_report

SIZE = 64
PLAIN = PseudoMaskConfig(threshold=0.5, open_radius=0, close_radius=0, fill_holes=False, min_area=0)
GRAY = np.full((SIZE, SIZE), 128, np.uint8)
CRACK = DEFECT_CLASSES[0]


def disk(center, radius, size=SIZE):
    out = np.zeros((size, size), np.uint8)
    cv2.circle(out, center, radius, 1, -1)
    return out


def test_no_defect_always_gets_an_empty_mask():
    cam = np.ones((SIZE, SIZE), np.float32)
    assert make_pseudomask(GRAY, cam, NO_DEFECT, PLAIN).sum() == 0
    assert make_pseudomask(GRAY, cam, CRACK, PLAIN).sum() == SIZE * SIZE


def test_threshold_is_monotonic():
    cam = np.tile(np.linspace(0, 1, SIZE, dtype=np.float32), (SIZE, 1))
    areas = []
    for threshold in (0.1, 0.3, 0.5, 0.7, 0.9):
        cfg = PseudoMaskConfig(threshold=threshold, open_radius=0, close_radius=0, fill_holes=False, min_area=0)
        areas.append(make_pseudomask(GRAY, cam, CRACK, cfg).sum())
    assert all(a > b for a, b in zip(areas, areas[1:]))


def test_min_area_removes_a_speck_but_keeps_a_small_defect():
    cam = np.zeros((SIZE, SIZE), np.float32)
    cam[5:7, 5:7] = 1.0  # 4 px speck
    cam[30:34, 30:34] = 1.0  # 16 px defect
    cfg = PseudoMaskConfig(open_radius=0, close_radius=0, fill_holes=False, min_area=12)
    mask = make_pseudomask(GRAY, cam, CRACK, cfg)
    assert mask[5:7, 5:7].sum() == 0
    assert mask.sum() == 16


def test_opening_removes_a_thin_line_and_closing_bridges_a_gap():
    cam = np.zeros((SIZE, SIZE), np.float32)
    cam[10, 5:60] = 1.0  # 1 px thin line
    opened = make_pseudomask(GRAY, cam, CRACK, PseudoMaskConfig(open_radius=1, close_radius=0, min_area=0))
    assert opened.sum() == 0

    cam = np.zeros((SIZE, SIZE), np.float32)
    cam[20:30, 10:30] = 1.0
    cam[20:30, 32:52] = 1.0  # 2 px gap between two blocks
    closed = make_pseudomask(GRAY, cam, CRACK, PseudoMaskConfig(open_radius=0, close_radius=2, min_area=0))
    assert cv2.connectedComponents(closed)[0] - 1 == 1
    assert closed[25, 30:32].all()


def test_fill_holes_fills_an_enclosed_hole_only():
    cam = np.zeros((SIZE, SIZE), np.float32)
    cam[10:30, 10:30] = 1.0
    cam[15:25, 15:25] = 0.0  # enclosed hole
    cam[40:60, 0:20] = 1.0
    cam[45:55, 0:10] = 0.0  # notch open to the border: not a hole
    cfg = PseudoMaskConfig(open_radius=0, close_radius=0, fill_holes=True, min_area=0)
    mask = make_pseudomask(GRAY, cam, CRACK, cfg)
    assert mask[15:25, 15:25].all()
    assert not mask[45:55, 0:10].any()
    unfilled = make_pseudomask(GRAY, cam, CRACK, PLAIN)
    assert not unfilled[15:25, 15:25].any()


def test_dark_refinement_shrinks_a_big_cam_blob_onto_a_dark_disk():
    rng = np.random.default_rng(0)
    image = np.clip(140 + rng.normal(0, 2, (SIZE, SIZE)), 0, 255).astype(np.uint8)
    dark_disk = disk((32, 32), 5).astype(bool)
    image[dark_disk] = 100
    cam = disk((34, 30), 20).astype(np.float32)  # coarse, offset blob around the disk
    base = PseudoMaskConfig(open_radius=1, close_radius=1, min_area=8, dark_window=31)
    coarse = make_pseudomask(image, cam, CRACK, base)
    refined = make_pseudomask(image, cam, CRACK, replace(base, refine="dark"))

    def iou(a, b):
        return (a.astype(bool) & b).sum() / (a.astype(bool) | b).sum()

    assert refined.sum() < coarse.sum() / 5
    assert iou(refined, dark_disk) > 0.8
    assert iou(coarse, dark_disk) < 0.2


def test_dark_refinement_falls_back_to_the_cam_region_when_nothing_is_dark():
    cam = disk((32, 32), 10).astype(np.float32)
    with_fallback = make_pseudomask(GRAY, cam, CRACK, PseudoMaskConfig(refine="dark"))
    without = make_pseudomask(GRAY, cam, CRACK, PseudoMaskConfig(refine="dark", dark_fallback=False))
    assert with_fallback.sum() == disk((32, 32), 10).sum()
    assert without.sum() == 0


def test_bad_inputs_raise_clear_errors():
    cam = np.zeros((SIZE, SIZE), np.float32)
    with pytest.raises(ValueError, match="label"):
        make_pseudomask(GRAY, cam, "slag", PLAIN)
    with pytest.raises(ValueError, match="shape"):
        make_pseudomask(GRAY, cam[:10], CRACK, PLAIN)
    with pytest.raises(ValueError, match="refine"):
        PseudoMaskConfig(refine="bright")


def test_mask_report_coverage_and_components_per_class():
    masks = np.zeros((3, 10, 10), np.uint8)
    masks[0, 0:2, 0:5] = 1  # 10 % coverage, one component
    masks[1, 0, 0] = masks[1, 9, 9] = 1  # 2 %, two components
    report = mask_report(masks, [CRACK, CRACK, NO_DEFECT])
    assert set(report) == {CRACK, NO_DEFECT}
    assert report[CRACK]["count"] == 2
    assert report[CRACK]["coverage"] == pytest.approx(0.06)
    assert report[CRACK]["components"] == pytest.approx(1.5)
    assert report[NO_DEFECT] == {"count": 1, "coverage": 0.0, "components": 0.0, "empty_fraction": 1.0}
