"""Stage classify: train the patch classifier on the train split, monitored on val.

With `paths.train_data` other than `paths.data` (another tree of the same films, e.g. drawn defects on their
windows), it trains and monitors on that tree's patches of the train and val films instead; evaluate still
scores the real test patches of `paths.data`.
"""

import dataclasses
import json

from dvclive import Live

from riawelc.augment import Photometric
from riawelc.determinism import seed_everything
from riawelc.epochs import save_checkpoint
from riawelc.models import BACKBONES, build_classifier
from riawelc.split import class_weights as inverse_frequency
from riawelc.split import same_films_in_splits
from riawelc.training import DISTRIBUTE_CHOICES, OPTIMIZERS, TrainConfig, strategy_for, train_classifier
from stages.common import StageTimer, fail, load_params, load_split, paths, read_manifest, stage_dirs, write_json
from stages.validation import choice, flag, integer, number, number_pair, text

SEED = integer(0, 2**32 - 1)
RULES = {
    "model": choice(*BACKBONES), "weights": text(), "dropout": number(0, 1, high_open=True),
    "batch_size": integer(1), "optimizer": choice(*OPTIMIZERS), "learning_rate": number(0, low_open=True),
    "weight_decay": number(0), "frozen_epochs": integer(0), "finetune_epochs": integer(0),
    "finetune_from": integer(0), "finetune_learning_rate": number(0, low_open=True), "patience": integer(1),
    "reduce_lr_patience": integer(1), "reduce_lr_factor": number(0, 1, low_open=True, high_open=True),
    "min_lr": number(0), "augment": flag(), "seed": SEED, "deterministic": flag(),
    "distribute": choice(*DISTRIBUTE_CHOICES),
    "augment_contrast": number_pair(0, low_open=True), "augment_gamma": number_pair(0, low_open=True),
    "augment_noise_std": number(0), "augment_blur_sigma": number(0, 5),
}
MODEL_KEYS = ("model", "weights", "dropout", "deterministic")
PHOTOMETRIC_KEYS = {"augment_contrast": "contrast", "augment_gamma": "gamma", "augment_noise_std": "noise_std",
                    "augment_blur_sigma": "blur_sigma"}  # everything else is a TrainConfig field


def train_config(params: dict, checkpoint_path: str | None) -> TrainConfig:
    """The TrainConfig of a checked classify section (scripts/film_cv.py trains its folds with it too)."""
    photometric = Photometric(**{field: params[key] for key, field in PHOTOMETRIC_KEYS.items()})
    return TrainConfig(**{k: v for k, v in params.items() if k not in MODEL_KEYS + tuple(PHOTOMETRIC_KEYS)},
                       photometric=photometric, weights_are_pretrained=params["weights"] != "none",
                       checkpoint_path=checkpoint_path)


def training_tree(root, split_manifest):
    """The train and val patches of another tree of the split's films; stops with a clear error when it cannot."""
    from riawelc.dataset import DatasetError, scan_tree
    from riawelc.dedup import deduplicate

    if not root.is_dir():
        fail(f"paths.train_data: {root} is not a folder (make it, e.g. python -m riawelc.composite, or set it to "
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
