"""Stage export: both models to ONNX (tf2onnx, opset 17), parity against Keras, and a JSON card for the service."""

from riawelc.quiet import import_tensorflow_quietly

import_tensorflow_quietly()  # first: the imports below start TensorFlow, whose start-up lines hide the stage's output

import json  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from riawelc.constants import CLASSIFIER, UNET  # noqa: E402
from riawelc.data.manifests import load_split, read_manifest, read_masks  # noqa: E402
from riawelc.deploy.export import export_onnx, parity, write_card  # noqa: E402
from riawelc.images import to_unet_size  # noqa: E402
from riawelc.learn.models import cam_model  # noqa: E402
from stages.common import StageTimer, fail, load_params, paths, write_json  # noqa: E402
from stages.sections import PSEUDOMASK_RULES  # noqa: E402
from stages.validation import flag, integer, number, text  # noqa: E402

RULES = {"opset": integer(13, 18), "parity_images": integer(1), "tolerance": number(0, low_open=True),
         "training_data": text(), "data_synthetic": flag(), "int8": flag(), "int8_calibration": integer(1)}


def main() -> None:
    params = load_params("export", RULES)
    # The service post-processes CAM masks exactly as the pseudomask stage did: the card carries its params.
    pseudomask = load_params("pseudomask", PSEUDOMASK_RULES)
    folders = paths()
    models, results = folders["models"], folders["results"] / "export"
    manifest = read_manifest(folders["outputs"] / "split" / "manifest.csv")
    _, images, _ = load_split(manifest, "test")
    images = images[: params["parity_images"]]
    classifier = cam_model(keras.models.load_model(folders["outputs"] / "classify" / "model.keras"))
    unet = keras.models.load_model(folders["outputs"] / "unet" / "model.keras", compile=False)
    evaluation = json.loads((folders["results"] / "evaluate" / "metrics.json").read_text())
    segmentation = json.loads((folders["results"] / "segeval" / "metrics.json").read_text())
    cam_scale = json.loads((folders["results"] / "gradcam" / "summary.json").read_text())["cam_scale"]

    timer = StageTimer(results)  # timing.json: seconds (with int8: of the int8 step, export_seconds before it)
    with timer:
        classifier_onnx = export_onnx(classifier, models / f"{CLASSIFIER}.onnx", params["opset"])
        unet_onnx = export_onnx(unet, models / f"{UNET}.onnx", params["opset"])
    report = {
        CLASSIFIER: parity(classifier, classifier_onnx, images.astype("float32")),
        UNET: parity(unet, unet_onnx, to_unet_size(images.astype("float32"), is_mask=False)),
    }
    report["probabilities_within_tolerance"] = report[CLASSIFIER]["max_abs_diff"]["probabilities"] <= params["tolerance"]
    write_json(results / "parity.json", report)

    training_data = {"name": params["training_data"], "synthetic": params["data_synthetic"]}
    headline = segmentation.get("against_true_masks", segmentation["against_pseudo_masks"])["mean_defect"]
    write_card(models / f"{CLASSIFIER}.json", classifier_onnx, task="classification", data_dvc="data.dvc",
               cam_scale=cam_scale, pseudomask=pseudomask, training_data=training_data,
               metrics={k: evaluation[k] for k in ("accuracy", "macro_f1")})
    write_card(models / f"{UNET}.json", unet_onnx, task="segmentation", data_dvc="data.dvc",
               training_data=training_data,
               metrics={"mean_defect_dice": headline["dice"], "mean_defect_iou": headline["iou"],
                        "threshold": segmentation["threshold"]})
    if not report["probabilities_within_tolerance"] or not report[CLASSIFIER]["classes_identical"]:
        fail(f"ONNX classifier disagrees with Keras beyond {params['tolerance']}: {report[CLASSIFIER]}")
    print(f"export: {classifier_onnx} and {unet_onnx}; max |dp| {report[CLASSIFIER]['max_abs_diff']['probabilities']:.2e}")
    int8 = {"enabled": params["int8"]}
    if params["int8"]:
        export_seconds = timer.seconds
        with timer:
            int8.update(_int8(manifest, models, params["int8_calibration"], timer))
            timer.extra["export_seconds"] = export_seconds
    write_json(results / "int8.json", int8)


def _int8(manifest, models, calibration_size: int, timer: StageTimer) -> dict:
    """int8 copies of both models beside the fp32 ones (riawelc.deploy.quantize), calibrated on seeded training patches,
    compared with fp32 on the test split; quality to results/export/int8.json, speed to timing.json."""
    from riawelc.deploy.quantize import int8_models

    _, train, _ = load_split(manifest, "train")
    rng = np.random.default_rng(0)
    calibration = train[np.sort(rng.choice(len(train), min(calibration_size, len(train)), replace=False))]
    rows, test, labels = load_split(manifest, "test")
    masks = read_masks(rows["mask"], test.shape[1:3]) if (rows["mask"] != "").any() else None
    quality, speed = int8_models(models, calibration, test, labels, masks)
    timer.extra["int8_speed"] = speed
    c, u = quality[CLASSIFIER], quality[UNET]
    print(f"export: int8 classifier {speed[CLASSIFIER]['speedup']}x, test accuracy {c['accuracy_fp32']:.3f} -> "
          f"{c['accuracy_int8']:.3f}; int8 U-Net {speed[UNET]['speedup']}x"
          + (f", Dice {u['dice_fp32']:.3f} -> {u['dice_int8']:.3f}" if u.get("dice_fp32") is not None else ""))
    return quality


if __name__ == "__main__":
    main()
