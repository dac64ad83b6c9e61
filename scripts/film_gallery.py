"""A small gallery of right and wrong test patches with the class activation map of the predicted class.

    python scripts/film_gallery.py --outputs outputs-real --out results-real/test_gallery.png

Reads the classifier and the split manifest that a pipeline run wrote under --outputs, and the CAM scale its
gradcam stage fitted (cams.npz). Tiles are shrunk to --tile pixels so the committed picture stays small.
Titles: true class / predicted class, probability, film.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from riawelc.quiet import quiet_tensorflow_logs  # noqa: E402

quiet_tensorflow_logs()

SHORT = {"crack": "crack", "lack_of_penetration": "LP", "no_defect": "none", "porosity": "pore"}


def main() -> None:
    import cv2

    from riawelc.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    from riawelc.constants import CLASSES
    from riawelc.data.manifests import load_split, read_manifest
    from riawelc.inspect.cam import class_heatmaps
    from riawelc.inspect.drawing import overlay
    from riawelc.learn.gradcam import load_cam_predictor
    from riawelc.metrics.gallery import save_grid

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outputs", type=Path, default=Path("outputs-real"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-group", type=int, default=8, help="right and wrong patches shown, each")
    parser.add_argument("--tile", type=int, default=140)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model = load_cam_predictor(args.outputs / "classify" / "model.keras")
    rows, images, labels = load_split(read_manifest(args.outputs / "split" / "manifest.csv"), "test")
    probabilities, cams = model.predict(images.astype(np.float32), batch_size=32, verbose=0)
    predicted = probabilities.argmax(axis=1)
    scale = float(np.load(args.outputs / "gradcam" / "cams.npz")["scale"])
    rng = np.random.default_rng(args.seed)
    chosen = []
    for right in (True, False):
        group = np.flatnonzero((predicted == labels) == right)
        # Spread over the true classes: take patches of each class in turn.
        by_class = [list(rng.permutation(group[labels[group] == c])) for c in range(len(CLASSES))]
        picked = []
        while len(picked) < args.per_group and any(by_class):
            for queue in by_class:
                if queue and len(picked) < args.per_group:
                    picked.append(queue.pop())
        chosen += picked
    heat = class_heatmaps(cams[chosen], predicted[chosen], scale, probabilities[chosen])
    tiles = [cv2.resize(overlay(images[i, ..., 0], h), (args.tile, args.tile), interpolation=cv2.INTER_AREA)
             for i, h in zip(chosen, heat)]
    titles = [f"{'OK' if predicted[i] == labels[i] else 'X'} {SHORT[CLASSES[labels[i]]]}/"
              f"{SHORT[CLASSES[predicted[i]]]} {probabilities[i].max():.2f} {rows['radiograph'][i]}" for i in chosen]
    save_grid(args.out, tiles, titles, ncols=4)
    print(f"{args.out}: {sum(predicted[chosen] == labels[chosen])} right and "
          f"{sum(predicted[chosen] != labels[chosen])} wrong test patches")


if __name__ == "__main__":
    main()
