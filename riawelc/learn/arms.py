"""Train one arm on the training films of a fold (or a split) and predict the scored films' patches: the CNN as
the classify stage trains it, or the classical baseline."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd

from riawelc.constants import CLASS_INDEX, CLASSES
from riawelc.data.manifests import load_split
from riawelc.data.split import class_weights
from riawelc.learn.determinism import seed_everything
from riawelc.learn.models import build_classifier
from riawelc.learn.training import predict_probabilities, train_classifier, train_config


class EpochPrinter:
    """Stands in for dvclive.Live in train_classifier: one flushed line per epoch."""

    def __init__(self):
        self.row, self.step, self.started = {}, 0, time.time()

    def log_metric(self, name: str, value: float) -> None:
        self.row[name] = value

    def next_step(self) -> None:
        self.step += 1
        print(f"  epoch {self.step}: train acc {self.row['train/accuracy']:.3f} val loss {self.row['val/loss']:.3f} "
              f"val acc {self.row['val/accuracy']:.3f} ({time.time() - self.started:.0f} s)", flush=True)
        self.row = {}


def train_cnn(section: dict, train, val, score_images: np.ndarray) -> tuple[np.ndarray, dict]:
    """Train as the classify stage does (a checked classify params `section`, class weights from the training
    labels); return the scored images' probabilities and a training summary."""
    weights = class_weights(pd.DataFrame({"label": [CLASSES[i] for i in train[1]], "split": "train"}))
    config = dataclasses.replace(train_config(section, None), class_weights=weights)
    seed_everything(section["seed"], section["deterministic"])
    model = build_classifier(section["model"], section["weights"], section["dropout"])
    summary = train_classifier(model, train, val, config, EpochPrinter())
    history = summary["history"]
    return predict_probabilities(model, score_images), {
        "best_epoch": summary["best_epoch"], "epochs_run": summary["epochs_run"],
        "train_accuracy": round(history["train_accuracy"][summary["best_epoch"] - 1], 4),
        "val_accuracy": round(summary["best_val_accuracy"], 4),
        "seconds": round(sum(history["seconds"]), 1),
    }


def run_arm(arm: dict, section: dict, train_rows: pd.DataFrame, val_rows: pd.DataFrame, score_rows: pd.DataFrame,
            baseline_rows: pd.DataFrame, features: dict[str, np.ndarray] | None = None) -> tuple[dict, pd.DataFrame]:
    """Train `arm` ({classifier: cnn | classical}) on train_rows (the CNN monitors on val_rows), score score_rows.
    The majority baseline is the most common class of baseline_rows (the real patches of the training films).
    `features` (path -> classical features) saves computing them. Returns the result and the per-patch table."""
    from riawelc.learn.classical import train_classical
    from riawelc.metrics.classification import fold_scores, majority_scores

    y_train = train_rows["label"].map(CLASS_INDEX).to_numpy(np.int64)
    y_score = score_rows["label"].map(CLASS_INDEX).to_numpy(np.int64)
    if arm["classifier"] == "classical":
        if features is not None:
            pair = (np.stack([features[p] for p in train_rows["path"]]), np.stack([features[p] for p in score_rows["path"]]))
            probabilities, summary = train_classical((None, y_train), None, section["seed"], pair)
        else:
            _, x_train, _ = load_split(train_rows, None)
            _, x_score, _ = load_split(score_rows, None)
            probabilities, summary = train_classical((x_train, y_train), x_score, section["seed"])
    else:
        _, x_train, _ = load_split(train_rows, None)
        _, x_score, _ = load_split(score_rows, None)
        _, x_val, y_val = load_split(val_rows, None)
        probabilities, summary = train_cnn(section, (x_train, y_train), (x_val, y_val), x_score)
    predicted = probabilities.argmax(axis=1)
    table = pd.DataFrame({"file": [Path(f).name for f in score_rows["path"]], "film": score_rows["radiograph"].to_list(),
                          "true": [CLASSES[i] for i in y_score], "predicted": [CLASSES[i] for i in predicted]})
    table = table.join(pd.DataFrame(probabilities.round(4), columns=[f"p_{name}" for name in CLASSES]))
    baseline = baseline_rows["label"].map(CLASS_INDEX).to_numpy(np.int64)
    return {"films": sorted(set(score_rows["radiograph"])),
            "monitor_films": sorted(set(val_rows["radiograph"])) if arm["classifier"] == "cnn" else [],
            "train_films": sorted(set(train_rows["radiograph"])), "train_images": int(len(y_train)),
            "model": fold_scores(y_score, predicted), "majority": majority_scores(baseline, y_score),
            "training": summary}, table
