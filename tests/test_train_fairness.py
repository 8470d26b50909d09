"""The Train view under a class: one run per browser whatever its tabs, no forged numbers, and a
browser's trained models found again by any replica (they are kept in the shared store).

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

from mlp.runs import FINISHED
from views import loaders

pytestmark = pytest.mark.app

APP = str(ROOT / "app.py")
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
    queue = loaders.run_queue()
    for at in tabs:
        if (run_id := at.session_state["train_job"]) is not None and queue.get(run_id).state not in FINISHED:
            queue.cancel(run_id)


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
    run_id = at.session_state["train_job"]
    assert run_id is None, f"{field}={forged} queued {loaders.run_queue().get(run_id).request}"
    assert "Choose" in errors(at)


def test_an_image_count_past_the_data_is_refused_not_shortened(browser, mnist):
    at = submit(browser(), **{**LONG, "train_limit": len(mnist.y_train) + 1})
    assert at.session_state["train_job"] is None
    assert "training images" in errors(at)


def test_a_browsers_trained_model_is_found_again_by_another_replica(browser, training_worker):
    from test_app import finish_training

    at = submit(browser(), train_hidden="8", train_epochs=1, train_batch=64, train_limit=300)
    at = finish_training(at)
    assert at.sidebar.selectbox(key="model_name").value == "trained-1"
    # Another replica: a process that has loaded nothing yet (no cached queue, no cached models)
    # serves the same browser, in a new session.
    loaders.run_queue.clear()
    loaders.trained_model.clear()
    other = browser()
    assert list(other.session_state["trained_models"]) == ["trained-1"]
    assert "trained-1 (trained here)" in other.sidebar.selectbox(key="model_name").options
