"""Presenter mode's model switch, run headless with AppTest: one click changes the model that reads, and
it stays in step with the sidebar's chooser."""

import re

import numpy as np
import pytest
from conftest import digit_png
from test_app import APP, TIMEOUT, draw
from test_lesson import as_drawn, html
from streamlit.testing.v1 import AppTest

import mlp

pytestmark = pytest.mark.app


@pytest.fixture
def app(mnist_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def switch(at: AppTest):
    return next(group for group in at.get("button_group") if group.key == "present_model")


def shown_logits(at: AppTest) -> tuple[str, np.ndarray]:
    """The model named over the Inside panel, and the ten logits its table shows."""
    page = html(at)
    name = re.search(r"<b>(\w+)</b>: 784 →", page).group(1)
    return name, np.array([float(p) for p in re.findall(r'data-logit="([^"]+)"', page)])


def logits(name: str, x: np.ndarray) -> np.ndarray:
    return mlp.read(mlp.load_model(name), x).logits


def test_the_presenter_switch_changes_the_model_that_reads(app, mnist):
    png = digit_png(mnist.x_test[8])
    x = as_drawn(png)
    app.query_params["present"] = "1"
    app.session_state["lens"] = "Inside"
    at = draw(app.run(), png)
    assert not at.exception and not at.error
    assert switch(at).value == mlp.DEFAULT_MODEL
    name, shown = shown_logits(at)
    assert name == mlp.DEFAULT_MODEL
    np.testing.assert_allclose(shown, logits(mlp.DEFAULT_MODEL, x), atol=1e-4)

    switch(at).set_value("classic").run()  # one click
    assert not at.exception
    assert at.sidebar.selectbox(key="model_name").value == "classic"  # the sidebar's choice follows
    name, shown = shown_logits(at)
    assert name == "classic"
    np.testing.assert_allclose(shown, logits("classic", x), atol=1e-4)
    assert np.abs(shown - logits(mlp.DEFAULT_MODEL, x)).max() > 1  # the two readings told apart

    at.sidebar.selectbox(key="model_name").set_value(mlp.DEFAULT_MODEL).run()  # and the switch follows it
    assert switch(at).value == mlp.DEFAULT_MODEL
    assert shown_logits(at)[0] == mlp.DEFAULT_MODEL
