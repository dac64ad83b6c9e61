"""Stage patches: issue 16's patch figure. A patch classifier on what the detector finds in each 227-px window of the
films tree (its candidates, their P(true defect) and the features of the most likely and the largest kept one),
scored with the classical arm's protocol on the same patches, films and folds: fold k is scored, fold k+1 is left
unused (the CNN arms monitor on it), the other K-2 train; HistGradientBoosting with balanced class weights.
Labels are the flaw table's cell labels of the windows, never the detector's own candidates. The detector never saw
the scored film: the masked stage's all-film detector for W0003 films, its held-out one for RRT-12R and RRT-22R.
Writes results-real/realfilms/patches.json beside the classical and a8 arms' figures on the same folds.
`python -m stages.realfilms.patches`.
"""

import json

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from riawelc.constants import CLASS_INDEX, CLASSES
from riawelc.data.manifests import read_manifest
from riawelc.images import BadImage, read_patch
from riawelc.inspect.candidates import COMPONENT_FEATURES
from riawelc.inspect.detector import Detector, DetectorError
from riawelc.metrics.classification import fold_scores, majority_scores, spread
from stages.common import REAL_PARAMS, fail, load_params, write_json
from stages.realfilms import FOLD_RULES, OUT, RESULTS
from stages.realfilms.detection import held_out_detector
from stages.validation import integer, number

PATCH_RULES = {"seed": integer(0), "max_iter": integer(1), "learning_rate": number(0, 1, low_open=True)}
ARMS = ("classical", "a8")  # the patch classifiers scored on the same folds (stage summary)
WINDOW_FEATURES = (("candidates", "kept_half", "kept_half_px", "kept", "kept_px", "max_probability",
                    "top3_probability", "max_peak_hat", "max_peak_hat_small")
                   + tuple(f"likeliest_{f}" for f in COMPONENT_FEATURES)
                   + tuple(f"largest_{f}" for f in COMPONENT_FEATURES) + ("kept_elongated", "kept_round"))


def window_features(image: np.ndarray, detector: Detector) -> np.ndarray:
    """WINDOW_FEATURES of one window: candidate counts and kept areas (P > 0.5 and P > the detector's threshold),
    the best probabilities, the strongest top-hat peaks, the features of the likeliest candidate and of the largest
    one kept at 0.5, and how many kept ones are elongated (> 3) or round (<= 2)."""
    detection = detector.detect(image)
    features, probability = detection.candidates.features, detection.probability
    if not len(probability):
        return np.zeros(len(WINDOW_FEATURES))
    column = {name: i for i, name in enumerate(COMPONENT_FEATURES)}
    half, kept = probability > 0.5, probability > detector.threshold
    likeliest = int(np.argmax(probability))
    largest = int(np.argmax(np.where(half, features[:, 0], -1.0)))
    elongation = features[:, column["elongation"]]
    return np.concatenate([
        [len(probability), half.sum(), features[half, 0].sum(), kept.sum(), features[kept, 0].sum(),
         probability.max(), np.sort(probability)[-3:].mean(), features[:, column["peak_hat"]].max(),
         features[:, column["peak_hat_small"]].max()],
        features[likeliest], features[largest], [(half & (elongation > 3)).sum(), (half & (elongation <= 2)).sum()]])


def detectors(radiographs) -> dict:
    """radiograph -> the detector that never saw it (a held-out one where the masked stage wrote one)."""
    folder = OUT / "masked"
    try:
        final = Detector.load(folder / "detector-all.json")
        return {name: held_out_detector(folder, name, final) for name in set(radiographs)}
    except DetectorError as error:
        fail(f"{error} (run the masked stage first)")


def main() -> None:
    p = load_params("patches", PATCH_RULES, REAL_PARAMS)
    count = load_params("folds", FOLD_RULES, REAL_PARAMS)["count"]
    manifest = read_manifest(OUT / "split" / "manifest.csv")
    chosen = detectors(manifest["radiograph"])
    rows = []
    for path, radiograph in zip(manifest["path"], manifest["radiograph"]):
        try:
            rows.append(window_features(read_patch(path), chosen[radiograph]))
        except BadImage as error:
            fail(f"{path}: {error}")
    x, y = np.stack(rows), manifest["label"].map(CLASS_INDEX).to_numpy(np.int64)
    folds = manifest["fold"].to_numpy()
    runs, majority, true, predicted = [], [], [], []
    for fold in range(count):
        train, scored = ~np.isin(folds, [fold, (fold + 1) % count]), folds == fold
        model = HistGradientBoostingClassifier(max_iter=p["max_iter"], learning_rate=p["learning_rate"],
                                               class_weight="balanced", random_state=p["seed"])
        model.fit(x[train], y[train])
        probabilities = np.zeros((int(scored.sum()), len(CLASSES)))
        probabilities[:, model.classes_] = model.predict_proba(x[scored])
        runs.append({"fold": fold, **fold_scores(y[scored], probabilities.argmax(axis=1))})
        majority.append(majority_scores(y[train], y[scored]))
        true.append(y[scored])
        predicted.append(probabilities.argmax(axis=1))
        print(f"fold {fold}: macro-F1 {runs[-1]['macro_f1']:.3f} ({int(scored.sum())} patches)", flush=True)
    keys = ("accuracy", "macro_f1", "macro_f1_4")
    arms = {}
    for arm in ARMS:
        stored = json.loads((RESULTS / "cv" / f"{arm}.json").read_text())
        arms[arm] = {key: stored["model"][key] for key in keys}
    results = {"protocol": "the classical arm's: fold k scored, fold k+1 unused, the other K-2 train; the detector "
                           "never saw the scored film; labels from the flaw table's cells",
               "features": list(WINDOW_FEATURES), "patches": int(len(y)),
               "model": {key: spread([run[key] for run in runs]) for key in keys},
               "majority": {key: spread([run[key] for run in majority]) for key in keys},
               "same_folds": arms,
               "pooled": fold_scores(np.concatenate(true), np.concatenate(predicted)), "runs": runs}
    write_json(RESULTS / "patches.json", results)
    model = results["model"]["macro_f1"]
    print(f"detector patch classifier: macro-F1 {model['mean']:.3f} ± {model['std']:.3f} over {count} film folds; "
          + ", ".join(f"{arm} {arms[arm]['macro_f1']['mean']:.3f}" for arm in ARMS)
          + f", majority {results['majority']['macro_f1']['mean']:.3f}")


if __name__ == "__main__":
    main()
