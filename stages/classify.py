"""Stage classify: train the patch classifier on the train split, monitored on val."""

import json

from dvclive import Live

from riawelc.models import build_classifier
from riawelc.training import TrainConfig, strategy_for, train_classifier
from stages.common import Timer, fail, load_params, load_split, paths, read_manifest, stage_dirs, write_json

MODEL_KEYS = ("model", "weights", "dropout")


def main() -> None:
    params = load_params("classify")
    folders = paths()
    out, results = stage_dirs("classify")
    manifest = read_manifest(folders["outputs"] / "split" / "manifest.csv")
    class_weights = json.loads((folders["results"] / "split" / "report.json").read_text())["class_weights"]
    _, x_train, y_train = load_split(manifest, "train")
    _, x_val, y_val = load_split(manifest, "val")
    train_keys = {k: v for k, v in params.items() if k not in MODEL_KEYS}
    config = TrainConfig(**train_keys, class_weights=class_weights,
                         weights_are_pretrained=params["weights"] != "none",
                         checkpoint_path=str(out / "model.keras"))
    try:
        with strategy_for(config.distribute).scope():
            model = build_classifier(params["model"], params["weights"], params["dropout"])
    except (ValueError, RuntimeError) as error:
        fail(str(error))
    with Timer() as timer, Live(str(results / "live"), dvcyaml=None, save_dvc_exp=False) as live:
        summary = train_classifier(model, (x_train, y_train), (x_val, y_val), config, live)
    model.save(out / "model.keras")
    write_json(results / "summary.json", {
        "model": params["model"], "best_epoch": summary["best_epoch"], "epochs_run": summary["epochs_run"],
        "best_val_loss": summary["best_val_loss"], "best_val_accuracy": summary["best_val_accuracy"],
        "train_images": len(x_train), "val_images": len(x_val), "seconds": timer.seconds,
    })
    print(f"classify: {params['model']} best epoch {summary['best_epoch']}/{summary['epochs_run']}, "
          f"val accuracy {summary['best_val_accuracy']:.3f}, {timer.seconds} s")


if __name__ == "__main__":
    main()
