import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from riawelc.constants import CLASSES, PATCH_SIZE
from riawelc.inspect.cam import class_heatmaps, fit_cam_scale, scale_maps, select_class_maps, upsample
from riawelc.learn.gradcam import gradcam_model, gradcam_with_tape


def test_select_class_maps_picks_each_images_own_class():
    cams = np.zeros((3, 2, 2, len(CLASSES)), np.float32)
    for i in range(3):
        for c in range(len(CLASSES)):
            cams[i, :, :, c] = 10 * i + c
    maps = select_class_maps(cams, np.array([0, 3, 1]))
    assert maps.shape == (3, 2, 2)
    np.testing.assert_array_equal(maps[:, 0, 0], [0, 13, 21])


def test_select_class_maps_rejects_bad_indices():
    cams = np.zeros((2, 2, 2, 4))
    with pytest.raises(ValueError, match="class_indices"):
        select_class_maps(cams, np.array([0, 4]))
    with pytest.raises(ValueError, match="class_indices"):
        select_class_maps(cams, np.array([0]))


def test_upsample_to_patch_size_keeps_constant_and_range():
    maps = np.stack([np.full((7, 7), 0.3), np.eye(7)]).astype(np.float32)
    big = upsample(maps)
    assert big.shape == (2, PATCH_SIZE, PATCH_SIZE)
    np.testing.assert_allclose(big[0], 0.3, atol=1e-6)
    assert big[1].min() >= 0 and big[1].max() <= 1
    assert upsample(maps[1], size=(10, 20)).shape == (10, 20)


def test_scale_is_fixed_not_per_map_peak():
    maps = np.array([np.full((4, 4), 0.1), np.full((4, 4), 4.0), np.full((4, 4), -2.0)], np.float32)
    maps[1, 0, 0] = 8.0
    scaled = scale_maps(maps, scale=4.0)
    # A weak map stays weak (per-map peak normalisation would have made it 1).
    np.testing.assert_allclose(scaled[0], 0.025)
    assert scaled[1, 0, 0] == 1.0 and scaled[1, 1, 1] == 1.0  # clipped
    np.testing.assert_array_equal(scaled[2], 0.0)  # relu
    weighted = scale_maps(maps, 4.0, probabilities=np.array([1.0, 0.5, 1.0]))
    np.testing.assert_allclose(weighted[1, 1, 1], 0.5)
    with pytest.raises(ValueError, match="scale"):
        scale_maps(maps, 0.0)


def test_fit_cam_scale_uses_positive_values_percentile():
    maps = np.concatenate([-np.ones(1000), np.arange(1, 101, dtype=float)])
    assert fit_cam_scale(maps, percentile=100) == 100.0
    assert fit_cam_scale(maps, percentile=50) == pytest.approx(50.5)
    with pytest.raises(ValueError, match="positive"):
        fit_cam_scale(-np.ones((2, 3, 3)))


def test_class_heatmaps_selects_scales_weights_and_upsamples():
    cams = np.zeros((2, 7, 7, 4), np.float32)
    cams[0, :, :, 1] = 2.0
    cams[1, :, :, 1] = 2.0  # image 1 asks for class 2, whose map is 0
    probs = np.array([[0.1, 0.5, 0.2, 0.2], [0.25, 0.25, 0.25, 0.25]])
    heat = class_heatmaps(cams, np.array([1, 2]), scale=4.0, probabilities=probs)
    assert heat.shape == (2, PATCH_SIZE, PATCH_SIZE)
    np.testing.assert_allclose(heat[0], 0.25, atol=1e-6)
    np.testing.assert_array_equal(heat[1], 0.0)


def test_einsum_cam_equals_gradcam_with_tape():
    import keras

    from riawelc.learn import models

    keras.utils.set_random_seed(0)
    classifier = models.build_classifier("smallcnn", weights="none", dropout=0.5, input_size=64)
    images = np.random.default_rng(0).uniform(0, 255, (3, 64, 64, 1)).astype(np.float32)
    classes = np.array([0, 2, 3])

    features, _, _, cams = models.cam_model(classifier).predict(images, verbose=0)
    h, w = features.shape[1:3]
    kernel = classifier.get_layer("logits").kernel.numpy()
    np.testing.assert_allclose(cams, np.einsum("bhwk,kc->bhwc", features, kernel), rtol=1e-4, atol=1e-5)

    expected = np.maximum(select_class_maps(cams, classes), 0) / (h * w)
    tape = gradcam_with_tape(classifier, images, classes)
    assert tape.shape == expected.shape
    assert expected.max() > 0 and (expected == 0).any()  # relu did something: the check is not trivial
    np.testing.assert_allclose(tape, expected, rtol=1e-4, atol=1e-6 * expected.max())
    # A gradient model built once (as a request handler would keep it) gives the same maps.
    reused = gradcam_with_tape(classifier, images, classes, grad_model=gradcam_model(classifier))
    np.testing.assert_allclose(reused, tape, rtol=1e-5, atol=1e-7 * expected.max())


def test_numpy_modules_do_not_import_tensorflow():
    # The HTTP service uses these modules with ONNX Runtime only.
    code = (
        "import sys, riawelc.inspect.cam, riawelc.inspect.pseudomask, riawelc.metrics.segmentation, riawelc.metrics.gallery, riawelc.inspect.patches, riawelc.images; "
        "assert not {'tensorflow', 'keras'} & set(sys.modules), sorted({'tensorflow', 'keras'} & set(sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
