"""Same params, same bits: a tiny classifier and a tiny U-Net trained twice from the same seed end with identical
weights, and another seed gives other weights (seeding happens before the model is built, as in the stages)."""

import numpy as np
import pytest

from riawelc.learn.determinism import seed_everything
from riawelc.learn.models import build_classifier
from riawelc.learn.training import TrainConfig, train_classifier
from riawelc.learn.unet import UNetTrainConfig, build_unet, train_unet
from tests.learn.test_training import SIZE, squares


def train_tiny_classifier(seed: int) -> list[np.ndarray]:
    seed_everything(seed)
    model = build_classifier("smallcnn", "none", dropout=0.5, input_size=SIZE)
    config = TrainConfig(batch_size=4, frozen_epochs=2, finetune_epochs=0, seed=seed, augment=True,
                         recalibration_images=8, train_eval_images=8)
    train_classifier(model, squares(16, seed=0), squares(8, seed=1), config)
    return model.get_weights()


def train_tiny_unet(seed: int) -> list[np.ndarray]:
    seed_everything(seed)
    model = build_unet("small", "none", input_size=SIZE)
    images, _ = squares(8, seed=0)
    masks = (images > 200).astype(np.float32)
    config = UNetTrainConfig(batch_size=4, epochs=2, seed=seed, augment=True, recalibration_images=8)
    train_unet(model, (images, masks), (images[:4], masks[:4]), config)
    return model.get_weights()


@pytest.mark.parametrize("train", [train_tiny_classifier, train_tiny_unet], ids=["classifier", "unet"])
def test_same_seed_gives_identical_weights_and_another_seed_does_not(train):
    first, again, other = train(seed=7), train(seed=7), train(seed=8)
    assert len(first) == len(again) == len(other)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
