"""Film-level cross-validation and validation-film ablations of the patch classifier (issue 8).

Folds are made of whole films (radiographs): no film is ever on two sides. With K folds, fold k is scored,
fold k+1 (mod K) monitors training (early stopping, best checkpoint, learning-rate cuts: everything the classify
stage does with val), and the other K-2 folds train. Every fold is trained exactly as the classify stage trains
(its params section, `stages.classify.train_config`), so `-S` overrides measure what a param buys.

    # 5-fold film CV of the classify section of params.yaml with a profile over it
    python scripts/film_cv.py --profile profiles/gdxray_real.yaml --data data-films --folds 5 --out results-real/cv.json
    # one ablation arm: train on the pipeline split's train films, score on its VALIDATION films only
    python scripts/film_cv.py --profile profiles/gdxray_real.yaml --split-manifest outputs-real/split/manifest.csv \
        --score-on val --out results-real/ablation/gamma.json -S 'classify.augment_gamma=[0.6, 1.6]'
    # the same folds with the classical baseline (hand-made features + gradient boosting), no CNN
    python scripts/film_cv.py ... --classifier classical
    # train on another tree of the same films (drawn defects on real windows: riawelc.composite), score the
    # real patches: the training folds' films train and the monitor fold's monitor, from --train-data only
    python scripts/film_cv.py --profile profiles/gdxray_composite.yaml --data data-films --train-data data-composite \
        --folds 5 --out results-real/cv/composite_cnn.json

Beside --out, `<stem>.predictions.csv` lists every scored patch (file, film, true and predicted class, the four
probabilities; and its fold in CV), so right and wrong patches can be looked up. Every result carries the
majority-class baseline (the training folds' most common class) beside it. Macro-F1 is
over the classes present in the scored films' labels (a fold without lack-of-penetration films cannot score it);
`macro_f1_4` is over all four classes (a missing class scores 0 there if it is predicted, else is left out).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riawelc.constants import CLASSES  # noqa: E402


def parse_overrides(pairs: list[str]) -> dict[str, dict]:
    """`section.key=value` (value read as YAML, as `dvc exp run -S` does) -> {section: {key: value}}."""
    overrides: dict[str, dict] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        section, dot, key = name.partition(".")
        if not sep or not dot:
            sys.exit(f"-S {pair!r}: expected section.key=value")
        overrides.setdefault(section, {})[key] = yaml.safe_load(value)
    return overrides


def film_manifest(data: Path):
    """Every patch of a RIAWELC-layout tree (path, label, radiograph), exact duplicates removed as dedup does."""
    from riawelc.dataset import scan_tree
    from riawelc.dedup import deduplicate

    return deduplicate(scan_tree(data)).manifest


def film_folds(manifest, folds: int, seed: int) -> dict[str, int]:
    """Film -> fold. The rarest class's films are dealt first, each to the fold with the fewest patches of that
    class so far (ties broken by a seeded shuffle), so every class spreads over as many folds as it has films."""
    import pandas as pd

    table = pd.crosstab(manifest["radiograph"], manifest["label"]).reindex(columns=list(CLASSES), fill_value=0)
    if len(table) < folds:
        sys.exit(f"{len(table)} films cannot fill {folds} folds")
    rng = np.random.default_rng(seed)
    counts = np.zeros((folds, len(CLASSES)))
    assignment: dict[str, int] = {}
    for column in table.sum().sort_values().index:  # rarest class first
        c = CLASSES.index(column)
        films = [f for f in table.index[table[column] > 0] if f not in assignment]
        films.sort(key=lambda f: (-table.loc[f, column], f))
        for film in films:
            order = rng.permutation(folds)
            fold = int(order[np.argmin(counts[order, c] * 1000 + counts[order].sum(axis=1))])
            assignment[film] = fold
            counts[fold] += table.loc[film].to_numpy()
    return assignment


def scores(true: np.ndarray, predicted: np.ndarray) -> dict:
    from sklearn.metrics import f1_score

    from riawelc.evaluation import classification_metrics, confusion

    metrics = classification_metrics(true, predicted)
    present = sorted(set(true.tolist()))
    metrics["macro_f1_4"] = metrics.pop("macro_f1")
    metrics["macro_f1"] = float(f1_score(true, predicted, labels=present, average="macro", zero_division=0))
    metrics["classes_scored"] = [CLASSES[i] for i in present]
    metrics["confusion"] = confusion(true, predicted).tolist()
    metrics["images"] = int(len(true))
    return metrics


def majority(train_labels: np.ndarray, true: np.ndarray) -> dict:
    return scores(true, np.full_like(true, np.bincount(train_labels, minlength=len(CLASSES)).argmax()))


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


def train_cnn(params: dict, train, val, score_images: np.ndarray) -> tuple[np.ndarray, dict]:
    """Trains as the classify stage does; returns the scored images' probabilities and the training summary."""
    from riawelc.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # as the stages do
    from riawelc.determinism import seed_everything
    from riawelc.models import build_classifier
    from riawelc.split import class_weights
    from riawelc.training import predict_probabilities, train_classifier
    from stages.classify import RULES, train_config
    from stages.validation import problems

    section = params["classify"]
    if found := problems("classify", section, RULES):
        sys.exit("; ".join(found))
    import dataclasses

    import pandas as pd

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


def train_classical(train, score_images: np.ndarray, seed: int) -> tuple[np.ndarray, dict]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    from riawelc.patchfeatures import patch_features

    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, class_weight="balanced",
                                           random_state=seed)
    model.fit(patch_features(train[0]), train[1])
    probabilities = np.zeros((len(score_images), len(CLASSES)))
    probabilities[:, model.classes_] = model.predict_proba(patch_features(score_images))
    return probabilities, {"train_accuracy": round(float(model.score(patch_features(train[0]), train[1])), 4)}


def run_arm(args, params, manifest, train_rows, val_rows, score_rows, baseline_rows=None) -> dict:
    """Train on train_rows (monitor on val_rows), score score_rows; the majority baseline is the most common class
    of baseline_rows (default train_rows): with --train-data, the real patches of the training films."""
    import pandas as pd

    from stages.common import load_split

    _, x_train, y_train = load_split(train_rows, None)
    _, x_score, y_score = load_split(score_rows, None)
    if args.classifier == "classical":
        probabilities, summary = train_classical((x_train, y_train), x_score, params["classify"]["seed"])
    else:
        _, x_val, y_val = load_split(val_rows, None)
        probabilities, summary = train_cnn(params, (x_train, y_train), (x_val, y_val), x_score)
    predicted = probabilities.argmax(axis=1)
    table = pd.DataFrame({"file": [Path(f).name for f in score_rows["path"]],
                          "film": score_rows["radiograph"].to_list(),
                          "true": [CLASSES[i] for i in y_score], "predicted": [CLASSES[i] for i in predicted]})
    table = table.join(pd.DataFrame(probabilities.round(4), columns=[f"p_{name}" for name in CLASSES]))
    return {"_predictions": table, "films": sorted(set(score_rows["radiograph"])),
            "monitor_films": sorted(set(val_rows["radiograph"])) if val_rows is not None else [],
            "train_films": sorted(set(train_rows["radiograph"])),
            "train_images": int(len(y_train)), "model": scores(y_score, predicted),
            "majority": majority(y_train if baseline_rows is None else labels_of(baseline_rows), y_score),
            "training": summary}


def labels_of(rows) -> np.ndarray:
    from riawelc.constants import CLASS_INDEX

    return rows["label"].map(CLASS_INDEX).to_numpy(np.int64)


def spread(values: list[float]) -> dict:
    return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values, ddof=1)), 4)
            if len(values) > 1 else 0.0, "min": round(float(min(values)), 4), "max": round(float(max(values)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="params file (classify section)")
    parser.add_argument("--profile", type=Path, help="a profiles/*.yaml applied over --params (before -S)")
    parser.add_argument("-S", dest="overrides", action="append", default=[], help="section.key=value (YAML)")
    parser.add_argument("--data", type=Path, help="patch tree (with --split-manifest: its films keep their split)")
    parser.add_argument("--train-data", type=Path, help="train and monitor on this tree's patches of the training "
                                                         "and monitor films instead (scoring stays on --data)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--fold-seed", type=int, default=0)
    parser.add_argument("--only-folds", type=int, nargs="+", help="run these folds only (0-based)")
    parser.add_argument("--split-manifest", type=Path, help="a split stage manifest: train on train, score one split")
    parser.add_argument("--score-on", choices=("val", "test"), default="val")
    parser.add_argument("--classifier", choices=("cnn", "classical"), default="cnn")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import pandas as pd

    params = yaml.safe_load(args.params.read_text())
    if args.profile:
        for section, values in (yaml.safe_load(args.profile.read_text()) or {}).items():
            params.setdefault(section, {}).update(values)
    overrides = parse_overrides(args.overrides)
    for section, values in overrides.items():
        params.setdefault(section, {}).update(values)
    started = time.time()
    result = {"command": " ".join(sys.argv), "date": time.strftime("%Y-%m-%d"), "classifier": args.classifier,
              "overrides": overrides, "seed": params["classify"]["seed"]}

    if args.split_manifest:
        manifest = pd.read_csv(args.split_manifest, keep_default_na=False)
        if args.data is not None:  # the same films in the same splits, patches from another tree
            films = manifest.groupby("radiograph")["split"].first()
            manifest = film_manifest(args.data)
            manifest = manifest.assign(split=manifest["radiograph"].map(films).fillna(""))
        by_split = {name: manifest[manifest["split"] == name] for name in ("train", "val", "test")}
        scored = by_split[args.score_on]  # always the real patches, also with --train-data
        if args.train_data is not None:  # as the classify stage does with paths.train_data
            from riawelc.split import same_films_in_splits

            other = same_films_in_splits(film_manifest(args.train_data), manifest)
            by_split.update(train=other[other["split"] == "train"], val=other[other["split"] == "val"])
        arm = run_arm(args, params, manifest, by_split["train"], by_split["val"], scored,
                      manifest[manifest["split"] == "train"])
        predictions = arm.pop("_predictions")
        result.update({"mode": f"split, scored on {args.score_on}", **arm})
        print(f"{args.out.stem}: {args.score_on} accuracy {arm['model']['accuracy']:.3f} macro-F1 "
              f"{arm['model']['macro_f1']:.3f} (majority {arm['majority']['accuracy']:.3f} / "
              f"{arm['majority']['macro_f1']:.3f}); train accuracy {arm['training']['train_accuracy']}")
    else:
        if args.data is None:
            sys.exit("give --data (film k-fold CV) or --split-manifest (one split)")
        manifest = film_manifest(args.data)
        folds = film_folds(manifest, args.folds, args.fold_seed)
        manifest = manifest.assign(fold=manifest["radiograph"].map(folds))
        trainer = manifest
        if args.train_data is not None:  # films without a fold (no scored patches) take no part
            trainer = film_manifest(args.train_data)
            trainer = trainer.assign(fold=trainer["radiograph"].map(folds)).dropna(subset=["fold"])
            result["train_data"] = str(args.train_data)
        result.update({"mode": f"{args.folds}-fold film CV", "data": str(args.data),
                       "folds": {f: sorted(k for k, v in folds.items() if v == f) for f in range(args.folds)},
                       "runs": []})
        tables = []
        for fold in args.only_folds if args.only_folds is not None else range(args.folds):
            monitor = (fold + 1) % args.folds
            train = trainer[~trainer["fold"].isin([fold, monitor])]
            arm = run_arm(args, params, manifest, train, trainer[trainer["fold"] == monitor],
                          manifest[manifest["fold"] == fold], manifest[~manifest["fold"].isin([fold, monitor])])
            tables.append(arm.pop("_predictions").assign(fold=fold))
            result["runs"].append({"fold": fold, **arm})
            summarise(result)
            predictions = pd.concat(tables, ignore_index=True)
            write(args.out, result, started, predictions)  # after every fold: a stopped CV keeps what it has
            print(f"fold {fold}: {arm['films']} accuracy {arm['model']['accuracy']:.3f} macro-F1 "
                  f"{arm['model']['macro_f1']:.3f} (majority {arm['majority']['accuracy']:.3f} / "
                  f"{arm['majority']['macro_f1']:.3f})", flush=True)
        print(f"CV: accuracy {result['model']['accuracy']['mean']:.3f} ± {result['model']['accuracy']['std']:.3f}, "
              f"macro-F1 {result['model']['macro_f1']['mean']:.3f} ± {result['model']['macro_f1']['std']:.3f} "
              f"(majority {result['majority']['accuracy']['mean']:.3f} / {result['majority']['macro_f1']['mean']:.3f})")
    write(args.out, result, started, predictions)


def summarise(result: dict) -> None:
    for who in ("model", "majority"):
        result[who] = {key: spread([run[who][key] for run in result["runs"]])
                       for key in ("accuracy", "macro_f1", "macro_f1_4")}
    result["folds_done"] = len(result["runs"])


def predictions_path(out: Path) -> Path:
    """Where the per-patch predictions of --out go: beside it, `<stem>.predictions.csv` (names, no pixels)."""
    return out.with_name(f"{out.stem}.predictions.csv")


def write(path: Path, result: dict, started: float, predictions) -> None:
    result["seconds"] = round(time.time() - started, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    predictions.to_csv(predictions_path(path), index=False)


if __name__ == "__main__":
    main()
