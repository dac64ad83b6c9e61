"""Augmentation, BatchNorm recalibration and the classifier training loop, on tiny inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from riawelc.constants import CLASSES
from riawelc.learn.augment import augment_dataset, augment_image, augment_image_and_mask
from riawelc.learn.batchnorm import batchnorm_layers, recalibrate_batchnorm
from riawelc.learn.models import backbone_layers, backbone_of, build_classifier
from riawelc.learn.training import TrainConfig, class_weight_vector, evaluate, strategy_for, train_classifier

SIZE = 32  # input size for the training tests: smallcnn at 32x32 trains in well under a second per epoch
CRACK, NO_DEFECT = CLASSES.index("crack"), CLASSES.index("no_defect")


def squares(n: int, seed: int, size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Grey noise with a bright square (crack) or a dark square (no_defect) somewhere: trivially separable."""
    rng = np.random.default_rng(seed)
    images = rng.normal(110, 12, (n, size, size, 1)).clip(0, 255).astype(np.float32)
    labels = np.where(np.arange(n) % 2 == 0, CRACK, NO_DEFECT)
    side = size // 4
    for image, label in zip(images, labels):
        row, col = rng.integers(2, size - side - 2, 2)
        image[row : row + side, col : col + side] = 230 if label == CRACK else 15
    return images, labels


class RecordingLive:
    """Stands in for dvclive.Live: remembers what was logged per step."""

    def __init__(self):
        self.steps, self.current = [], {}

    def log_metric(self, name, value):
        self.current[name] = value

    def next_step(self):
        self.steps.append(self.current)
        self.current = {}


# --- augmentation ---------------------------------------------------------------------------------------


def test_augment_image_changes_pixels_but_keeps_shape_dtype_and_range():
    image = squares(1, seed=0, size=64)[0][0]
    augmented = augment_image(image, seed=[1, 2]).numpy()
    assert augmented.shape == image.shape and augmented.dtype == np.float32
    assert 0.0 <= augmented.min() and augmented.max() <= 255.0
    assert np.abs(augmented - image).mean() > 1.0

    as_uint8 = augment_image(image.astype(np.uint8), seed=[1, 2]).numpy()
    assert as_uint8.dtype == np.uint8 and as_uint8.shape == image.shape


def test_augment_image_is_deterministic_given_the_seed():
    image = squares(1, seed=0, size=64)[0][0]
    first, again = augment_image(image, [5, 6]).numpy(), augment_image(image, [5, 6]).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, augment_image(image, [5, 7]).numpy())


def test_augment_image_and_mask_stay_aligned():
    image = np.full((64, 64, 1), 30.0, np.float32)
    image[8:24, 10:40] = 230.0  # off-centre, so flips move it
    mask = (image > 128).astype(np.uint8)
    moved = 0
    for seed in range(6):
        new_image, new_mask = (t.numpy() for t in augment_image_and_mask(image, mask, [seed, 3]))
        assert new_mask.dtype == np.uint8 and new_mask.shape == mask.shape
        assert set(np.unique(new_mask)) <= {0, 1}
        bright = new_image > 110  # photometric changes keep 230 vs 30 on either side of 110
        iou = (bright & (new_mask == 1)).sum() / (bright | (new_mask == 1)).sum()
        assert iou > 0.9, f"seed {seed}: image and mask moved apart (IoU {iou:.2f})"
        moved += not np.array_equal(new_mask, mask)
    assert moved >= 5


def test_augment_dataset_is_reproducible_and_keeps_labels():
    images, labels = squares(4, seed=1)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    run = lambda: list(augment_dataset(dataset, seed=7).as_numpy_iterator())  # noqa: E731
    first, again = run(), run()
    for (x1, y1), (x2, y2), original, label in zip(first, again, images, labels):
        np.testing.assert_array_equal(x1, x2)
        assert y1 == y2 == label
        assert not np.array_equal(x1, original)

    masks = (images > 200).astype(np.uint8)
    pairs = list(augment_dataset(tf.data.Dataset.from_tensor_slices((images, masks)), seed=7, masks=True))
    assert len(pairs) == 4 and pairs[0][1].dtype == tf.uint8


# --- BatchNorm recalibration --------------------------------------------------------------------------------


def tiny_nested_model() -> keras.Model:
    inner_input = keras.Input((4, 4, 2))
    x = keras.layers.Conv2D(3, 1, name="conv")(inner_input)
    x = keras.layers.BatchNormalization(name="bn")(x)
    inner = keras.Model(inner_input, keras.layers.ReLU()(x), name="inner")
    outer_input = keras.Input((4, 4, 2))
    x = keras.layers.BatchNormalization(name="frozen_bn")(outer_input)
    x = keras.layers.Dropout(0.5)(inner(x))
    model = keras.Model(outer_input, x)
    model.get_layer("frozen_bn").trainable = False
    return model


def test_recalibration_sets_the_statistics_of_the_layer_input_and_nothing_else():
    keras.utils.set_random_seed(0)
    model = tiny_nested_model()
    images = np.random.default_rng(0).normal(3.0, 2.0, (50, 4, 4, 2)).astype(np.float32)
    before = {v.path: v.numpy().copy() for v in model.weights}

    assert recalibrate_batchnorm(model, images, batch_size=16) == 1  # frozen_bn is left out

    inner = model.get_layer("inner")
    bn_input = np.asarray(inner.get_layer("conv")(model.get_layer("frozen_bn")(images, training=False)))
    bn = inner.get_layer("bn")
    np.testing.assert_allclose(bn.moving_mean.numpy(), bn_input.mean(axis=(0, 1, 2)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), bn_input.var(axis=(0, 1, 2)), rtol=1e-4)
    assert bn.momentum == 0.99
    for variable in model.weights:
        if variable.path not in ("bn/moving_mean", "bn/moving_variance"):
            np.testing.assert_array_equal(variable.numpy(), before[variable.path], err_msg=variable.path)


def test_batchnorm_layers_finds_nested_layers():
    model = tiny_nested_model()
    assert [layer.name for layer in batchnorm_layers(model)] == ["bn"]
    assert {layer.name for layer in batchnorm_layers(model, trainable_only=False)} == {"bn", "frozen_bn"}


# --- training loop ---------------------------------------------------------------------------------------


def test_train_config_refuses_bad_values():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="sgd")
    with pytest.raises(ValueError, match="distribute"):
        TrainConfig(distribute="tpu")
    with pytest.raises(ValueError, match="class_weights"):
        TrainConfig(class_weights={"slag": 2.0})
    with pytest.raises(ValueError, match="checkpoint_path"):
        TrainConfig(checkpoint_path="best.h5")


def test_class_weight_vector_accepts_names_and_indices():
    np.testing.assert_array_equal(class_weight_vector({"crack": 2.0, 3: 0.5}), [2.0, 1.0, 1.0, 0.5])


def test_strategy_for_none_and_auto_on_one_device():
    assert strategy_for("none").num_replicas_in_sync == 1
    assert strategy_for("auto").num_replicas_in_sync == 1  # no GPUs here
    with pytest.raises(ValueError, match="mirrored"):
        strategy_for("many")


def test_smallcnn_learns_separable_squares_in_inference_mode():
    keras.utils.set_random_seed(0)
    model = build_classifier("smallcnn", input_size=SIZE)
    config = TrainConfig(batch_size=8, learning_rate=3e-3, frozen_epochs=4, finetune_epochs=0, seed=0)
    live = RecordingLive()
    result = train_classifier(model, squares(40, seed=1), squares(20, seed=2), config, live=live)

    history = result["history"]
    assert result["epochs_run"] == 4 and history["phase"] == ["scratch"] * 4
    assert history["val_accuracy"][-1] >= 0.95
    assert history["train_accuracy"][-1] >= 0.95
    assert result["best_epoch"] == int(np.argmin(history["val_loss"])) + 1
    assert len(live.steps) == 4
    logged = {"train/loss", "train/accuracy", "val/loss", "val/accuracy", "fit/loss", "learning_rate"}
    assert logged <= set(live.steps[0])
    # Inference-mode numbers are the model's own: evaluating again gives the restored best epoch's val loss.
    val_loss, _ = evaluate(model, *squares(20, seed=2))
    assert val_loss == pytest.approx(result["best_val_loss"], rel=1e-4)


@pytest.fixture(scope="module")
def anti_learning_run(tmp_path_factory):
    """Val labels are the opposite of train labels: the better the model learns, the worse its val loss."""
    keras.utils.set_random_seed(1)
    model = build_classifier("smallcnn", input_size=SIZE)
    val_images, val_labels = squares(20, seed=2)
    flipped = np.where(val_labels == CRACK, NO_DEFECT, CRACK)
    checkpoint = tmp_path_factory.mktemp("ckpt") / "best.weights.h5"
    config = TrainConfig(
        batch_size=8, learning_rate=3e-3, frozen_epochs=12, finetune_epochs=0, patience=3,
        reduce_lr_patience=1, reduce_lr_factor=0.5, seed=1, checkpoint_path=str(checkpoint), augment=False,
    )
    result = train_classifier(model, squares(40, seed=1), (val_images, flipped), config)
    return model, result, (val_images, flipped), checkpoint


def test_early_stopping_stops(anti_learning_run):
    _, result, _, _ = anti_learning_run
    assert result["stopped_early"] == {"scratch": True}
    assert result["epochs_run"] < 12
    assert result["epochs_run"] == result["best_epoch"] + 3  # patience 3


def test_learning_rate_is_reduced_on_plateau(anti_learning_run):
    rates = anti_learning_run[1]["history"]["learning_rate"]
    assert rates[0] == pytest.approx(3e-3)
    assert min(rates) < rates[0]


def test_best_weights_are_restored_and_checkpointed(anti_learning_run):
    model, result, val, checkpoint = anti_learning_run
    history = result["history"]
    assert result["best_epoch"] < result["epochs_run"]
    assert history["val_loss"][-1] > result["best_val_loss"]
    assert evaluate(model, *val)[0] == pytest.approx(result["best_val_loss"], rel=1e-4)

    restored = build_classifier("smallcnn", input_size=SIZE)
    restored.load_weights(checkpoint)
    images = val[0][:4]
    np.testing.assert_allclose(np.asarray(restored(images)), np.asarray(model(images)), atol=1e-6)


def test_class_weights_change_the_training_loss():
    data = squares(16, seed=3)
    losses = []
    for class_weights in (None, {name: 5.0 for name in CLASSES}):
        keras.utils.set_random_seed(2)
        model = build_classifier("smallcnn", input_size=SIZE)
        config = TrainConfig(batch_size=16, frozen_epochs=1, finetune_epochs=0, class_weights=class_weights, seed=2)
        losses.append(train_classifier(model, data, data, config)["history"]["fit_loss"][0])
    # Same seed, same first batch: every image weighing 5 makes the weighted loss exactly five times larger.
    assert losses[1] == pytest.approx(5.0 * losses[0], rel=1e-3)


def test_pretrained_two_phases_freeze_the_backbone_then_finetune_without_batchnorm():
    keras.utils.set_random_seed(3)
    model = build_classifier("smallcnn", input_size=SIZE)
    backbone = backbone_of(model)
    initial = [layer.get_weights() for layer in backbone_layers(model)]
    head_initial = model.get_layer("logits").kernel.numpy().copy()
    finetune_from = 10  # block3_conv onwards
    config = TrainConfig(
        batch_size=8, frozen_epochs=1, finetune_epochs=1, finetune_from=finetune_from,
        weights_are_pretrained=True, seed=3,
    )
    data = squares(16, seed=4)
    result = train_classifier(model, data, data, config)

    assert result["history"]["phase"] == ["frozen", "finetune"]
    assert not np.allclose(head_initial, model.get_layer("logits").kernel.numpy())
    layers = backbone_layers(model)
    for layer, weights in zip(layers[:finetune_from], initial[:finetune_from]):
        assert not layer.trainable
        for before, after in zip(weights, layer.get_weights()):
            np.testing.assert_array_equal(before, after)
    # BatchNorm stays frozen (pretrained statistics are never recalibrated or trained).
    for layer in batchnorm_layers(backbone, trainable_only=False):
        assert not layer.trainable
        np.testing.assert_array_equal(layer.moving_mean.numpy(), 0.0)
    assert any(layer.trainable for layer in layers[finetune_from:])


def test_finetune_from_beyond_the_backbone_is_refused():
    model = build_classifier("smallcnn", input_size=SIZE)
    config = TrainConfig(frozen_epochs=0, finetune_epochs=1, finetune_from=999, weights_are_pretrained=True)
    with pytest.raises(ValueError, match="finetune_from"):
        train_classifier(model, squares(4, seed=0), squares(4, seed=1), config)
