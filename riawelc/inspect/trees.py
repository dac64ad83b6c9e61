"""A gradient-boosted tree ensemble evaluated in plain numpy, stored as JSON: how a learned rule ships to the
service without scikit-learn (riawelc.learn.detector converts scikit-learn's GradientBoostingClassifier into it, and
checks that both give the same decision values).

decision(x)[k] = baseline[k] + learning_rate * sum over stages of tree[stage][k](x); a tree sends x left when
x[feature] <= threshold, compared in float32 as scikit-learn does. Two classes: P(class 1) = sigmoid(decision);
more: softmax.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = "riawelc-trees-1"


class TreesError(ValueError):
    """A tree file that cannot be used; the message names the problem."""


@dataclass
class Tree:
    feature: np.ndarray  # (nodes,) int: split feature, -1 at a leaf
    threshold: np.ndarray  # (nodes,) float64
    left: np.ndarray  # (nodes,) int: child node, -1 at a leaf
    right: np.ndarray
    value: np.ndarray  # (nodes,) float64: the leaf's value

    def predict(self, x: np.ndarray) -> np.ndarray:
        node = np.zeros(len(x), np.int64)
        rows = np.arange(len(x))
        for _ in range(len(self.feature)):
            split = self.left[node] >= 0
            if not split.any():
                break
            go_left = x[rows, np.maximum(self.feature[node], 0)] <= self.threshold[node]
            node = np.where(split, np.where(go_left, self.left[node], self.right[node]), node)
        return self.value[node]

    def as_dict(self) -> dict:
        return {"feature": self.feature.tolist(), "threshold": self.threshold.tolist(), "left": self.left.tolist(),
                "right": self.right.tolist(), "value": self.value.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> "Tree":
        arrays = [np.asarray(data[key]) for key in ("feature", "threshold", "left", "right", "value")]
        if len({len(a) for a in arrays}) != 1 or not len(arrays[0]):
            raise TreesError("a tree's arrays must be non-empty and of one length")
        nodes = len(arrays[0])
        for child in arrays[2:4]:
            if child.max() >= nodes or child.min() < -1:
                raise TreesError("a tree's child index is out of range")
        return cls(arrays[0].astype(np.int64), arrays[1].astype(np.float64), arrays[2].astype(np.int64),
                   arrays[3].astype(np.int64), arrays[4].astype(np.float64))


@dataclass
class TreeEnsemble:
    classes: list[str]  # what each probability column means (two classes: column 1 is the positive one)
    features: list[str]  # the input columns, in order
    baseline: np.ndarray  # (K,) K = 1 for two classes, else the class count
    learning_rate: float
    stages: list[list[Tree]]  # stages x K trees

    def decision(self, x: np.ndarray) -> np.ndarray:
        """(n, F) -> (n, K) raw decision values."""
        x = np.asarray(x, np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise TreesError(f"expected (n, {len(self.features)}) features, got shape {x.shape}")
        x = x.astype(np.float32).astype(np.float64)  # scikit-learn compares float32 inputs with float64 thresholds
        out = np.tile(self.baseline, (len(x), 1)).astype(np.float64)
        for stage in self.stages:
            for k, tree in enumerate(stage):
                out[:, k] += self.learning_rate * tree.predict(x)
        return out

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """(n, len(classes)) class probabilities."""
        raw = self.decision(x)
        if raw.shape[1] == 1:
            positive = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            return np.stack([1.0 - positive, positive], axis=1)
        raw = raw - raw.max(axis=1, keepdims=True)
        exp = np.exp(raw)
        return exp / exp.sum(axis=1, keepdims=True)

    def as_dict(self) -> dict:
        return {"format": FORMAT, "classes": list(self.classes), "features": list(self.features),
                "baseline": self.baseline.tolist(), "learning_rate": self.learning_rate,
                "stages": [[tree.as_dict() for tree in stage] for stage in self.stages]}

    @classmethod
    def from_dict(cls, data: dict) -> "TreeEnsemble":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise TreesError(f"not a tree ensemble of format {FORMAT!r}")
        try:
            classes, features = [str(c) for c in data["classes"]], [str(f) for f in data["features"]]
            baseline = np.asarray(data["baseline"], np.float64)
            stages = [[Tree.from_dict(tree) for tree in stage] for stage in data["stages"]]
            rate = float(data["learning_rate"])
        except (KeyError, TypeError, ValueError) as error:
            raise TreesError(f"malformed tree ensemble: {error}") from None
        k = 1 if len(classes) == 2 else len(classes)
        if len(classes) < 2 or baseline.shape != (k,) or any(len(stage) != k for stage in stages):
            raise TreesError(f"{len(classes)} classes need {k} baseline values and {k} trees per stage")
        if any(tree.feature.max() >= len(features) for stage in stages for tree in stage):
            raise TreesError("a tree splits on a feature the ensemble does not list")
        return cls(classes, features, baseline, rate, stages)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.as_dict()) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "TreeEnsemble":
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as error:
            raise TreesError(f"{path}: cannot read a tree ensemble ({error})") from None
