"""Stage unet: train the U-Net on pseudo-masks (weak supervision; empty masks of no_defect patches included)."""

from dvclive import Live

from riawelc.images import to_unet_size
from riawelc.unet import UNetTrainConfig, build_unet, train_unet
from stages.common import Timer, fail, load_params, load_split, paths, read_manifest, stage_dirs, write_json

MODEL_KEYS = ("encoder", "weights")


def main() -> None:
    params = load_params("unet")
    folders = paths()
    out, results = stage_dirs("unet")
    manifest = read_manifest(folders["outputs"] / "pseudomask" / "manifest.csv")
    _, x_train, _, m_train = load_split(manifest, "train", mask_column="pseudomask")
    _, x_val, _, m_val = load_split(manifest, "val", mask_column="pseudomask")
    config = UNetTrainConfig(**{k: v for k, v in params.items() if k not in MODEL_KEYS},
                             checkpoint_path=out / "model.keras")
    try:
        model = build_unet(params["encoder"], params["weights"])
    except (ValueError, RuntimeError) as error:
        fail(str(error))
    with Timer() as timer, Live(str(results / "live"), dvcyaml=None, save_dvc_exp=False) as live:
        summary = train_unet(model, (to_unet_size(x_train, is_mask=False), to_unet_size(m_train, is_mask=True)),
                             (to_unet_size(x_val, is_mask=False), to_unet_size(m_val, is_mask=True)), config, live)
    model.save(out / "model.keras")
    write_json(results / "summary.json", {
        "encoder": params["encoder"], "best_epoch": summary["best_epoch"], "epochs_run": summary["epochs_run"],
        "best_val_loss": summary["best_val_loss"], "best_val_dice": summary["best_val_dice"],
        "train_images": len(x_train), "seconds": timer.seconds,
    })
    print(f"unet: {params['encoder']} best epoch {summary['best_epoch']}, val Dice (pseudo-masks) "
          f"{summary['best_val_dice']:.3f}, {timer.seconds} s")


if __name__ == "__main__":
    main()
