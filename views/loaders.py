"""What every visitor shares, loaded once per server: the shipped models, MNIST, test-set scores.

Shared objects are read-only: nothing here is trained, compiled or changed after loading.
A failure is kept like a result (an offline server must not retry a download on every
rerun); `forget_mnist` clears it for a "Try again" button. Loaders only load: what the
process does besides (one BLAS thread, the collector's freeze, the warm-up) is in
views.server, which the frame calls.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import streamlit as st

import mlp
from mlp.runs import RunQueue, TrainingUnavailable

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
def run_queue() -> RunQueue | TrainingUnavailable:
    """The training queue every replica and worker shares (mlp.runs: $MLP_CLASS_DB's store, its slots
    $MLP_TRAIN_SLOTS), or why it cannot be reached; `forget_run_queue` clears that for a "Try again"."""
    try:
        return RunQueue.open()
    except TrainingUnavailable as err:
        log.warning("%s", err)
        return err.with_traceback(None)


def forget_run_queue() -> None:
    """Forget the queue (and a failure to reach it), so that the next run tries again."""
    run_queue.clear()


# A trained model is read from the store once per process, and never changes: its run id is its key.
# The newest few stay in memory (weights of a 4x2048 network: 60 MB), the rest are read again.
@st.cache_resource(show_spinner="Reading the trained model...", max_entries=16)
def trained_model(run_id: str) -> mlp.Classifier | None:
    """A done run's model, read from the shared store (NumPy, no TensorFlow), or None if it is gone."""
    queue = run_queue()
    return None if isinstance(queue, TrainingUnavailable) else queue.model(run_id)


@st.cache_data(show_spinner="Scoring the model on the test set...", max_entries=16)
def trained_model_scores(_model: mlp.Classifier, run_id: str, data_path: str) -> mlp.Evaluation:
    """Test-set evaluation of a trained model, once per run and data file (data loaded)."""
    data = mnist(data_path)
    evaluation = mlp.evaluate(_model, mlp.as_model_input(data.x_test), data.y_test)
    _ = evaluation.predicted, evaluation.confidence, evaluation.confusion  # cached with it
    return evaluation
