"""Training-time augmentation for patches (and patch + mask pairs), deterministic given a seed.

Geometric: random horizontal and vertical flips and a rotation of up to +-10 degrees (reflect padding).
Photometric (image only): brightness shift, contrast change and gaussian noise, clipped to 0..255.
All randomness is stateless (tf.random.stateless_*): the same seed always gives the same result.

Use on single examples (height, width, channels) with raw pixels 0..255, inside tf.data:

    dataset = augment_dataset(tf.data.Dataset.from_tensor_slices((images, labels)), seed=epoch_seed)
    dataset = augment_dataset(tf.data.Dataset.from_tensor_slices((images, masks)), seed=epoch_seed, masks=True)

Pass a different seed every epoch for new (but reproducible) transforms.
"""

from __future__ import annotations

import math

import tensorflow as tf

MAX_ROTATION_DEGREES = 10.0
MAX_BRIGHTNESS_DELTA = 0.1 * 255.0  # additive, in pixel units
CONTRAST_RANGE = (0.8, 1.2)  # multiplicative, around the image mean
MAX_NOISE_STD = 2.5  # gaussian noise std in pixel units, drawn per image in [0, MAX_NOISE_STD]; about film grain


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


def _photometric(image: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    brightness_seed, contrast_seed, std_seed, noise_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 4)
    )
    image = image + tf.random.stateless_uniform([], brightness_seed, -MAX_BRIGHTNESS_DELTA, MAX_BRIGHTNESS_DELTA)
    factor = tf.random.stateless_uniform([], contrast_seed, *CONTRAST_RANGE)
    mean = tf.reduce_mean(image)
    image = (image - mean) * factor + mean
    noise_std = tf.random.stateless_uniform([], std_seed, 0.0, MAX_NOISE_STD)
    image = image + noise_std * tf.random.stateless_normal(tf.shape(image), noise_seed)
    return tf.clip_by_value(image, 0.0, 255.0)


def _check_seed(seed) -> tf.Tensor:
    seed = tf.convert_to_tensor(seed)
    if seed.shape.rank is not None and seed.shape != (2,):
        raise ValueError(f"seed must be a shape (2,) integer tensor, got shape {seed.shape}")
    return tf.cast(seed, tf.int64)


def _as_input_dtype(image: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    return tf.cast(tf.round(image), dtype) if dtype.is_integer else tf.cast(image, dtype)


def augment_image(image, seed) -> tf.Tensor:
    """A randomly flipped, rotated, brightened/contrasted and noised copy of one (height, width, channels)
    image with pixels 0..255. Same shape and dtype; `seed` is a (2,) integer tensor."""
    image = tf.convert_to_tensor(image)
    if image.shape.rank != 3:
        raise ValueError(f"augment_image takes one image (height, width, channels), got shape {image.shape}")
    seed = _check_seed(seed)
    geometric_seed, photometric_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    augmented = _photometric(_geometric(tf.cast(image, tf.float32), geometric_seed), photometric_seed)
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


def augment_example(image, label, seed) -> tuple[tf.Tensor, tf.Tensor]:
    """tf.data-friendly: (image, label, seed) -> (augmented image, label)."""
    return augment_image(image, seed), label


def augment_dataset(dataset: tf.data.Dataset, seed: int, masks: bool = False) -> tf.data.Dataset:
    """Augments every (image, label) element, or every (image, mask) element when masks=True.

    Each element gets its own stateless seed from a stream seeded by `seed`; the output is the same on every
    iteration and every run for the same seed (use seed + epoch for fresh transforms each epoch).
    """
    seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)
    augment = augment_image_and_mask if masks else augment_example
    return tf.data.Dataset.zip((dataset, seeds)).map(
        lambda example, example_seed: augment(example[0], example[1], example_seed),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
