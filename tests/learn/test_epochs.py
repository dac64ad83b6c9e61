import keras
import pytest

from riawelc.learn.epochs import Plateau, log_epoch, progress_line, save_checkpoint


def test_plateau_cuts_the_rate_then_stops():
    optimizer = keras.optimizers.Adam(1e-3)
    plateau = Plateau(patience=4, reduce_lr_patience=2, factor=0.5, min_lr=3e-4)
    assert [plateau.step(loss, optimizer) for loss in (1.0, 0.9, 0.95, 0.95)] == [False] * 4
    assert float(optimizer.learning_rate.numpy()) == pytest.approx(5e-4)  # cut after two flat epochs
    assert plateau.step(0.8, optimizer) is False and plateau.best == 0.8  # improvement resets both counters
    assert [plateau.step(0.9, optimizer) for _ in range(3)] == [False, False, False]
    assert float(optimizer.learning_rate.numpy()) == pytest.approx(3e-4)  # never below min_lr
    assert plateau.step(0.9, optimizer) is True


def test_log_epoch_names_metrics_by_split():
    class FakeLive:
        def __init__(self):
            self.logged, self.steps = {}, 0

        def log_metric(self, name, value):
            self.logged[name] = value

        def next_step(self):
            self.steps += 1

    live = FakeLive()
    log_epoch(live, {"val_loss": 0.5, "fit_dice": 0.7, "learning_rate": 1e-3}, ("val_loss", "fit_dice"))
    assert live.logged == {"val/loss": 0.5, "fit/dice": 0.7, "learning_rate": 1e-3} and live.steps == 1
    log_epoch(None, {}, ())  # no live: nothing to do


def test_progress_line_says_phase_epoch_numbers_and_eta():
    row = {"epoch": 2, "phase": "scratch", "train_loss": 0.51234, "val_accuracy": 0.75}
    line = progress_line("classify", row, 10, ("train_loss", "val_accuracy"), [30.0, 20.0])
    # 8 epochs left at the mean of 25 s: 200 s
    assert line == "classify scratch epoch 2/10: train loss 0.5123, val accuracy 0.7500; 20.0 s, ETA 3 min 20 s"
    assert progress_line("unet", {"epoch": 12, "fit_dice": 0.5}, 12, ("fit_dice",), [4.0]).endswith("ETA 0 min 00 s")


def test_saving_the_same_model_twice_gives_the_same_bytes_and_it_loads(tmp_path):
    import re
    import time
    import zipfile

    import keras
    import numpy as np

    from riawelc.learn.models import build_classifier

    def build():  # a new model object each time: Keras names objects shared in a nested model by memory address
        keras.utils.set_random_seed(0)
        return build_classifier("smallcnn", "none", input_size=32)

    model = build()
    save_checkpoint(model, tmp_path / "a.keras")
    time.sleep(1.1)  # Keras records the save time to the second
    save_checkpoint(build(), tmp_path / "b.keras")
    assert (tmp_path / "a.keras").read_bytes() == (tmp_path / "b.keras").read_bytes()
    # Shared objects are numbered 1, 2, 3... not by memory address (which differs between processes).
    config = zipfile.ZipFile(tmp_path / "a.keras").read("config.json").decode()
    numbers = [int(n) for n in re.findall(r'"shared_object_id": (\d+)', config)]
    assert numbers and sorted(set(numbers)) == list(range(1, len(set(numbers)) + 1))
    loaded = keras.models.load_model(tmp_path / "a.keras")
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))
