"""Per-image latency of Keras and ONNX Runtime models at batch 1 and 32 on this machine.

    python scripts/benchmark.py --keras outputs/classify/model.keras --onnx models/classifier.onnx \
        --patches data/Dataset_partitioned/testing/Difetto1

Each model gets its own input size (patches are resized to it when they differ, e.g. 227 -> 224 for the U-Net).
Without --patches, random pixels are used. Reported: median over --runs timed runs after --warmup runs.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
from riawelc.quiet import quiet_tensorflow_logs  # noqa: E402

quiet_tensorflow_logs()

from riawelc.images import IMAGE_SUFFIXES, read_patch  # noqa: E402


def load_patches(source: Path | None, count: int, seed: int) -> np.ndarray:
    """(count, H, W) float32 patches from a .npy file or a folder of images (repeated if fewer), else random."""
    if source is None:
        return np.random.default_rng(seed).uniform(0, 255, (count, 227, 227)).astype(np.float32)
    if source.suffix == ".npy":
        patches = np.load(source)
    else:
        files = sorted(p for p in source.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)[:count]
        if not files:
            raise SystemExit(f"no images found under {source}")
        patches = np.stack([read_patch(f) for f in files])
    patches = patches.reshape(patches.shape[:3]).astype(np.float32)
    return np.resize(patches, (count, *patches.shape[1:]))  # repeats the patches up to `count`


def fit_to(patches: np.ndarray, size: int) -> np.ndarray:
    """(N, size, size, 1): bilinear resize when the model takes another size than the patches."""
    if patches.shape[1:] != (size, size):
        patches = np.stack([cv2.resize(p, (size, size), interpolation=cv2.INTER_LINEAR) for p in patches])
    return patches[..., None]


def median_ms_per_image(run, batch: np.ndarray, warmup: int, runs: int) -> float:
    for _ in range(warmup):
        run(batch)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        run(batch)
        timings.append(time.perf_counter() - start)
    return 1000 * statistics.median(timings) / len(batch)


def keras_runner(path: Path):
    import keras

    import riawelc.learn.models  # noqa: F401  (registers the project's custom layers before loading)

    model = keras.models.load_model(path, compile=False)
    return model.input_shape[1], model.predict_on_batch


def onnx_runner(path: Path):
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    graph_input = session.get_inputs()[0]
    return graph_input.shape[1], lambda batch: session.run(None, {graph_input.name: batch})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras", type=Path, nargs="*", default=[], help="Keras model files (.keras)")
    parser.add_argument("--onnx", type=Path, nargs="*", default=[], help="ONNX model files")
    parser.add_argument("--patches", type=Path, help=".npy array or folder of patch images (default: random)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.keras and not args.onnx:
        parser.error("give at least one model with --keras or --onnx")
    if min(args.batch_sizes) < 1 or args.runs < 1 or args.warmup < 0:
        parser.error("batch sizes and --runs must be >= 1, --warmup >= 0")
    for path in (*args.keras, *args.onnx):
        if not path.is_file():
            parser.error(f"{path} does not exist")

    patches = load_patches(args.patches, max(args.batch_sizes), args.seed)
    models = [("keras", path, keras_runner) for path in args.keras]
    models += [("onnxruntime", path, onnx_runner) for path in args.onnx]
    print(f"{'model':<32} {'runtime':<12} {'batch':>5} {'ms/image':>9}")
    for runtime, path, make_runner in models:
        size, run = make_runner(path)
        images = fit_to(patches, size)
        for batch_size in args.batch_sizes:
            ms = median_ms_per_image(run, images[:batch_size], args.warmup, args.runs)
            name = f"{path.parent.name}/{path.name}"  # outputs/classify/model.keras -> classify/model.keras
            print(f"{name:<32} {runtime:<12} {batch_size:>5} {ms:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
