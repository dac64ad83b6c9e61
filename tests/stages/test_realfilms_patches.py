"""Stage patches: the window features it learns from, and its error when the masked stage has not run."""

import numpy as np
import pytest

from riawelc.inspect.candidates import COMPONENT_FEATURES, CandidateSettings
from riawelc.inspect.detector import Detector
from stages.realfilms import patches


def window(dark_blobs: list[tuple[int, int, int]]) -> np.ndarray:
    image = np.full((227, 227), 150, np.uint8)
    yy, xx = np.mgrid[:227, :227]
    for y, x, r in dark_blobs:
        image[(yy - y) ** 2 + (xx - x) ** 2 <= r * r] = 110
    return image


def test_window_features_count_and_describe_what_the_detector_keeps():
    detector = Detector(CandidateSettings(extent=5.0, peak=8.0))
    features = dict(zip(patches.WINDOW_FEATURES, patches.window_features(window([(60, 60, 6), (150, 160, 4)]),
                                                                         detector)))
    assert len(features) == len(patches.WINDOW_FEATURES) == 9 + 2 * len(COMPONENT_FEATURES) + 2
    assert features["candidates"] == 2 and features["kept"] == 2 and features["kept_half"] == 2
    assert np.pi * 6 ** 2 <= features["largest_area_px"] <= np.pi * 8 ** 2  # the 6-px blob (grown by smoothing), not the 4-px one
    assert features["max_peak_hat"] == pytest.approx(40, abs=3)  # 150 - 110 grey levels
    assert features["kept_round"] == 2 and features["kept_elongated"] == 0


def test_window_features_of_a_clean_window_are_zero():
    assert not patches.window_features(window([]), Detector()).any()


def test_missing_detectors_name_the_stage_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(patches, "OUT", tmp_path)
    with pytest.raises(SystemExit):
        patches.detectors(["RRT-12R"])
    error = capsys.readouterr().err
    assert "detector-all.json" in error and "masked stage" in error
