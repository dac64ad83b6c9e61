"""What the classifier's and the U-Net's epoch loops share: plateau handling, dvclive logging, progress lines."""

import json
import math
import zipfile
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


def progress_line(task: str, row: dict, total_epochs: int, keys: tuple[str, ...], epoch_seconds: list[float]) -> str:
    """One line per epoch for a person watching `dvc repro`: where it is, the numbers, and when it will end (if it
    runs all `total_epochs`; early stopping may end it sooner)."""
    phase = f" {row['phase']}" if "phase" in row else ""
    numbers = ", ".join(f"{key.replace('_', ' ')} {row[key]:.4f}" for key in keys)
    remaining = (total_epochs - row["epoch"]) * sum(epoch_seconds) / len(epoch_seconds)
    minutes, seconds = divmod(round(remaining), 60)
    return (f"{task}{phase} epoch {row['epoch']}/{total_epochs}: {numbers}; {epoch_seconds[-1]:.1f} s, "
            f"ETA {minutes} min {seconds:02d} s")


def print_progress(*args) -> None:
    # Flushed, so it shows at once in piped logs and in `dvc repro` output.
    print(progress_line(*args), flush=True)


def save_checkpoint(model: keras.Model, path: str | Path) -> None:
    """The whole model (.keras) or only its weights (.weights.h5), by the file name. The same weights give the
    same bytes, so a rerun leaves the DVC hashes in dvc.lock as they were."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".weights.h5"):
        model.save_weights(path)
    else:
        model.save(path)
        _drop_save_times(path)


FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def _renumber_shared_objects(config, numbers: dict | None = None):
    numbers = {} if numbers is None else numbers
    if isinstance(config, dict):
        return {key: numbers.setdefault(value, len(numbers) + 1) if key == "shared_object_id"
                else _renumber_shared_objects(value, numbers) for key, value in config.items()}
    if isinstance(config, list):
        return [_renumber_shared_objects(value, numbers) for value in config]
    return config


def _drop_save_times(path: Path) -> None:
    """A .keras file is a zip whose metadata.json says when it was saved, whose weights entry has the save time as
    its date, and whose config.json names shared objects by their memory address: replace the times with fixed
    values (Keras reads neither when loading) and the addresses with 1, 2, 3... in order of first appearance
    (objects shared before stay shared)."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "metadata.json":
                metadata = json.loads(data)
                metadata["date_saved"] = "not recorded (reproducible save)"
                data = json.dumps(metadata).encode()
            elif name == "config.json":
                data = json.dumps(_renumber_shared_objects(json.loads(data))).encode()
            target.writestr(zipfile.ZipInfo(name, FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
