"""The classroom's page, run headless with AppTest and at the queue: joining by phone, the Train
view's feedback, and what a view keeps when another is opened."""

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, TIMEOUT, open_view, texts

from views import join


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


def test_a_page_opened_locally_hands_out_the_network_address_with_its_port_path_and_parameters():
    params = {"lang": "fr", "class": "4b", "present": "1", "view": "Mistakes", "join": "1"}
    for opened in ("http://localhost:8502/digits", "http://127.0.0.1:8502/digits"):
        assert join.page_address(None, opened, "localhost:8502", "192.168.1.23", params) == \
            "http://192.168.1.23:8502/digits?lang=fr&class=4b&present=1"  # not ?view= nor ?join=
    assert join.page_address(None, "http://localhost:8501/", None, "192.168.1.23", {}) == \
        "http://192.168.1.23:8501/"
    # No network address found (offline: Streamlit falls back to 127.0.0.1): the local one stays.
    assert join.page_address(None, "http://localhost:8501/", None, "127.0.0.1", {}) == "http://localhost:8501/"
    assert join.page_address(None, "http://localhost:8501/", None, None, {}) == "http://localhost:8501/"
    # Opened by the network already: kept as it is.
    assert join.page_address(None, "http://10.0.0.5:8501/", None, "192.168.1.23", {"class": "4b"}) == \
        "http://10.0.0.5:8501/?class=4b"


def test_the_public_url_wins_over_the_network_address_and_keeps_the_lesson_parameters():
    assert join.page_address("https://class.example.org/mlp/", "http://localhost:8501/", "localhost:8501",
                             "192.168.1.23", {"lang": "de", "view": "Train"}) == \
        "https://class.example.org/mlp/?lang=de"
    assert join.short_link("https://class.example.org/mlp/?lang=de") == "class.example.org/mlp/?lang=de"


def test_the_join_popover_offers_the_network_address_and_says_when_phones_cannot_reach_it(app, monkeypatch):
    # AppTest's page has no browser address: the choice itself is tested above, its wording here.
    monkeypatch.setattr(join, "current_address", lambda: ("http://192.168.1.23:8501/?present=1", True))
    at = app.run()
    assert not at.exception
    shown = texts(at).replace("\\", "")
    assert "### 192.168.1.23:8501/?present=1" in shown
    assert "same network" in shown and "guest and school Wi-Fi" in shown and "hotspot" in shown
    assert join.ENV_VAR in shown


def test_the_full_screen_join_view_replaces_the_page_and_has_a_way_back(app, monkeypatch):
    monkeypatch.setenv(join.ENV_VAR, "https://class.example.org/digits")
    at = app.run()
    next(b for b in at.button if b.label == "Show full screen").click().run()
    assert not at.exception
    assert at.query_params.get("join") in ("1", ["1"])
    page = "\n".join(element.proto.body for element in at.get("html"))
    assert 'data-join="class.example.org/digits"' in page and "height:min(62vh,92vw)" in page
    assert not at.tabs and not [b for b in at.button if b.label == "Show full screen"]  # the page is gone
    next(b for b in at.button if b.label == "Back to the page").click().run()
    assert "join" not in at.query_params
    assert at.tabs and not at.exception
