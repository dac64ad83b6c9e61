"""Training the delineator (riawelc.inspect.delineator): a small U-Net that outlines defects as the hand masks do,
learned from masked films on 128-px tiles (half of them centred near a masked pixel, so the rare defects are seen),
with Dice + binary cross-entropy, and exported to ONNX for the inspection. Settings: the real-film params'
`delineator` section."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from riawelc.deploy.export import name_dimensions, rename_value, save_canonical
from riawelc.inspect.delineator import CHANNELS, INPUT_NAME, MULTIPLE, OUTPUT_NAME
from riawelc.learn.determinism import seed_everything


@dataclass(frozen=True)
class DelineatorParams:
    steps: int = 1500  # optimiser steps (one batch each)
    batch_size: int = 16
    tile: int = 128  # px, a multiple of 4
    learning_rate: float = 1e-3
    filters: tuple[int, int, int] = (16, 32, 64)  # per level; the last is the bottleneck
    centred: float = 0.5  # share of tiles centred within `jitter` px of a masked pixel
    jitter: int = 48
    seed: int = 0

    def __post_init__(self) -> None:
        if self.tile % MULTIPLE or self.tile < 2 * MULTIPLE:
            raise ValueError(f"tile must be a multiple of {MULTIPLE} of at least {2 * MULTIPLE} px, got {self.tile}")
        if self.steps < 1 or self.batch_size < 1 or len(self.filters) != 3 or min(self.filters) < 1:
            raise ValueError("steps and batch_size must be >= 1 and filters three positive numbers")
        if not 0.0 <= self.centred <= 1.0:
            raise ValueError(f"centred must be in [0, 1], got {self.centred}")


def build_delineator(filters: tuple[int, int, int] = (16, 32, 64)) -> keras.Model:
    """Maps (N, H, W, 2), H and W multiples of 4 -> P(defect) (N, H, W, 1): two levels down, two up."""

    def block(x, n):
        x = layers.Conv2D(n, 3, padding="same", activation="relu")(x)
        return layers.Conv2D(n, 3, padding="same", activation="relu")(x)

    maps = keras.Input((None, None, CHANNELS), name=INPUT_NAME)
    e1 = block(maps, filters[0])
    e2 = block(layers.MaxPooling2D()(e1), filters[1])
    bottom = block(layers.MaxPooling2D()(e2), filters[2])
    d2 = block(layers.Concatenate()([layers.UpSampling2D()(bottom), e2]), filters[1])
    d1 = block(layers.Concatenate()([layers.UpSampling2D()(d2), e1]), filters[0])
    return keras.Model(maps, layers.Conv2D(1, 1, activation="sigmoid", name=OUTPUT_NAME)(d1), name="delineator")


def _loss(truth, predicted):
    bce = tf.reduce_mean(keras.losses.binary_crossentropy(truth, predicted))
    overlap = tf.reduce_sum(truth * predicted)
    return bce + 1.0 - (2.0 * overlap + 1.0) / (tf.reduce_sum(truth) + tf.reduce_sum(predicted) + 1.0)


def tile_batch(films: list[tuple[np.ndarray, np.ndarray]], params: DelineatorParams,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One batch of (maps, truth) tiles; the films take turns, each tile flipped at random."""
    half = params.tile // 2
    xs, ys = [], []
    for k in range(params.batch_size):
        maps, truth = films[k % len(films)]
        h, w = truth.shape
        rows, cols = np.nonzero(truth)
        if len(rows) and rng.random() < params.centred:
            j = rng.integers(len(rows))
            cy = int(np.clip(rows[j] + rng.integers(-params.jitter, params.jitter + 1), half, h - half))
            cx = int(np.clip(cols[j] + rng.integers(-params.jitter, params.jitter + 1), half, w - half))
        else:
            cy, cx = int(rng.integers(half, h - half + 1)), int(rng.integers(half, w - half + 1))
        x = maps[cy - half:cy + half, cx - half:cx + half]
        y = truth[cy - half:cy + half, cx - half:cx + half, None].astype(np.float32)
        if rng.random() < 0.5:
            x, y = x[:, ::-1], y[:, ::-1]
        if rng.random() < 0.5:
            x, y = x[::-1], y[::-1]
        xs.append(x)
        ys.append(y)
    return np.ascontiguousarray(np.stack(xs)), np.ascontiguousarray(np.stack(ys))


def train_delineator(films: list[tuple[np.ndarray, np.ndarray]], params: DelineatorParams = DelineatorParams(),
                     log=print) -> keras.Model:
    """A delineator trained on (maps from riawelc.inspect.delineator_maps, bool truth mask) pairs, each film at least
    a tile in both sides; same params and films, same weights."""
    if not films:
        raise ValueError("the delineator needs at least one masked film to learn from")
    for maps, truth in films:
        if maps.shape[:2] != truth.shape or maps.shape[-1] != CHANNELS:
            raise ValueError(f"maps {maps.shape} and truth {truth.shape} do not match")
        if min(truth.shape) < params.tile:
            raise ValueError(f"a film of {truth.shape[1]} x {truth.shape[0]} px is smaller than a {params.tile}-px tile")
    seed_everything(params.seed)
    rng = np.random.default_rng(params.seed)
    model = build_delineator(tuple(params.filters))
    optimizer = keras.optimizers.Adam(params.learning_rate)

    # Run eagerly, one op at a time: as a tf.function the graph ran independent ops at once and the same params gave
    # other weights in another process (measured: 4 steps, three processes, three sets of weights). About 30 %
    # slower, and the same weights in every run.
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = _loss(y, model(x, training=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    started, losses = time.perf_counter(), []
    for k in range(params.steps):
        x, y = tile_batch(films, params, rng)
        losses.append(float(step(tf.constant(x), tf.constant(y))))
        if (k + 1) % 250 == 0 or k + 1 == params.steps:
            log(f"    delineator step {k + 1}/{params.steps}: loss {np.mean(losses[-250:]):.3f} "
                f"({time.perf_counter() - started:.0f} s)")
    return model


def export_delineator(model: keras.Model, path: str | Path, opset: int = 17) -> Path:
    """The delineator as ONNX at `path` (input "maps" (N, H, W, 2), output "outline"), in canonical bytes."""
    import tf2onnx

    signature = (tf.TensorSpec((None, None, None, CHANNELS), tf.float32, name=INPUT_NAME),)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=signature, opset=opset)
    if len(proto.graph.output) != 1:
        raise RuntimeError(f"the delineator's ONNX graph has {len(proto.graph.output)} outputs, expected one")
    rename_value(proto.graph, proto.graph.output[0].name, OUTPUT_NAME)
    name_dimensions(proto.graph, ("batch", "height", "width"))
    return save_canonical(proto, path)
