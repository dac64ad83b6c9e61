"""What the classifier's and the U-Net's epoch loops share: plateau handling and dvclive logging."""

import math
from dataclasses import dataclass
from pathlib import Path

import keras
from keras import ops


@dataclass
class Plateau:
    """Early stopping and learning-rate reduction on an inference-mode validation loss (lower is better)."""

    patience: int  # epochs without a lower loss before stopping
    reduce_lr_patience: int  # epochs without a lower loss before the learning rate is cut
    factor: float
    min_lr: float
    best: float = math.inf
    _since_best: int = 0
    _since_cut: int = 0

    def step(self, loss: float, optimizer) -> bool:
        """Record one epoch's loss, cutting the optimizer's learning rate on a plateau; True means stop."""
        if loss < self.best:
            self.best, self._since_best, self._since_cut = loss, 0, 0
            return False
        self._since_best += 1
        self._since_cut += 1
        if self._since_best >= self.patience:
            return True
        if self._since_cut >= self.reduce_lr_patience:
            rate = float(ops.convert_to_numpy(optimizer.learning_rate))
            optimizer.learning_rate.assign(max(rate * self.factor, self.min_lr))
            self._since_cut = 0
        return False


def log_epoch(live, row: dict, keys: tuple[str, ...]) -> None:
    """One dvclive step: `val_loss` is logged as `val/loss`, and so on, plus the learning rate."""
    if live is None:
        return
    for key in keys:
        live.log_metric(key.replace("_", "/", 1), row[key])
    live.log_metric("learning_rate", row["learning_rate"])
    live.next_step()


def save_checkpoint(model: keras.Model, path: str | Path) -> None:
    """The whole model (.keras) or only its weights (.weights.h5), by the file name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".weights.h5"):
        model.save_weights(path)
    else:
        model.save(path)
