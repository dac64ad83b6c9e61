import math

import numpy as np
import pytest

from riawelc.constants import DEFECT_CLASSES, NO_DEFECT
from riawelc.metrics.segmentation import dice, false_positive_rate, iou, per_class_scores

EMPTY = np.zeros((8, 8), np.uint8)
LEFT = EMPTY.copy()
LEFT[:, :4] = 1  # 32 px
MIDDLE = EMPTY.copy()
MIDDLE[:, 2:6] = 1  # overlaps LEFT on 16 px
RIGHT = EMPTY.copy()
RIGHT[:, 4:] = 1


def test_both_empty_is_a_perfect_agreement():
    assert iou(EMPTY, EMPTY) == 1.0
    assert dice(EMPTY, EMPTY) == 1.0


def test_one_empty_scores_zero():
    assert iou(EMPTY, LEFT) == 0.0 and iou(LEFT, EMPTY) == 0.0
    assert dice(EMPTY, LEFT) == 0.0 and dice(LEFT, EMPTY) == 0.0


def test_identical_disjoint_and_half_overlap():
    assert iou(LEFT, LEFT) == 1.0 and dice(LEFT, LEFT) == 1.0
    assert iou(LEFT, RIGHT) == 0.0 and dice(LEFT, RIGHT) == 0.0
    assert iou(LEFT, MIDDLE) == pytest.approx(16 / 48)
    assert dice(LEFT, MIDDLE) == pytest.approx(0.5)


def test_soft_predictions_are_thresholded():
    soft = LEFT * 0.9 + 0.2 * (1 - LEFT)  # 0.9 inside, 0.2 outside
    assert iou(soft, LEFT) == 1.0
    assert iou(soft, LEFT, threshold=0.95) == 0.0
    with pytest.raises(ValueError, match="shape"):
        iou(LEFT, LEFT[:4])


def test_per_class_scores_and_mean_over_defect_classes():
    a, b = DEFECT_CLASSES[0], DEFECT_CLASSES[1]
    preds = np.stack([LEFT, LEFT, MIDDLE, EMPTY, LEFT])
    trues = np.stack([LEFT, RIGHT, LEFT, EMPTY, EMPTY])
    labels = [a, a, b, NO_DEFECT, NO_DEFECT]
    scores = per_class_scores(preds, trues, labels)
    assert scores[a] == {"iou": 0.5, "dice": 0.5, "count": 2, "scored": 2, "empty_reference": 0,
                         "empty_reference_share": 0.0}
    assert scores[b]["iou"] == pytest.approx(1 / 3) and scores[b]["dice"] == pytest.approx(0.5)
    assert scores[NO_DEFECT]["iou"] == 0.5  # one agreed empty, one false alarm
    assert DEFECT_CLASSES[2] not in scores
    assert scores["mean_defect"]["iou"] == pytest.approx((0.5 + 1 / 3) / 2)  # no_defect left out
    assert scores["mean_defect"]["dice"] == pytest.approx(0.5)


def test_defect_patches_with_an_empty_reference_are_not_scored_but_counted():
    a, b = DEFECT_CLASSES[0], DEFECT_CLASSES[1]
    # Class a: one patch localised half right, one whose reference is empty (an empty prediction would score 1).
    # Class b: only empty references, so nothing to score. no_defect: the agreed empty patch still scores 1.
    preds = np.stack([LEFT, EMPTY, EMPTY, EMPTY])
    trues = np.stack([MIDDLE, EMPTY, EMPTY, EMPTY])
    scores = per_class_scores(preds, trues, [a, a, b, NO_DEFECT])
    assert scores[a]["iou"] == pytest.approx(1 / 3) and scores[a]["scored"] == 1
    assert scores[a]["empty_reference"] == 1 and scores[a]["empty_reference_share"] == 0.5
    assert scores[b]["iou"] is None and scores[b]["dice"] is None and scores[b]["empty_reference_share"] == 1.0
    assert scores[NO_DEFECT]["iou"] == 1.0 and scores[NO_DEFECT]["empty_reference"] == 0
    assert scores["mean_defect"]["iou"] == pytest.approx(1 / 3)  # class b has nothing to add
    assert per_class_scores(preds[1:3], trues[1:3], [a, b])["mean_defect"] == {"iou": None, "dice": None}


def test_false_positive_rate_on_no_defect_patches_with_min_area():
    speck = EMPTY.copy()
    speck[0, 0] = 1
    preds = np.stack([EMPTY, speck, LEFT, LEFT, EMPTY])
    labels = [NO_DEFECT, NO_DEFECT, NO_DEFECT, NO_DEFECT, DEFECT_CLASSES[0]]
    assert false_positive_rate(preds, labels) == 0.75
    assert false_positive_rate(preds, labels, min_area=2) == 0.5
    assert false_positive_rate(preds, labels, min_area=33) == 0.0
    assert math.isnan(false_positive_rate(preds[4:], labels[4:]))
    with pytest.raises(ValueError, match="unknown labels"):
        false_positive_rate(preds, ["slag"] * 5)
