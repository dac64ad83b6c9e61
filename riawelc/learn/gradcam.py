"""Class activation maps from Keras models: the two-output predictor the stages run, and classic Grad-CAM with a
gradient tape (the reference the gradient-free maps of riawelc.inspect.cam are tested against)."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from riawelc.learn.models import cam_model


def load_cam_predictor(model_path: Path):
    """The saved classifier as a model with two outputs, [probabilities, cams] (features are left out: at
    EfficientNet's 1280 channels they would not fit in memory for a whole dataset)."""
    full = cam_model(keras.models.load_model(model_path))
    return keras.Model(full.input, full.outputs[2:])


def gradcam_model(model):
    """The Keras model `gradcam_with_tape` runs: pixels -> (`features`, `logits`) of the classifier `model`."""
    return keras.Model(model.inputs, [model.get_layer("features").output, model.get_layer("logits").output])


def gradcam_with_tape(model, images: np.ndarray, class_indices: np.ndarray, grad_model=None) -> np.ndarray:
    """Classic Grad-CAM (reference implementation, needs TensorFlow): (N, h, w) maps at the `features` resolution.

    Gradients of the `logits` of each image's class with respect to the `features` layer, averaged over space,
    weight the feature channels; the weighted sum goes through relu. Dropout is off (training=False). Used by the
    tests to check that the gradient-free `cams` give the same maps, up to the factor 1 / (h * w), and by
    scripts/bench_service.py as the reference design's request handler. `grad_model` (from `gradcam_model`) saves
    building it on every call.
    """
    grad_model = grad_model or gradcam_model(model)
    images = tf.convert_to_tensor(images, dtype=tf.float32)
    class_indices = tf.convert_to_tensor(np.asarray(class_indices), dtype=tf.int32)
    with tf.GradientTape() as tape:
        features, logits = grad_model(images, training=False)
        # Each image's logit depends only on its own features, so one sum gives all per-image gradients.
        target = tf.reduce_sum(tf.gather(logits, class_indices, axis=1, batch_dims=1))
    grads = tape.gradient(target, features)
    channel_weights = tf.reduce_mean(grads, axis=(1, 2))  # (N, K)
    maps = tf.einsum("bhwk,bk->bhw", features, channel_weights)
    return tf.nn.relu(maps).numpy()
