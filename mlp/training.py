"""Train an MLP on MNIST with live progress, validating on the test set after each epoch."""

from __future__ import annotations

import math
import os
import platform
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import numpy as np

from mlp.config import TrainConfig
from mlp.data import Mnist, as_model_input
from mlp.architecture import build_model, describe
from mlp.quiet import keras as quiet_keras

# on_epoch(epoch, total_epochs, logs): logs has loss, accuracy, test_loss, test_accuracy
EpochCallback = Callable[[int, int, dict], None]
# on_batch(epoch, batch, batches_per_epoch): called every few batches for a progress bar
BatchCallback = Callable[[int, int, int], None]


@dataclass(frozen=True)
class TrainResult:
    """A trained Keras model and how it got there."""

    keras_model: object
    config: TrainConfig
    history: dict[str, list[float]]  # per epoch: loss, accuracy, test_loss, test_accuracy
    seconds: float
    stopped_early: bool  # should_stop() asked to stop before the last epoch

    @property
    def test_accuracy(self) -> float:
        return self.history["test_accuracy"][-1] if self.history.get("test_accuracy") else float("nan")

    def record(self, name: str, data: Mnist) -> dict:
        """What the model's record says about this run."""
        keras = quiet_keras()
        import tensorflow as tf

        return {
            "name": name,
            "architecture": describe(self.keras_model),
            "config": self.config.to_dict(),
            "test_accuracy": round(self.test_accuracy, 6),
            "epochs_run": len(self.history.get("loss", [])),
            "stopped_early": self.stopped_early,
            "history": {key: [round(float(v), 6) for v in values] for key, values in self.history.items()},
            "train_seconds": round(self.seconds, 1),
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "train_examples": int(len(data.x_train)),
            "data": {"source": "mnist.npz" if data.sha256 else data.source, "sha256": data.sha256},
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__},
            "machine": f"{platform.machine()}, {_cpu_count()} CPU cores",
        }


def train(config: TrainConfig, data: Mnist, *, on_epoch: EpochCallback | None = None,
          on_batch: BatchCallback | None = None,
          should_stop: Callable[[], bool] | None = None,
          extra: tuple[np.ndarray, np.ndarray] | None = None) -> TrainResult:
    """Train a new model for `config` on `data`; callbacks report progress and may stop it.

    `extra` is more training digits (uint8 (n, 28, 28), labels (n,)) added to MNIST's,
    such as the drawn training set; the test set stays MNIST's alone.
    """
    keras = quiet_keras()

    keras.utils.set_random_seed(config.seed)
    model = build_model(config)
    x_train, y_train = data.x_train, data.y_train
    if extra is not None:
        x_train = np.concatenate([x_train, extra[0]])
        y_train = np.concatenate([y_train, np.asarray(extra[1], dtype=y_train.dtype)])
    x_test, y_test = as_model_input(data.x_test), data.y_test
    steps = math.ceil(len(x_train) / config.batch_size)
    if config.cosine_decay:
        schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps * config.epochs)
        model.optimizer.learning_rate = schedule  # type: ignore[attr-defined]
    progress = _make_progress_class()(config.epochs, steps, on_epoch, on_batch, should_stop)
    started = time.perf_counter()
    if config.augment:
        from mlp.augment import training_dataset

        model.fit(training_dataset(x_train, y_train, config), epochs=config.epochs,
                  validation_data=(x_test, y_test), callbacks=[progress], verbose=0,
                  shuffle=False)  # the dataset shuffles itself
    else:
        model.fit(as_model_input(x_train), y_train, batch_size=config.batch_size,
                  epochs=config.epochs, validation_data=(x_test, y_test), callbacks=[progress],
                  verbose=0)
    seconds = time.perf_counter() - started
    history = {_test_key(key): [float(v) for v in values] for key, values in model.history.history.items()}
    return TrainResult(model, config, history, seconds, progress.stopped)


def _make_progress_class():
    keras = quiet_keras()

    class Progress(keras.callbacks.Callback):
        """Forwards Keras' epoch/batch events to plain callables."""

        def __init__(self, epochs, steps, on_epoch, on_batch, should_stop):
            super().__init__()
            self.epochs, self.steps = epochs, steps
            self.on_epoch, self.on_batch, self.should_stop = on_epoch, on_batch, should_stop
            self.epoch = 0
            self.stopped = False
            self.every = max(1, steps // 50)  # about 50 progress updates an epoch

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.on_batch and (batch + 1) % self.every == 0:
                self.on_batch(self.epoch, batch + 1, self.steps)
            if self.should_stop and self.should_stop():
                self.stopped = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if self.on_epoch:
                self.on_epoch(epoch + 1, self.epochs,
                              {_test_key(k): float(v) for k, v in (logs or {}).items()})

    return Progress


def _test_key(key: str) -> str:
    """Keras names the scores on validation_data val_*; here that data is the test set."""
    return "test_" + key.removeprefix("val_") if key.startswith("val_") else key


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
