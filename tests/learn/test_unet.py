import keras
import numpy as np
import pytest

from riawelc.constants import PATCH_SIZE, UNET_SIZE
from riawelc.images import from_unet_size, to_unet_size
from riawelc.learn.unet import (
    UNetTrainConfig,
    build_unet,
    dice_bce_loss,
    evaluate_unet,
    hard_dice,
    train_unet,
)


def bright_disks(count: int, seed: int, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Noisy dark images with one bright disk each; the mask is the disk. The first image has no disk."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:size, :size]
    images = rng.normal(60, 10, (count, size, size, 1)).astype(np.float32)
    masks = np.zeros((count, size, size, 1), np.float32)
    for i in range(1, count):
        row, col = rng.integers(size // 4, 3 * size // 4, 2)
        radius = rng.integers(size // 9, size // 5)
        disk = (rows - row) ** 2 + (cols - col) ** 2 < radius**2
        images[i, disk] += 120
        masks[i, disk] = 1
    return np.clip(images, 0, 255), masks


@pytest.mark.parametrize("encoder", ["small", "efficientnetb0"])
def test_unet_output_shape_and_range(encoder):
    model = build_unet(encoder, weights="none")
    images = np.random.default_rng(0).uniform(0, 255, (2, UNET_SIZE, UNET_SIZE, 1)).astype(np.float32)
    masks = model.predict(images, verbose=0)
    assert model.output_names == ["mask"]
    assert masks.shape == (2, UNET_SIZE, UNET_SIZE, 1)
    assert masks.min() >= 0.0 and masks.max() <= 1.0


def test_unet_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="divisible by 32"):
        build_unet("small", input_size=PATCH_SIZE)
    with pytest.raises(ValueError, match="encoder"):
        build_unet("vgg")
    with pytest.raises(ValueError, match="does not exist"):
        build_unet("efficientnetb0", weights=str(tmp_path / "missing.weights.h5"))


def test_dice_bce_loss_is_near_zero_for_a_perfect_prediction_and_large_for_a_wrong_one():
    _, masks = bright_disks(3, seed=0)  # includes an empty mask
    perfect = float(np.mean(keras.ops.convert_to_numpy(dice_bce_loss(masks, masks))))
    wrong = float(np.mean(keras.ops.convert_to_numpy(dice_bce_loss(masks, 1.0 - masks))))
    assert perfect < 1e-3
    assert wrong > 1.0


def test_hard_dice_thresholds_and_counts_two_empty_masks_as_agreement():
    truth = np.zeros((2, 4, 4, 1), np.float32)
    truth[1, :2] = 1
    prediction = np.full_like(truth, 0.2)  # below threshold: empty
    prediction[1, :1] = 0.9  # half of the true region
    dice = keras.ops.convert_to_numpy(hard_dice(truth, prediction))
    np.testing.assert_allclose(dice, [1.0, 2 * 4 / (8 + 4)], rtol=1e-6)


def test_resizing_round_trip_keeps_masks_binary_and_shapes():
    masks = (np.random.default_rng(0).uniform(size=(3, PATCH_SIZE, PATCH_SIZE, 1)) > 0.7).astype(np.float32)
    small = to_unet_size(masks, is_mask=True)
    assert small.shape == (3, UNET_SIZE, UNET_SIZE, 1) and small.dtype == np.float32
    assert set(np.unique(small)) == {0.0, 1.0}
    back = to_unet_size(masks[..., 0].astype(bool), is_mask=True)  # (N, H, W) boolean masks work too
    assert back.shape == (3, UNET_SIZE, UNET_SIZE) and back.dtype == bool

    probabilities = from_unet_size(small)
    assert probabilities.shape == (3, PATCH_SIZE, PATCH_SIZE, 1)
    assert set(np.unique(to_unet_size(probabilities > 0.5, is_mask=True))) == {False, True}
    # Images are interpolated, not thresholded.
    images = np.random.default_rng(1).uniform(0, 255, (2, PATCH_SIZE, PATCH_SIZE, 1)).astype(np.float32)
    assert len(np.unique(to_unet_size(images, is_mask=False))) > 2
    with pytest.raises(ValueError, match="shape"):
        to_unet_size(np.zeros((2, PATCH_SIZE, PATCH_SIZE, 3)), is_mask=False)


def test_small_unet_learns_to_segment_bright_disks(tmp_path):
    keras.utils.set_random_seed(0)
    model = build_unet("small", input_size=64)
    train, val = bright_disks(16, seed=1), bright_disks(8, seed=2)
    before = evaluate_unet(model, *val)
    config = UNetTrainConfig(
        batch_size=4, epochs=3, learning_rate=1e-2, patience=3, augment=True, seed=0,
        checkpoint_path=str(tmp_path / "unet.keras"),
    )
    result = train_unet(model, train, val, config)

    val_loss, val_dice = evaluate_unet(model, *val)
    assert val_dice > 0.7 > before[1]
    assert val_loss == pytest.approx(result["best_val_loss"], rel=1e-4)  # best weights restored
    assert result["epochs_run"] == len(result["history"]["val_loss"]) == 3
    assert (tmp_path / "unet.keras").exists()


def test_train_unet_rejects_unresized_patches():
    model = build_unet("small", input_size=64)
    images = np.zeros((2, PATCH_SIZE, PATCH_SIZE, 1), np.float32)
    with pytest.raises(ValueError, match="to_unet_size"):
        train_unet(model, (images, images), (images, images), UNetTrainConfig(epochs=1))
