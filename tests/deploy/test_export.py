import hashlib
import json

import keras
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from riawelc.constants import CLASSES, PATCH_SIZE
from riawelc.deploy.export import data_md5, export_onnx, model_card, parity, write_card
from riawelc.learn.models import build_classifier, cam_model
from riawelc.learn.unet import build_unet

CAM_OUTPUTS = ["features", "logits", "probabilities", "cams"]


def pixels(count: int, size: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (count, size, size, 1)).astype(np.float32)


def session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def assert_batch_dimension_is_named(path) -> None:
    graph = onnx.load(str(path)).graph
    for value in (*graph.input, *graph.output):
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch", value.name


@pytest.fixture(scope="module")
def small_classifier_onnx(tmp_path_factory):
    keras.utils.set_random_seed(0)
    model = cam_model(build_classifier("smallcnn", input_size=64))
    path = export_onnx(model, tmp_path_factory.mktemp("cls") / "classifier.onnx")
    return model, path


def test_classifier_export_has_named_outputs_dynamic_batch_and_parity(small_classifier_onnx):
    model, path = small_classifier_onnx
    onnx.checker.check_model(str(path))
    runtime = session(path)
    assert [i.name for i in runtime.get_inputs()] == ["image"]
    assert [o.name for o in runtime.get_outputs()] == CAM_OUTPUTS
    assert_batch_dimension_is_named(path)
    for batch in (1, 3):
        outputs = runtime.run(None, {"image": pixels(batch, 64)})
        assert [len(o) for o in outputs] == [batch] * 4
        assert outputs[2].shape == (batch, len(CLASSES))

    report = parity(model, path, pixels(5, 64, seed=1), batch_size=2)
    assert set(report["max_abs_diff"]) == set(CAM_OUTPUTS)
    assert max(report["max_abs_diff"].values()) < 1e-4
    assert report["classes_identical"] is True and report["n_images"] == 5


def test_parity_detects_a_different_model(small_classifier_onnx, tmp_path):
    model, path = small_classifier_onnx
    keras.utils.set_random_seed(1)
    other = cam_model(build_classifier("smallcnn", input_size=64))  # same graph, other random weights
    report = parity(other, path, pixels(3, 64))
    assert report["max_abs_diff"]["logits"] > 1e-4
    with pytest.raises(ValueError, match="images must be"):
        parity(model, path, pixels(2, 32))


def test_unet_export_and_parity(tmp_path):
    keras.utils.set_random_seed(0)
    model = build_unet("small", input_size=64)
    path = export_onnx(model, tmp_path / "unet.onnx")
    runtime = session(path)
    assert [o.name for o in runtime.get_outputs()] == ["mask"]
    assert_batch_dimension_is_named(path)
    assert runtime.run(None, {"image": pixels(1, 64)})[0].shape == (1, 64, 64, 1)
    assert runtime.run(None, {"image": pixels(3, 64)})[0].shape == (3, 64, 64, 1)
    report = parity(model, path, pixels(3, 64))
    assert report["max_abs_diff"]["mask"] < 1e-4 and report["classes_identical"] is None


def test_model_card_fields_and_hashes(small_classifier_onnx, tmp_path):
    _, path = small_classifier_onnx
    dvc_file = tmp_path / "data.dvc"
    dvc_file.write_text("outs:\n- md5: 0123456789abcdef0123456789abcdef.dir\n  size: 10\n  path: data\n")
    card_path = write_card(
        tmp_path / "classifier.json", path, task="classification", metrics={"test_accuracy": 0.9},
        data_dvc=dvc_file, cam_scale=3.5,
    )
    card = json.loads(card_path.read_text())
    fields = {"metrics": {"test_accuracy": 0.9}, "data_dvc": dvc_file, "cam_scale": 3.5}
    assert card == model_card(path, task="classification", **fields)
    assert card["classes"] == list(CLASSES)
    assert card["input"]["name"] == "image" and card["input"]["shape"] == ["batch", 64, 64, 1]
    assert card["input"]["dtype"] == "float32" and card["input"]["value_range"] == [0, 255]
    assert [o["name"] for o in card["outputs"]] == CAM_OUTPUTS
    assert card["outputs"][2]["shape"] == ["batch", len(CLASSES)]
    assert card["onnx"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert card["onnx"]["opset"] == 17
    assert card["training_data_md5"] == "0123456789abcdef0123456789abcdef.dir"
    assert card["metrics"] == {"test_accuracy": 0.9} and card["cam_scale"] == 3.5
    assert card["created_by"]["riawelc"]

    dvc_file.write_text("outs: []\n")
    with pytest.raises(ValueError, match="md5"):
        data_md5(dvc_file)
    with pytest.raises(ValueError, match="task"):
        model_card(path, task="detection")


def test_efficientnet_cam_model_runs_in_onnx_runtime(tmp_path):
    """The case keras's own ONNX exporter gets wrong: EfficientNetB0 through tf2onnx must run and match."""
    model = cam_model(build_classifier("efficientnetb0", weights="none"))
    path = export_onnx(model, tmp_path / "efficientnet.onnx")
    assert [o.name for o in session(path).get_outputs()] == CAM_OUTPUTS
    report = parity(model, path, pixels(2, PATCH_SIZE))
    assert report["max_abs_diff"]["probabilities"] < 1e-4
    assert report["classes_identical"] is True
