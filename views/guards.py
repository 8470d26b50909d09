"""What a view needs before it can show anything, and what the page says when something is wrong."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import streamlit as st

import mlp
from mlp.i18n import _
from views import loaders
from views.text import plain, without_paths

log = logging.getLogger(__name__)


@contextmanager
def contained(part: str | None = None) -> Iterator[None]:
    """Run a part of the page (`part`: its name in the page's language, "this view" when None); an
    unexpected exception becomes one short sentence, logged in full.

    Streamlit's own control flow (st.rerun, st.stop) is not an Exception and passes through.
    """
    try:
        yield
    except Exception as err:
        log.exception("Unexpected error in %s", part or "a view")
        st.error(_("Something went wrong in {part}: {error}. The rest of the page still works.")
                 .format(part=part or _("this view"), error=type(err).__name__))


def no_model() -> None:
    st.info(_("No model is loaded: choose another one in the sidebar."))


def data_missing(err: mlp.DataError, data_path: str) -> None:
    """Say that MNIST is missing and how to get it, and offer to try again (the details go to the log)."""
    if data_path:
        st.warning(_("This view needs the MNIST data set, and the file that the environment variable "
                     "MNIST_NPZ names cannot be used: set the environment variable MNIST_NPZ to the path of "
                     "a local mnist.npz (Keras layout), or unset it to download MNIST when online, and "
                     "restart the app."))
        st.caption(plain(without_paths(str(err))))  # what is wrong with the file, by its name only
    else:
        st.warning(_("This view needs the MNIST data set, and downloading it failed. Online it downloads by "
                     "itself; offline, set the environment variable MNIST_NPZ to the path of a local "
                     "mnist.npz (Keras layout) and restart the app."))
    st.button(_("Try again"), key="data_retry", on_click=loaders.forget_mnist)


def mnist_or_notice(data_path: str) -> mlp.Mnist | None:
    """MNIST, or None after saying why it is missing."""
    data = loaders.mnist(data_path)
    if isinstance(data, mlp.DataError):
        data_missing(data, data_path)
        return None
    return data


def scored_test_set(model: mlp.Classifier | None, data_path: str) -> tuple[mlp.Evaluation, np.ndarray] | None:
    """The model's test-set evaluation and the test images, or None after saying what is missing."""
    if model is None:
        no_model()
        return None
    if (data := mnist_or_notice(data_path)) is None:
        return None
    trained = st.session_state.trained_models.get(model.name)
    evaluation = trained.evaluation if trained else loaders.shipped_model_scores(model, model.name, data_path)
    return evaluation, data.x_test
