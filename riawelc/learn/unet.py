"""U-Net that turns a weld patch into a defect mask, trained on CAM pseudo-masks.

The encoder is EfficientNetB0 (keras.applications) or a tiny conv stack (`small`) for fast CPU runs.
Input: float32 (N, 224, 224, 1) raw pixel values 0..255; output `mask`: (N, 224, 224, 1) probabilities.
RIAWELC patches are 227 x 227: use riawelc.images `to_unet_size` / `from_unet_size` around the model.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from riawelc.constants import PATCH_SIZE, UNET_SIZE
from riawelc.learn.augment import augment_dataset
from riawelc.learn.batchnorm import recalibrate_batchnorm
from riawelc.learn.epochs import Plateau, log_epoch, print_progress, save_checkpoint
from riawelc.learn.models import build_backbone

ENCODERS = ("efficientnetb0", "small")

# EfficientNetB0 layers whose outputs are the skip connections at strides 2, 4, 8, 16, then the bottleneck (32).
EFFICIENTNET_SKIPS = (
    "block2a_expand_activation",  # 112 x 112
    "block3a_expand_activation",  # 56 x 56
    "block4a_expand_activation",  # 28 x 28
    "block6a_expand_activation",  # 14 x 14
)
EFFICIENTNET_BOTTLENECK = "top_activation"  # 7 x 7

# Decoder filters from the bottleneck up: one block per skip (strides 16, 8, 4, 2), then full resolution.
DECODER_FILTERS = {"efficientnetb0": (256, 128, 64, 32, 16), "small": (64, 32, 16, 8, 8)}
SMALL_ENCODER_FILTERS = (8, 16, 32, 64, 128)

# --------------------------------------------------------------------------------------------------
# Model


def _conv_block(x, filters: int, name: str, strides: int = 1):
    """Conv 3x3 -> BatchNorm -> ReLU, twice (the first one may downsample)."""
    for i, stride in enumerate((strides, 1)):
        x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv{i}")(x)
        x = layers.BatchNormalization(name=f"{name}_bn{i}")(x)
        x = layers.Activation("relu", name=f"{name}_relu{i}")(x)
    return x


def _efficientnet_encoder(image, weights: str, input_size: int):
    # Same backbone and weight handling (imagenet | none | local file, fast offline error) as the classifier.
    try:
        backbone = build_backbone("efficientnetb0", weights, input_size)
    except RuntimeError as error:  # the message names the classifier's setting; the U-Net's is unet.weights
        raise RuntimeError(f"U-Net encoder (setting `unet.weights`): {error}") from None
    outputs = [backbone.get_layer(name).output for name in (*EFFICIENTNET_SKIPS, EFFICIENTNET_BOTTLENECK)]
    encoder = keras.Model(backbone.input, outputs, name="encoder")
    # EfficientNet expects RGB 0..255 and normalises inside, so only the channels need repeating.
    *skips, bottleneck = encoder(layers.Concatenate(name="gray_to_rgb")([image, image, image]))
    return skips, bottleneck


def _small_encoder(image):
    x = layers.Rescaling(1.0 / 255.0, name="scale")(image)
    features = []
    for level, filters in enumerate(SMALL_ENCODER_FILTERS):
        x = _conv_block(x, filters, name=f"encoder{level}", strides=2)
        features.append(x)
    return features[:-1], features[-1]


def build_unet(encoder: str = "efficientnetb0", weights: str = "none", input_size: int = UNET_SIZE) -> keras.Model:
    """U-Net: encoder features at strides 2, 4, 8, 16 are skip connections, stride 32 is the bottleneck.

    The input size must be divisible by 32: the encoder halves the resolution five times, and each decoder
    step doubles it again and concatenates the skip of the same stride, so the sizes only match if no
    halving had to round (227 -> 113 -> 56 -> 28 -> 14 -> 7 would come back as 224, not 227).
    """
    if encoder not in ENCODERS:
        raise ValueError(f"encoder must be one of {ENCODERS}, got {encoder!r}")
    if input_size % 32 != 0:
        raise ValueError(f"input_size must be divisible by 32 (five 2x downsamplings), got {input_size}")
    if encoder == "small" and weights != "none":
        raise ValueError("the 'small' encoder has no pretrained weights: use weights='none'")

    image = keras.Input((input_size, input_size, 1), name="image")
    if encoder == "efficientnetb0":
        skips, x = _efficientnet_encoder(image, weights, input_size)
    else:
        skips, x = _small_encoder(image)

    *skip_filters, top_filters = DECODER_FILTERS[encoder]
    for level, (skip, filters) in enumerate(zip(reversed(skips), skip_filters)):
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"decoder{level}_up")(x)
        x = layers.Concatenate(name=f"decoder{level}_concat")([x, skip])
        x = _conv_block(x, filters, name=f"decoder{level}")
    x = layers.UpSampling2D(2, interpolation="bilinear", name="decoder_top_up")(x)
    x = _conv_block(x, top_filters, name="decoder_top")
    mask = layers.Conv2D(1, 1, activation="sigmoid", dtype="float32", name="mask")(x)
    return keras.Model(image, mask, name=f"unet_{encoder}")


# --------------------------------------------------------------------------------------------------
# Loss and metric


def dice_bce_loss(y_true, y_pred, smooth: float = 1.0):
    """Per-image binary cross-entropy + (1 - soft Dice).

    The smoothing term makes an empty mask predicted as empty score Dice ~1, so no_defect patches
    (empty masks) are a valid, low-loss target instead of a division by zero.
    """
    y_true = ops.cast(y_true, y_pred.dtype)
    bce = ops.mean(keras.losses.binary_crossentropy(y_true, y_pred), axis=(1, 2))
    intersection = ops.sum(y_true * y_pred, axis=(1, 2, 3))
    total = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3))
    dice = (2.0 * intersection + smooth) / (total + smooth)
    return bce + (1.0 - dice)


def hard_dice(y_true, y_pred, threshold: float = 0.5):
    """Per-image Dice of masks thresholded at `threshold`; two empty masks agree perfectly (1.0)."""
    pred = ops.cast(y_pred > threshold, "float32")
    true = ops.cast(y_true > 0.5, "float32")
    intersection = ops.sum(true * pred, axis=(1, 2, 3))
    total = ops.sum(true, axis=(1, 2, 3)) + ops.sum(pred, axis=(1, 2, 3))
    return ops.where(total > 0, 2.0 * intersection / ops.maximum(total, 1.0), 1.0)


# --------------------------------------------------------------------------------------------------
# 227 <-> 224


def _is_binary(array: np.ndarray) -> bool:
    return array.dtype == bool or bool(np.isin(array, (0, 1)).all())



# --------------------------------------------------------------------------------------------------
# Training


CHECKPOINT_SUFFIXES = (".keras", ".weights.h5")


@dataclass
class UNetTrainConfig:
    batch_size: int = 8
    epochs: int = 30
    learning_rate: float = 1e-3
    patience: int = 5  # epochs without a lower val loss before training stops
    seed: int = 42
    augment: bool = True
    checkpoint_path: str | None = None  # .keras (whole model) or .weights.h5; the best epoch is saved there
    reduce_lr_patience: int = 2  # epochs without a lower val loss before the learning rate is cut
    reduce_lr_factor: float = 0.5
    min_lr: float = 1e-6
    recalibration_images: int = 512  # training images sampled for the BatchNorm re-estimation

    def __post_init__(self) -> None:
        for name in ("batch_size", "epochs", "patience", "reduce_lr_patience", "recalibration_images"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0.0 < self.reduce_lr_factor < 1.0:
            raise ValueError(f"reduce_lr_factor must be in (0, 1), got {self.reduce_lr_factor}")
        if self.checkpoint_path is not None and not str(self.checkpoint_path).endswith(CHECKPOINT_SUFFIXES):
            raise ValueError(
                f"checkpoint_path must end in {' or '.join(CHECKPOINT_SUFFIXES)}, got {self.checkpoint_path!r}"
            )


def _check_pair(name: str, pair, size: int) -> tuple[np.ndarray, np.ndarray]:
    images, masks = (np.asarray(a) for a in pair)
    if masks.ndim == 3:
        masks = masks[..., None]
    expected = (size, size, 1)
    if images.shape[1:] != expected or masks.shape[1:] != expected or len(images) != len(masks) or not len(images):
        raise ValueError(
            f"{name}: expected non-empty images and masks of shape (N, {size}, {size}, 1), got {images.shape} and "
            f"{masks.shape}; resize {PATCH_SIZE}x{PATCH_SIZE} patches with to_unet_size first"
        )
    if not _is_binary(masks):
        raise ValueError(f"{name}: masks must contain only 0 and 1")
    return images.astype(np.float32), masks.astype(np.float32)


def _train_dataset(images, masks, config: UNetTrainConfig, epoch: int) -> tf.data.Dataset:
    """(image, mask) batches, shuffled and augmented anew but reproducibly each epoch. Empty masks stay in."""
    epoch_seed = config.seed * 1000 + epoch
    dataset = tf.data.Dataset.from_tensor_slices((images, masks)).shuffle(len(images), seed=epoch_seed)
    if config.augment:
        # Same flips/rotation for image and mask; the mask is re-binarised after interpolation.
        dataset = augment_dataset(dataset, seed=epoch_seed, masks=True)
    return dataset.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)


def evaluate_unet(model: keras.Model, images, masks, batch_size: int = 32) -> tuple[float, float]:
    """Inference-mode (mean Dice+BCE loss, mean hard Dice) over a set."""
    probs = model.predict(np.asarray(images, np.float32), batch_size=batch_size, verbose=0)
    masks = np.asarray(masks, np.float32).reshape(probs.shape)
    loss = ops.convert_to_numpy(dice_bce_loss(masks, probs))
    dice = ops.convert_to_numpy(hard_dice(masks, probs))
    return float(np.mean(loss)), float(np.mean(dice))


def train_unet(model: keras.Model, train, val, config: UNetTrainConfig, live=None) -> dict:
    """Trains on train = (images (N, 224, 224, 1) 0..255, masks (N, 224, 224[, 1]) 0/1), monitoring
    val = (images, masks); restores the weights of the epoch with the lowest inference-mode val loss.

    Every epoch: train on shuffled (and augmented) pairs, re-estimate the BatchNorm statistics on a sample of the
    un-augmented training images (see riawelc.learn.batchnorm), then compute val loss/Dice in inference mode for the
    checkpoint, reduce-LR-on-plateau and early stopping.

    live: an optional dvclive.Live; per epoch it gets fit/loss, fit/dice (training mode, augmented), val/loss,
    val/dice, learning_rate, then next_step().

    Returns {"history": {metric: [one value per epoch]}, "best_epoch" (1-based), "best_val_loss",
    "best_val_dice", "epochs_run", "stopped_early"}.
    """
    keras.utils.set_random_seed(config.seed)
    size = model.input_shape[1]
    x_train, y_train = _check_pair("train", train, size)
    x_val, y_val = _check_pair("val", val, size)
    rng = np.random.default_rng(config.seed)
    sample = rng.choice(len(x_train), min(len(x_train), config.recalibration_images), replace=False)
    recalibration_set = x_train[np.sort(sample)]

    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss=dice_bce_loss, metrics=[hard_dice])
    history: dict[str, list] = {
        key: [] for key in ("epoch", "learning_rate", "fit_loss", "fit_dice", "val_loss", "val_dice", "seconds")
    }
    best = {"val_loss": math.inf, "val_dice": float("nan"), "epoch": 0, "weights": model.get_weights()}
    plateau = Plateau(config.patience, config.reduce_lr_patience, config.reduce_lr_factor, config.min_lr)
    stopped_early = False

    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        fit = model.fit(_train_dataset(x_train, y_train, config, epoch), epochs=1, shuffle=False, verbose=0).history
        recalibrate_batchnorm(model, recalibration_set, max(config.batch_size, 32))
        val_loss, val_dice = evaluate_unet(model, x_val, y_val, max(config.batch_size, 32))
        row = {
            "epoch": epoch, "learning_rate": float(ops.convert_to_numpy(model.optimizer.learning_rate)),
            "fit_loss": float(fit["loss"][-1]), "fit_dice": float(fit["hard_dice"][-1]),
            "val_loss": val_loss, "val_dice": val_dice, "seconds": time.perf_counter() - started,
        }
        for key, value in row.items():
            history[key].append(value)
        log_epoch(live, row, ("fit_loss", "fit_dice", "val_loss", "val_dice"))
        print_progress("unet", row, config.epochs, ("fit_loss", "fit_dice", "val_loss", "val_dice"), history["seconds"])

        if val_loss < best["val_loss"]:
            best = {"val_loss": val_loss, "val_dice": val_dice, "epoch": epoch, "weights": model.get_weights()}
            if config.checkpoint_path:
                save_checkpoint(model, config.checkpoint_path)
        if plateau.step(val_loss, model.optimizer):
            stopped_early = True
            break

    model.set_weights(best["weights"])
    return {
        "history": history,
        "best_epoch": best["epoch"],
        "best_val_loss": best["val_loss"],
        "best_val_dice": best["val_dice"],
        "epochs_run": len(history["epoch"]),
        "stopped_early": stopped_early,
    }
