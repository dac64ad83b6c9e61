"""Stage unet: train the U-Net on pseudo-masks (weak supervision; empty masks of no_defect patches included)."""

from riawelc.quiet import import_tensorflow_quietly

import_tensorflow_quietly()  # first: the imports below start TensorFlow, whose start-up lines hide the stage's output

from dvclive import Live  # noqa: E402

from riawelc.data.manifests import load_split, read_manifest  # noqa: E402
from riawelc.images import to_unet_size  # noqa: E402
from riawelc.learn.determinism import seed_everything  # noqa: E402
from riawelc.learn.epochs import save_checkpoint  # noqa: E402
from riawelc.learn.unet import ENCODERS, UNetTrainConfig, build_unet, train_unet  # noqa: E402
from stages.common import StageTimer, fail, load_params, paths, stage_dirs, write_json  # noqa: E402
from stages.validation import choice, flag, integer, number, text  # noqa: E402

RULES = {
    "encoder": choice(*ENCODERS), "weights": text(), "batch_size": integer(1), "epochs": integer(1),
    "learning_rate": number(0, low_open=True), "patience": integer(1), "seed": integer(0, 2**32 - 1),
    "augment": flag(), "deterministic": flag(),
}
MODEL_KEYS = ("encoder", "weights", "deterministic")  # everything else is a UNetTrainConfig field


def main() -> None:
    params = load_params("unet", RULES)
    folders = paths()
    out, results = stage_dirs("unet")
    config = UNetTrainConfig(**{k: v for k, v in params.items() if k not in MODEL_KEYS},
                             checkpoint_path=out / "model.keras")
    manifest = read_manifest(folders["outputs"] / "pseudomask" / "manifest.csv")
    _, x_train, _, m_train = load_split(manifest, "train", mask_column="pseudomask")
    _, x_val, _, m_val = load_split(manifest, "val", mask_column="pseudomask")
    # Seeded before the model is built: the initial weights are random draws too.
    seed_everything(params["seed"], params["deterministic"])
    try:
        model = build_unet(params["encoder"], params["weights"])
    except (ValueError, RuntimeError) as error:
        fail(str(error))
    with StageTimer(results) as timer, Live(str(results / "live"), dvcyaml=None, save_dvc_exp=False) as live:
        summary = train_unet(model, (to_unet_size(x_train, is_mask=False), to_unet_size(m_train, is_mask=True)),
                             (to_unet_size(x_val, is_mask=False), to_unet_size(m_val, is_mask=True)), config, live)
        timer.extra["epoch_seconds"] = [round(s, 1) for s in summary["history"]["seconds"]]
    save_checkpoint(model, out / "model.keras")
    write_json(results / "summary.json", {
        "encoder": params["encoder"], "best_epoch": summary["best_epoch"], "epochs_run": summary["epochs_run"],
        "best_val_loss": summary["best_val_loss"], "best_val_dice": summary["best_val_dice"],
        "train_images": len(x_train),
    })
    print(f"unet: {params['encoder']} best epoch {summary['best_epoch']}, val Dice (pseudo-masks) "
          f"{summary['best_val_dice']:.3f}, {timer.seconds} s")


if __name__ == "__main__":
    main()
