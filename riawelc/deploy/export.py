"""Export Keras models to ONNX (via tf2onnx), check parity with Keras, and write the model card.

Keras's own `model.export(format="onnx")` writes EfficientNet graphs ONNX Runtime cannot run here, so the
conversion goes through `tf2onnx.convert.from_keras`. The exported graph takes the same input as the Keras
model (float32 NHWC raw pixels 0..255, input name "image") and has a named, dynamic batch dimension.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
import tf2onnx
import yaml

import riawelc
from riawelc.constants import CLASSES, PATCH_SIZE, UNET_SIZE
from riawelc.deploy.onnxgraph import canonicalize
from riawelc.digest import sha256_of

INPUT_NAME = "image"
BATCH_DIM = "batch"
TASKS = ("classification", "segmentation")


def rename_value(graph: onnx.GraphProto, old: str, new: str) -> None:
    """Rename a tensor everywhere it is produced or consumed (graph outputs are matched by name)."""
    for node in graph.node:
        node.output[:] = [new if name == old else name for name in node.output]
        node.input[:] = [new if name == old else name for name in node.input]
    for value in (*graph.output, *graph.value_info):
        if value.name == old:
            value.name = new


def name_dimensions(graph: onnx.GraphProto, names: tuple[str, ...] = (BATCH_DIM,)) -> None:
    """Name the inputs' and outputs' leading dimensions `names` in order (tf2onnx leaves them "unk__N", numbered
    from a process-wide counter; fixed names tell users, and the service, what they are)."""
    for value in (*graph.input, *graph.output):
        for dim, name in zip(value.type.tensor_type.shape.dim, names):
            dim.dim_param = name


def save_canonical(proto: onnx.ModelProto, path: str | Path) -> Path:
    """Write `proto` at `path` in canonical bytes and check it. tf2onnx's names and node order change from process
    to process: canonical bytes keep the sha256 (the model's version in dvc.lock, the cards and the service) a
    function of the Keras model alone."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(canonicalize(proto), str(path))
    onnx.checker.check_model(str(path), full_check=True)
    return path


def export_onnx(model: keras.Model, path: str | Path, opset: int = 17) -> Path:
    """Convert `model` to ONNX at `path`; input "image", outputs named after the model's output layers."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if len(model.inputs) != 1:
        raise ValueError(f"expected a model with one image input, {model.name!r} has {len(model.inputs)}")
    _, height, width, channels = model.input_shape
    if channels != 1:
        raise ValueError(f"expected a grayscale (N, H, W, 1) input, {model.name!r} takes {model.input_shape}")

    signature = (tf.TensorSpec((None, height, width, 1), tf.float32, name=INPUT_NAME),)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=signature, opset=opset)

    wanted = list(model.output_names)  # the output layers' names, e.g. "probabilities" or "mask"
    if len(wanted) != len(proto.graph.output):
        raise RuntimeError(f"ONNX graph has {len(proto.graph.output)} outputs, the model {len(wanted)}")
    for output, name in zip(list(proto.graph.output), wanted):
        if output.name != name:
            rename_value(proto.graph, output.name, name)
    name_dimensions(proto.graph)
    return save_canonical(proto, path)


def _session(onnx_path: str | Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])


def run_onnx(session: ort.InferenceSession, images: np.ndarray, batch_size: int = 32) -> dict[str, np.ndarray]:
    """All outputs of an ONNX session for `images`, by output name, computed in batches."""
    names = [output.name for output in session.get_outputs()]
    input_name = session.get_inputs()[0].name
    chunks = [session.run(names, {input_name: images[i : i + batch_size]}) for i in range(0, len(images), batch_size)]
    return {name: np.concatenate([chunk[k] for chunk in chunks]) for k, name in enumerate(names)}


def parity(keras_model: keras.Model, onnx_path: str | Path, images: np.ndarray, batch_size: int = 32) -> dict:
    """Run Keras and ONNX Runtime on the same images: max abs difference per output and, for a classifier
    (an output named "probabilities"), whether both predict the same class for every image."""
    images = np.asarray(images, dtype=np.float32)
    expected_shape = tuple(keras_model.input_shape[1:])
    if images.ndim != 4 or images.shape[1:] != expected_shape or len(images) == 0:
        raise ValueError(f"images must be (N, {', '.join(map(str, expected_shape))}), got {images.shape}")

    onnx_outputs = run_onnx(_session(onnx_path), images, batch_size)
    keras_outputs = keras_model.predict(images, batch_size=batch_size, verbose=0)
    if not isinstance(keras_outputs, (list, tuple)):
        keras_outputs = [keras_outputs]
    if len(keras_outputs) != len(onnx_outputs):
        raise ValueError(f"Keras model has {len(keras_outputs)} outputs, the ONNX model {len(onnx_outputs)}")

    # ONNX outputs are in the Keras output order (export_onnx keeps it), so pair them by position.
    report = {"n_images": int(len(images)), "max_abs_diff": {}, "classes_identical": None}
    for (name, onnx_value), keras_value in zip(onnx_outputs.items(), keras_outputs):
        report["max_abs_diff"][name] = float(np.max(np.abs(onnx_value - np.asarray(keras_value))))
        if name == "probabilities":
            report["classes_identical"] = bool(
                np.array_equal(onnx_value.argmax(axis=-1), np.asarray(keras_value).argmax(axis=-1))
            )
    return report


def data_md5(dvc_file: str | Path) -> str:
    """The md5 DVC recorded for the first output of a .dvc file (the training data's content hash)."""
    content = yaml.safe_load(Path(dvc_file).read_text())
    try:
        return str(content["outs"][0]["md5"])
    except (TypeError, KeyError, IndexError):
        raise ValueError(f"{dvc_file} has no outs[0].md5: is it a DVC-tracked data file?") from None


def _shape(value: onnx.ValueInfoProto) -> list[int | str]:
    return [dim.dim_param or dim.dim_value for dim in value.type.tensor_type.shape.dim]


def model_card(
    onnx_path: str | Path,
    task: str,
    metrics: dict | None = None,
    data_dvc: str | Path | None = None,
    cam_scale=None,
    name: str | None = None,
    training_data: dict | None = None,
    pseudomask: dict | None = None,
) -> dict:
    """Everything the service needs to use an exported model, read from the ONNX file where possible.

    training_data: {"name": short name, "synthetic": bool}, so the service can say what the model has seen.
    pseudomask: the pseudomask stage's params, so the service post-processes CAM masks exactly the same way.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    onnx_path = Path(onnx_path)
    proto = onnx.load(str(onnx_path))
    graph_input = proto.graph.input[0]
    _, height, width, channels = _shape(graph_input)
    preprocessing = "none: pass raw pixel values as float32; scaling and normalisation are inside the model"
    if task == "segmentation":
        preprocessing += (
            f"; resize {PATCH_SIZE}x{PATCH_SIZE} patches to {UNET_SIZE}x{UNET_SIZE} (bilinear) and the mask "
            "probabilities back"
        )
    return {
        "name": name or onnx_path.stem,
        "task": task,
        "classes": list(CLASSES),
        "input": {
            "name": graph_input.name,
            "shape": _shape(graph_input),
            "dtype": "float32",
            "layout": "NHWC",
            "color": "grayscale",
            "height": height,
            "width": width,
            "channels": channels,
            "value_range": [0, 255],
            "preprocessing": preprocessing,
        },
        "outputs": [{"name": output.name, "shape": _shape(output)} for output in proto.graph.output],
        "onnx": {
            "file": onnx_path.name,
            "sha256": sha256_of(onnx_path),
            "size_bytes": onnx_path.stat().st_size,
            "opset": next(op.version for op in proto.opset_import if op.domain in ("", "ai.onnx")),
        },
        "training_data_md5": data_md5(data_dvc) if data_dvc is not None else None,
        "training_data": training_data,
        "metrics": metrics or {},
        "cam_scale": cam_scale,
        **({"pseudomask": pseudomask} if pseudomask is not None else {}),
        "created_by": {
            "riawelc": riawelc.__version__,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "tf2onnx": tf2onnx.__version__,
            "onnx": onnx.__version__,
        },
    }


def write_card(path: str | Path, onnx_path: str | Path, **card_fields) -> Path:
    """Write model_card(onnx_path, **card_fields) as JSON to `path` (e.g. next to the .onnx file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model_card(onnx_path, **card_fields), indent=2) + "\n")
    return path
