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
          should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Train a new model for `config` on `data`; callbacks report progress and may stop it."""
    keras = quiet_keras()

    keras.utils.set_random_seed(config.seed)
    model = build_model(config)
    x_test, y_test = as_model_input(data.x_test), data.y_test
    steps = math.ceil(len(data.x_train) / config.batch_size)
    if config.cosine_decay:
        schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps * config.epochs)
        model.optimizer.learning_rate = schedule  # type: ignore[attr-defined]
    # A step of this MLP takes well under a millisecond: calling into TensorFlow once per batch
    # would cost more than the step. Keras runs `every` steps per call, and the progress and
    # stop callbacks run between calls, about 50 times an epoch.
    every = max(1, steps // 50)
    model.compile(optimizer=model.optimizer, loss=model.loss, metrics=["accuracy"],
                  steps_per_execution=every, jit_compile=config.jit_compile)
    progress = _progress_callback(keras, model, config.epochs, steps, on_epoch, on_batch, should_stop)
    # The test set is scored once an epoch in batches as large as it: a few calls, not hundreds.
    scoring = dict(validation_data=(x_test, y_test), validation_batch_size=len(x_test))
    started = time.perf_counter()
    if config.augment:
        from mlp.augment import training_dataset

        model.fit(training_dataset(data.x_train, data.y_train, config), epochs=config.epochs,
                  callbacks=[progress], verbose=0, shuffle=False, **scoring)  # the dataset shuffles itself
    else:
        model.fit(as_model_input(data.x_train), data.y_train, batch_size=config.batch_size,
                  epochs=config.epochs, callbacks=[progress], verbose=0, **scoring)
    seconds = time.perf_counter() - started
    history = {_test_key(key): [float(v) for v in values] for key, values in model.history.history.items()}
    return TrainResult(model, config, history, seconds, stopped_early=model.stop_training)


def _progress_callback(keras, model, epochs: int, steps: int, on_epoch: EpochCallback | None,
                       on_batch: BatchCallback | None, should_stop: Callable[[], bool] | None):
    """A Keras callback forwarding epoch and batch events to plain callables; should_stop() stops `model`."""
    current = {"epoch": 0}

    def epoch_begin(epoch, logs):
        current["epoch"] = epoch

    def batch_end(batch, logs):
        # With steps_per_execution, `batch` is the last step of a call; the last call of an
        # epoch may be short, and Keras then reports a step past the end.
        if on_batch:
            on_batch(current["epoch"], min(batch + 1, steps), steps)
        if should_stop and should_stop():
            model.stop_training = True  # fit leaves it set: TrainResult.stopped_early reads it

    def epoch_end(epoch, logs):
        if on_epoch:
            on_epoch(epoch + 1, epochs, {_test_key(k): float(v) for k, v in (logs or {}).items()})

    return keras.callbacks.LambdaCallback(on_epoch_begin=epoch_begin, on_train_batch_end=batch_end,
                                          on_epoch_end=epoch_end)


def _test_key(key: str) -> str:
    """Keras names the scores on validation_data val_*; here that data is the test set."""
    return "test_" + key.removeprefix("val_") if key.startswith("val_") else key


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
