"""What every visitor shares, loaded once per server: the shipped models, MNIST, test-set scores.

Shared objects are read-only: nothing here is trained, compiled or changed after loading.
A failure is kept like a result (an offline server must not retry a download on every
rerun); `forget_mnist` clears it for a "Try again" button. Loaders only load: what the
process does besides (one BLAS thread, the collector's freeze, the warm-up) is in
views.server, which the frame calls.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace

import streamlit as st

import mlp
from mlp.jobs import TrainingQueue
from mlp.limits import TrainingLimits
from mlp.shelf import ModelShelf

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner="Loading the model...")
def shipped_model(name: str) -> mlp.Classifier | mlp.ModelError:
    """A shipped model by name, or the ModelError that says why it cannot be loaded."""
    try:
        return mlp.load_model(name)
    except mlp.ModelError as err:
        log.warning("Cannot load the model %s: %s", name, err)
        return err.with_traceback(None)


@st.cache_resource(show_spinner="Reading MNIST...")
def mnist(data_path: str) -> mlp.Mnist | mlp.DataError:
    """MNIST from data_path ('' when $MNIST_NPZ is unset: the Keras download), or why not.

    The page shows and scores the test split; training reads its own copy in its own process.
    So the training images are not kept here (47 MB less per server); their labels are, to
    count them.
    """
    try:
        data = mlp.load_mnist(data_path or None)
    except mlp.DataError as err:
        log.warning("MNIST is not available: %s", err)
        return err.with_traceback(None)
    return replace(data, x_train=data.x_train[:0].copy())


def forget_mnist() -> None:
    """Forget MNIST (and a failure to read it), so that the next run tries again."""
    mnist.clear()


@st.cache_data(show_spinner="Scoring the model on the test set...")
def shipped_model_scores(_model: mlp.Classifier, model_name: str, data_path: str) -> mlp.Evaluation:
    """Test-set evaluation of a shipped model, once per model name and data file (data loaded)."""
    data = mnist(data_path)
    evaluation = mlp.evaluate(_model, mlp.as_model_input(data.x_test), data.y_test)
    _ = evaluation.predicted, evaluation.confidence, evaluation.confusion  # cached with it
    return evaluation


@st.cache_resource(show_spinner=False)
def training_queue(data_path: str) -> TrainingQueue:
    """The server's one training queue: runs in processes of their own, MLP_TRAIN_SLOTS at once."""
    slots = int(os.environ.get("MLP_TRAIN_SLOTS") or 1)
    return TrainingQueue(data_path or None, slots=slots, limits=TrainingLimits.from_environment())


@st.cache_resource(show_spinner=False)
def model_shelf() -> ModelShelf:
    """Every visitor's trained models in this process, within MLP_TRAINED_MODELS_MB in all."""
    return ModelShelf(TrainingLimits.from_environment().trained_models_mb)
