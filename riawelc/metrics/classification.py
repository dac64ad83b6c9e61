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


def fold_scores(true: np.ndarray, predicted: np.ndarray) -> dict:
    """The scores of one film fold: `classification_metrics`, with macro-F1 over the classes present in the scored
    films' labels (a fold without lack-of-penetration films cannot score it) and `macro_f1_4` over all four."""
    metrics = classification_metrics(true, predicted)
    present = sorted(set(np.asarray(true).tolist()))
    metrics["macro_f1_4"] = metrics.pop("macro_f1")
    metrics["macro_f1"] = float(f1_score(true, predicted, labels=present, average="macro", zero_division=0))
    metrics["classes_scored"] = [CLASSES[i] for i in present]
    metrics["confusion"] = confusion(true, predicted).tolist()
    metrics["images"] = int(len(true))
    return metrics


def majority_scores(train_labels: np.ndarray, true: np.ndarray) -> dict:
    """`fold_scores` of the trivial predictor: every patch gets the training labels' most common class."""
    return fold_scores(true, np.full_like(true, np.bincount(train_labels, minlength=len(CLASSES)).argmax()))


def spread(values: list[float]) -> dict:
    """Mean, sample standard deviation, min and max over folds, rounded to 4 places."""
    return {"mean": round(float(np.mean(values)), 4),
            "std": round(float(np.std(values, ddof=1)), 4) if len(values) > 1 else 0.0,
            "min": round(float(min(values)), 4), "max": round(float(max(values)), 4)}
