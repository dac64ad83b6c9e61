"""Re-estimating BatchNorm moving statistics ("precise BN") after weight updates.

Why: BatchNorm trains with the statistics of each batch but predicts with moving averages that lag behind the
changing weights. Measured on this project: EfficientNetB0 from scratch on 400 synthetic patches reached 0.82
accuracy in training mode after 4 epochs while its inference-mode accuracy stayed at chance (0.25); one pass
over the training data in training mode without weight updates, re-estimating the statistics, brought test
accuracy to 0.88. The training loop therefore recalibrates after every epoch, before it measures anything.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def batchnorm_layers(model: keras.layers.Layer, trainable_only: bool = True) -> list[keras.layers.BatchNormalization]:
    """Every BatchNormalization layer in `model`, nested models included (each shared layer once).

    With trainable_only, layers with trainable=False are skipped: keras runs those in inference mode and never
    updates their statistics (frozen pretrained BN stays as it is).
    """
    found, seen = [], set()
    for layer in model._flatten_layers(include_self=True, recursive=True):
        if isinstance(layer, keras.layers.BatchNormalization) and id(layer) not in seen:
            seen.add(id(layer))
            if layer.trainable or not trainable_only:
                found.append(layer)
    return found


def recalibrate_batchnorm(model: keras.Model, images: np.ndarray, batch_size: int = 32) -> int:
    """Replaces the moving mean/variance of every trainable BatchNorm layer in `model` by the mean/variance of
    that layer's input over `images`, in one forward pass in training mode. Returns how many layers it set.

    Statistics are exact over the pass: per batch, each layer's momentum is 0 so its moving stats become that
    batch's statistics, which are accumulated as sums of E[x] and E[x^2] weighted by batch size. (The same as
    a cumulative moving average with momentum 1 - 1/(i+1), but with the between-batch spread of the means in
    the variance.) Upstream layers normalise with batch statistics meanwhile, as in training.

    No other weight changes: there is no optimizer step, and frozen BN layers (trainable=False) are left alone.
    Only the random-seed state of Dropout layers advances. Works for nested models and any single-input model.
    """
    images = np.asarray(images)
    if images.ndim < 2 or len(images) == 0:
        raise ValueError(f"recalibrate_batchnorm needs a non-empty batch of images, got shape {images.shape}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    layers = batchnorm_layers(model)
    if not layers:
        return 0

    momenta = [layer.momentum for layer in layers]
    mean_sums = [np.zeros(layer.moving_mean.shape, np.float64) for layer in layers]
    square_sums = [np.zeros(layer.moving_mean.shape, np.float64) for layer in layers]
    try:
        for layer in layers:
            layer.momentum = 0.0  # read when traced below: each step stores the batch statistics
        signature = tf.TensorSpec((None, *images.shape[1:]), tf.float32)
        forward = tf.function(lambda x: model(x, training=True), input_signature=[signature], autograph=False)
        for start in range(0, len(images), batch_size):
            batch = images[start : start + batch_size].astype(np.float32)
            forward(tf.constant(batch))
            for i, layer in enumerate(layers):
                mean = layer.moving_mean.numpy().astype(np.float64)
                variance = layer.moving_variance.numpy().astype(np.float64)
                mean_sums[i] += len(batch) * mean
                square_sums[i] += len(batch) * (variance + mean**2)
        for i, layer in enumerate(layers):
            mean = mean_sums[i] / len(images)
            variance = np.maximum(square_sums[i] / len(images) - mean**2, 0.0)
            layer.moving_mean.assign(mean.astype(layer.moving_mean.dtype))
            layer.moving_variance.assign(variance.astype(layer.moving_variance.dtype))
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return len(layers)
