"""Training-time augmentation for patches (and patch + mask pairs), deterministic given a seed.

Geometric: random horizontal and vertical flips and a rotation of up to +-10 degrees (reflect padding).
Photometric (image only): brightness shift, contrast change and gaussian noise, clipped to 0..255; optionally
(Photometric settings) a gamma curve and a gaussian blur, for the exposure, grain and sharpness spread between
real films. A model that standardises each patch (smallcnn) undoes brightness and contrast (up to clipping): for
it only gamma, noise and blur change what it sees.
All randomness is stateless (tf.random.stateless_*): the same seed always gives the same result.

Use on single examples (height, width, channels) with raw pixels 0..255, inside tf.data:

    dataset = augment_dataset(tf.data.Dataset.from_tensor_slices((images, labels)), seed=epoch_seed)
    dataset = augment_dataset(tf.data.Dataset.from_tensor_slices((images, masks)), seed=epoch_seed, masks=True)

Pass a different seed every epoch for new (but reproducible) transforms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import tensorflow as tf

MAX_ROTATION_DEGREES = 10.0
MAX_BRIGHTNESS_DELTA = 0.1 * 255.0  # additive, in pixel units
CONTRAST_RANGE = (0.8, 1.2)  # multiplicative, around the image mean
MAX_NOISE_STD = 2.5  # gaussian noise std in pixel units, drawn per image in [0, MAX_NOISE_STD]; about film grain


@dataclass(frozen=True)
class Photometric:
    """Ranges of the photometric transforms; the defaults are the embedded profile's (no gamma, no blur)."""

    contrast: tuple[float, float] = CONTRAST_RANGE  # multiplicative, around the image mean
    noise_std: float = MAX_NOISE_STD  # upper end of the per-image gaussian noise std, pixel units
    gamma: tuple[float, float] = (1.0, 1.0)  # 255 * (x / 255) ** g, g drawn log-uniformly; (1, 1) is off
    blur_sigma: float = 0.0  # upper end of the per-image gaussian blur sigma, pixels; 0 is off

    def __post_init__(self) -> None:
        # Params files give lists; tuples of floats keep the settings hashable and comparable.
        for name in ("contrast", "gamma"):
            value = tuple(float(v) for v in getattr(self, name))
            if len(value) != 2:
                raise ValueError(f"{name} must be a [low, high] pair, got {getattr(self, name)}")
            object.__setattr__(self, name, value)
        low, high = self.contrast
        if not 0 < low <= high:
            raise ValueError(f"contrast range must satisfy 0 < low <= high, got {self.contrast}")
        low, high = self.gamma
        if not 0 < low <= high:
            raise ValueError(f"gamma range must satisfy 0 < low <= high, got {self.gamma}")
        if self.noise_std < 0 or self.blur_sigma < 0:
            raise ValueError(f"noise_std and blur_sigma must be >= 0, got {self.noise_std}, {self.blur_sigma}")


DEFAULT_PHOTOMETRIC = Photometric()
BLUR_RADIUS_PER_SIGMA = 3  # kernel half-width = ceil(3 * blur_sigma)


def _rotate(stack: tf.Tensor, angle: tf.Tensor) -> tf.Tensor:
    """Rotates (height, width, channels) about its centre, bilinear, reflecting at the border."""
    height = tf.cast(tf.shape(stack)[0], tf.float32)
    width = tf.cast(tf.shape(stack)[1], tf.float32)
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Maps each output pixel (x, y) to the input pixel it samples (as keras.layers.RandomRotation does).
    x_offset = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2
    y_offset = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2
    transform = tf.stack([cos, -sin, x_offset, sin, cos, y_offset, 0.0, 0.0])[tf.newaxis]
    rotated = tf.raw_ops.ImageProjectiveTransformV3(
        images=stack[tf.newaxis],
        transforms=transform,
        output_shape=tf.shape(stack)[:2],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="REFLECT",
    )
    return rotated[0]


def _geometric(stack: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """One random flip/flip/rotation applied to all channels of `stack` alike (keeps image and mask aligned)."""
    flip_seed, vflip_seed, angle_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
    stack = tf.image.stateless_random_flip_left_right(stack, flip_seed)
    stack = tf.image.stateless_random_flip_up_down(stack, vflip_seed)
    max_angle = math.radians(MAX_ROTATION_DEGREES)
    angle = tf.random.stateless_uniform([], angle_seed, -max_angle, max_angle)
    return _rotate(stack, angle)


def _gamma(image: tf.Tensor, gamma_range: tuple[float, float], seed: tf.Tensor) -> tf.Tensor:
    log_gamma = tf.random.stateless_uniform([], seed, math.log(gamma_range[0]), math.log(gamma_range[1]))
    return 255.0 * tf.pow(tf.clip_by_value(image, 0.0, 255.0) / 255.0, tf.exp(log_gamma))


def _blur(image: tf.Tensor, max_sigma: float, seed: tf.Tensor) -> tf.Tensor:
    """Separable gaussian blur of (height, width, channels) with sigma drawn in [0, max_sigma] (reflect padding)."""
    radius = max(1, math.ceil(BLUR_RADIUS_PER_SIGMA * max_sigma))
    sigma = tf.random.stateless_uniform([], seed, 0.0, max_sigma)
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    kernel = tf.exp(-(offsets**2) / (2.0 * sigma**2 + 1e-6))  # sigma -> 0 leaves a delta: no blur
    kernel = kernel / tf.reduce_sum(kernel)
    channels = tf.shape(image)[-1]
    padded = tf.pad(image[tf.newaxis], [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    rows = tf.tile(tf.reshape(kernel, [-1, 1, 1, 1]), [1, 1, channels, 1])
    cols = tf.tile(tf.reshape(kernel, [1, -1, 1, 1]), [1, 1, channels, 1])
    blurred = tf.nn.depthwise_conv2d(padded, rows, [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(blurred, cols, [1, 1, 1, 1], "VALID")[0]


def _photometric(image: tf.Tensor, seed: tf.Tensor, settings: Photometric = DEFAULT_PHOTOMETRIC) -> tf.Tensor:
    brightness_seed, contrast_seed, std_seed, noise_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 4)
    )
    # Gamma and blur draw from seeds split off the noise seed only when they are on, so the default
    # transforms stay exactly what they were before these settings existed.
    if settings.gamma != (1.0, 1.0) or settings.blur_sigma > 0:
        noise_seed, gamma_seed, blur_seed = tf.unstack(tf.random.experimental.stateless_split(noise_seed, 3))
    if settings.gamma != (1.0, 1.0):
        image = _gamma(image, settings.gamma, gamma_seed)
    image = image + tf.random.stateless_uniform([], brightness_seed, -MAX_BRIGHTNESS_DELTA, MAX_BRIGHTNESS_DELTA)
    factor = tf.random.stateless_uniform([], contrast_seed, *settings.contrast)
    mean = tf.reduce_mean(image)
    image = (image - mean) * factor + mean
    if settings.blur_sigma > 0:
        image = _blur(image, settings.blur_sigma, blur_seed)
    noise_std = tf.random.stateless_uniform([], std_seed, 0.0, settings.noise_std)
    image = image + noise_std * tf.random.stateless_normal(tf.shape(image), noise_seed)
    return tf.clip_by_value(image, 0.0, 255.0)


def _check_seed(seed) -> tf.Tensor:
    seed = tf.convert_to_tensor(seed)
    if seed.shape.rank is not None and seed.shape != (2,):
        raise ValueError(f"seed must be a shape (2,) integer tensor, got shape {seed.shape}")
    return tf.cast(seed, tf.int64)


def _as_input_dtype(image: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    return tf.cast(tf.round(image), dtype) if dtype.is_integer else tf.cast(image, dtype)


def augment_image(image, seed, photometric: Photometric = DEFAULT_PHOTOMETRIC) -> tf.Tensor:
    """A randomly flipped, rotated, brightened/contrasted and noised copy of one (height, width, channels)
    image with pixels 0..255. Same shape and dtype; `seed` is a (2,) integer tensor."""
    image = tf.convert_to_tensor(image)
    if image.shape.rank != 3:
        raise ValueError(f"augment_image takes one image (height, width, channels), got shape {image.shape}")
    seed = _check_seed(seed)
    geometric_seed, photometric_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    augmented = _photometric(_geometric(tf.cast(image, tf.float32), geometric_seed), photometric_seed, photometric)
    return _as_input_dtype(augmented, image.dtype)


def augment_image_and_mask(image, mask, seed) -> tuple[tf.Tensor, tf.Tensor]:
    """Augments an image as augment_image does and moves its 0/1 mask by the same flips and rotation.

    The mask is interpolated with the image, then re-binarised at 0.5, so it stays 0/1 and aligned.
    """
    image, mask = tf.convert_to_tensor(image), tf.convert_to_tensor(mask)
    if image.shape.rank != 3 or mask.shape.rank != 3:
        raise ValueError(f"image and mask must be (height, width, channels), got {image.shape} and {mask.shape}")
    if image.shape[:2] != mask.shape[:2]:
        raise ValueError(f"image {image.shape} and mask {mask.shape} differ in height/width")
    seed = _check_seed(seed)
    geometric_seed, photometric_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    channels = image.shape[-1]
    stack = tf.concat([tf.cast(image, tf.float32), tf.cast(mask, tf.float32)], axis=-1)
    stack = _geometric(stack, geometric_seed)
    moved_image, moved_mask = stack[..., :channels], stack[..., channels:]
    augmented = _photometric(moved_image, photometric_seed)
    binary_mask = tf.cast(moved_mask >= 0.5, mask.dtype)
    return _as_input_dtype(augmented, image.dtype), binary_mask


def augment_example(image, label, seed, photometric: Photometric = DEFAULT_PHOTOMETRIC) -> tuple[tf.Tensor, tf.Tensor]:
    """tf.data-friendly: (image, label, seed) -> (augmented image, label)."""
    return augment_image(image, seed, photometric), label


def augment_dataset(dataset: tf.data.Dataset, seed: int, masks: bool = False,
                    photometric: Photometric = DEFAULT_PHOTOMETRIC) -> tf.data.Dataset:
    """Augments every (image, label) element, or every (image, mask) element when masks=True.

    Each element gets its own stateless seed from a stream seeded by `seed`; the output is the same on every
    iteration and every run for the same seed (use seed + epoch for fresh transforms each epoch).
    `photometric` applies to (image, label) elements; image + mask pairs keep the defaults (the U-Net's).
    """
    seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)
    if masks:
        augment = augment_image_and_mask
    else:
        def augment(image, label, example_seed):
            return augment_example(image, label, example_seed, photometric)
    return tf.data.Dataset.zip((dataset, seeds)).map(
        lambda example, example_seed: augment(example[0], example[1], example_seed),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
