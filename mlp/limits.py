"""Bounds on what one visitor's training run may cost, checked before anything is allocated.

A page shared by a class trains models for anyone who asks. Each run is estimated from its
configuration (memory of the training process, wall time on the server) and refused with a
plain sentence when it would not fit; a run that outlives its estimate is stopped at a hard
time limit all the same.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from mlp.config import TrainConfig
from mlp.errors import MLPError
from mlp.i18n import _, number
from mlp.shapes import CLASSES, SIZE

# Calibration of the estimates: benchmarks/training_estimate.py runs real runs through the
# worker on the project's 2-core machine (shared, load average 1-4) and times them from process
# start to exit. With the constants before these, runs took 1.1-1.6 times their estimate (2.0
# for an empty one): starting the worker (TensorFlow, MNIST, compiling, saving) takes 6-8 s,
# not 4, and augmented runs took 1.4-1.6 times their estimate on a busy machine while the
# others took 0.8-1.2 (see AUGMENT_FACTOR). Peak memory was 0.75-1.27 times its estimate: it
# grows with the layers' width faster than four copies of the weights, and less with the
# images than a float32 copy of each. Fitted to nine runs' peaks, from the classic MLP to 4x2048.
PROCESS_MB = 950  # a training process with TensorFlow loaded and MNIST read, before the model
AUGMENT_MB = 100  # the augmentation pipeline: distorted batches in flight, its own graph
AUGMENT_IMAGE_BYTES = 4  # per training pixel when augmenting: the pipeline's float32 copy
WEIGHT_BYTES = 48  # per parameter: weights, gradients, Adam's moments, XLA's and the save's copies
IMAGE_BYTES = 2  # per pixel of each training and test image: uint8, batches converted on the fly
START_SECONDS = 8.0  # starting the worker and saving the model: importing TensorFlow, compiling
STEP_SECONDS = 0.0012  # fixed cost of one gradient step (Keras and TensorFlow overhead)
FLOPS = 50e9  # multiply-adds per second reached by the dense layers, forward and backward
# Distorting batches on the fly: 20 % more time on a quiet machine (1.98 against 1.65 s an
# epoch of 20,000 digits), 2.2 times the time at a load average of 4 (robust, 3 epochs of
# 60,000: 16.8 s an epoch, 7.6 s without augmentation), where the niced worker's augmentation
# threads compete for the 2 cores. A run must fit the busy case: stopped at the limit, it is
# lost. 2.0 and ESTIMATE_MARGIN together cover the 2.2 (robust, 2 epochs of 20,000, through
# the worker at load averages 1.5-3.3: 1.24-1.34 times this estimate).
AUGMENT_FACTOR = 2.0
# A run is queued only if its estimate times this still fits the time limit: the largest
# measured / estimated time after calibration (benchmarks/training_estimate.py, load average
# about 4). A run stopped at the limit loses all its work, so erring long costs less than
# erring short.
ESTIMATE_MARGIN = 1.35


@dataclass(frozen=True)
class TrainingLimits:
    """What one training run may ask for; the defaults suit a small (2-core, 2-3 GB) server."""

    max_layers: int = 4  # hidden layers
    max_units: int = 2048  # units in one hidden layer
    max_epochs: int = 50
    min_batch: int = 8  # smaller batches take many thousands of slow steps
    max_batch: int = 4096
    min_learning_rate: float = 1e-5  # below it a short run learns nothing visible
    max_learning_rate: float = 1.0  # above it Adam diverges on every preset
    max_images: int = 60_000  # all of MNIST's training set
    max_seconds: float = 600.0  # estimated time of one run, and the hard stop while it runs
    # One training process, TensorFlow included; enforced while it runs. The robust preset on
    # all of MNIST peaked at 1,444-1,474 MB (benchmarks/training_estimate.py): 1,600 leaves it room.
    run_memory_mb: int = 1600
    # Runs one network address may have queued or training at once. A class behind one NAT
    # shares an address: half of the queue's waiting places lets that class keep the queue
    # busy (one run takes up to max_seconds, so more would only wait) while leaving the other
    # half to everyone else.
    runs_per_address: int = 4
    # Trained models the web process keeps for all visitors together: about twenty of the robust
    # preset's size (15 MB: weights, .keras file, test-set scores), or two 4x2048 ones (120 MB).
    trained_models_mb: int = 300

    @classmethod
    def from_environment(cls) -> TrainingLimits:
        """The defaults, with MLP_MAX_TRAIN_SECONDS, MLP_TRAIN_MEMORY_MB, MLP_TRAINED_MODELS_MB applied."""
        changes = {}
        for variable, name, kind in (("MLP_MAX_TRAIN_SECONDS", "max_seconds", float),
                                     ("MLP_TRAIN_MEMORY_MB", "run_memory_mb", int),
                                     ("MLP_TRAINED_MODELS_MB", "trained_models_mb", int)):
            if os.environ.get(variable):
                changes[name] = kind(os.environ[variable])
        return cls(**changes)


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to cost."""

    seconds: float  # wall time on the server
    memory_mb: float  # resident memory of the training process
    parameters: int  # weights and biases to learn


def estimate(config: TrainConfig, images: int, test_images: int = 10_000) -> Estimate:
    """Expected wall time and memory of training `config` on `images` digits."""
    widths = [SIZE * SIZE, *config.hidden, CLASSES]
    parameters = sum((a + 1) * b for a, b in zip(widths, widths[1:]))
    multiply_adds = parameters * 3 * images * config.epochs  # forward, and twice that backward
    multiply_adds += parameters * test_images * config.epochs  # scoring the test set each epoch
    steps = math.ceil(images / config.batch_size) * config.epochs
    seconds = steps * STEP_SECONDS + multiply_adds / FLOPS
    if config.augment:
        seconds *= AUGMENT_FACTOR
    seconds += START_SECONDS
    # Weights and their copies (WEIGHT_BYTES); activations of a batch, kept for
    # the backward pass, twice over for the test set's scoring batches.
    weights_mb = parameters * WEIGHT_BYTES / 2**20
    activations_mb = max(config.batch_size, 32) * sum(widths) * 4 * 4 / 2**20
    data_mb = (images + test_images) * SIZE * SIZE * IMAGE_BYTES / 2**20
    augment_mb = AUGMENT_MB + images * SIZE * SIZE * AUGMENT_IMAGE_BYTES / 2**20 if config.augment else 0
    return Estimate(seconds=seconds, memory_mb=PROCESS_MB + augment_mb + weights_mb + activations_mb + data_mb,
                    parameters=parameters)


def check(config: TrainConfig, images: int, limits: TrainingLimits) -> Estimate:
    """The run's estimate, or MLPError saying every bound it breaks, in plain words."""
    problems = []
    # A scripted client can send any number, whatever the form's widgets allowed: every bound
    # is checked here, on the server, before a run is queued.
    if len(config.hidden) > limits.max_layers:
        problems.append(_("at most {most} hidden layers (asked for {asked})").format(
            most=limits.max_layers, asked=len(config.hidden)))
    if max(config.hidden, default=0) > limits.max_units:  # no hidden layer (logistic regression): 0
        problems.append(_("at most {most} units in a layer (asked for {asked})").format(
            most=number(limits.max_units), asked=number(max(config.hidden))))
    if not 1 <= config.epochs <= limits.max_epochs:
        problems.append(_("from 1 to {most} epochs (asked for {asked})").format(
            most=limits.max_epochs, asked=number(config.epochs)))
    if not limits.min_batch <= config.batch_size <= limits.max_batch:
        problems.append(_("a batch size from {least} to {most} (asked for {asked})").format(
            least=limits.min_batch, most=number(limits.max_batch), asked=number(config.batch_size)))
    rate = config.learning_rate
    if not (math.isfinite(rate) and limits.min_learning_rate <= rate <= limits.max_learning_rate):
        problems.append(_("a learning rate from {least} to {most} (asked for {asked})").format(
            least=f"{limits.min_learning_rate:g}", most=f"{limits.max_learning_rate:g}", asked=f"{rate:g}"))
    if not 1 <= images <= limits.max_images:
        problems.append(_("from 1 to {most} training images (asked for {asked})").format(
            most=number(limits.max_images), asked=number(images)))
    if problems:
        raise MLPError(_("This server allows {bounds}.").format(bounds=_("; ").join(problems)))
    cost = estimate(config, images)
    if cost.memory_mb > limits.run_memory_mb:
        raise MLPError(_("This run would need about {needed} MB of memory; this server gives a run {allowed} MB. "
                         "Use fewer or smaller layers.").format(needed=number(cost.memory_mb),
                                                                allowed=number(limits.run_memory_mb)))
    if cost.seconds * ESTIMATE_MARGIN > limits.max_seconds:  # a run stopped at the limit is lost
        raise MLPError(_("This run could take up to {needed}; this server allows {allowed} a run. Use fewer "
                         "epochs or images, smaller layers or a larger batch.").format(
            needed=duration(cost.seconds * ESTIMATE_MARGIN), allowed=duration(limits.max_seconds)))
    return cost


def epochs_within(config: TrainConfig, images: int, limits: TrainingLimits) -> int:
    """The most epochs of `config` on `images` digits, up to its own, that `check` would allow in time."""
    for epochs in range(min(config.epochs, limits.max_epochs), 1, -1):
        if estimate(config.with_changes(epochs=epochs), images).seconds * ESTIMATE_MARGIN <= limits.max_seconds:
            return epochs
    return 1


def usable_cores() -> int:
    """The CPU cores this process may run on (all of them where the system cannot say)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def duration(seconds: float) -> str:
    """12 -> '12 s', 150 -> '2.5 min', 7200 -> '2.0 h'."""
    if seconds < 90:
        return _("{seconds} s").format(seconds=number(seconds))
    if seconds < 5400:
        return _("{minutes} min").format(minutes=number(seconds / 60, 1))
    return _("{hours} h").format(hours=number(seconds / 3600, 1))
