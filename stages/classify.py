"""Stage classify: train the patch classifier on the train split, monitored on val.

With `paths.train_data` other than `paths.data` (another tree of the same films, e.g. drawn defects on their
windows), it trains and monitors on that tree's patches of the train and val films instead; evaluate still
scores the real test patches of `paths.data`.
"""

from riawelc.quiet import import_tensorflow_quietly

import_tensorflow_quietly()  # first: the imports below start TensorFlow, whose start-up lines hide the stage's output

import dataclasses  # noqa: E402
import json  # noqa: E402

from dvclive import Live  # noqa: E402

from riawelc.data.manifests import load_split, read_manifest  # noqa: E402
from riawelc.data.split import class_weights as inverse_frequency  # noqa: E402
from riawelc.data.split import same_films_in_splits  # noqa: E402
from riawelc.learn.determinism import seed_everything  # noqa: E402
from riawelc.learn.epochs import save_checkpoint  # noqa: E402
from riawelc.learn.models import build_classifier  # noqa: E402
from riawelc.learn.training import strategy_for, train_classifier, train_config  # noqa: E402
from stages.common import StageTimer, fail, load_params, paths, stage_dirs, write_json  # noqa: E402
from stages.sections import classify_rules  # noqa: E402

RULES = classify_rules()

def training_tree(root, split_manifest):
    """The train and val patches of another tree of the split's films; stops with a clear error when it cannot."""
    from riawelc.data.dataset import DatasetError, scan_tree
    from riawelc.data.dedup import deduplicate

    if not root.is_dir():
        fail(f"paths.train_data: {root} is not a folder (make it, e.g. riawelc composite, or set it to "
             f"paths.data)")
    try:
        rows = same_films_in_splits(deduplicate(scan_tree(root)).manifest, split_manifest)
    except DatasetError as error:
        fail(f"paths.train_data {root}: {error}")
    missing = [split for split in ("train", "val") if not (rows["split"] == split).any()]
    if missing:
        fail(f"paths.train_data {root} has no patches of the {' or '.join(missing)} films of the split "
             f"(its film ids must be those of paths.data)")
    counts = rows["split"].value_counts()
    print(f"classify: training on {root}: {counts['train']} train and {counts['val']} val patches of "
          f"{rows['radiograph'].nunique()} films", flush=True)
    return rows


def main() -> None:
    params = load_params("classify", RULES)
    folders = paths()
    try:
        config = train_config(params, str(folders["outputs"] / "classify" / "model.keras"))
    except ValueError as error:
        fail(f"classify params: {error}")
    manifest = read_manifest(folders["outputs"] / "split" / "manifest.csv")
    if folders["train_data"] != folders["data"]:
        manifest = training_tree(folders["train_data"], manifest)
        class_weights = inverse_frequency(manifest)
    else:
        class_weights = json.loads((folders["results"] / "split" / "report.json").read_text())["class_weights"]
    try:
        config = dataclasses.replace(config, class_weights=class_weights)
    except ValueError as error:  # a class with no training patch
        counts = manifest[manifest["split"] == "train"]["label"].value_counts().to_dict()
        fail(f"classify: {error} (train patches per class: {counts})")
    out, results = stage_dirs("classify")
    _, x_train, y_train = load_split(manifest, "train")
    _, x_val, y_val = load_split(manifest, "val")
    # Seeded before the model is built: the initial weights are random draws too.
    seed_everything(params["seed"], params["deterministic"])
    try:
        with strategy_for(config.distribute).scope():
            model = build_classifier(params["model"], params["weights"], params["dropout"])
    except (ValueError, RuntimeError) as error:
        fail(str(error))
    with StageTimer(results) as timer, Live(str(results / "live"), dvcyaml=None, save_dvc_exp=False) as live:
        summary = train_classifier(model, (x_train, y_train), (x_val, y_val), config, live)
        timer.extra["epoch_seconds"] = [round(s, 1) for s in summary["history"]["seconds"]]
    save_checkpoint(model, out / "model.keras")
    write_json(results / "summary.json", {
        "model": params["model"], "best_epoch": summary["best_epoch"], "epochs_run": summary["epochs_run"],
        "best_val_loss": summary["best_val_loss"], "best_val_accuracy": summary["best_val_accuracy"],
        "train_images": len(x_train), "val_images": len(x_val), "train_data": str(folders["train_data"]),
    })
    print(f"classify: {params['model']} best epoch {summary['best_epoch']}/{summary['epochs_run']}, "
          f"val accuracy {summary['best_val_accuracy']:.3f}, {timer.seconds} s")


if __name__ == "__main__":
    main()
