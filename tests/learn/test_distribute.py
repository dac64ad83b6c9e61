"""MirroredStrategy training on two logical CPUs.

Logical devices must be configured before TensorFlow initialises, which the test process has long done, so the
training runs in a fresh Python subprocess that prints its findings as JSON.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
import numpy as np
import tensorflow as tf

cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

from riawelc.learn.batchnorm import batchnorm_layers
from riawelc.learn.models import build_classifier
from riawelc.learn.training import TrainConfig, strategy_for, train_classifier

strategy = strategy_for("mirrored")
with strategy.scope():
    model = build_classifier("smallcnn", input_size=32)
kernel_before = model.get_layer("logits").kernel.numpy().copy()
rng = np.random.default_rng(0)
images = rng.uniform(0, 255, (8, 32, 32, 1)).astype(np.float32)
labels = np.arange(8) % 4
config = TrainConfig(batch_size=4, frozen_epochs=1, finetune_epochs=0, distribute="mirrored", seed=0)
result = train_classifier(model, (images, labels), (images, labels), config)
print(json.dumps({
    "strategy_replicas": strategy.num_replicas_in_sync,
    "result_replicas": result["replicas"],
    "val_loss": result["history"]["val_loss"][0],
    "head_changed": bool(not np.allclose(kernel_before, model.get_layer("logits").kernel.numpy())),
    "bn_recalibrated": bool(all(np.any(layer.moving_mean.numpy() != 0) for layer in batchnorm_layers(model))),
}))
"""


def test_mirrored_training_on_two_logical_cpus():
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    findings = json.loads(completed.stdout.strip().splitlines()[-1])
    assert findings["strategy_replicas"] == findings["result_replicas"] == 2
    assert findings["head_changed"]
    assert findings["bn_recalibrated"]
    assert findings["val_loss"] > 0
