"""The classroom's page, run headless with AppTest and at the queue: joining by phone, the Train
view's feedback, and what a view keeps when another is opened."""

import pytest
from test_app import APP, TIMEOUT, open_view, texts
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app(mnist_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    monkeypatch.delenv("MLP_PUBLIC_URL", raising=False)
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def test_the_mistakes_filters_are_kept_while_the_draw_view_is_open(app):
    at = open_view(app.run(), "Mistakes")
    at.selectbox(key="mistake_true").set_value(4).run()
    at.selectbox(key="mistake_predicted").set_value(9).run()
    at.toggle(key="confusion_rows").set_value(True).run()
    at = open_view(open_view(at, "Draw"), "Mistakes")
    assert not at.exception
    assert at.selectbox(key="mistake_true").value == 4
    assert at.selectbox(key="mistake_predicted").value == 9
    assert at.toggle(key="confusion_rows").value is True
    assert "true 4, read as 9" in texts(at)
