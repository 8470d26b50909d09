"""The page, run headless with Streamlit's AppTest: every view, a drawing, filters, training, no data.

The canvas cannot be driven here; a drawing is injected as the state the component would send
(see /work/shared/CANVAS-NOTES.md). The browser test covers the JavaScript side.
"""

import base64
import shutil

import numpy as np
import pytest
from conftest import ROOT, digit_png
from streamlit.testing.v1 import AppTest

import mlp

APP = str(ROOT / "app.py")
TIMEOUT = 120  # the first run imports TensorFlow; a busy 2-core machine is slow
HINT = "Draw a digit"


@pytest.fixture
def app(mnist_path, monkeypatch) -> AppTest:
    """The page with MNIST available, not yet run."""
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def open_view(at: AppTest, view: str) -> AppTest:
    at.session_state["view"] = view
    return at.run()


def draw(at: AppTest, png: bytes) -> AppTest:
    """Put a drawing on the canvas, as the component reports one after a stroke."""
    key = f"canvas-{at.session_state['canvas_round']}"
    at.session_state[key] = {
        "drawing": {"raw": {"objects": [{"type": "Path"}]},
                    "data": "data:image/png;base64," + base64.b64encode(png).decode()},
        "backgroundFit": None,
    }
    return at.run()


def metric(at: AppTest, label: str) -> str | None:
    """The value shown under a metric's label, or None when there is no such metric."""
    values = [m.value for m in at.metric if m.label == label]
    return values[0] if values else None


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def texts(at: AppTest) -> str:
    return "\n".join(e.value for kind in (at.markdown, at.caption, at.info, at.warning, at.error,
                                          at.success) for e in kind)


def test_draw_view_opens_blank_with_a_hint_and_no_prediction(app):
    at = app.run()
    assert not at.exception
    assert any(HINT in info.value for info in at.info)
    assert metric(at, "Prediction") is None


@pytest.mark.parametrize("index", [0, 1, 3])  # a 7, a 2 and a 0 from the test set
def test_a_drawn_mnist_digit_is_read_correctly(app, mnist, index):
    images, labels = mnist.x_test, mnist.y_test
    at = draw(app.run(), digit_png(images[index]))
    assert not at.exception
    assert metric(at, "Prediction") == str(labels[index])
    assert metric(at, "Confidence").endswith("%")
    assert not any(HINT in info.value for info in at.info)
    assert not at.warning  # these three are read with confidence


def test_an_unsure_reading_says_so_and_names_the_two_likeliest_digits(app, mnist):
    # An MNIST test digit the page's default model finds ambiguous even as drawn on the canvas.
    model = mlp.load_model()
    evaluation = mlp.evaluate(model, mlp.as_model_input(mnist.x_test), mnist.y_test)
    for index in np.argsort(evaluation.confidence)[:50]:
        png = digit_png(mnist.x_test[index])
        probabilities = mlp.predict_proba(model, mlp.preprocess(mlp.open_image(png)))
        if probabilities.max() < 0.55:
            break
    else:
        pytest.fail("no ambiguous test digit found")
    (first, _), (second, _) = mlp.top_k(probabilities, k=2)
    at = draw(app.run(), png)
    assert not at.exception
    assert metric(at, "Prediction") == str(first)
    assert [w.value for w in at.warning] == [f"Not sure: maybe {first} or {second}."]


def test_clear_empties_the_canvas(app, mnist):
    images = mnist.x_test
    at = draw(app.run(), digit_png(images[0]))
    assert metric(at, "Prediction") == "7"
    button(at, "Clear").click().run()
    assert not at.exception
    assert metric(at, "Prediction") is None
    assert any(HINT in info.value for info in at.info)


def test_an_uploaded_photo_is_read_and_a_non_image_is_refused(app, mnist):
    images, labels = mnist.x_test, mnist.y_test
    at = app.run()
    at.file_uploader(key="upload").set_value(("digit.png", digit_png(images[1], 300, paper=True), "image/png"))
    at.run()
    assert not at.exception
    assert metric(at, "Prediction") == str(labels[1])

    at.file_uploader(key="upload").set_value(("notes.png", b"this is not a picture", "image/png"))
    at.run()
    assert not at.exception
    assert any("not an image" in error.value for error in at.error)
    assert metric(at, "Prediction") is None
    assert any(HINT in info.value for info in at.info)  # the canvas side is unaffected


@pytest.mark.parametrize("view, expected", [
    ("Test grid", "of the 10,000 MNIST test digits correctly"),
    ("Mistakes", "mistakes** in all"),
    ("Train", "Train a new MLP"),
])
def test_each_view_renders(app, view, expected):
    at = open_view(app.run(), view)
    assert not at.exception
    assert expected in texts(at)


def test_test_grid_filters_and_pages(app, mnist):
    labels = mnist.y_test
    at = open_view(app.run(), "Test grid")
    assert "Showing 1-100 of 10,000 test digits" in texts(at)
    at.selectbox(key="grid_digit").set_value(4).run()
    fours = int((labels == 4).sum())
    assert f"Showing 1-100 of {fours:,} test digits 4" in texts(at)
    button(at, "Next").click().run()
    assert not at.exception
    assert f"Showing 101-200 of {fours:,} test digits 4" in texts(at)
    button(at, "Random sample").click().run()
    assert f"a random sample of 100 of {fours:,} test digits 4" in texts(at)


def test_mistake_filters_change_what_is_shown(app, mnist):
    images, labels = mnist.x_test, mnist.y_test
    evaluation = mlp.evaluate(mlp.load_model(), mlp.as_model_input(images), labels)
    at = open_view(app.run(), "Mistakes")
    everything = len(evaluation.misclassified())
    assert f"**{everything} mistakes** in all" in texts(at)

    at.selectbox(key="mistake_true").set_value(3).run()
    threes = len(evaluation.misclassified(true=3))
    assert f"**{threes} mistakes**: true 3" in texts(at)
    cards = [m.value for m in at.markdown if m.value.startswith("true **")]
    assert cards and len(cards) == min(threes, 24)
    assert all(card.startswith("true **3**") for card in cards)

    at.selectbox(key="mistake_predicted").set_value(5).run()
    assert not at.exception
    three_as_five = len(evaluation.misclassified(true=3, predicted=5))
    assert f"mistake{'' if three_as_five == 1 else 's'}**: true 3, read as 5" in texts(at)
    cards = [m.value for m in at.markdown if m.value.startswith("true **")]
    assert len(cards) == three_as_five
    assert all(card == "true **3**, read **:red[5]**" for card in cards)


def test_a_short_training_run_adds_a_selectable_model(app):
    at = open_view(app.run(), "Train")
    assert at.session_state["model_name"] == mlp.DEFAULT_MODEL
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_limit").set_value(500)
    at.text_input(key="train_hidden").set_value("32")
    button(at, "Train").click().run()
    assert not at.exception
    chooser = at.sidebar.selectbox(key="model_name")
    assert "trained-1 (trained here)" in chooser.options
    assert chooser.value == "trained-1"  # and it is selected
    assert "Trained **trained-1**" in texts(at)
    assert float(metric(at, "Test accuracy").rstrip("%")) > 25  # 16 steps on 500 images: above chance (10%)
    # The other views work with the new model, whose test predictions the session keeps.
    at = open_view(at, "Mistakes")
    assert not at.exception
    assert "**trained-1** misreads" in texts(at)
    # The shipped model is still there and unchanged.
    chooser = at.sidebar.selectbox(key="model_name")
    chooser.set_value(mlp.DEFAULT_MODEL).run()
    assert f"Test accuracy **{mlp.load_model().record['test_accuracy']:.2%}**" in texts(at)


def test_without_mnist_draw_still_works_and_data_views_say_how_to_get_it(monkeypatch, tmp_path,
                                                                          mnist):
    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "missing" / "mnist.npz"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any(HINT in info.value for info in at.info)
    images, labels = mnist.x_test, mnist.y_test
    assert metric(draw(at, digit_png(images[0])), "Prediction") == str(labels[0])
    for view in ("Test grid", "Mistakes", "Train"):
        at = open_view(at, view)
        assert not at.exception
        warnings = [w.value for w in at.warning]
        assert len(warnings) == 1 and "set the environment variable MNIST_NPZ" in warnings[0], view


def test_a_broken_model_is_reported_and_the_page_stays_usable(app, monkeypatch, tmp_path):
    from mlp import model as model_module

    for suffix in (".keras", ".json"):
        shutil.copy(model_module.ASSETS / f"classic{suffix}", tmp_path / f"classic{suffix}")
    (tmp_path / "broken.keras").write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setattr(model_module, "ASSETS", tmp_path)
    at = app.run()
    at.sidebar.selectbox(key="model_name").set_value("broken").run()
    assert not at.exception
    assert any("broken" in error.value for error in at.sidebar.error)
    assert any("No model is loaded" in info.value for info in at.info)
    at = open_view(at, "Train")
    assert not at.exception and "Train a new MLP" in texts(at)
    at.sidebar.selectbox(key="model_name").set_value("classic").run()
    assert not at.exception and not at.sidebar.error
