"""Same params, same bits: seed every random source before anything random happens (model construction
included) and make TensorFlow's kernels deterministic.

Measured on the embedded sample (2 CPU cores): a smallcnn epoch costs the same within noise with op determinism
on; the README gives the figures. On a GPU some kernels (e.g. the gradients of image resizing) have no
deterministic implementation and raise an error with it on: the GPU profile turns it off.
"""

from __future__ import annotations


def seed_everything(seed: int, deterministic_ops: bool = True) -> None:
    """Seeds Python's `random`, NumPy's global generator, TensorFlow and Keras's global seed generator (so
    initial weights, dropout and tf.data shuffles are drawn from `seed`), and optionally turns on TensorFlow's
    op determinism (a process-wide switch that cannot be turned off again)."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic_ops:
        tf.config.experimental.enable_op_determinism()
