"""Stage gradcam: class activation maps of every patch, from one forward pass (no gradients needed).

Pseudo-masks use the map of the TRUE label. Maps are scaled by one dataset-level statistic fitted on the
training defect patches, never normalised per patch (that would invent a defect in every patch).
"""

from riawelc.quiet import import_tensorflow_quietly

import_tensorflow_quietly()  # first: the imports below start TensorFlow, whose start-up lines hide the stage's output

import numpy as np  # noqa: E402

from riawelc.constants import CLASS_INDEX, CLASSES, NO_DEFECT  # noqa: E402
from riawelc.data.manifests import load_split, read_manifest  # noqa: E402
from riawelc.inspect.cam import class_heatmaps, fit_cam_scale, select_class_maps  # noqa: E402
from riawelc.inspect.drawing import overlay  # noqa: E402
from riawelc.learn.gradcam import load_cam_predictor  # noqa: E402
from riawelc.metrics.gallery import save_grid  # noqa: E402
from stages.common import StageTimer, fail, load_params, paths, stage_dirs, write_json  # noqa: E402
from stages.validation import flag, integer, number  # noqa: E402

RULES = {"scale_percentile": number(0, 100, low_open=True), "weight_by_probability": flag(),
         "gallery_per_class": integer(1)}


def main() -> None:
    params = load_params("gradcam", RULES)
    folders = paths()
    out, results = stage_dirs("gradcam")
    with StageTimer(results) as timer:
        model = load_cam_predictor(folders["outputs"] / "classify" / "model.keras")
        manifest = read_manifest(folders["outputs"] / "split" / "manifest.csv")
        rows, images, labels = load_split(manifest, None)
        probabilities, cams = _predict(model, images)
        true_maps = select_class_maps(cams, labels)
        fit_on = (rows["split"] == "train").to_numpy() & (labels != CLASS_INDEX[NO_DEFECT])
        try:
            scale = fit_cam_scale(true_maps[fit_on], params["scale_percentile"])
        except ValueError:
            fail("the class activation maps of the training defect patches are never positive for their true "
                 "class: the classifier has not learned to localise (train longer, see results/classify)")
    np.savez_compressed(out / "cams.npz", paths=rows["path"].to_numpy(), true_maps=true_maps.astype(np.float32),
                        probabilities=probabilities.astype(np.float32), scale=scale)
    write_json(results / "summary.json", {"cam_scale": scale, "feature_map": list(cams.shape[1:3]),
                                          "patches": len(rows)})
    _galleries(results, rows, images, labels, cams, probabilities, scale, params)
    print(f"gradcam: {len(rows)} maps at {cams.shape[1]}x{cams.shape[2]}, scale {scale:.4g}, {timer.seconds} s")


def _predict(model, images, chunk: int = 256):
    parts = [model.predict(images[i:i + chunk].astype(np.float32), batch_size=32, verbose=0)
             for i in range(0, len(images), chunk)]
    return [np.concatenate([part[k] for part in parts]) for k in range(len(parts[0]))]


def _galleries(results, rows, images, labels, cams, probabilities, scale, params) -> None:
    """Overlay galleries per class on test patches: the true-label map, weighted by its probability."""
    test = np.flatnonzero((rows["split"] == "test").to_numpy())
    for index, name in enumerate(CLASSES):
        chosen = test[labels[test] == index][: params["gallery_per_class"]]
        if len(chosen) == 0:
            continue
        heat = class_heatmaps(cams[chosen], labels[chosen], scale, probabilities[chosen] if params["weight_by_probability"] else None)
        tiles = [overlay(images[i, ..., 0], h) for i, h in zip(chosen, heat)]
        titles = [f"{name} p={probabilities[i, index]:.2f}" for i in chosen]
        save_grid(results / "overlays" / f"{name}.png", tiles, titles, ncols=4)


if __name__ == "__main__":
    main()
