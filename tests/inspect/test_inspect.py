import numpy as np
import pytest

from riawelc.constants import CLASSES, PATCH_SIZE, UNET_SIZE
from riawelc.inspect.patches import inspect_patches

CRACK, NO_DEFECT = CLASSES.index("crack"), CLASSES.index("no_defect")


def fake_classifier(pixels):
    """Bright patches are cracks with a CAM peak in the top-left cell; dark ones are clean."""
    bright = pixels.mean(axis=(1, 2, 3)) > 100
    probabilities = np.full((len(pixels), len(CLASSES)), 0.02, np.float32)
    probabilities[bright, CRACK] = 0.94
    probabilities[~bright, NO_DEFECT] = 0.94
    cams = np.zeros((len(pixels), 4, 4, len(CLASSES)), np.float32)
    cams[:, 0, 0, :] = 2.0
    return probabilities, cams


def fake_segmenter(pixels):
    assert pixels.shape[1:] == (UNET_SIZE, UNET_SIZE, 1) and pixels.dtype == np.float32
    probabilities = np.zeros(pixels.shape, np.float32)
    probabilities[:, :50, :50] = (pixels[:, :50, :50] > 100) * 0.9
    return probabilities


def test_inspection_combines_classifier_cam_and_unet():
    patches = np.stack([np.full((PATCH_SIZE, PATCH_SIZE), 200, np.uint8), np.full((PATCH_SIZE, PATCH_SIZE), 20, np.uint8)])
    result = inspect_patches(patches, fake_classifier, fake_segmenter, cam_scale=2.0, batch_size=1)
    assert [CLASSES[i] for i in result.predicted] == ["crack", "no_defect"]
    assert result.heatmaps.shape == (2, PATCH_SIZE, PATCH_SIZE)
    # CAM peak 2.0 / scale 2.0 = 1, weighted by the class probability, in the top-left corner only.
    assert result.heatmaps[0, 0, 0] == pytest.approx(0.94, abs=1e-3) and result.heatmaps[0, -1, -1] == 0
    assert result.masks.shape == (2, PATCH_SIZE, PATCH_SIZE) and result.masks.dtype == np.uint8
    assert 48 * 48 < result.defect_pixels[0] < 53 * 53 and result.defect_pixels[1] == 0


def test_inspection_refuses_wrong_input():
    with pytest.raises(ValueError, match="shape"):
        inspect_patches(np.zeros((1, 100, 100), np.uint8), fake_classifier, fake_segmenter, 1.0)
    with pytest.raises(ValueError, match="uint8"):
        inspect_patches(np.zeros((1, PATCH_SIZE, PATCH_SIZE), np.float64), fake_classifier, fake_segmenter, 1.0)
