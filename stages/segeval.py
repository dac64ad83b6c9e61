"""Stage segeval: the U-Net on the test split, against pseudo-masks and against true masks where they exist.

IoU and Dice are hard-thresholded; a patch where both masks are empty scores 1 (see riawelc.metrics.segmentation).
Agreement with pseudo-masks is the number RIAWELC-RS reports; agreement with true masks is the honest one.
"""

from riawelc.quiet import import_tensorflow_quietly

import_tensorflow_quietly()  # first: the imports below start TensorFlow, whose start-up lines hide the stage's output

import json  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from riawelc.constants import CLASSES, NO_DEFECT  # noqa: E402
from riawelc.data.manifests import load_split, read_manifest, read_masks  # noqa: E402
from riawelc.inspect.drawing import GREEN, RED, outline  # noqa: E402
from riawelc.inspect.patches import inspect_patches  # noqa: E402
from riawelc.learn.gradcam import load_cam_predictor  # noqa: E402
from riawelc.metrics.gallery import best_median_worst, save_grid  # noqa: E402
from riawelc.metrics.segmentation import dice, false_positive_rate, iou, per_class_scores  # noqa: E402
from stages.common import StageTimer, load_params, paths, stage_dirs, write_json  # noqa: E402
from stages.validation import integer, number  # noqa: E402

RULES = {"threshold": number(0, 1, low_open=True, high_open=True), "fp_min_area": integer(1), "iou_bins": integer(1)}


def main() -> None:
    params = load_params("segeval", RULES)
    folders = paths()
    out, results = stage_dirs("segeval")
    manifest = read_manifest(folders["outputs"] / "pseudomask" / "manifest.csv")
    rows, images, _, pseudo = load_split(manifest, "test", mask_column="pseudomask")
    labels = rows["label"].to_numpy()
    classifier = load_cam_predictor(folders["outputs"] / "classify" / "model.keras")
    unet = keras.models.load_model(folders["outputs"] / "unet" / "model.keras", compile=False)
    scale = json.loads((folders["results"] / "gradcam" / "summary.json").read_text())["cam_scale"]
    with StageTimer(results):
        inspection = inspect_patches(
            images, lambda x: classifier.predict(x, verbose=0), lambda x: unet.predict(x, verbose=0),
            scale, params["threshold"])
    predicted = inspection.masks
    metrics = {"threshold": params["threshold"], "test_images": len(rows),
               "against_pseudo_masks": per_class_scores(predicted, pseudo, labels),
               "false_positive_rate_no_defect": false_positive_rate(predicted, labels, params["fp_min_area"])}
    scores = rows[["path", "label"]].assign(
        iou_pseudo=[_scored(iou, p, t, label) for p, t, label in zip(predicted, pseudo, labels)],
        dice_pseudo=[_scored(dice, p, t, label) for p, t, label in zip(predicted, pseudo, labels)])
    has_truth = ((rows["mask"] != "") | (rows["label"] == NO_DEFECT)).to_numpy()
    truth = None
    if (rows["mask"] != "").any():
        truth = read_masks(rows["mask"], images.shape[1:3])
        metrics["against_true_masks"] = per_class_scores(predicted[has_truth], truth[has_truth], labels[has_truth])
        metrics["pseudo_masks_against_true_masks"] = per_class_scores(pseudo[has_truth], truth[has_truth], labels[has_truth])
        scores = scores.assign(iou_true=[_scored(iou, p, t, label) if h else np.nan
                                         for p, t, label, h in zip(predicted, truth, labels, has_truth)])
    write_json(results / "metrics.json", metrics)
    scores.to_csv(out / "scores.csv", index=False)
    key = "iou_true" if truth is not None else "iou_pseudo"
    _histogram(results, scores[key].dropna().to_numpy(), params["iou_bins"])
    _grid(results, images, predicted, truth if truth is not None else pseudo, labels, scores[key].to_numpy())
    headline = metrics.get("against_true_masks", metrics["against_pseudo_masks"])["mean_defect"]
    print(f"segeval: mean defect Dice {headline['dice']:.3f}, IoU {headline['iou']:.3f}; "
          f"false positives on no_defect {metrics['false_positive_rate_no_defect']:.3f}")


def _scored(metric, predicted, reference, label) -> float:
    """A patch's score, or NaN for a defect patch with an empty reference (nothing to localise; see
    riawelc.metrics.segmentation.per_class_scores)."""
    return metric(predicted, reference) if label == NO_DEFECT or reference.any() else np.nan


def _histogram(results, values: np.ndarray, bins: int) -> None:
    counts, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    write_json(results / "iou_histogram.json", [
        {"iou_bin": f"{lo:.1f}-{hi:.1f}", "count": int(c)} for lo, hi, c in zip(edges[:-1], edges[1:], counts)])


def _grid(results, images, predicted, reference, labels, scores) -> None:
    """Best / median / worst test patch per class: green = reference mask, red = U-Net mask."""
    tiles, titles = [], []
    for name in CLASSES:
        chosen = np.flatnonzero((labels == name) & ~np.isnan(scores))
        if len(chosen) == 0:
            continue
        for rank, i in zip(("best", "median", "worst"), chosen[best_median_worst(scores[chosen])]):
            tiles.append(outline(images[i, ..., 0], [reference[i], predicted[i]], [GREEN, RED]))
            titles.append(f"{name} {rank} IoU {scores[i]:.2f}")
    save_grid(results / "best_median_worst.png", tiles, titles, ncols=3)


if __name__ == "__main__":
    main()
