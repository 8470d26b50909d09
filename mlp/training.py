"""Train an MLP on MNIST with live progress, validating on the test set after each epoch."""

from __future__ import annotations

import math
import platform
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import numpy as np

from mlp.config import TrainConfig
from mlp.data import ExtraData, Mnist, as_model_input
from mlp.architecture import build_model, describe
from mlp.limits import usable_cores
from mlp.quiet import import_keras_quietly
from mlp.shapes import CLASSES

NOT_DIGIT = CLASSES  # the training label of a drawing that is not a digit

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
    trained_on: dict  # what it learnt from, as its record says (see learnt_from)

    @property
    def test_accuracy(self) -> float:
        return self.history["test_accuracy"][-1] if self.history.get("test_accuracy") else float("nan")

    def record(self, name: str) -> dict:
        """The model's record: every field saved beside its weights, whoever trained it."""
        keras = import_keras_quietly()
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
            **self.trained_on,
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__},
            "machine": f"{platform.machine()}, {usable_cores()} CPU cores",
        }


def used_not_digits(config: TrainConfig, extra: ExtraData | None) -> np.ndarray | None:
    """The extra data's non-digits that training with `config` learns from, or None: none given,
    or a not-digit weight of 0 leaves them out of the loss."""
    if extra is None or config.not_digit_weight <= 0 or not len(extra.x_not_digits):
        return None
    return extra.x_not_digits


def learnt_from(config: TrainConfig, data: Mnist, extra: ExtraData | None) -> dict:
    """The record's fields on the training data: how many examples, which MNIST file, what extra data."""
    not_digits = used_not_digits(config, extra)
    return {
        "train_examples": int(len(data.x_train)) + (len(extra.x) if extra is not None else 0),
        "data": {"source": "mnist.npz" if data.sha256 else data.source, "sha256": data.sha256},
        "extra_data": None if extra is None else {
            "source": extra.source, "sha256": extra.sha256, "examples": len(extra.x),
            "redrawn_from": extra.redrawn_from, "not_digits": 0 if not_digits is None else len(not_digits)},
    }


def train(config: TrainConfig, data: Mnist, *, on_epoch: EpochCallback | None = None,
          on_batch: BatchCallback | None = None,
          should_stop: Callable[[], bool] | None = None,
          extra: ExtraData | None = None) -> TrainResult:
    """Train a new model for `config` on `data`; callbacks report progress and may stop it.

    `extra` is more training data beside MNIST, such as the drawn training set: its digits
    (x, y) are added to MNIST's (the test set stays MNIST's alone), and its non-digits
    (x_not_digits) are trained towards an even guess with `config.not_digit_weight` (not at
    all when it is 0). Training accuracy counts digits only. The result's record names all of it.
    """
    keras = import_keras_quietly()

    keras.utils.set_random_seed(config.seed)
    model = build_model(config)
    x_train, y_train = data.x_train, data.y_train
    if extra is not None:
        x_train = np.concatenate([x_train, extra.x])
        y_train = np.concatenate([y_train, np.asarray(extra.y, dtype=y_train.dtype)])
    not_digits = used_not_digits(config, extra)
    outliers = not_digits is not None
    if outliers:
        x_train = np.concatenate([x_train, not_digits])
        y_train = np.concatenate([y_train, np.full(len(not_digits), NOT_DIGIT, y_train.dtype)])
    x_test, y_test = as_model_input(data.x_test), data.y_test
    steps = math.ceil(len(x_train) / config.batch_size)
    if config.cosine_decay:
        schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps * config.epochs)
        model.optimizer.learning_rate = schedule  # type: ignore[attr-defined]
    every = steps_per_call(steps)
    model.compile(optimizer=model.optimizer,
                  loss=_loss_with_not_digits(config.not_digit_weight) if outliers else model.loss,
                  metrics=[_digit_accuracy() if outliers else "accuracy"],
                  steps_per_execution=every, jit_compile=config.jit_compile)
    history: dict[str, list[float]] = {}
    epoch_now = 0

    def epoch_begin(epoch, logs):
        nonlocal epoch_now
        epoch_now = epoch

    def batch_end(batch, logs):
        # `batch` is the last step of a call; Keras counts a short last call of an epoch as full.
        if on_batch:
            on_batch(epoch_now, min(batch + 1, steps), steps)
        if should_stop and should_stop():
            model.stop_training = True  # fit leaves it set: stopped_early below reads it

    def epoch_end(epoch, logs):
        scores = {key: float(value) for key, value in logs.items()} | _test_scores(model, x_test, y_test)
        for key, value in scores.items():
            history.setdefault(key, []).append(value)
        if on_epoch:
            on_epoch(epoch + 1, config.epochs, scores)

    progress = keras.callbacks.LambdaCallback(on_epoch_begin=epoch_begin, on_train_batch_end=batch_end,
                                              on_epoch_end=epoch_end)
    started = time.perf_counter()
    if config.augment:
        from mlp.augment import training_dataset

        batches = training_dataset(x_train, y_train, config)
    else:
        batches = _batches(x_train, y_train, config)
    model.fit(batches, epochs=config.epochs, callbacks=[progress], verbose=0,
              shuffle=False)  # the batches come shuffled
    seconds = time.perf_counter() - started
    return TrainResult(model, config, history, seconds, stopped_early=model.stop_training,
                       trained_on=learnt_from(config, data, extra))


def steps_per_call(steps: int, calls: int = 50) -> int:
    """How many training steps Keras runs in one call into TensorFlow, for `steps` a epoch.

    A step of a small MLP takes about a millisecond: calling into TensorFlow once per batch costs
    as much again. So Keras runs several per call, and the callbacks (progress, Stop) run between
    calls, about `calls` times an epoch. The number divides the epoch's steps where that leaves at
    most five times as many calls: a shorter last call made `world`'s epochs take 20 s rather than
    13 (python -m benchmarks.epoch_times). An awkward count (a prime) keeps the short
    call rather than report every step.
    """
    most = max(1, steps // calls)
    divisor = max(d for d in range(1, most + 1) if steps % d == 0)
    return divisor if 5 * divisor >= most else most


def _batches(x: np.ndarray, y: np.ndarray, config: TrainConfig):
    """uint8 (n, 28, 28) images and labels -> shuffled batches of float32 images in [0, 1].

    Each epoch draws one permutation and cuts it into batches, gathered and scaled as they are
    drawn (as_model_input's arithmetic): the work is per batch, not per image, and there is no
    float32 copy of the training set (four times the bytes) for Keras to convert.
    """
    import tensorflow as tf

    count, size = len(x), config.batch_size
    steps = math.ceil(count / size)
    images, labels = tf.constant(x), tf.constant(y)

    def one_epoch(seed):
        order = tf.random.experimental.stateless_shuffle(tf.range(count, dtype=tf.int64), seed)
        return tf.data.Dataset.range(steps).map(lambda step: order[step * size:(step + 1) * size])

    def gather(indices):
        return tf.cast(tf.gather(images, indices), tf.float32) / 255.0, tf.gather(labels, indices)

    # A new seed pair for each epoch (each new iterator), the same pairs for the same config.seed.
    seeds = tf.data.Dataset.random(seed=config.seed, rerandomize_each_iteration=True).batch(2).take(1)
    return (seeds.flat_map(one_epoch).apply(tf.data.experimental.assert_cardinality(steps))
            .map(gather).prefetch(tf.data.AUTOTUNE))


def _loss_with_not_digits(weight: float):
    """Cross-entropy for digits; for label NOT_DIGIT, `weight` times the cross-entropy of the
    prediction against an even guess (the mean of -log p over the ten digits)."""
    ops = import_keras_quietly().ops

    def loss(y_true, y_pred):
        labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        log_p = ops.log(ops.clip(y_pred, 1e-7, 1.0))
        digit = ops.less(labels, NOT_DIGIT)
        chosen = ops.take_along_axis(log_p, ops.minimum(labels, NOT_DIGIT - 1)[:, None], axis=1)
        return ops.where(digit, -chosen[:, 0], -weight * ops.mean(log_p, axis=1))

    return loss


def _digit_accuracy():
    """Training accuracy over the digits of each batch only, logged as 'accuracy'."""
    keras = import_keras_quietly()
    ops = keras.ops

    class DigitAccuracy(keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="accuracy")
            self.right = self.add_variable(shape=(), initializer="zeros", name="right")
            self.seen = self.add_variable(shape=(), initializer="zeros", name="seen")

        def update_state(self, y_true, y_pred, sample_weight=None):
            labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
            digit = ops.cast(ops.less(labels, NOT_DIGIT), "float32")
            hit = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), labels),
                           "float32")
            self.right.assign_add(ops.sum(hit * digit))
            self.seen.assign_add(ops.sum(digit))

        def result(self):
            return self.right / ops.maximum(self.seen, 1.0)

        def reset_state(self):
            self.right.assign(0.0)
            self.seen.assign(0.0)

    return DigitAccuracy()


def _test_scores(model, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Loss and accuracy on the test set in one eager forward pass: no graph to trace or compile."""
    keras = import_keras_quietly()
    probabilities = model(x, training=False)
    loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, probabilities))
    accuracy = np.mean(np.argmax(keras.ops.convert_to_numpy(probabilities), axis=1) == y)
    return {"test_loss": float(loss), "test_accuracy": float(accuracy)}

