"""Film mask metrics on known cases, and the black top-hat baseline."""

import cv2
import numpy as np
import pytest

from riawelc.metrics.film import (
    average_precision,
    black_tophat_score,
    component_recall,
    false_positive_components,
    film_scores,
    noise_sigma,
    pixel_scores,
    size_bin,
    tophat_mask,
)


def boxes(shape, *rects):
    mask = np.zeros(shape, np.uint8)
    for y0, y1, x0, x1 in rects:
        mask[y0:y1, x0:x1] = 1
    return mask


def test_pixel_scores_on_a_known_overlap():
    truth = boxes((50, 50), (0, 10, 0, 10))  # 100 px
    pred = boxes((50, 50), (0, 10, 5, 15)).astype(np.float32) * 0.8  # 100 px, 50 shared
    scores = pixel_scores(pred, truth, threshold=0.5)
    assert scores["iou"] == pytest.approx(50 / 150) and scores["dice"] == pytest.approx(0.5)
    assert scores["precision"] == 0.5 and scores["recall"] == 0.5
    assert pixel_scores(pred, truth, threshold=0.9)["dice"] == 0.0  # nothing above the threshold
    empty = np.zeros((5, 5))
    assert pixel_scores(empty, empty, 0.5)["iou"] == 1.0 and pixel_scores(empty, empty, 0.5)["recall"] is None


def test_average_precision_matches_sklearn_and_known_cases():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    truth = rng.random((40, 60)) < 0.1
    score = np.round(rng.random((40, 60)) + 0.5 * truth, 2)  # rounded: ties must be handled like sklearn
    assert average_precision(score, truth) == pytest.approx(sklearn_metrics.average_precision_score(truth.ravel(),
                                                                                                     score.ravel()))
    assert average_precision(truth.astype(float), truth) == pytest.approx(1.0)
    assert average_precision(np.zeros((4, 4)), np.zeros((4, 4))) is None


def test_component_recall_counts_a_defect_found_when_enough_is_covered():
    truth = boxes((100, 100), (0, 10, 0, 10), (50, 60, 50, 70), (90, 92, 0, 2))  # 100, 200 and 4 px
    pred = boxes((100, 100), (0, 10, 0, 4), (50, 60, 50, 70))  # 40 % of the first, all of the second
    recall = component_recall(pred, truth, cover=0.3)
    assert recall["all"] == {"found": 2, "total": 3, "recall": pytest.approx(2 / 3)}
    assert recall["small"] == {"found": 0, "total": 1, "recall": 0.0}
    assert recall["medium"]["found"] == 2 and recall["large"] == {"found": 0, "total": 0, "recall": None}
    assert component_recall(pred, truth, cover=0.5)["all"]["found"] == 1


def test_false_positive_components_are_those_touching_no_human_defect():
    truth = boxes((100, 100), (0, 10, 0, 10))
    pred = boxes((100, 100), (5, 15, 5, 15), (40, 45, 40, 45), (70, 110, 70, 110))  # touching, 25 px, 900 px
    fp = false_positive_components(pred, truth)
    assert fp["all"] == 2 and fp["predicted_components"] == 3 and fp["false_px"] == 25 + 900
    assert (fp["small"], fp["medium"], fp["large"]) == (1, 1, 0)
    assert size_bin(99) == "small" and size_bin(100) == "medium" and size_bin(1000) == "large"


def test_film_scores_use_the_given_mask_for_pixel_and_component_figures():
    truth = boxes((60, 60), (10, 20, 10, 20))
    score = truth.astype(np.float32)
    score[40, 40] = 1.0  # a 1-px false alarm that the final mask dropped
    mask = truth.copy()
    result = film_scores(score, truth, 0.5, mask=mask)
    assert result["dice"] == 1.0 and result["false_positives"]["all"] == 0
    assert film_scores(score, truth, 0.5)["false_positives"]["all"] == 1


def flat_film(seed=0, shape=(200, 300), level=150, grain=2.0):
    return np.clip(np.random.default_rng(seed).normal(level, grain, shape), 0, 255).astype(np.uint8)


def test_black_tophat_finds_a_dark_spot_and_not_a_bright_one():
    film = flat_film()
    cv2.circle(film, (100, 100), 5, 110, -1)  # dark pore
    cv2.circle(film, (200, 100), 5, 200, -1)  # bright speck
    assert noise_sigma(film) == pytest.approx(2.0, rel=0.5)
    mask = tophat_mask(film)
    assert mask[100, 100] == 1 and mask[100, 200] == 0
    count = cv2.connectedComponents(mask)[0] - 1
    assert count == 1, "grain alone must stay below the a-priori threshold"
    region = np.zeros(film.shape, bool)
    region[:, 150:] = True
    assert black_tophat_score(film, region=region)[100, 100] == 0


def test_black_tophat_refuses_bad_input():
    with pytest.raises(ValueError, match="uint8"):
        black_tophat_score(np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError, match="odd"):
        black_tophat_score(flat_film(), kernel=10)


def test_best_threshold_picks_the_candidate_with_the_highest_pooled_dice():
    from riawelc.metrics.film import best_threshold

    truth = boxes((20, 20), (0, 10, 0, 10))
    score = np.where(truth, 0.6, 0.0).astype(np.float32)
    score[15:20, 15:20] = 0.4  # a false alarm that only low thresholds keep
    threshold, value = best_threshold([score, score], [truth, truth], [0.1, 0.3, 0.5, 0.7])
    assert threshold == 0.5 and value == 1.0
    assert best_threshold([score], [truth], [0.3])[1] == pytest.approx(200 / 225)
    with pytest.raises(ValueError, match="as many"):
        best_threshold([score], [], [0.5])
