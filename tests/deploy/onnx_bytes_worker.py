"""Export an untrained classifier and U-Net and their int8 copies to OUT_DIR, as the export stage does.

    python -m tests.deploy.onnx_bytes_worker OUT_DIR

tests/deploy/test_onnx_bytes.py runs it in two processes with different PYTHONHASHSEED values and compares the bytes.
"""

import sys
from pathlib import Path

import numpy as np

from riawelc.constants import PATCH_SIZE
from riawelc.deploy.quantize import quantize_model
from tests.serve.make_models import make_models


def main(out_dir: Path) -> None:
    make_models(out_dir, "smallcnn", seed=0)
    calibration = np.random.default_rng(0).integers(0, 256, (8, PATCH_SIZE, PATCH_SIZE, 1)).astype(np.uint8)
    for name in ("classifier", "unet"):
        quantize_model(out_dir / f"{name}.onnx", out_dir / f"{name}.int8.onnx", calibration)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
