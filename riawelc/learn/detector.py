"""Training the real-film detector (riawelc.inspect.detector): a gradient-boosted candidate rejector learned from
hand-masked films, its extent level and threshold chosen by cross-fit between training films (never on the film
it scores), and a component classifier learned from the flaw table's cells.

Cross-fit: with training films A and B, a rejector trained on A scores B's candidates and one trained on B scores
A's; the (extent, threshold, peak share) with the best mean of the two films' Dice wins. The mean, not the pooled
Dice: a film with many defect pixels (bam5) would otherwise make the choice alone.

The flaw table can teach the rejector too (`TabledFilm`; research/issue16/session9/REPORT.md): in the 1 cm cells of
the tabled films, every candidate of a clean cell is a (noisy) false example, and in each defect cell the candidate
that the hand-masked films' models rank first is a true one (a defect cell holds at least one true candidate). These
rows train one more bagged model beside the masked films'.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

from riawelc.inspect.candidates import (COMPONENT_FEATURES, Candidates, CandidateSettings, black_tophat,
                                        find_candidates)
from riawelc.inspect.detector import Detector
from riawelc.inspect.trees import Tree, TreeEnsemble


@dataclass(frozen=True)
class BoostingParams:
    estimators: int = 200
    learning_rate: float = 0.05
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 20


def to_ensemble(model: GradientBoostingClassifier, classes: list[str], features: list[str]) -> TreeEnsemble:
    """scikit-learn's fitted GradientBoostingClassifier as a numpy TreeEnsemble (checked to agree)."""
    stages = []
    for row in model.estimators_:
        stage = []
        for regressor in row:
            t = regressor.tree_
            stage.append(Tree(t.feature.astype(np.int64), t.threshold.astype(np.float64),
                              t.children_left.astype(np.int64), t.children_right.astype(np.int64),
                              t.value[:, 0, 0].astype(np.float64)))
        stages.append(stage)
    k = len(stages[0])
    probe = np.zeros((1, len(features)))
    raw = model.decision_function(probe).reshape(1, -1)
    trees_at_probe = np.array([sum(stage[j].predict(probe)[0] for stage in stages) for j in range(k)])
    baseline = raw[0] - model.learning_rate * trees_at_probe  # the prior's log-odds, from public outputs only
    return TreeEnsemble(list(classes), list(features), baseline, float(model.learning_rate), stages)


def fit_ensemble(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None, classes: list[str], features: list[str],
                 seed: int, params: BoostingParams = BoostingParams()) -> TreeEnsemble:
    """Fit gradient boosting on (x, y) (y: indices into `classes`) and return it as a TreeEnsemble whose decision
    values equal scikit-learn's on the training rows."""
    y = np.asarray(y, np.int64)
    present = np.unique(y)
    if len(present) < 2:
        raise ValueError("need examples of at least two classes to learn from, got only "
                         f"{[classes[i] for i in present]}")
    model = GradientBoostingClassifier(n_estimators=params.estimators, learning_rate=params.learning_rate,
                                       max_leaf_nodes=params.max_leaf_nodes, min_samples_leaf=params.min_samples_leaf,
                                       random_state=seed)
    model.fit(x, y, sample_weight=weights)
    if list(model.classes_) != list(range(len(classes))):
        raise ValueError(f"every class must occur in training: got {[classes[i] for i in model.classes_]} "
                         f"of {classes}")
    ensemble = to_ensemble(model, classes, features)
    ours, theirs = ensemble.decision(x), model.decision_function(x).reshape(len(x), -1)
    if not np.allclose(ours, theirs, rtol=1e-9, atol=1e-9):
        raise AssertionError(f"numpy trees disagree with scikit-learn by {np.abs(ours - theirs).max():g}")
    return ensemble


def balanced_weights(labels: list[np.ndarray]) -> np.ndarray:
    """Per film, its positives and its negatives each weigh half a film: scores that transfer between films whose
    defect prevalences differ 50-fold (174 of 1,300 candidates true on one film, 37 of 1,306 on another)."""
    out = [np.where(y, 0.5 / max(int(y.sum()), 1), 0.5 / max(int((~y).sum()), 1)) for y in labels]
    weights = np.concatenate(out)
    return weights * len(weights) / weights.sum()


@dataclass(frozen=True)
class TabledFilm:
    """One tabled film's candidates and what the flaw table says of them: `cells` (n,) the 1 cm cell of each
    candidate's centre, `defect` cell -> True (a defect cell) or False (clean); cells absent from it are unlabelled."""

    name: str
    features: np.ndarray
    cells: np.ndarray
    defect: dict[int, bool]


def table_rows(tabled: list[TabledFilm], scorer: TreeEnsemble) -> tuple[np.ndarray, np.ndarray]:
    """Rows the flaw table labels: every candidate in a clean cell false; in each defect cell, the candidate that
    `scorer` ranks most probable true (multiple-instance: the cell holds at least one, and which is unknown)."""
    xs, ys = [np.zeros((0, len(COMPONENT_FEATURES)))], [np.zeros(0, bool)]
    for film in tabled:
        if not len(film.features):
            continue
        score = scorer.probabilities(film.features)[:, 1]
        for cell, defect in film.defect.items():
            inside = np.flatnonzero(film.cells == cell)
            if len(inside):
                chosen = inside[[int(np.argmax(score[inside]))]] if defect else inside
                xs.append(film.features[chosen])
                ys.append(np.full(len(chosen), defect))
    return np.concatenate(xs), np.concatenate(ys)


def train_rejector(parts: list[tuple[Candidates, np.ndarray]], seed: int,
                   params: BoostingParams = BoostingParams(), tabled: list[TabledFilm] = ()) -> TreeEnsemble:
    """A rejector from the candidates of some films and their truth masks (a candidate is true when it touches the
    mask): one model per film, their decision values averaged (film bagging). A model trained on one film scores
    the other training film during cross-fit, so the shipped rejector's probabilities are on the same scale as
    those its threshold was chosen on; a model trained on the films pooled is more confident and its threshold
    would not transfer (research: bag 0.638 against pooled 0.619 mean Dice,
    results-real/realfilms/masked-variants.jsonl). `tabled`: see TabledFilm."""
    if not parts:
        raise ValueError("no films to train the rejector on")
    models = [_film_rejector(candidates, truth, seed, params) for candidates, truth in parts]
    if tabled:
        x, y = table_rows(list(tabled), average_ensembles(models))
        if y.all() or not y.any():
            raise ValueError(f"the tabled films give {int(y.sum())} true and {int((~y).sum())} false candidates: "
                             "learning from the table needs both clean and defect cells with candidates")
        models.append(fit_ensemble(x, y.astype(np.int64), balanced_weights([y]), ["false", "true"],
                                   list(COMPONENT_FEATURES), seed, params))
    return average_ensembles(models)


def _film_rejector(candidates: Candidates, truth: np.ndarray, seed: int, params: BoostingParams) -> TreeEnsemble:
    labels = candidates.touching(truth)
    if labels.all() or not labels.any():
        raise ValueError(f"a training film needs true and false candidates, got {int(labels.sum())} true of "
                         f"{len(labels)}")
    return fit_ensemble(candidates.features, labels.astype(np.int64), balanced_weights([labels]), ["false", "true"],
                        list(COMPONENT_FEATURES), seed, params)


def average_ensembles(models: list[TreeEnsemble]) -> TreeEnsemble:
    """One ensemble whose decision value is the mean of the models' (same classes, features and shape)."""
    first = models[0]
    if any(m.classes != first.classes or m.features != first.features for m in models):
        raise ValueError("only ensembles over the same classes and features can be averaged")
    if len({m.learning_rate for m in models}) != 1:
        raise ValueError("only ensembles with one learning rate can be averaged")
    return TreeEnsemble(first.classes, first.features, np.mean([m.baseline for m in models], axis=0),
                        first.learning_rate / len(models), [stage for m in models for stage in m.stages])


def dice(pred: np.ndarray, truth: np.ndarray) -> float:
    total = int(pred.sum()) + int(truth.sum())
    return 2.0 * int(np.logical_and(pred, truth).sum()) / total if total else 1.0


@dataclass
class Choice:
    extent: float
    threshold: float
    crossfit_dice: float
    grid: dict  # "extent/threshold/peak share" -> mean cross-fit Dice
    peak_share: float = 0.0


def choose_by_crossfit(films: dict[str, tuple[np.ndarray, np.ndarray]], candidates: dict[float, dict[str, Candidates]],
                       thresholds: list[float], seed: int, params: BoostingParams = BoostingParams(),
                       peak_shares: list[float] = (0.0,), hats: dict[str, np.ndarray] | None = None,
                       min_area: int = 1, tabled: dict[float, list[TabledFilm]] | None = None) -> Choice:
    """The (extent, threshold, peak share) with the best mean cross-fit Dice over the given training films (two or
    more: each film is scored by a rejector trained on the others). `candidates` are drawn whole (peak share 0);
    a share above 0 needs each film's top-hat (`hats`) to draw them at that share (pieces under `min_area` px
    dropped, as find_candidates draws them). With `tabled` (per extent), each rejector learns from the tabled films
    too, but never from the scored film's own cells."""
    names = list(films)
    if len(names) < 2:
        raise ValueError("cross-fit needs at least two training films")
    if any(share > 0 for share in peak_shares) and hats is None:
        raise ValueError("peak shares above 0 need the films' top-hats")
    scores = {}  # (extent, threshold, share) -> mean cross-fit Dice
    for extent, per_film in candidates.items():
        probabilities = {}
        for name in names:
            others = [(per_film[o], films[o][1]) for o in names if o != name]
            table = [t for t in (tabled or {}).get(extent, []) if t.name != name]
            rejector = train_rejector(others, seed, params, table)
            probabilities[name] = rejector.probabilities(per_film[name].features)[:, 1]
        for share in peak_shares:
            drawn = {n: per_film[n].drawn_at(hats[n], share, min_area) if share > 0 else per_film[n] for n in names}
            for threshold in thresholds:
                dices = [dice(drawn[n].mask(probabilities[n] > threshold) > 0, films[n][1]) for n in names]
                scores[(extent, threshold, share)] = round(float(np.mean(dices)), 6)
    # ties: higher levels (fewer alarms), then the smaller share (the simpler outline)
    best = max(scores, key=lambda key: (scores[key], key[0], key[1], -key[2]))
    grid = {f"{extent:g}/{threshold:g}/{share:g}": dice_ for (extent, threshold, share), dice_ in scores.items()}
    extent, threshold, share = (float(v) for v in best)
    return Choice(extent, threshold, scores[best], grid, share)


def film_candidates(films: dict[str, tuple[np.ndarray, np.ndarray]], settings: CandidateSettings,
                    extents: list[float], seams: dict | None = None) -> dict[float, dict[str, Candidates]]:
    """Candidates of every film at every extent level."""
    seams = seams or {}
    return {extent: {name: find_candidates(film, replace(settings, extent=extent, peak=max(settings.peak, extent)),
                                           seams.get(name))
                     for name, (film, _) in films.items()}
            for extent in extents}


def build_detector(films: dict[str, tuple[np.ndarray, np.ndarray]], settings: CandidateSettings, extents: list[float],
                   thresholds: list[float], seed: int, params: BoostingParams = BoostingParams(),
                   seams: dict | None = None, candidates: dict | None = None,
                   peak_shares: list[float] = (0.0,),
                   tabled: dict[float, list[TabledFilm]] | None = None) -> tuple[Detector, Choice]:
    """Choose extent, threshold and peak share by cross-fit on `films`, then train the rejector on all of them (on
    whole candidates: `settings.peak_share` is replaced by the chosen share), and on `tabled` (per extent) if given."""
    settings = replace(settings, peak_share=0.0)
    candidates = candidates or film_candidates(films, settings, extents, seams)
    hats = None
    if any(share > 0 for share in peak_shares):
        first = candidates[extents[0]]  # a film's smoothing does not depend on the extent
        hats = {n: black_tophat(films[n][0], settings.size, first[n].smooth) for n in films}
    choice = choose_by_crossfit(films, candidates, thresholds, seed, params, peak_shares, hats, settings.min_area,
                                tabled)
    per_film = candidates[choice.extent]
    rejector = train_rejector([(per_film[n], films[n][1]) for n in films], seed, params,
                              (tabled or {}).get(choice.extent, []))
    chosen = replace(settings, extent=choice.extent, peak=max(settings.peak, choice.extent), threshold=choice.threshold,
                     peak_share=choice.peak_share)
    return Detector(chosen, rejector), choice
