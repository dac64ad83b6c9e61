"""Patch classifiers: a registry of backbones with one shared, CAM-friendly head.

Every classifier takes raw pixels, float32 (N, size, size, 1) in 0..255; scaling and grayscale -> RGB happen
inside the model, so the exported ONNX graph takes raw pixels too. The graph is

    pixels -> preprocessing -> backbone (a nested keras.Model named "backbone") -> features (Identity)
           -> GlobalAveragePooling2D -> Dropout -> Dense "logits" -> Softmax "probabilities"

With this head the class activation map of class c, sum_k W[k, c] * features_k, is exactly Grad-CAM of the
logit of class c (up to the constant 1 / (h * w)). `cam_model` adds those maps as a fourth output, so they come
from one forward pass without gradients (the exported model and the service use it).
"""

from __future__ import annotations

import math
import os
import socket
from pathlib import Path
from typing import Callable

import keras
import numpy as np
from keras import layers, ops

from riawelc.constants import CLASSES, PATCH_SIZE

HIGHPASS_SIGMA = 8.0  # px: pores and crack widths are 5-40 px, the seam band hundreds
WEIGHT_FILE_SUFFIXES = (".weights.h5", ".h5", ".keras")
DOWNLOAD_TIMEOUT_SECONDS = 10


@keras.saving.register_keras_serializable(package="riawelc")
class PerImageStandardization(layers.Layer):
    """(x - mean) / (std + 1) over each image: film exposure varies a lot between radiographs, defects are
    local contrast. The +1 (grey level) keeps flat patches finite."""

    def call(self, x):
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        std = ops.std(x, axis=(1, 2, 3), keepdims=True)
        return (x - mean) / (std + 1.0)


@keras.saving.register_keras_serializable(package="riawelc")
class LocalBackgroundSubtraction(layers.Layer):
    """x minus its gaussian blur (sigma in pixels, reflect padding): removes the seam's brightness profile and the
    film's exposure, keeps what is darker or brighter than its surroundings at the scale of defects."""

    def __init__(self, sigma: float = 8.0, **kwargs):
        super().__init__(**kwargs)
        self.sigma = float(sigma)
        self.radius = int(math.ceil(3 * self.sigma))
        offsets = np.arange(-self.radius, self.radius + 1, dtype=np.float32)
        kernel = np.exp(-(offsets**2) / (2 * self.sigma**2))
        self.kernel = (kernel / kernel.sum()).astype(np.float32)

    def call(self, x):
        r = self.radius
        padded = ops.pad(x, [[0, 0], [r, r], [r, r], [0, 0]], mode="reflect")
        rows = ops.convert_to_tensor(self.kernel.reshape(-1, 1, 1, 1))
        cols = ops.convert_to_tensor(self.kernel.reshape(1, -1, 1, 1))
        background = ops.depthwise_conv(ops.depthwise_conv(padded, rows, padding="valid"), cols, padding="valid")
        return x - background

    def get_config(self):
        return {**super().get_config(), "sigma": self.sigma}


def _small_cnn(input_size: int, highpass_sigma: float | None = None) -> keras.Model:
    """Five conv/BN/ReLU blocks; four 2x poolings leave a 14x14 feature map for 227 pixels, fine enough for
    class activation maps, with a receptive field wide enough to tell a crack from lack of penetration.
    highpass_sigma: subtract the local background first (smallcnn_highpass, for real films)."""
    inputs = keras.Input((input_size, input_size, 1), name="backbone_input")
    x = inputs
    if highpass_sigma is not None:
        x = LocalBackgroundSubtraction(highpass_sigma, name="highpass")(x)
    x = PerImageStandardization(name="standardize")(x)
    for i, filters in enumerate((16, 32, 64, 96, 128)):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"block{i + 1}_conv")(x)
        x = layers.BatchNormalization(name=f"block{i + 1}_bn")(x)
        x = layers.ReLU(name=f"block{i + 1}_relu")(x)
        if i < 4:
            x = layers.MaxPooling2D(2, name=f"block{i + 1}_pool")(x)
    return keras.Model(inputs, x, name="backbone")


def _efficientnet_b0(input_size: int, imagenet: bool) -> keras.Model:
    # EfficientNet rescales 0..255 -> 0..1 (and normalises with ImageNet statistics) inside the application.
    return keras.applications.EfficientNetB0(
        include_top=False, weights="imagenet" if imagenet else None, input_shape=(input_size, input_size, 3)
    )


def _resnet50_v2(input_size: int, imagenet: bool) -> keras.Model:
    return keras.applications.ResNet50V2(
        include_top=False, weights="imagenet" if imagenet else None, input_shape=(input_size, input_size, 3)
    )


def _to_rgb_0_255(x):
    return layers.Concatenate(name="gray_to_rgb")([x, x, x])


def _to_rgb_minus1_1(x):
    # ResNetV2's ImageNet preprocessing ("tf" mode) is x / 127.5 - 1, not part of the keras application.
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="scale")(x)
    return layers.Concatenate(name="gray_to_rgb")([x, x, x])


# name -> (backbone builder(input_size, imagenet), preprocessing applied before the backbone, keras cache file)
BACKBONES: dict[str, tuple[Callable, Callable | None, str | None]] = {
    "efficientnetb0": (_efficientnet_b0, _to_rgb_0_255, "efficientnetb0_notop.h5"),
    "resnet50v2": (_resnet50_v2, _to_rgb_minus1_1, "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    "smallcnn": (lambda size, imagenet: _small_cnn(size), None, None),
    # Real films: defects are local darkness on a seam whose brightness profile and exposure vary from film to
    # film; the background (gaussian, sigma 8 px) is subtracted before standardising.
    "smallcnn_highpass": (lambda size, imagenet: _small_cnn(size, HIGHPASS_SIGMA), None, None),
}
DEFAULT_MODEL = "efficientnetb0"


def imagenet_cache_file(name: str) -> Path | None:
    """Where keras caches the ImageNet weights of backbone `name` (None if it has none)."""
    file_name = BACKBONES[name][2]
    keras_home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return Path(keras_home) / "models" / file_name if file_name else None


def _imagenet_backbone(name: str, input_size: int) -> keras.Model:
    """Builds a backbone with ImageNet weights, failing fast and clearly when they cannot be downloaded.

    Keras looks in its cache (~/.keras/models, or $KERAS_HOME/models) first; only a missing file is downloaded,
    here with a short socket timeout so that an offline machine gets an error instead of a hang.
    """
    build, cache_file = BACKBONES[name][0], imagenet_cache_file(name)
    if cache_file is None:
        raise ValueError(f"model {name!r} has no ImageNet weights: use weights 'none' or a local weights file")
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_SECONDS)
    try:
        return build(input_size, True)
    except Exception as error:  # keras turns every fetch failure into a bare Exception
        if "fetch failure" not in str(error) and not isinstance(error, OSError):
            raise
        raise RuntimeError(
            f"ImageNet weights for {name} are not available: the download failed ({error}). "
            f"Offline, set `classify.weights: none` (train from scratch) or `classify.weights: <path>` "
            f"to a local weights file, or put {cache_file.name} into {cache_file.parent}/."
        ) from None
    finally:
        socket.setdefaulttimeout(previous_timeout)


def build_backbone(name: str, weights: str, input_size: int) -> keras.Model:
    """The bare backbone, without head or the preprocessing in BACKBONES (EfficientNet takes RGB 0..255,
    ResNet50V2 RGB in -1..1, smallcnn raw gray), with weights "imagenet" (fast, clear error offline), "none"
    or a local weights file."""
    if name not in BACKBONES:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(BACKBONES)}")
    if weights == "imagenet":
        return _imagenet_backbone(name, input_size)
    backbone = BACKBONES[name][0](input_size, False)
    if weights != "none":
        path = Path(weights)
        if not path.name.endswith(WEIGHT_FILE_SUFFIXES):
            raise ValueError(
                f"weights must be 'imagenet', 'none' or a path ending in {'/'.join(WEIGHT_FILE_SUFFIXES)}, "
                f"got {weights!r}"
            )
        if not path.is_file():
            raise ValueError(f"weights file {weights!r} does not exist")
        backbone.load_weights(str(path))
    return backbone


def build_classifier(
    name: str = DEFAULT_MODEL, weights: str = "none", dropout: float = 0.2, input_size: int = PATCH_SIZE
) -> keras.Model:
    """A classifier for (N, input_size, input_size, 1) raw pixels -> (N, len(CLASSES)) probabilities.

    name: one of BACKBONES. weights: "imagenet", "none" (random init) or the path of a local .weights.h5 / .h5 /
    .keras file with weights for the backbone alone. To train with tf.distribute, call this inside
    `strategy.scope()` (see riawelc.learn.training.strategy_for).
    """
    if name not in BACKBONES:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(BACKBONES)}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    backbone = build_backbone(name, weights, input_size)
    preprocess = BACKBONES[name][1]

    pixels = keras.Input((input_size, input_size, 1), name="pixels")
    x = preprocess(pixels) if preprocess else pixels
    features = layers.Identity(name="features")(backbone(x))
    x = layers.GlobalAveragePooling2D(name="pool")(features)
    x = layers.Dropout(dropout, name="dropout")(x)
    logits = layers.Dense(len(CLASSES), name="logits")(x)
    probabilities = layers.Softmax(name="probabilities")(logits)
    return keras.Model(pixels, probabilities, name=f"{name}_classifier")


def backbone_of(model: keras.Model) -> keras.Model:
    """The nested backbone model of a classifier from build_classifier (keras applications name it after the
    architecture, e.g. "efficientnetb0"; it is the one layer that is itself a keras.Model)."""
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if len(nested) != 1:
        raise ValueError(
            f"model {model.name!r} should hold exactly one nested backbone model, found {[m.name for m in nested]}"
        )
    return nested[0]


def backbone_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The backbone's layers in order; fine-tuning "from index N" unfreezes backbone_layers(model)[N:]."""
    return list(backbone_of(model).layers)




class ClassActivationMaps(layers.Layer):
    """Every class's activation map: features weighted by the kernel of the logits layer, without its bias."""

    def __init__(self, logits_layer: layers.Dense, **kwargs):
        super().__init__(**kwargs)
        self.logits_layer = logits_layer

    def call(self, features):
        return ops.einsum("bhwk,kc->bhwc", features, self.logits_layer.kernel)


def cam_model(classifier: keras.Model) -> keras.Model:
    """The classifier with four outputs: [features, logits, probabilities, cams].

    cams[b, h, w, c] = sum_k features[b, h, w, k] * logits.kernel[k, c]: the class activation map of every
    class at the features resolution (the raw, signed maps; see riawelc.inspect.cam for scaling). Shares its weights
    with `classifier`.
    """
    features = classifier.get_layer("features").output
    logits_layer = classifier.get_layer("logits")
    cams = ClassActivationMaps(logits_layer, name="cams")(features)
    outputs = [features, logits_layer.output, classifier.get_layer("probabilities").output, cams]
    return keras.Model(classifier.input, outputs, name=f"{classifier.name}_cams")
