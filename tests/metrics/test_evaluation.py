import numpy as np
import pytest

from riawelc.metrics.classification import classification_metrics, confusion, confusion_rows


def test_metrics_on_a_known_confusion():
    true = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    predicted = np.array([0, 1, 1, 1, 2, 2, 3, 0])
    metrics = classification_metrics(true, predicted)
    assert metrics["accuracy"] == pytest.approx(6 / 8)
    crack = metrics["per_class"]["crack"]
    assert (crack["precision"], crack["recall"], crack["support"]) == (0.5, 0.5, 2)
    assert metrics["per_class"]["no_defect"]["f1"] == 1.0
    assert metrics["macro_f1"] == pytest.approx(np.mean([0.5, 0.8, 1.0, 2 / 3]))
    assert confusion(true, predicted)[3, 0] == 1
    assert confusion_rows(true, predicted)[1] == {"actual": "crack", "predicted": "lack_of_penetration"}


def test_a_class_absent_from_predictions_scores_zero_not_an_error():
    metrics = classification_metrics(np.array([0, 1, 2, 3]), np.array([0, 0, 0, 0]))
    assert metrics["per_class"]["porosity"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
