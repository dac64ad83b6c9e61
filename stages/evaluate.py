"""Stage evaluate: the classifier on the held-out test split, in inference mode."""

from riawelc.quiet import import_tensorflow_quietly

import_tensorflow_quietly()  # first: the imports below start TensorFlow, whose start-up lines hide the stage's output

import keras  # noqa: E402
import numpy as np  # noqa: E402

from riawelc.constants import CLASSES  # noqa: E402
from riawelc.data.manifests import load_split, read_manifest  # noqa: E402
from riawelc.inspect.drawing import to_rgb  # noqa: E402
from riawelc.learn.training import predict_probabilities  # noqa: E402
from riawelc.metrics.classification import classification_metrics, confusion_rows  # noqa: E402
from riawelc.metrics.gallery import save_grid  # noqa: E402
from stages.common import StageTimer, load_params, paths, stage_dirs, write_json  # noqa: E402
from stages.validation import integer  # noqa: E402

RULES = {"gallery_size": integer(0)}


def main() -> None:
    params = load_params("evaluate", RULES)
    folders = paths()
    out, results = stage_dirs("evaluate")
    with StageTimer(results):
        model = keras.models.load_model(folders["outputs"] / "classify" / "model.keras")
        rows, images, labels = load_split(read_manifest(folders["outputs"] / "split" / "manifest.csv"), "test")
        probabilities = predict_probabilities(model, images)
        predicted = probabilities.argmax(axis=1)
        metrics = classification_metrics(labels, predicted)
    metrics["test_images"] = len(labels)
    write_json(results / "metrics.json", metrics)
    write_json(results / "confusion.json", confusion_rows(labels, predicted))
    rows.assign(predicted=[CLASSES[p] for p in predicted], confidence=probabilities.max(axis=1).round(4)) \
        .to_csv(out / "predictions.csv", index=False)

    wrong = np.flatnonzero(predicted != labels)[: params["gallery_size"]]
    tiles = [to_rgb(images[i, ..., 0]) for i in wrong] or [to_rgb(np.full(images.shape[1:3], 255, np.uint8))]
    titles = [f"{CLASSES[labels[i]]} / {CLASSES[predicted[i]]} ({probabilities[i].max():.2f})" for i in wrong]
    save_grid(results / "misclassified.png", tiles, titles or ["no misclassified patches"], ncols=6)
    print(f"evaluate: accuracy {metrics['accuracy']:.3f}, macro-F1 {metrics['macro_f1']:.3f} "
          f"on {len(labels)} test patches ({len(np.flatnonzero(predicted != labels))} wrong)")


if __name__ == "__main__":
    main()
