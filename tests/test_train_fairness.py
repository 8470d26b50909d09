"""The Train view under a class: one run per browser whatever its tabs, no forged numbers, and
all visitors' trained models within one budget.

Each AppTest is one session, as one browser tab is. Streamlit's XSRF cookie, the same token
under a new mask on every page load, is what one browser's tabs share; AppTest cannot send
cookies, so the tests hand Streamlit's own st.context the cookie a browser would send.
"""

import binascii
import os

import pytest
from conftest import ROOT
from streamlit.runtime.context import ContextProxy
from streamlit.testing.v1 import AppTest

import mlp
from mlp.jobs import FINISHED
from views import loaders, state

pytestmark = pytest.mark.app

APP = str(ROOT / "app.py")
MB = 2**20
TIMEOUT = 120
LONG = {"train_hidden": "64", "train_epochs": 50, "train_batch": 8, "train_limit": 3000}  # still going


def xsrf_cookie(token: bytes) -> str:
    """Streamlit's cookie for `token`, masked anew as on every page load: 2|mask|masked|time."""
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(token))
    return f"2|{binascii.hexlify(mask).decode()}|{binascii.hexlify(masked).decode()}|1764750000"


@pytest.fixture
def browser(mnist_path, monkeypatch):
    """A factory of tabs: each call is a new session of one browser (one token, a new mask)."""
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    token = os.urandom(16)
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: {"_streamlit_xsrf": xsrf_cookie(token)}))
    tabs = []

    def new_tab() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.session_state["view"] = "Train"
        tabs.append(at)
        return at.run()

    yield new_tab
    queue = loaders.training_queue(str(mnist_path))
    for at in tabs:
        if (job := at.session_state["train_job"]) is not None and job.state not in FINISHED:
            queue.cancel(job)


def submit(at: AppTest, **fields) -> AppTest:
    """Fill the training form's fields by key and press Train."""
    for key, value in fields.items():
        widget = at.text_input(key=key) if key == "train_hidden" else at.number_input(key=key)
        widget.set_value(value)
    next(b for b in at.button if b.label == "Train").click()
    return at.run()


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def test_ten_tabs_of_one_browser_get_one_run(browser):
    tabs = [submit(browser(), **LONG) for _ in range(10)]
    queued = [at for at in tabs if at.session_state["train_job"] is not None]
    assert len(queued) == 1, f"{len(queued)} runs from one browser"
    assert "another tab of this browser" in errors(tabs[-1])


@pytest.mark.parametrize("field, forged", [
    ("train_epochs", 0), ("train_epochs", 10**9), ("train_batch", 1),
    ("train_lr", float("nan")), ("train_lr", 50.0),
])
def test_a_forged_number_queues_no_run_it_did_not_ask_for(browser, field, forged):
    at = submit(browser(), **{**LONG, field: forged})
    job = at.session_state["train_job"]
    assert job is None, f"{field}={forged} queued {job.config}"
    assert "Choose" in errors(at)


def test_an_image_count_past_the_data_is_refused_not_shortened(browser, mnist):
    at = submit(browser(), **{**LONG, "train_limit": len(mnist.y_train) + 1})
    assert at.session_state["train_job"] is None
    assert "training images" in errors(at)


def held_mb(trained) -> float:
    """What one session's trained models hold, counted here (weights, scores, the .keras file)."""
    total = 0
    for name in list(trained):
        model = trained[name]
        total += len(model.keras_file) + model.evaluation.probabilities.nbytes
        total += sum(step.weights.nbytes + step.bias.nbytes for step in model.classifier.network.steps)
    return total / MB


def test_all_sessions_models_stay_within_the_servers_budget(mnist_path, monkeypatch, classic_model, mnist):
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    monkeypatch.setenv("MLP_TRAINED_MODELS_MB", "5")
    if hasattr(loaders, "model_shelf"):
        loaders.model_shelf.clear()  # a fresh server's shelf, with this budget
    try:
        evaluation = mlp.evaluate(classic_model, mlp.as_model_input(mnist.x_test), mnist.y_test)
        sessions = []
        for _ in range(2):  # two visitors, each with a 3 MB model: 6 MB against 5
            at = AppTest.from_file(APP, default_timeout=120).run()
            at.session_state["trained_models"]["trained-1"] = state.TrainedModel(
                classifier=classic_model, evaluation=evaluation, keras_file=bytes(3 * MB), train_examples=10)
            sessions.append(at)
        assert sum(held_mb(at.session_state["trained_models"]) for at in sessions) <= 5
        first = sessions[0]
        first.session_state["view"] = "Train"
        first.run()  # the first visitor's next look: told, in words
        assert "put away to make room" in "\n".join(i.value for i in first.info)
        assert list(sessions[1].session_state["trained_models"]) == ["trained-1"]
    finally:
        if hasattr(loaders, "model_shelf"):
            loaders.model_shelf.clear()
