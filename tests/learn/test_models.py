import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from riawelc.constants import CLASSES, PATCH_SIZE
from riawelc.learn.models import backbone_layers, backbone_of, build_classifier, cam_model

N_CLASSES = len(CLASSES)


def raw_pixels(n: int, size: int = PATCH_SIZE, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (n, size, size, 1)).astype(np.float32)


def test_unknown_model_name_lists_the_choices():
    with pytest.raises(ValueError, match="efficientnetb0, resnet50v2, smallcnn"):
        build_classifier("vgg16")


@pytest.mark.parametrize("weights", ["imagenet21k", "weights.txt", ""])
def test_unknown_weights_value_is_refused(weights):
    with pytest.raises(ValueError, match="'imagenet', 'none' or a path"):
        build_classifier("smallcnn", weights=weights, input_size=32)


def test_missing_weights_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        build_classifier("smallcnn", weights=str(tmp_path / "absent.weights.h5"), input_size=32)


def test_smallcnn_has_no_imagenet_weights():
    with pytest.raises(ValueError, match="no ImageNet weights"):
        build_classifier("smallcnn", weights="imagenet")


def test_imagenet_offline_fails_fast_with_a_clear_message(tmp_path):
    # A subprocess, because Keras reads KERAS_HOME at import: an empty cache, and no network even where there is.
    code = """
import socket
def no_network(*args, **kwargs):
    raise OSError("network unreachable (test)")
socket.getaddrinfo = no_network
from riawelc.learn.models import build_classifier, imagenet_cache_file
assert not imagenet_cache_file("efficientnetb0").exists()
try:
    build_classifier("efficientnetb0", weights="imagenet")
except RuntimeError as error:
    print(error)
else:
    raise SystemExit("no error without ImageNet weights")
"""
    env = {**os.environ, "KERAS_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "classify.weights: none" in result.stdout


def test_smallcnn_head_and_class_activation_maps():
    model = build_classifier("smallcnn")
    assert model.output_shape == (None, N_CLASSES)
    assert [layer.name for layer in model.layers[-4:]] == ["pool", "dropout", "logits", "probabilities"]

    images = raw_pixels(3)
    features, logits, probabilities, cams = (np.asarray(o) for o in cam_model(model)(images))
    assert features.shape == (3, 14, 14, 128)  # fine maps: 227 -> 113 -> 56 -> 28 -> 14
    assert logits.shape == probabilities.shape == (3, N_CLASSES)
    assert cams.shape == (3, 14, 14, N_CLASSES)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probabilities, np.asarray(model(images)), atol=1e-6)
    # With GAP -> Dense, each logit is the spatial mean of its class map plus the bias.
    bias = model.get_layer("logits").bias.numpy()
    np.testing.assert_allclose(cams.mean(axis=(1, 2)) + bias, logits, rtol=1e-4, atol=1e-4)


def test_preprocessing_is_inside_the_model():
    """Raw 0..255 pixels go in; a constant shift of the pixel scale must change the output."""
    model = build_classifier("smallcnn", input_size=32)
    images = raw_pixels(2, 32)
    assert not np.allclose(np.asarray(model(images)), np.asarray(model(images / 255.0)))


def test_backbone_weights_load_from_a_local_file(tmp_path):
    source = build_classifier("smallcnn", input_size=32)
    path = tmp_path / "backbone.weights.h5"
    backbone_of(source).save_weights(path)
    loaded = build_classifier("smallcnn", weights=str(path), input_size=32)
    for expected, actual in zip(backbone_of(source).get_weights(), backbone_of(loaded).get_weights()):
        np.testing.assert_array_equal(expected, actual)


def test_efficientnetb0_from_scratch_trains_a_step_and_gives_four_outputs():
    model = build_classifier("efficientnetb0", weights="none")
    assert backbone_of(model).name == "efficientnetb0"
    assert len(backbone_layers(model)) > 200
    # Eager: tracing the EfficientNet train step takes ~25 s on two cores, one eager step a few.
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", run_eagerly=True)
    logits_before = model.get_layer("logits").kernel.numpy().copy()
    loss = model.train_on_batch(raw_pixels(2), np.array([0, 3]))
    assert np.isfinite(loss)
    assert not np.allclose(logits_before, model.get_layer("logits").kernel.numpy())

    outputs = [np.asarray(o) for o in cam_model(model)(raw_pixels(2, seed=1))]
    assert [o.shape for o in outputs] == [(2, 8, 8, 1280), (2, N_CLASSES), (2, N_CLASSES), (2, 8, 8, N_CLASSES)]


def test_resnet50v2_builds():
    model = build_classifier("resnet50v2", weights="none")
    assert model.get_layer("features").output.shape == (None, 8, 8, 2048)
    assert model.output_shape == (None, N_CLASSES)
    assert backbone_of(model).name == "resnet50v2"
