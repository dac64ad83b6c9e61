"""Training the learned cell model (riawelc.inspect.cells) from the flaw table: a logistic regression on the cells'
features whose C and decision threshold are chosen on the training films by an inner film-grouped CV. The cells
stage scores it in film CV (its `cell_model` row: the inspection's own cell calls); the model stage fits the one
that ships in detector.json on every tabled film. scikit-learn stays here: the shipped model is plain numbers.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from riawelc.films.cells import precision_recall_f1
from riawelc.inspect.cells import CellModel

INNER_FOLDS = 4
THRESHOLDS = np.round(np.arange(0.1, 0.91, 0.05), 2)


class _Constant:
    """What training cells of one class only teach: that class's probability for every cell."""

    def __init__(self, p: float):
        self.p = p

    def predict_proba(self, x):
        return np.tile([1.0 - self.p, self.p], (len(x), 1))


def logistic(c: float):
    """The shipped kind: standardised features, a logistic regression of inverse regularisation c."""
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))


def _fit(x, y, c, make=logistic):
    if len(np.unique(y)) < 2:
        return _Constant(float(np.mean(y)) if len(y) else 0.0)
    return make(c).fit(x, y)


def _stack(cells: dict, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    first = next(iter(cells.values()))[0]
    return (np.concatenate([first[:0]] + [cells[n][0] for n in names]),
            np.concatenate([np.zeros(0, bool)] + [cells[n][1] for n in names]))


def choose_and_fit(cells: dict, train: list[str], cs: list[float], seed: int, make=logistic):
    """(model, C, threshold): C and threshold by pooled F1 of an inner film-grouped CV on `train`, then the model
    fitted on all of `train`. cells: name -> (features, truth); make(C): an unfitted estimator (research probes
    try other kinds; the inspection ships `logistic`)."""
    order = np.random.default_rng(seed + 1000).permutation(train)
    inner = [sorted(order[k::INNER_FOLDS]) for k in range(INNER_FOLDS)]
    best = (-1.0, cs[0], 0.5)  # too few training films to choose: the first C, threshold 0.5
    for c in cs:
        scored, truth = [], []
        for fold in (f for f in inner if f and len(f) < len(train)):
            model = _fit(*_stack(cells, [n for n in train if n not in fold]), c, make)
            scored += [model.predict_proba(cells[n][0])[:, 1] for n in fold]
            truth += [cells[n][1] for n in fold]
        if not scored:
            continue
        scored, truth = np.concatenate(scored), np.concatenate(truth)
        for t in THRESHOLDS:
            f1 = precision_recall_f1(scored > t, truth)["f1"]
            if f1 > best[0]:
                best = (f1, c, float(t))
    _, c, t = best
    return _fit(*_stack(cells, train), c, make), c, t


def as_cell_model(fitted, threshold: float) -> CellModel:
    """The fitted scaler + logistic regression as the numpy CellModel the inspection runs."""
    if isinstance(fitted, _Constant):
        raise ValueError("the training cells hold one class only: no cell model to ship")
    scaler, logistic = fitted[0], fitted[-1]
    return CellModel(scaler.mean_, scaler.scale_, logistic.coef_[0], float(logistic.intercept_[0]), threshold)
