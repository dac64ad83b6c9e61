"""Stage cells: the inspector's level on every tabled film. Each 1 cm cell is called defect when a kept region's
centre lies in it (and given the classes of its regions); scored against real-values.xls under film-grouped CV
(folds x seeds): the detector (its rejector never saw the scored film: stages.realfilms.detection.held_out_detector,
neither its mask nor its table cells), the black top-hat with its level and smallest
area chosen on the training folds the same way, the every-cell predictor, and the hand masks (the table's own
cap), and the learned cell model the inspection ships (riawelc.inspect.cells; its C and threshold chosen inside
each fold). Per class, a component classifier learned on the training folds' cells that hold one class names each
kept region (the detector's rule) and each defect cell's largest candidate (the cell model's calls). Writes
results-real/realfilms/cells.json, and the candidates and cell features of every film (realfilms/out/cells) for the
model stage. `python -m stages.realfilms.cells`.
"""

from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import DEFECT_CLASSES
from riawelc.films.cells import cell_truth, cells_hit, every_cell_scores, precision_recall_f1
from riawelc.films.flawtable import read_flaw_table
from riawelc.films.tree import find_table
from riawelc.images import BadImage
from riawelc.inspect.candidates import COMPONENT_FEATURES, black_tophat
from riawelc.inspect.cells import cell_classes, cell_features
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from riawelc.learn.detector import BoostingParams, fit_ensemble
from riawelc.metrics.annotated import load_pair
from stages.common import REAL_PARAMS, fail, load_params, write_json
from stages.realfilms import OUT, RESULTS, TREES_RULES
from stages.realfilms.cellmodel import choose_and_fit
from stages.realfilms.detection import CELLS_RULES, films_to_score, held_out_detector
from stages.realfilms.rules import MASKED_RULES

TOPHAT_SIZE = 25  # px: the library's top-hat baseline (riawelc.metrics.film.TOPHAT_KERNEL)


def component_rows(film, detector: Detector, settings: FilmSettings, levels, cells: np.ndarray) -> dict:
    """Per film: the detector's candidates (centre x, probability, features), the top-hat's components per level,
    and the features of `cells` for the learned cell model."""
    seam, region, note = inspected_band(film, settings)
    detection = detector.detect(film, seam, region)
    sigma = detection.candidates.smooth  # the top-hat sees the film as the detector does
    hat = black_tophat(film, TOPHAT_SIZE, sigma)
    if region is not None:
        hat = np.where(region, hat, 0)
    tophat = {}
    for level in levels:
        count, _, stats, centres = cv2.connectedComponentsWithStats((hat > level).astype(np.uint8), connectivity=8)
        tophat[level] = (centres[1:, 0], stats[1:, cv2.CC_STAT_AREA])
    x = detection.candidates.centres()[:, 0] if len(detection.candidates) else np.zeros(0)
    count = max(int(cells.max(initial=0)), 1)
    per_cell = cell_features(film, sigma, seam, region, x, detection.probability, detection.candidates.features,
                             count)[cells - 1]
    return {"x": x, "area": detection.candidates.features[:, 0], "probability": detection.probability,
            "features": detection.candidates.features, "tophat": tophat, "region": note, "cell_features": per_cell}


def predict_cells(cells: np.ndarray, xs: np.ndarray, keep: np.ndarray) -> np.ndarray:
    hit = set(cells_hit(xs[keep]).tolist())
    return np.array([c in hit for c in cells], bool)


def main() -> None:
    trees = load_params("trees", TREES_RULES, REAL_PARAMS)
    masked_root = load_params("masked", MASKED_RULES, REAL_PARAMS)["root"]
    p = load_params("cells", CELLS_RULES, REAL_PARAMS)
    films_dir = Path(trees["films"])
    try:
        table = read_flaw_table(find_table(films_dir))
        paths, masks = films_to_score(films_dir, masked_root)
    except ValueError as error:
        fail(str(error))
    final = Detector.load(OUT / "masked" / "detector-all.json")
    settings = FilmSettings(source="candidates")
    data, notes, left_other = {}, [], 0
    for name in sorted(table.films):
        flaws = table.films[name]
        if flaws.unusable:
            notes.append(f"{name}: left out, the table's rows are unusable ({flaws.unusable})")
            continue
        if name not in paths:
            notes.append(f"{name}: in the table, not in the folder (reserved or missing)")
            continue
        if all(v is None for v in cell_truth(flaws, 1).values()) and flaws.max_cells:
            notes.append(f"{name}: left out, every cell holds only flaws outside the four classes")
            left_other += flaws.max_cells
            continue
        truth = None
        try:
            film = read_film(paths[name])
        except BadImage as error:  # a film the inspection cannot read: every cell predicted clean
            notes.append(f"{name}: unreadable ({error}); all its cells count as missed")
            film = None
        width = film.shape[1] if film is not None else 0
        labels = cell_truth(flaws, width)
        left_other += sum(v is None for v in labels.values())
        cells = np.array([c for c, v in labels.items() if v is not None], np.int64)
        if film is not None:
            detector = held_out_detector(OUT / "masked", name, final)
            rows = component_rows(film, detector, settings, p["tophat_levels"], cells)
        else:
            rows = {"x": np.zeros(0), "area": np.zeros(0), "probability": np.zeros(0),
                    "features": np.zeros((0, len(COMPONENT_FEATURES))),
                    "tophat": {lv: (np.zeros(0), np.zeros(0)) for lv in p["tophat_levels"]},
                    "region": "unreadable", "cell_features": None}
        if name in masks:
            truth = load_pair(masks[name])[1]
        data[name] = {"cells": cells, "classes": [labels[c] for c in cells], "rows": rows, "truth": truth,
                      "cell_of_candidate": cells_hit(rows["x"]) if len(rows["x"]) else np.zeros(0, np.int64)}
        print(f"{name}: {len(cells)} cells ({sum(bool(labels[c]) for c in cells)} defect), "
              f"{len(rows['x'])} candidates, {rows['region']}", flush=True)
    names = sorted(data)
    true = {n: np.array([bool(c) for c in data[n]["classes"]], bool) for n in names}

    def detector_cells(n, point):
        threshold, area = point
        r = data[n]["rows"]
        return predict_cells(data[n]["cells"], r["x"], (r["probability"] > threshold) & (r["area"] >= area))

    def tophat_cells(n, point):
        level, area = point
        xs, areas = data[n]["rows"]["tophat"][level]
        return predict_cells(data[n]["cells"], xs, areas >= area)

    methods = {"detector": ([(t, a) for t in p["thresholds"] for a in p["min_areas"]], detector_cells),
               "tophat": ([(lv, a) for lv in p["tophat_levels"] for a in p["min_areas"]], tophat_cells)}
    boosting = BoostingParams(p["class_estimators"], 0.05, 7, 10)
    results, per_class = {}, {c: [] for c in DEFECT_CLASSES}
    for method, (grid, predict) in methods.items():
        runs = []
        for seed in p["seeds"]:
            order = np.random.default_rng(seed).permutation(names)
            folds = [sorted(order[k::p["folds"]]) for k in range(p["folds"])]
            predicted, truths, chosen = [], [], []
            class_hits = {c: ([], []) for c in DEFECT_CLASSES}
            for fold in folds:
                train = [n for n in names if n not in fold]
                cache = {(n, point): predict(n, point) for n in train for point in grid}
                best = max(grid, key=lambda point: (precision_recall_f1(
                    np.concatenate([cache[(n, point)] for n in train]),
                    np.concatenate([true[n] for n in train]))["f1"], point))
                chosen.append(list(best))
                for n in fold:
                    predicted.append(predict(n, best))
                    truths.append(true[n])
                if method == "detector":
                    classify_fold(data, train, fold, best, boosting, seed, class_hits)
            runs.append({"seed": seed, "chosen": chosen,
                         **precision_recall_f1(np.concatenate(predicted), np.concatenate(truths))})
            if method == "detector":
                for c, (pred, tru) in class_hits.items():
                    per_class[c].append(precision_recall_f1(np.concatenate(pred), np.concatenate(tru)))
        f1 = [r["f1"] for r in runs]
        results[method] = {"f1_mean": round(float(np.mean(f1)), 4), "f1_min": min(f1), "f1_max": max(f1),
                           "precision_mean": round(float(np.mean([r["precision"] for r in runs])), 4),
                           "recall_mean": round(float(np.mean([r["recall"] for r in runs])), 4), "runs": runs}
    results["cell_model"], cell_model_classes = cell_model_runs(data, names, true, p, final.threshold, boosting)
    all_true = np.concatenate([true[n] for n in names])
    results["every_cell"] = every_cell_scores(all_true)
    results["hand_masks"] = hand_mask_cap(data)
    classes_true = {c: np.concatenate([[c in k for k in data[n]["classes"]] for n in names]) for c in DEFECT_CLASSES}
    summary = {"films": len(names), "cells": int(len(all_true)), "defect_cells": int(all_true.sum()),
               "prevalence": round(float(all_true.mean()), 4), "cells_left_out_other_flaws": left_other,
               "folds": p["folds"], "seeds": p["seeds"], "notes": notes,
               "defect_vs_none": results,
               "per_class": {c: {"detector_f1_mean": round(float(np.mean([r["f1"] for r in per_class[c]])), 4),
                                 "cell_model_f1_mean": round(float(np.mean([r["f1"]
                                                                            for r in cell_model_classes[c]])), 4),
                                 "detector_runs": per_class[c], "cell_model_runs": cell_model_classes[c],
                                 "every_cell": every_cell_scores(classes_true[c])}
                             for c in DEFECT_CLASSES},
               "films_scored": {n: {"cells": len(data[n]["cells"]), "defect_cells": int(true[n].sum()),
                                    "region": data[n]["rows"]["region"]} for n in names}}
    write_json(RESULTS / "cells.json", summary)
    out = OUT / "cells"
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "candidates.npz", **{f"{n}/{k}": data[n]["rows"][k] for n in names
                                                   for k in ("x", "probability", "features")},
                        **{f"{n}/cell_features": data[n]["rows"]["cell_features"] for n in names
                           if data[n]["rows"]["cell_features"] is not None},
                        **{f"{n}/cell_truth": true[n] for n in names},
                        **{f"{n}/cell_of_candidate": data[n]["cell_of_candidate"] for n in names},
                        **{f"{n}/cells": data[n]["cells"] for n in names},
                        **{f"{n}/cell_classes": np.array(["|".join(sorted(k)) for k in data[n]["classes"]])
                           for n in names})
    print(f"{len(names)} films, {len(all_true)} cells, prevalence {all_true.mean():.3f}; F1 detector "
          f"{results['detector']['f1_mean']:.3f}, top-hat {results['tophat']['f1_mean']:.3f}, every cell "
          f"{results['every_cell']['f1']:.3f}, learned cell model {results['cell_model']['f1_mean']:.3f}, hand masks "
          f"{results['hand_masks'].get('f1', float('nan')):.3f}")
    for c in DEFECT_CLASSES:
        print(f"  {c}: detector F1 {summary['per_class'][c]['detector_f1_mean']:.3f}, cell model "
              f"{summary['per_class'][c]['cell_model_f1_mean']:.3f}, every cell "
              f"{summary['per_class'][c]['every_cell']['f1']:.3f}")


def cell_model_runs(data, names, true, p, keep_threshold, boosting) -> tuple[dict, dict]:
    """The inspection's own cell calls (riawelc.inspect.cells) on the same folds and seeds: the cell model with its
    C and threshold chosen inside each fold's training films, and each defect cell classed by its largest
    candidate through a component classifier trained on the fold's training films (on their candidates above
    `keep_threshold` in cells of one class, as the model stage trains the shipped one). An unreadable film is
    never trained on and has every cell missed. Returns (defect versus none, per class runs)."""
    readable = {n: (data[n]["rows"]["cell_features"], true[n]) for n in names
                if data[n]["rows"]["cell_features"] is not None}
    runs, class_runs = [], {c: [] for c in DEFECT_CLASSES}
    for seed in p["seeds"]:
        order = np.random.default_rng(seed).permutation(names)
        folds = [sorted(order[k::p["folds"]]) for k in range(p["folds"])]
        predicted, truths, chosen = [], [], []
        called = {c: ([], []) for c in DEFECT_CLASSES}
        for fold in folds:
            train = [n for n in names if n not in fold and n in readable]
            model, c, threshold = choose_and_fit(readable, train, p["cell_model_cs"], seed)
            x, y = single_class_rows(data, train, keep_threshold, 0)
            classifier = (fit_ensemble(x, y, None, list(DEFECT_CLASSES), list(COMPONENT_FEATURES), seed, boosting)
                          if len(set(y.tolist())) == len(DEFECT_CLASSES) else None)
            chosen.append([c, threshold])
            for n in fold:
                r = data[n]["rows"]
                defect = (model.predict_proba(readable[n][0])[:, 1] > threshold if n in readable
                          else np.zeros(len(true[n]), bool))
                class_probabilities = (classifier.probabilities(r["features"]) if classifier is not None
                                       and len(r["features"]) else None)
                names_called = cell_classes(data[n]["cells"], defect, data[n]["cell_of_candidate"], r["area"],
                                            class_probabilities)
                predicted.append(defect)
                truths.append(true[n])
                for cls in DEFECT_CLASSES:
                    called[cls][0].append(np.array([k == cls for k in names_called], bool))
                    called[cls][1].append(np.array([cls in k for k in data[n]["classes"]], bool))
        runs.append({"seed": seed, "chosen": chosen,
                     **precision_recall_f1(np.concatenate(predicted), np.concatenate(truths))})
        for cls, (pred, tru) in called.items():
            class_runs[cls].append(precision_recall_f1(np.concatenate(pred), np.concatenate(tru)))
    f1 = [r["f1"] for r in runs]
    return ({"f1_mean": round(float(np.mean(f1)), 4), "f1_min": min(f1), "f1_max": max(f1),
             "precision_mean": round(float(np.mean([r["precision"] for r in runs])), 4),
             "recall_mean": round(float(np.mean([r["recall"] for r in runs])), 4), "runs": runs}, class_runs)


def single_class_rows(data, names, threshold, area):
    """Features and class index of the kept candidates lying in cells the table gives exactly one class."""
    xs, ys = [], []
    for n in names:
        r = data[n]["rows"]
        classes = dict(zip(data[n]["cells"].tolist(), data[n]["classes"]))
        keep = (r["probability"] > threshold) & (r["area"] >= area)
        for features, cell in zip(r["features"][keep], data[n]["cell_of_candidate"][keep]):
            found = classes.get(int(cell))
            if found and len(found) == 1:
                xs.append(features)
                ys.append(DEFECT_CLASSES.index(next(iter(found))))
    return np.array(xs).reshape(-1, len(COMPONENT_FEATURES)), np.array(ys, np.int64)


def classify_fold(data, train, fold, best, boosting, seed, class_hits) -> None:
    """Per class: which scored cells hold a kept region of that class, against the table."""
    threshold, area = best
    x, y = single_class_rows(data, train, threshold, area)
    model = None
    if len(set(y.tolist())) == len(DEFECT_CLASSES):
        model = fit_ensemble(x, y, None, list(DEFECT_CLASSES), list(COMPONENT_FEATURES), seed, boosting)
    for n in fold:
        r = data[n]["rows"]
        keep = (r["probability"] > threshold) & (r["area"] >= area)
        if model is not None and keep.any():
            label = np.argmax(model.probabilities(r["features"][keep]), axis=1)
        else:
            label = np.zeros(int(keep.sum()), np.int64)
        kept_cells = data[n]["cell_of_candidate"][keep]
        for k, c in enumerate(DEFECT_CLASSES):
            hit = set(kept_cells[label == k].tolist())
            class_hits[c][0].append(np.array([cell in hit for cell in data[n]["cells"]], bool))
            class_hits[c][1].append(np.array([c in classes for classes in data[n]["classes"]], bool))


def hand_mask_cap(data) -> dict:
    """The hand masks scored as an inspection (a cell is defect when any mask pixel lies in it): what the table's
    gaps leave for any method to score."""
    predicted, truths, films = [], [], []
    for n, d in data.items():
        if d["truth"] is None:
            continue
        columns = np.flatnonzero(d["truth"].any(axis=0))
        hit = set(cells_hit(columns).tolist())
        predicted.append(np.array([c in hit for c in d["cells"]], bool))
        truths.append(np.array([bool(k) for k in d["classes"]], bool))
        films.append(n)
    if not films:
        return {"films": []}
    return {"films": films, **precision_recall_f1(np.concatenate(predicted), np.concatenate(truths))}


if __name__ == "__main__":
    main()
