"""The page, run headless with Streamlit's AppTest: every view, a drawing, filters, training, no data.

The canvas cannot be driven here; a drawing is injected as the state the component would send
(see the project's canvas notes). The browser test covers the JavaScript side.
"""

import base64
import html
import io
import re
import shutil
import time

import numpy as np
import pytest
from conftest import ROOT, digit_png
from PIL import Image
from streamlit.testing.v1 import AppTest

import mlp
from harness import hostile
from mlp.limits import TrainingLimits, check
from views import pictures, state

pytestmark = pytest.mark.app

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
    key = "canvas"  # as views.state.canvas_key()
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


def clear_readings(mnist, model, count: int) -> list[int]:
    """Indices of the first test digits `model` reads right and surely as drawn."""
    chosen = []
    for index, (image, label) in enumerate(zip(mnist.x_test, mnist.y_test)):
        probabilities = mlp.predict_proba(model, mlp.preprocess(mlp.open_image(digit_png(image))))
        if probabilities.argmax() == label and probabilities.max() > 0.9:
            chosen.append(index)
            if len(chosen) == count:
                return chosen
    pytest.fail("too few test digits read surely")


@pytest.mark.parametrize("nth", [0, 1, 2])
def test_a_drawn_mnist_digit_is_read_correctly(app, mnist, default_model, nth):
    images, labels = mnist.x_test, mnist.y_test
    index = clear_readings(mnist, default_model, 3)[nth]
    at = draw(app.run(), digit_png(images[index]))
    assert not at.exception
    assert metric(at, "Prediction") == str(labels[index])
    assert metric(at, "Confidence").endswith("%")
    assert not any(HINT in info.value for info in at.info)
    assert not at.warning  # these three are read with confidence
    bars = [element.proto.body for element in at.get("html") if "data-digit=" in element.proto.body]
    assert len(bars) == 1 and bars[0].count("data-digit=") == 10
    assert f'data-digit="{labels[index]}" data-top="true"' in bars[0]
    assert bars[0].count('data-top="true"') == 1


def test_an_unsure_reading_says_so_and_names_the_two_likeliest_digits(app, mnist, default_model):
    # An MNIST test digit the page's default model finds ambiguous even as drawn on the canvas,
    # yet a digit (the model learnt to be unsure of non-digits: some unsure digits it flags).
    model = default_model
    evaluation = mlp.evaluate(model, mlp.as_model_input(mnist.x_test), mnist.y_test)
    for index in np.argsort(evaluation.confidence)[:100]:
        png = digit_png(mnist.x_test[index])
        seen = mlp.preprocess(mlp.open_image(png))
        probabilities = mlp.predict_proba(model, seen)
        if probabilities.max() < 0.55 and mlp.looks_like_digit(model, seen):
            break
    else:
        pytest.fail("no ambiguous test digit found")
    (first, _), (second, _) = mlp.top_k(probabilities, k=2)
    at = draw(app.run(), png)
    assert not at.exception
    assert metric(at, "Prediction") == str(first)
    assert [w.value for w in at.warning] == [f"Not sure: maybe {first} or {second}."]
    at.toggle(key="present").set_value(True).run()  # on the projector the big digit says it, in no box
    assert not at.exception and not at.warning
    big = re.search(r'<div data-prediction="(\d)"[^>]*>.*?</div>', "".join(e.proto.body for e in at.get("html")))
    assert big and big[1] == str(first) and f"maybe {second}" in big[0]


def test_clear_empties_the_canvas(app, mnist):
    images = mnist.x_test
    at = draw(app.run(), digit_png(images[0]))
    assert metric(at, "Prediction") == str(mnist.y_test[0])
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
    ("Test grid", "MNIST test digits correctly"),
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
    assert f"Showing 1-100 of {len(labels):,} test digits" in texts(at)
    at.selectbox(key="grid_digit").set_value(4).run()
    fours = int((labels == 4).sum())
    assert f"Showing 1-100 of {fours:,} test digits 4" in texts(at)
    button(at, "Next").click().run()
    assert not at.exception
    assert f"Showing 101-{min(200, fours)} of {fours:,} test digits 4" in texts(at)
    button(at, "Random sample").click().run()
    assert f"a random sample of 100 of {fours:,} test digits 4" in texts(at)


def test_mistake_filters_change_what_is_shown(app, mnist, default_model):
    images, labels = mnist.x_test, mnist.y_test
    evaluation = mlp.evaluate(default_model, mlp.as_model_input(images), labels)
    at = open_view(app.run(), "Mistakes")
    everything = len(evaluation.misclassified())
    assert f"**{everything} mistakes** in all" in texts(at)

    # The digit the model misreads most, and what it most often takes it for.
    confusion = evaluation.confusion - np.diag(np.diag(evaluation.confusion))
    true, read = (int(i) for i in np.unravel_index(confusion.argmax(), confusion.shape))
    at.selectbox(key="mistake_true").set_value(true).run()
    wrong = len(evaluation.misclassified(true=true))
    assert f"**{wrong} mistake{'' if wrong == 1 else 's'}**: true {true}" in texts(at)
    cards = [m.value for m in at.markdown if m.value.startswith("true **")]
    assert cards and len(cards) == min(wrong, 24)
    assert all(card.startswith(f"true **{true}**") for card in cards)

    at.selectbox(key="mistake_predicted").set_value(read).run()
    assert not at.exception
    pair = len(evaluation.misclassified(true=true, predicted=read))
    assert f"mistake{'' if pair == 1 else 's'}**: true {true}, read as {read}" in texts(at)
    cards = [m.value for m in at.markdown if m.value.startswith("true **")]
    assert len(cards) == pair
    assert all(card == f"true **{true}**, read **:red[{read}]**" for card in cards)


def finish_training(at: AppTest, timeout: float = 120.0) -> AppTest:
    """Wait for this session's queued run to end (it trains on the session's worker), then rerun."""
    from views import loaders

    queue, run_id = loaders.run_queue(), at.session_state["train_job"]
    deadline = time.monotonic() + timeout
    while (job := queue.get(run_id)).state in ("waiting", "running") and time.monotonic() < deadline:
        queue.seen(run_id)  # as the page's status fragment does every second
        time.sleep(0.2)
    assert job.state == "done", job.message
    return at.run()


def test_a_short_training_run_adds_a_selectable_model(app, default_model, mnist, training_worker):
    at = open_view(app.run(), "Train")
    assert at.session_state["model_name"] == mlp.DEFAULT_MODEL
    assert "here it trains on MNIST alone" not in texts(at)  # the first preset, fast
    at.selectbox(key="train_preset").set_value("world").run()
    assert "here it trains on MNIST alone" in texts(at)  # not the shipped world's drawn data
    # world's 90 epochs are more than a run here may have: the form starts at the limit, and says so.
    limit = at.number_input(key="train_epochs").value  # as many as fit this server's limits
    assert mlp.PRESETS["world"].epochs > TrainingLimits().max_epochs >= limit
    assert f"a run on this server may have {limit}" in texts(at)
    check(mlp.PRESETS["world"].with_changes(epochs=limit), len(mnist.y_train), TrainingLimits())  # it may run
    at.selectbox(key="train_preset").set_value("fast").run()
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_limit").set_value(500)
    at.text_input(key="train_hidden").set_value("32")
    button(at, "Train").click().run()
    assert not at.exception
    assert at.session_state["train_job"] is not None  # queued: it trains in its own process
    at = finish_training(at)
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
    assert f"Test accuracy **{default_model.record['test_accuracy']:.2%}**" in texts(at)


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
        assert str(tmp_path) not in texts(at)  # the caption names the file, not the server's path


def test_a_broken_model_is_reported_and_the_page_stays_usable(app, monkeypatch, tmp_path):
    from mlp import model as model_module

    for suffix in (".keras", ".npz"):
        shutil.copy(model_module.ASSETS / f"classic{suffix}", tmp_path / f"classic{suffix}")
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setattr(model_module, "ASSETS", tmp_path)
    at = app.run()
    assert "broken (damaged)" in at.sidebar.selectbox(key="model_name").options
    at.sidebar.selectbox(key="model_name").set_value("broken").run()
    assert not at.exception
    errors = [error.value for error in at.error]
    assert len(errors) == 1 and "broken is damaged" in errors[0]
    assert str(tmp_path) not in texts(at)  # Keras' message names the file's path: cut to its name
    assert any("No model is loaded" in info.value for info in at.info)
    at = open_view(at, "Train")
    assert not at.exception and "Train a new MLP" in texts(at)
    at.sidebar.selectbox(key="model_name").set_value("classic").run()
    assert not at.exception and not at.error


def test_a_missing_shipped_model_is_named_not_replaced(app, monkeypatch, tmp_path):
    from mlp import model as model_module

    for suffix in (".keras", ".npz"):
        shutil.copy(model_module.ASSETS / f"classic{suffix}", tmp_path / f"classic{suffix}")
    monkeypatch.setattr(model_module, "ASSETS", tmp_path)  # the default model's file is gone
    at = app.run()
    assert not at.exception
    chooser = at.sidebar.selectbox(key="model_name")
    assert chooser.value == mlp.DEFAULT_MODEL  # not silently another model
    assert f"{mlp.DEFAULT_MODEL} (missing)" in chooser.options
    assert [error.value for error in at.error] == [
        f"The model {mlp.DEFAULT_MODEL} is missing: its file is not part of this installation. "
        "Choose another model in the sidebar."]
    assert any("No model is loaded" in info.value for info in at.info)
    chooser.set_value("classic").run()
    assert not at.exception and not at.error
    assert any(HINT in info.value for info in at.info)


def test_without_mnist_offline_the_download_is_tried_once_not_on_every_visit(monkeypatch):
    from views import loaders

    calls = []

    def offline(path=None):
        calls.append(path)
        raise mlp.DataError("MNIST is not available: the download failed (URL fetch failure on "
                            "https://storage.googleapis.com/mnist.npz: None -- [Errno -2] Name or "
                            "service not known)")

    monkeypatch.delenv("MNIST_NPZ", raising=False)
    monkeypatch.setattr(mlp, "load_mnist", offline)
    loaders.forget_mnist()  # nothing remembered from other tests
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for view in ("Test grid", "Mistakes", "Train", "Test grid", "Mistakes"):
        at = open_view(at, view)
        assert not at.exception
        warnings = [w.value for w in at.warning]
        assert len(warnings) == 1 and "Online it downloads by itself; offline, set the environment " \
            "variable MNIST_NPZ" in warnings[0], view
        assert "Errno" not in texts(at)  # the network error's details go to the log, not the page
    assert len(calls) == 1
    button(at, "Try again").click().run()
    assert len(calls) == 2
    loaders.forget_mnist()


def test_an_exception_in_a_view_is_contained(app, monkeypatch, mnist):
    from views import draw as draw_view, pictures

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail /srv/secret/path")

    monkeypatch.setattr(pictures, "contact_sheet", broken)
    at = open_view(app.run(), "Test grid")
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Something went wrong in this view: RuntimeError. The rest of the page still works."]
    assert "secret" not in texts(at)
    assert "Showing 1-100" in texts(at)  # what came before the failure is still there
    # The other views and the sidebar still work.
    at = open_view(at, "Draw")
    assert not at.exception and not at.error
    assert metric(draw(at, digit_png(mnist.x_test[0])), "Prediction") == str(mnist.y_test[0])
    # The Draw view is a fragment, rerun alone after each stroke: it contains its own errors.
    monkeypatch.setattr(draw_view, "show_reading", broken)
    at = draw(at, digit_png(mnist.x_test[1]))
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Something went wrong in this view: RuntimeError. The rest of the page still works."]


def test_a_visitor_typed_hidden_layer_value_is_shown_literally_not_as_markdown(app, monkeypatch):
    from markdown_it import MarkdownIt

    from mlp.runs import RunQueue

    queued = []  # the page trains through the shared queue: nothing may reach it
    monkeypatch.setattr(RunQueue, "submit", lambda queue, *args, **kwargs: queued.append(args))
    typed = "**bold** :red[x]"
    at = open_view(app.run(), "Train")
    at.text_input(key="train_hidden").set_value(typed)
    button(at, "Train").click().run()
    assert not at.exception
    assert not queued and at.session_state["train_job"] is None
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    # Rendered as Markdown (CommonMark, as the browser does), the sentence shows what was typed.
    rendered = MarkdownIt("commonmark").render(errors[0])
    assert "<strong>" not in rendered and "<em>" not in rendered
    assert f"“{typed}”" in html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert ":red[" not in errors[0]  # Streamlit's own colour syntax, which CommonMark lacks


def sized_png(mode: str, digit: np.ndarray) -> bytes:
    """A canvas-sized digit saved as a PNG in `mode` (I;16: 16-bit greyscale, using 0-4095)."""
    image = Image.open(io.BytesIO(digit_png(digit))).convert("L")
    if mode == "I;16":
        image = Image.fromarray(np.asarray(image).astype(np.uint16) * 16)
    else:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["I;16", "LA", "P", "1"])
def test_an_uploaded_picture_in_any_mode_is_shown_back_and_read(app, mnist, mode):
    png = sized_png(mode, mnist.x_test[1])
    assert Image.open(io.BytesIO(png)).mode == mode
    at = app.run()
    at.file_uploader(key="upload").set_value(("digit.png", png, "image/png"))
    at.run()
    assert not at.exception and not at.error
    assert "Your picture" in [image.caption for element in at.get("image") for image in element.proto.imgs]
    assert metric(at, "Prediction") == str(mnist.y_test[1])


@pytest.fixture
def upload_limit():
    """Set the server's upload limit (server.maxUploadSize, in MB) for one test, then put it back."""
    from streamlit import config

    before = config.get_option("server.maxUploadSize")
    yield lambda megabytes: config.set_option("server.maxUploadSize", megabytes)
    config.set_option("server.maxUploadSize", before)


@pytest.mark.parametrize("limit", [5, 2])
def test_an_upload_over_the_servers_limit_is_refused_with_a_sentence(app, upload_limit, limit):
    upload_limit(limit)  # the page follows the server's limit, whatever it is set to
    at = app.run()
    assert f"up to {limit} MB" in at.file_uploader(key="upload").label
    at.file_uploader(key="upload").set_value(("huge.png", b"\0" * (limit + 1) * 1_000_000, "image/png"))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"This file is {limit + 1}.0 MB; the limit is {limit} MB. A photo of one digit needs far less: crop "
        "it or save it smaller."]


@pytest.fixture(scope="module")
def oversized_stroke() -> dict:
    """The canvas's widget value carrying a 13000x13000 RGBA PNG (0.88 MB; 676 MB of pixels)."""
    return hostile.stroke_value(hostile.stroke_url(13_000))


def test_an_oversized_stroke_is_refused_with_a_sentence_and_the_page_keeps_working(app, mnist,
                                                                                  oversized_stroke):
    at = app.run()
    at.session_state["canvas"] = oversized_stroke
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This drawing was not read: 13000x13000 pixels is larger than 900 pixels a side."]
    assert metric(at, "Prediction") is None
    at = draw(at, digit_png(mnist.x_test[0]))  # the next real stroke reads as usual
    assert not at.exception and not at.error
    assert metric(at, "Prediction") == str(mnist.y_test[0])


def count_decodes(monkeypatch, files: dict[str, bytes]) -> list[str]:
    """From now on, the name of each of `files` whenever PIL's Image.open is given it (whoever calls it):
    every decode starts there. (st.image opens its own output too; those are not ours.)"""
    opened, real = [], Image.open

    def counting(source, *args, **kwargs):
        data = source.getvalue() if isinstance(source, io.BytesIO) else None
        opened.extend(name for name, content in files.items() if data == content)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(Image, "open", counting)
    return opened


def test_a_drawing_is_decoded_once_not_on_every_rerun(app, mnist, monkeypatch):
    first, second = digit_png(mnist.x_test[0]), digit_png(mnist.x_test[1])
    opened = count_decodes(monkeypatch, {"first": first, "second": second})
    at = draw(app.run(), first)
    for _ in range(3):  # other widgets, or the rest of the page, rerun the canvas's fragment
        at.run()
        assert metric(at, "Prediction") == str(mnist.y_test[0])
    assert opened == ["first"]
    at = draw(at, second)  # a new drawing is read, not the old one shown again
    assert metric(at, "Prediction") == str(mnist.y_test[1])
    assert opened == ["first", "second"]


def test_an_upload_is_decoded_once_per_file_not_on_every_rerun(app, mnist, monkeypatch):
    images, labels = mnist.x_test, mnist.y_test
    one, two = digit_png(images[1], 300, paper=True), digit_png(images[2], 300, paper=True)
    opened = count_decodes(monkeypatch, {"one": one, "two": two})
    at = app.run()
    at.file_uploader(key="upload").set_value(("one.png", one, "image/png"))
    for _ in range(3):  # any click on the page reruns it with the file still in the uploader
        at.run()
        assert metric(at, "Prediction") == str(labels[1])
    assert opened == ["one"]
    at.file_uploader(key="upload").set_value(("two.png", two, "image/png"))
    at.run()
    assert metric(at, "Prediction") == str(labels[2])
    assert opened == ["one", "two"]


@pytest.mark.parametrize("mode", ["I;16", "I", "F", "CMYK", "LA", "P", "PA", "1"])
def test_displayable_turns_any_mode_into_one_a_browser_shows(mode):
    ramp = np.linspace(1000, 5000, 64 * 64).reshape(64, 64)
    image = Image.fromarray(ramp.astype(np.uint16)).convert(mode) if mode in ("I;16", "I", "F") \
        else Image.new(mode, (64, 64))
    shown = pictures.displayable(image)
    assert shown.mode in ("L", "RGB", "RGBA")
    shown.save(io.BytesIO(), format="JPEG" if shown.mode != "RGBA" else "PNG")
    if mode in ("I;16", "I", "F"):  # scaled by the image's own range, not clipped at 255
        assert shown.getextrema() == (0, 255)


def test_draw_view_picture_of_what_the_model_sees_is_the_input_itself_shown_unsmoothed():
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 12:16] = 1.0  # a "1"
    digit[10, 3] = 0.5  # one grey pixel, which a smoothing enlargement would smear
    html = pictures.pixelated(digit, 112, "What the model sees")
    url = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(url))))
    assert shown.shape == (28, 28)
    assert shown[10, 3] == 127 and shown[5, 13] == 255 and shown[0, 0] == 0
    assert 'width="112"' in html and "image-rendering:pixelated" in html and "What the model sees" in html


def test_every_session_state_key_is_declared_in_one_table():
    sources = "\n".join(path.read_text() for path in [ROOT / "app.py", *(ROOT / "views").glob("*.py")])
    used = set(re.findall(r"session_state\.(\w+)", sources)) - {"update", "get"}
    used |= set(re.findall(r"session_state\[\"(\w+)\"\]", sources))
    used |= set(re.findall(r"\bkey=\"(\w+)\"", sources))
    assert used and used <= set(state.KEYS)
    assert "session_state.get(" not in sources


def stored_run(owner: str, done: bool = True):
    """A run of `owner` in the session's store as a worker leaves it: running half way, or done with the
    shipped classic model as its model. Never handed to the worker: this queue enqueues nothing."""
    from mlp.runs import DONE, RunQueue, TrainRequest
    from views import loaders

    shared = loaders.run_queue()
    queue = RunQueue(shared.engine, shared.huey, lambda run_id: None, limits=shared.limits, slots=8)
    run = queue.submit(TrainRequest(mlp.PRESETS["classic"].with_changes(epochs=1), 500), owner=owner)
    queue.claim(run.id)
    queue.beat(run.id, progress=0.5)
    if done:
        classic = mlp.shipped_models()["classic"]
        queue.finish(run.id, DONE, files=(classic.read_bytes(), classic.with_suffix(".keras").read_bytes()),
                     record=mlp.load_model("classic").record)
    return run


def test_a_visitor_keeps_only_their_latest_trained_models(app, training_worker):
    at = open_view(app.run(), "Train")
    for _ in (1, 2, 3):  # three earlier runs of this visitor
        stored_run(at.session_state["visitor"])
    assert list(at.session_state["trained_models"]) == ["trained-1", "trained-2", "trained-3"]
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_limit").set_value(300)
    at.text_input(key="train_hidden").set_value("8")
    button(at, "Train").click().run()
    at = finish_training(at)
    assert not at.exception
    assert list(at.session_state["trained_models"]) == ["trained-2", "trained-3", "trained-4"]


def test_a_finished_run_is_adopted_once_with_the_sidebar_and_the_train_view_both_showing_it(app, monkeypatch):
    from mlp.runs import DONE
    from views import loaders, train

    at = open_view(app.run(), "Train")
    run = stored_run(at.session_state["visitor"], done=False)
    at.session_state["train_job"] = run.id
    at.run()
    assert not at.exception
    # Both show the run: the sidebar's line and the Train view's progress.
    lines = [c.value for c in at.sidebar.caption if c.value.startswith("Your training run")]
    assert len(lines) == 1 and lines[0].startswith("Your training run: 50% done (")
    assert any(element.proto.text.startswith("Training: 50%") for element in at.get("progress"))
    adopted = []
    adopt = train.adopt
    monkeypatch.setattr(train, "adopt", lambda job: (adopted.append(job.id), adopt(job)))
    classic = mlp.shipped_models()["classic"]
    loaders.run_queue().finish(run.id, DONE, files=(classic.read_bytes(), classic.with_suffix(".keras").read_bytes()))
    at.run()
    assert not at.exception
    assert adopted == [run.id]
    assert list(at.session_state["trained_models"]) == ["trained-1"]
    chooser = at.sidebar.selectbox(key="model_name")
    assert chooser.value == "trained-1" and "trained-2 (trained here)" not in chooser.options
    assert "Trained **trained-1**" in texts(at)
    at = open_view(at, "Draw").run()  # later runs, in any view, adopt nothing more
    assert adopted == [run.id] and list(at.session_state["trained_models"]) == ["trained-1"]


def test_without_its_training_queue_the_page_says_so_and_drawing_goes_on(app, mnist, monkeypatch):
    from views import loaders

    monkeypatch.setenv("MLP_CLASS_DB", "postgresql+psycopg://nobody@127.0.0.1:9/none")  # nothing listens
    loaders.forget_run_queue()
    try:
        at = open_view(app.run(), "Train")
        assert not at.exception
        assert any(w.value.startswith("Training is unavailable right now") for w in at.warning)
        at = open_view(at, "Draw")
        assert metric(draw(at, digit_png(mnist.x_test[0])), "Prediction") == str(mnist.y_test[0])
        assert not at.exception
    finally:
        loaders.forget_run_queue()


def test_a_run_over_the_servers_bounds_is_refused_before_it_starts(app):
    at = open_view(app.run(), "Train")
    at.text_input(key="train_hidden").set_value("20000,20000")
    button(at, "Train").click().run()
    assert not at.exception
    assert at.session_state["train_job"] is None
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "at most 2,048 units" in errors[0].replace("\\", "")


def scribble_png() -> bytes:
    """A tangle of strokes across the canvas, as a visitor scribbles: no digit at all."""
    from PIL import ImageDraw

    image = Image.new("RGB", (280, 280))
    rng = np.random.default_rng(3)
    points = [tuple(int(v) for v in rng.integers(30, 250, 2)) for _ in range(14)]
    ImageDraw.Draw(image).line(points, fill="white", width=16, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_scribble_is_called_not_a_digit_and_a_digit_is_not(app, mnist, default_model):
    png = scribble_png()
    x = mlp.preprocess(mlp.open_image(png))
    assert mlp.looks_like_digit(default_model, x) is False  # the shipped default's own check
    at = draw(app.run(), png)
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and warnings[0].startswith("This does not look like a digit")
    assert metric(at, "Prediction") is not None  # the label stays available
    index = clear_readings(mnist, default_model, 1)[0]
    at = draw(at, digit_png(mnist.x_test[index]))
    assert not [w.value for w in at.warning if "not look like a digit" in w.value]
