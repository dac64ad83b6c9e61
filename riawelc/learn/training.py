"""Training loop for the patch classifiers, one explicit epoch at a time.

Phases (as in RIAWELC-RS):
- Pretrained backbone (`weights_are_pretrained=True`): phase "frozen" trains the head only for `frozen_epochs`
  at `learning_rate`; phase "finetune" then unfreezes backbone_layers(model)[finetune_from:] for
  `finetune_epochs` at `finetune_learning_rate`, with every BatchNorm layer kept frozen (its pretrained
  statistics stay; keras runs frozen BN in inference mode).
- Untrained backbone (`weights: none`): freezing a random backbone makes no sense, so there is a single phase
  "scratch" of frozen_epochs + finetune_epochs epochs at `learning_rate` with everything trainable.

After every epoch the BatchNorm statistics are re-estimated on a sample of the (un-augmented) training images
(riawelc.learn.batchnorm explains why), then every reported and monitored number is computed in inference mode:
train loss/accuracy on a fixed subset, val loss/accuracy on all of val. Early stopping and reduce-LR-on-plateau
watch the val loss within the current phase (early stopping ends the phase); the best val loss over all epochs
is checkpointed and its weights are restored at the end (and before fine-tuning starts).
The losses reported here are plain cross-entropy; class weights only weight the training loss ("fit_loss").

Distribution: the model must be created inside the strategy's scope, so callers do

    strategy = strategy_for(config.distribute)
    with strategy.scope():
        model = build_classifier(...)
    result = train_classifier(model, (x_train, y_train), (x_val, y_val), config)

and train_classifier compiles inside the model's own strategy. batch_size is the global batch (split over the
replicas).
"""

from __future__ import annotations

import dataclasses
import math
import time

import keras
import numpy as np
import tensorflow as tf

from riawelc.constants import CLASSES
from riawelc.learn.augment import DEFAULT_PHOTOMETRIC, Photometric, augment_dataset
from riawelc.learn.batchnorm import batchnorm_layers, recalibrate_batchnorm
from riawelc.learn.epochs import Plateau, log_epoch, print_progress, save_checkpoint
from riawelc.learn.models import backbone_layers, backbone_of

OPTIMIZERS = ("adamw", "adam")
DISTRIBUTE_CHOICES = ("auto", "none", "mirrored")
CHECKPOINT_SUFFIXES = (".keras", ".weights.h5")
PREDICT_CHUNK = 256  # images converted to float32 at a time, so big uint8 arrays are never copied whole


@dataclasses.dataclass
class TrainConfig:
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4  # decoupled weight decay; used by adamw only
    optimizer: str = "adamw"  # adamw | adam (plain Adam, no weight decay)
    frozen_epochs: int = 5
    finetune_epochs: int = 10
    finetune_from: int = 0  # index into backbone_layers(model) from which fine-tuning unfreezes
    finetune_learning_rate: float = 1e-4
    class_weights: dict | None = None  # class name or index -> weight; missing classes weigh 1
    patience: int = 5  # epochs without a lower val loss before the phase stops
    reduce_lr_patience: int = 2  # epochs without a lower val loss before the learning rate is cut
    reduce_lr_factor: float = 0.5
    min_lr: float = 1e-6
    seed: int = 42
    augment: bool = True
    photometric: Photometric = DEFAULT_PHOTOMETRIC  # gamma/contrast/noise/blur ranges of the augmentation
    weights_are_pretrained: bool = False  # True only for imagenet or a local pretrained file
    distribute: str = "auto"  # auto | none | mirrored, see strategy_for
    checkpoint_path: str | None = None  # .keras (whole model) or .weights.h5; the best epoch is saved there
    recalibration_images: int = 1024  # training images sampled for the BatchNorm re-estimation
    train_eval_images: int = 1024  # training images sampled for the inference-mode train metrics

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.distribute not in DISTRIBUTE_CHOICES:
            raise ValueError(f"distribute must be one of {', '.join(DISTRIBUTE_CHOICES)}, got {self.distribute!r}")
        for name in ("batch_size", "recalibration_images", "train_eval_images", "patience", "reduce_lr_patience"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("frozen_epochs", "finetune_epochs", "finetune_from"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.frozen_epochs + self.finetune_epochs == 0:
            raise ValueError("frozen_epochs + finetune_epochs must be at least 1")
        if not 0.0 < self.reduce_lr_factor < 1.0:
            raise ValueError(f"reduce_lr_factor must be in (0, 1), got {self.reduce_lr_factor}")
        if self.checkpoint_path is not None and not str(self.checkpoint_path).endswith(CHECKPOINT_SUFFIXES):
            suffixes = " or ".join(CHECKPOINT_SUFFIXES)
            raise ValueError(f"checkpoint_path must end in {suffixes}, got {self.checkpoint_path!r}")
        class_weight_vector(self.class_weights)  # fails early on unknown classes


def strategy_for(distribute: str) -> tf.distribute.Strategy:
    """none: the default strategy; mirrored: MirroredStrategy over all GPUs (or, without GPUs, all logical
    CPUs, which is how the tests run it); auto: mirrored when there is more than one GPU, else none."""
    if distribute not in DISTRIBUTE_CHOICES:
        raise ValueError(f"distribute must be one of {', '.join(DISTRIBUTE_CHOICES)}, got {distribute!r}")
    gpus = tf.config.list_logical_devices("GPU")
    if distribute == "none" or (distribute == "auto" and len(gpus) < 2):
        return tf.distribute.get_strategy()
    devices = gpus or tf.config.list_logical_devices("CPU")
    return tf.distribute.MirroredStrategy([device.name for device in devices])


def class_weight_vector(class_weights: dict | None) -> np.ndarray:
    """Per-class loss weights in CLASSES order from {class name or index: weight}; missing classes weigh 1."""
    weights = np.ones(len(CLASSES), np.float32)
    for key, weight in (class_weights or {}).items():
        index = CLASSES.index(key) if key in CLASSES else key
        if not isinstance(index, (int, np.integer)) or not 0 <= index < len(CLASSES):
            raise ValueError(f"class_weights key {key!r} is not one of {CLASSES} or an index below {len(CLASSES)}")
        if not weight > 0:
            raise ValueError(f"class weight for {key!r} must be > 0, got {weight}")
        weights[index] = weight
    return weights


def _check_split(split, name: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = (np.asarray(a) for a in split)
    if images.ndim != 4 or images.shape[-1] != 1:
        raise ValueError(f"{name} images must have shape (N, height, width, 1), got {images.shape}")
    if labels.shape != (len(images),) or len(images) == 0:
        raise ValueError(f"{name} needs one label per image and at least one image: {images.shape} vs {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= len(CLASSES):
        raise ValueError(f"{name} labels must be class indices in [0, {len(CLASSES)})")
    return images, labels.astype(np.int32)


def predict_probabilities(model: keras.Model, images: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Inference-mode model outputs for images of any dtype (converted to float32 chunk by chunk)."""
    chunks = [
        model.predict(images[start : start + PREDICT_CHUNK].astype(np.float32), batch_size=batch_size, verbose=0)
        for start in range(0, len(images), PREDICT_CHUNK)
    ]
    return np.concatenate(chunks)


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray, batch_size: int = 32) -> tuple[float, float]:
    """Inference-mode (loss, accuracy): mean cross-entropy of the probabilities and the share predicted right."""
    probabilities = predict_probabilities(model, images, batch_size)
    true_class_probability = probabilities[np.arange(len(labels)), labels]
    loss = float(np.mean(-np.log(np.clip(true_class_probability, 1e-7, 1.0))))
    accuracy = float(np.mean(probabilities.argmax(axis=1) == labels))
    return loss, accuracy


def _train_dataset(images, labels, config: TrainConfig, epoch: int) -> tf.data.Dataset:
    """(image float32, label, sample weight) batches, shuffled (and augmented) anew but reproducibly each epoch."""
    epoch_seed = config.seed * 1000 + epoch
    sample_weights = class_weight_vector(config.class_weights)[labels]
    dataset = tf.data.Dataset.from_tensor_slices((images, labels, sample_weights))
    dataset = dataset.shuffle(len(images), seed=epoch_seed)
    dataset = dataset.map(lambda x, y, w: (tf.cast(x, tf.float32), y, w))
    if config.augment:
        pairs = dataset.map(lambda x, y, w: (x, (y, w)))
        dataset = augment_dataset(pairs, seed=epoch_seed, photometric=config.photometric).map(lambda x, yw: (x, yw[0], yw[1]))
    return dataset.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)


def _optimizer(config: TrainConfig, learning_rate: float) -> keras.optimizers.Optimizer:
    if config.optimizer == "adamw":
        return keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=config.weight_decay)
    return keras.optimizers.Adam(learning_rate=learning_rate)


def _compile(model: keras.Model, config: TrainConfig, learning_rate: float) -> None:
    # Compile again after every change of trainable flags; optimizer variables belong in the model's strategy.
    with model.distribute_strategy.scope():
        model.compile(
            optimizer=_optimizer(config, learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )


def _set_trainable(model: keras.Model, trainable: bool) -> None:
    # Setting model.trainable does not reach the layers of a nested functional model, so set every layer.
    for layer in model._flatten_layers(include_self=True, recursive=True):
        layer.trainable = trainable


def _freeze_for_head_training(model: keras.Model) -> None:
    _set_trainable(model, True)
    _set_trainable(backbone_of(model), False)


def _unfreeze_for_finetuning(model: keras.Model, finetune_from: int) -> None:
    layers = backbone_layers(model)
    if finetune_from >= len(layers):
        raise ValueError(f"finetune_from={finetune_from} but the backbone has only {len(layers)} layers")
    _set_trainable(model, True)
    for layer in layers[:finetune_from]:
        layer.trainable = False
    for layer in batchnorm_layers(backbone_of(model), trainable_only=False):
        layer.trainable = False


def _phases(model: keras.Model, config: TrainConfig) -> list[tuple[str, int, float, callable]]:
    """(name, epochs, learning rate, how to set the trainable flags) per phase."""
    if not config.weights_are_pretrained:
        epochs = config.frozen_epochs + config.finetune_epochs
        return [("scratch", epochs, config.learning_rate, lambda: _set_trainable(model, True))]
    phases = [
        ("frozen", config.frozen_epochs, config.learning_rate, lambda: _freeze_for_head_training(model)),
        (
            "finetune",
            config.finetune_epochs,
            config.finetune_learning_rate,
            lambda: _unfreeze_for_finetuning(model, config.finetune_from),
        ),
    ]
    return [phase for phase in phases if phase[1] > 0]


def _sample(count: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(count, size=min(count, limit), replace=False))


def train_classifier(model: keras.Model, train, val, config: TrainConfig, live=None) -> dict:
    """Trains `model` on train = (images (N, h, w, 1) 0..255, labels (N,) indices into CLASSES), monitoring
    val = (images, labels); restores the weights of the epoch with the lowest inference-mode val loss.

    live: an optional dvclive.Live; per epoch it gets train/loss, train/accuracy, val/loss, val/accuracy (all
    inference mode), fit/loss, fit/accuracy (training mode, augmented, class-weighted, as seen by the
    optimizer), learning_rate, then next_step().

    Returns {"history": {metric: [one value per epoch]}, "best_epoch" (1-based), "best_val_loss",
    "best_val_accuracy", "epochs_run", "stopped_early" (per phase name), "replicas"}.
    """
    keras.utils.set_random_seed(config.seed)
    x_train, y_train = _check_split(train, "train")
    x_val, y_val = _check_split(val, "val")
    rng = np.random.default_rng(config.seed)
    recalibration_set = x_train[_sample(len(x_train), config.recalibration_images, rng)]
    eval_indices = _sample(len(x_train), config.train_eval_images, rng)
    x_train_eval, y_train_eval = x_train[eval_indices], y_train[eval_indices]

    history: dict[str, list] = {key: [] for key in (
        "epoch", "phase", "learning_rate", "fit_loss", "fit_accuracy",
        "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds",
    )}
    best = {"val_loss": math.inf, "val_accuracy": float("nan"), "epoch": 0, "weights": None}
    stopped_early: dict[str, bool] = {}
    epoch = 0

    phases = _phases(model, config)
    total_epochs = sum(phase[1] for phase in phases)
    for phase_name, phase_epochs, learning_rate, set_trainable in phases:
        set_trainable()
        _compile(model, config, learning_rate)
        plateau = Plateau(config.patience, config.reduce_lr_patience, config.reduce_lr_factor, config.min_lr)
        stopped_early[phase_name] = False
        for _ in range(phase_epochs):
            epoch += 1
            started = time.perf_counter()
            fit = model.fit(_train_dataset(x_train, y_train, config, epoch), epochs=1, shuffle=False, verbose=0).history
            recalibrate_batchnorm(model, recalibration_set, config.batch_size)
            train_loss, train_accuracy = evaluate(model, x_train_eval, y_train_eval, config.batch_size)
            val_loss, val_accuracy = evaluate(model, x_val, y_val, config.batch_size)
            row = {
                "epoch": epoch, "phase": phase_name, "learning_rate": float(model.optimizer.learning_rate.numpy()),
                "fit_loss": float(fit["loss"][-1]), "fit_accuracy": float(fit["accuracy"][-1]),
                "train_loss": train_loss, "train_accuracy": train_accuracy,
                "val_loss": val_loss, "val_accuracy": val_accuracy,
                "seconds": time.perf_counter() - started,
            }
            for key, value in row.items():
                history[key].append(value)
            log_epoch(live, row, ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "fit_loss", "fit_accuracy"))
            print_progress("classify", row, total_epochs, ("train_loss", "train_accuracy", "val_loss", "val_accuracy"),
                           history["seconds"])

            if val_loss < best["val_loss"]:
                best = {"val_loss": val_loss, "val_accuracy": val_accuracy, "epoch": epoch}
                best["weights"] = model.get_weights()
                if config.checkpoint_path:
                    save_checkpoint(model, config.checkpoint_path)
            if plateau.step(val_loss, model.optimizer):
                stopped_early[phase_name] = True
                break
        if best["weights"] is None:
            raise RuntimeError(f"val loss was never finite in phase {phase_name!r}: lower the learning rate")
        # Fine-tuning starts from the best weights so far, and the model ends with the best of all.
        model.set_weights(best["weights"])

    return {
        "history": history,
        "best_epoch": best["epoch"],
        "best_val_loss": best["val_loss"],
        "best_val_accuracy": best["val_accuracy"],
        "epochs_run": epoch,
        "stopped_early": stopped_early,
        "replicas": model.distribute_strategy.num_replicas_in_sync,
    }


MODEL_KEYS = ("model", "weights", "dropout", "deterministic")
PHOTOMETRIC_KEYS = {"augment_contrast": "contrast", "augment_gamma": "gamma", "augment_noise_std": "noise_std",
                    "augment_blur_sigma": "blur_sigma"}  # everything else is a TrainConfig field


def train_config(params: dict, checkpoint_path: str | None) -> TrainConfig:
    """The TrainConfig of a checked classify params section (the classify stage and the real-film folds)."""
    photometric = Photometric(**{field: params[key] for key, field in PHOTOMETRIC_KEYS.items()})
    return TrainConfig(**{k: v for k, v in params.items() if k not in MODEL_KEYS + tuple(PHOTOMETRIC_KEYS)},
                       photometric=photometric, weights_are_pretrained=params["weights"] != "none",
                       checkpoint_path=checkpoint_path)
