"""Classification metrics on a held-out split."""

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from riawelc.constants import CLASSES


def classification_metrics(true: np.ndarray, predicted: np.ndarray) -> dict:
    """Accuracy, macro-F1 and per-class precision / recall / F1 / support (class indices follow CLASSES)."""
    labels = list(range(len(CLASSES)))
    precision, recall, f1, support = precision_recall_fscore_support(
        true, predicted, labels=labels, zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(true, predicted)),
        "macro_f1": float(f1_score(true, predicted, labels=labels, average="macro", zero_division=0)),
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                   "support": int(support[i])}
            for i, name in enumerate(CLASSES)
        },
    }


def confusion_rows(true: np.ndarray, predicted: np.ndarray) -> list[dict]:
    """One row per (actual, predicted) pair, the format of DVC's confusion-matrix plot template."""
    return [{"actual": CLASSES[t], "predicted": CLASSES[p]} for t, p in zip(true, predicted)]


def confusion(true: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return confusion_matrix(true, predicted, labels=list(range(len(CLASSES))))
