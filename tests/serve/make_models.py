"""Tiny untrained models in the layout the export stage writes to models/, for the service tests.

    python -m tests.serve.make_models OUT_DIR [--classifier smallcnn|efficientnetb0]

writes OUT_DIR/classifier.onnx, OUT_DIR/classifier.json, OUT_DIR/unet.onnx, OUT_DIR/unet.json through
riawelc.deploy.export (the same functions stages/export.py calls). Needs TensorFlow, imported only inside functions, so
that the service tests can import this module in a venv without it (they then use RIAWELC_TEST_MODEL_DIR).
The weights are random: the models show that the service works, not what it predicts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from riawelc.constants import PATCH_SIZE, UNET_SIZE
from riawelc.quiet import quiet_tensorflow_logs

REPO = Path(__file__).resolve().parents[2]
CLASSIFIERS = ("smallcnn", "efficientnetb0")
UNET_ENCODER = {"smallcnn": "small", "efficientnetb0": "efficientnetb0"}


def _cam_scale(onnx_path: Path, seed: int) -> float:
    """The CAM scale the gradcam stage would fit, here on random patches (there is no training set)."""
    import onnxruntime as ort

    from riawelc.inspect.cam import fit_cam_scale

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    pixels = np.random.default_rng(seed).uniform(0, 255, (4, PATCH_SIZE, PATCH_SIZE, 1)).astype(np.float32)
    (cams,) = session.run(["cams"], {"image": pixels})
    try:
        return fit_cam_scale(cams)
    except ValueError:  # an untrained map may never be positive
        return 1.0


def _pseudomask_params() -> dict | None:
    """The pseudomask section of the repository's params.yaml, as the export stage puts it in the card."""
    import yaml

    params = REPO / "params.yaml"
    return yaml.safe_load(params.read_text()).get("pseudomask") if params.is_file() else None


def make_models(out_dir: str | Path, classifier: str = "smallcnn", seed: int = 0) -> Path:
    """Export an untrained `classifier` (smallcnn or efficientnetb0) and a matching U-Net to `out_dir`."""
    if classifier not in CLASSIFIERS:
        raise ValueError(f"classifier must be one of {CLASSIFIERS}, got {classifier!r}")
    quiet_tensorflow_logs()
    import keras

    from riawelc.deploy.export import export_onnx, write_card
    from riawelc.learn.models import build_classifier, cam_model
    from riawelc.learn.unet import build_unet

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data_dvc = REPO / "data.dvc" if (REPO / "data.dvc").is_file() else None
    keras.utils.set_random_seed(seed)
    classifier_onnx = export_onnx(cam_model(build_classifier(classifier, weights="none")), out_dir / "classifier.onnx")
    unet_onnx = export_onnx(build_unet(UNET_ENCODER[classifier], weights="none", input_size=UNET_SIZE),
                            out_dir / "unet.onnx")
    # Same card fields as stages/export.py. The metrics are null because these models never saw data; no real
    # data either, so the cards call it synthetic (the service then shows its demonstration notice).
    training_data = {"name": "none: untrained test model", "synthetic": True}
    write_card(out_dir / "classifier.json", classifier_onnx, task="classification", data_dvc=data_dvc,
               cam_scale=_cam_scale(classifier_onnx, seed), pseudomask=_pseudomask_params(),
               training_data=training_data, metrics={"accuracy": None, "macro_f1": None})
    write_card(out_dir / "unet.json", unet_onnx, task="segmentation", data_dvc=data_dvc, training_data=training_data,
               metrics={"mean_defect_dice": None, "mean_defect_iou": None, "threshold": 0.5})
    return out_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--classifier", choices=CLASSIFIERS, default="smallcnn")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(make_models(args.out_dir, args.classifier, args.seed))


if __name__ == "__main__":
    main()
