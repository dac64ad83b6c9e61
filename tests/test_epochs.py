import keras
import pytest

from riawelc.epochs import Plateau, log_epoch


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
