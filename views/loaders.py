"""What every visitor shares, loaded once per server: the shipped models, MNIST, test-set scores.

Shared objects are read-only: nothing here is trained, compiled or changed after loading.
A failure is kept like a result (an offline server must not retry a download on every
rerun); `forget_mnist` clears it for a "Try again" button. Loaders only load: what the
process does besides (one BLAS thread, the collector's freeze, the warm-up) is in
views.server, which the frame calls.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Hashable
from dataclasses import replace

import streamlit as st

import mlp
from mlp.i18n import N_, _
from mlp.runs import RunQueue, TrainingUnavailable

log = logging.getLogger(__name__)


def spinning(message: str, key: Callable[..., Hashable] = lambda *args: args):
    """A cached loader's spinner in the page's language: Streamlit fixes a cached function's spinner
    text where it is declared, before any visitor's language is known. The spinner is shown on a
    first call for `key(*args)` only, as Streamlit's own is on a cache miss (a hit draws nothing,
    not even a transient element, on every stroke); `.clear()` clears the cache and that memory."""
    def wrap(cached):
        loaded: set[Hashable] = set()

        @functools.wraps(cached)
        def call(*args):
            known = key(*args)
            if known in loaded:
                return cached(*args)
            with st.spinner(_(message)):
                value = cached(*args)
            loaded.add(known)
            return value

        def clear() -> None:
            loaded.clear()
            cached.clear()

        call.clear = clear
        return call
    return wrap


@spinning(N_("Loading the model..."))
@st.cache_resource(show_spinner=False)
def shipped_model(name: str) -> mlp.Classifier | mlp.ModelError:
    """A shipped model by name, or the ModelError that says why it cannot be loaded."""
    try:
        return mlp.load_model(name)
    except mlp.ModelError as err:
        log.warning("Cannot load the model %s: %s", name, err)
        return err.with_traceback(None)


@spinning(N_("Reading MNIST..."))
@st.cache_resource(show_spinner=False)
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


@spinning(N_("Scoring the model on the test set..."), key=lambda _model, name, data_path: (name, data_path))
@st.cache_data(show_spinner=False)
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
@spinning(N_("Reading the trained model..."))
@st.cache_resource(show_spinner=False, max_entries=16)
def trained_model(run_id: str) -> mlp.Classifier | None:
    """A done run's model, read from the shared store (NumPy, no TensorFlow), or None if it is gone."""
    queue = run_queue()
    return None if isinstance(queue, TrainingUnavailable) else queue.model(run_id)


@spinning(N_("Scoring the model on the test set..."), key=lambda _model, run_id, data_path: (run_id, data_path))
@st.cache_data(show_spinner=False, max_entries=16)
def trained_model_scores(_model: mlp.Classifier, run_id: str, data_path: str) -> mlp.Evaluation:
    """Test-set evaluation of a trained model, once per run and data file (data loaded)."""
    data = mnist(data_path)
    evaluation = mlp.evaluate(_model, mlp.as_model_input(data.x_test), data.y_test)
    _ = evaluation.predicted, evaluation.confidence, evaluation.confusion  # cached with it
    return evaluation
