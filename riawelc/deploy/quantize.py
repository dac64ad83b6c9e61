"""int8 models: ONNX Runtime static quantisation (QDQ) calibrated on training patches, and its fp32 comparison.

QDQ format, QUInt8 activations and QInt8 weights (measured fastest on this CPU, issue 9), MinMax calibration on
training patches. The graph is first run through ONNX Runtime's quantisation pre-processing (shape inference and
graph optimisation), which it recommends for static quantisation. Needs `onnx` (pipeline group): quantising is an
export-time step; the int8 files then run on ONNX Runtime alone.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from riawelc.constants import MODEL_NAMES, PATCH_SIZE
from riawelc.digest import sha256_of
from riawelc.images import to_unet_size


def _session(path: str | Path, threads: int | None = None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def model_inputs(session, patches: np.ndarray) -> np.ndarray:
    """(N, 227, 227[, 1]) uint8 or float patches -> float32 (N, H, W, 1) at the model's input size (the U-Net's
    224: bilinear, as riawelc.inspect.patches does)."""
    pixels = np.asarray(patches, np.float32)
    if pixels.ndim == 3:
        pixels = pixels[..., None]
    if pixels.ndim != 4 or pixels.shape[1:] != (PATCH_SIZE, PATCH_SIZE, 1):
        raise ValueError(f"expected patches (N, {PATCH_SIZE}, {PATCH_SIZE}[, 1]), got {np.shape(patches)}")
    height = session.get_inputs()[0].shape[1]
    return pixels if height == PATCH_SIZE else to_unet_size(pixels, is_mask=False)


def quantize_model(fp32_path: str | Path, int8_path: str | Path, calibration_patches: np.ndarray,
                   batch_size: int = 16, per_channel: bool = False) -> Path:
    """Write a static int8 (QDQ, QUInt8 activations, QInt8 weights) copy of `fp32_path` to `int8_path`,
    calibrated on `calibration_patches` ((N, 227, 227[, 1]) training patches; resized for the U-Net)."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from riawelc.deploy.onnxgraph import canonicalize

    if len(calibration_patches) == 0:
        raise ValueError("no calibration patches")
    fp32_path, int8_path = Path(fp32_path), Path(int8_path)
    session = _session(fp32_path)
    pixels = model_inputs(session, calibration_patches)

    class Batches(CalibrationDataReader):  # the calibration images, `batch_size` at a time
        def __init__(self, input_name: str):
            self.items = iter([{input_name: pixels[i:i + batch_size]} for i in range(0, len(pixels), batch_size)])

        def get_next(self):
            return next(self.items, None)

    reader = Batches(session.get_inputs()[0].name)
    int8_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        quantize_static(str(prepared), str(int8_path), reader, quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=per_channel)
    # The quantiser walks sets of tensor names (hash-seed order): canonical bytes make the int8 copy repeatable.
    onnx.save(canonicalize(onnx.load(str(int8_path))), str(int8_path))
    return int8_path


def throughput(paths: list[str | Path], patches: np.ndarray, batch_size: int = 32, repeats: int = 5,
               threads: int | None = None) -> list[float]:
    """Patches per second of each model at `batch_size`: the best of `repeats` passes over `patches`, the models
    taking turns pass by pass, so that a load change on a shared machine hits them alike."""
    sessions = [_session(path, threads) for path in paths]
    feeds = [(s, [o.name for o in s.get_outputs()], s.get_inputs()[0].name, model_inputs(s, patches)) for s in sessions]
    for session, names, name, pixels in feeds:
        session.run(names, {name: pixels[:batch_size]})  # warm-up
    best = [np.inf] * len(feeds)
    for _ in range(repeats):
        for k, (session, names, name, pixels) in enumerate(feeds):
            started = time.perf_counter()
            for i in range(0, len(pixels), batch_size):
                session.run(names, {name: pixels[i:i + batch_size]})
            best[k] = min(best[k], time.perf_counter() - started)
    return [len(patches) / seconds for seconds in best]


def _run(path: str | Path, patches: np.ndarray, output: str, batch_size: int = 32) -> np.ndarray:
    session = _session(path)
    pixels = model_inputs(session, patches)
    name = session.get_inputs()[0].name
    return np.concatenate([session.run([output], {name: pixels[i:i + batch_size]})[0]
                           for i in range(0, len(pixels), batch_size)])


def compare_classifiers(fp32_path, int8_path, patches: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy of both on labelled patches (labels: class indices), their agreement and max probability change."""
    p32, p8 = (_run(path, patches, "probabilities") for path in (fp32_path, int8_path))
    labels = np.asarray(labels)
    acc32, acc8 = float(np.mean(p32.argmax(1) == labels)), float(np.mean(p8.argmax(1) == labels))
    return {"n": int(len(labels)), "accuracy_fp32": acc32, "accuracy_int8": acc8, "accuracy_change": acc8 - acc32,
            "agreement": float(np.mean(p32.argmax(1) == p8.argmax(1))),
            "max_probability_diff": float(np.abs(p32 - p8).max())}


def compare_segmenters(fp32_path, int8_path, patches: np.ndarray, true_masks: np.ndarray,
                       threshold: float = 0.5) -> dict:
    """Mean Dice of both against true masks over the patches whose mask is not empty, and the Dice between them."""
    from riawelc.images import from_unet_size
    from riawelc.metrics.segmentation import dice

    m32, m8 = (from_unet_size(_run(path, patches, "mask"))[..., 0] for path in (fp32_path, int8_path))
    true_masks = np.asarray(true_masks).reshape(m32.shape) > 0
    scored = true_masks.any(axis=(1, 2))
    d32 = [dice(m32[i], true_masks[i], threshold) for i in np.flatnonzero(scored)]
    d8 = [dice(m8[i], true_masks[i], threshold) for i in np.flatnonzero(scored)]
    return {"n": int(scored.sum()), "dice_fp32": float(np.mean(d32)) if d32 else None,
            "dice_int8": float(np.mean(d8)) if d8 else None,
            "dice_change": float(np.mean(d8) - np.mean(d32)) if d32 else None,
            "dice_int8_vs_fp32": float(np.mean([dice(a, b, threshold) for a, b in zip(m8, m32)])),
            "max_mask_diff": float(np.abs(m32 - m8).max())}


def int8_models(model_dir: str | Path, calibration: np.ndarray, test_patches: np.ndarray, labels: np.ndarray,
                test_masks: np.ndarray | None, out_dir: str | Path | None = None,
                threads: int | None = None) -> tuple[dict, dict]:
    """Quantise `model_dir`/classifier.onnx and unet.onnx to <out_dir>/<name>.int8.onnx (out_dir defaults to
    model_dir; elsewhere the fp32 files and cards are copied beside them so every variant runs from there) and add
    an "int8" entry to each card there. Returns (quality, speed): quality is reproducible (test accuracy and
    agreement of the classifier; Dice of the U-Net against `test_masks`, aligned with `test_patches`, all zeros
    where a patch has no defect, scored over the non-empty ones, and against fp32), speed is a
    measurement (patches/s fp32 vs int8 on up to 64 test patches, batch 32, best of 5 taking turns)."""
    import json
    import shutil

    model_dir = Path(model_dir)
    out_dir = Path(out_dir) if out_dir is not None else model_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    calibration_note = {"patches": int(len(calibration)), "split": "train"}
    quality = {"calibration": calibration_note,
               "scheme": "static QDQ, QUInt8 activations, QInt8 weights, MinMax, per-tensor"}
    speed = {}
    for name in MODEL_NAMES:
        fp32, int8 = model_dir / f"{name}.onnx", out_dir / f"{name}.int8.onnx"
        quantize_model(fp32, int8, calibration)
        speed32, speed8 = throughput([fp32, int8], test_patches[:64], threads=threads)
        speed[name] = {"fp32_patches_per_s": round(speed32, 1), "int8_patches_per_s": round(speed8, 1),
                       "speedup": round(speed8 / speed32, 2), "fp32_bytes": fp32.stat().st_size,
                       "int8_bytes": int8.stat().st_size}
        entry = {}
        if name == "classifier":
            entry.update(compare_classifiers(fp32, int8, test_patches, labels))
        elif test_masks is not None:
            entry.update(compare_segmenters(fp32, int8, test_patches, test_masks))
        quality[name] = entry
        card = json.loads((model_dir / f"{name}.json").read_text())
        card["int8"] = {"file": int8.name, "sha256": sha256_of(int8), "size_bytes": int8.stat().st_size,
                        "fp32_sha256": card.get("onnx", {}).get("sha256"), "calibration": calibration_note}
        (out_dir / f"{name}.json").write_text(json.dumps(card, indent=2) + "\n")
        if out_dir.resolve() != model_dir.resolve():
            shutil.copy(fp32, out_dir / fp32.name)
    return quality, speed
