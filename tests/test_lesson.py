"""The lesson's panels, run headless with AppTest: every number the page shows is the model's own.

Each panel puts its numbers in data attributes beside what it draws; these tests read them and
check them against mlp computed directly (mlp.read, a plain NumPy forward pass, unit_effect,
predict_proba, Evaluation) to 1e-5. The layer pictures are decoded and read back pixel by pixel,
and the explanations are checked against the reading's own numbers.
"""

import base64
import io
import re

import numpy as np
import pytest
from conftest import digit_png, within_sampling_error
from PIL import Image
from test_app import APP, TIMEOUT, draw, metric, open_view, texts
from streamlit.testing.v1 import AppTest

import mlp
from mlp.confidence import confidence, not_digit_knowledge, not_digit_training
from mlp.ink import mean_ink, measure_mean_ink
from mlp.inside import (grid_shape, layer_grid, most_active, share_of_gap, top_two_gap,
                        unit_effect, unit_picture)
from views import join, pictures, presenter
from views.text import percent

pytestmark = pytest.mark.app


@pytest.fixture
def app(mnist_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    monkeypatch.delenv(join.ENV_VAR, raising=False)
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def as_drawn(png: bytes) -> np.ndarray:
    """The model's input for a canvas PNG, as the page makes it (decoded, then preprocessed)."""
    return mlp.preprocess(np.asarray(Image.open(io.BytesIO(png))))


def html(at: AppTest) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def values(text: str, attribute: str, after: str = "") -> np.ndarray:
    """The comma-separated numbers of the first `attribute` after `after` in the page's HTML."""
    start = text.index(after) if after else 0
    found = re.search(rf'{attribute}="([^"]*)"', text[start:])
    assert found, f"no {attribute} after {after!r}"
    return np.array([float(v) for v in found.group(1).split(",")])


def choose(at: AppTest, model: str | None = None, lens: str | None = None) -> AppTest:
    if model is not None:
        at.sidebar.selectbox(key="model_name").set_value(model).run()
    if lens is not None:
        at.get("button_group")[0].set_value(lens).run()
    return at


def layer_picture(page: str, index: int) -> np.ndarray:
    """The page's picture of hidden layer `index`, decoded: (rows, columns, 4) uint8, one pixel per unit."""
    start = page.index(f'data-layer="hidden-{index}"')
    found = re.search(r'src="data:image/png;base64,([^"]+)"', page[start:])
    assert found, f"no picture for hidden layer {index}"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(found.group(1)))))


def read_back(picture: np.ndarray) -> np.ndarray:
    """A layer picture's cells as fractions of its brightest, row by row, from the red channel (the
    ramp from pictures.RESTING to pictures.GLOWING is straight): (rows * columns,)."""
    red = picture[..., 0].astype(np.float64).reshape(-1)
    return (red - pictures.RESTING[0]) / (pictures.GLOWING[0] - pictures.RESTING[0])


def drawn_png(strokes: list[np.ndarray], width: int = 22) -> bytes:
    """Strokes of (x, y) canvas points -> a 280x280 PNG as the canvas sends it: white on opaque black."""
    from PIL import ImageDraw

    image = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    pen = ImageDraw.Draw(image)
    for stroke in strokes:
        pen.line([tuple(float(v) for v in point) for point in stroke], fill="white", width=width, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def heart_png() -> bytes:
    """A heart drawn in one stroke across the canvas: plainly no digit."""
    t = np.linspace(0, 2 * np.pi, 200)
    x = 140 + 96 * np.sin(t) ** 3
    y = 130 - 6 * (13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return drawn_png([np.stack([x, y], axis=1)])


def forward(model: mlp.Classifier, x: np.ndarray) -> list[np.ndarray]:
    """A plain float64 NumPy forward pass: each hidden layer's ReLU output, then the logits."""
    z, outputs = x.reshape(-1).astype(np.float64), []
    for step in model.network.steps:
        z = z @ step.weights.astype(np.float64) + step.bias
        if step.activation == "relu":
            z = np.maximum(z, 0)
        outputs.append(z)
    return outputs


@pytest.mark.parametrize("name", ["classic", "world"])
def test_the_inside_panel_shows_the_networks_own_numbers(app, mnist, name):
    png = digit_png(mnist.x_test[0])
    at = choose(draw(app.run(), png), model=name, lens="Inside")
    assert not at.exception and not at.error
    page = html(at)
    model, x = mlp.load_model(name), as_drawn(png)
    *hidden, logits = forward(model, x)
    np.testing.assert_allclose(values(page, "data-values", 'data-layer="input"'), x.reshape(-1), atol=1e-5)
    for index, expected in enumerate(hidden, start=1):
        assert int(values(page, "data-total", f'data-layer="hidden-{index}"')[0]) == len(expected)
        np.testing.assert_allclose(values(page, "data-values", f'data-layer="hidden-{index}"'), expected,
                                   atol=1e-5)  # every unit, in unit order
        # The picture itself: cell k (row-major) is unit k, as bright as its share of the layer's top.
        picture = layer_picture(page, index)
        assert picture.shape[:2] == {128: (8, 16), 1024: (32, 32)}[len(expected)]
        np.testing.assert_allclose(read_back(picture), expected / expected.max(), atol=1.5 / 255)
        assert np.all(picture[..., 3] == 255)  # no empty cell: every unit has its place
    rows = re.findall(r'data-output-digit="(\d)" data-logit="([^"]+)" data-probability="([^"]+)"', page)
    assert [int(digit) for digit, _, _ in rows] == list(range(10))
    np.testing.assert_allclose([float(logit) for _, logit, _ in rows], logits, atol=1e-5)
    np.testing.assert_allclose([float(p) for _, _, p in rows], mlp.predict_proba(model, x), atol=1e-6)
    reading = mlp.read(model, x)
    assert f"The top logit is {top_two_gap(reading.logits):.1f} above the next one" in texts(at)


def test_a_3_and_a_7_light_different_places_in_each_layer(app, mnist, default_model):
    """Every unit keeps its place, so two digits make two different pictures (a sorted ramp would not)."""
    three, seven = (int(np.flatnonzero(mnist.y_test == digit)[0]) for digit in (3, 7))
    at = choose(app.run(), lens="Inside")
    seen = {}
    for index in (three, seven):
        png = digit_png(mnist.x_test[index])
        page = html(draw(at, png))
        assert not at.exception and not at.error
        *hidden, _ = forward(default_model, as_drawn(png))
        seen[index] = [read_back(layer_picture(page, layer)) for layer in (1, 2)]
        for shown, expected in zip(seen[index], hidden):
            np.testing.assert_allclose(shown, expected / expected.max(), atol=1.5 / 255)
    for layer in (0, 1):
        a, b = seen[three][layer], seen[seven][layer]
        assert np.corrcoef(a, b)[0, 1] < 0.5  # on the default model: about 0 (-0.05 to -0.005 measured)
        brightest = [set(np.argsort(-v)[:50]) for v in (a, b)]
        assert len(brightest[0] & brightest[1]) < 25  # of the 50 brightest cells, 0 to 4 shared (measured)
        # Sorted by activation, as the panel once drew them, the two would be one falling ramp.
        assert np.corrcoef(np.sort(a)[::-1][:64], np.sort(b)[::-1][:64])[0, 1] > 0.9


def test_the_hidden_units_panel_orders_units_by_response_and_explains_one(app, mnist):
    png = digit_png(mnist.x_test[1])
    at = choose(draw(app.run(), png), model="classic", lens="Hidden units")
    assert not at.exception and not at.error
    model, x = mlp.load_model("classic"), as_drawn(png)
    reading = mlp.read(model, x)
    hidden = reading.activations[0]
    page = html(at)
    order = values(page, "data-units-order").astype(int)
    assert order.tolist() == most_active(hidden, 16).tolist()
    np.testing.assert_allclose(values(page, "data-activations"), hidden[order], atol=1e-5)
    captions = [image.caption for element in at.get("image") for image in element.proto.imgs
                if image.caption != "What the model sees"]
    assert captions[:16] == [f"#{u}: {hidden[u]:.1f}" for u in order]
    assert "BatchNormalization" in texts(at) and "raw pixels" in texts(at)
    # By default the most active unit is explained; then a chosen one.
    for chosen in (-1, 5):  # -1: the most active one
        if chosen != -1:
            at.selectbox(key="lesson_unit").set_value(chosen).run()
        unit = int(order[0]) if chosen == -1 else chosen
        page = html(at)
        assert int(values(page, "data-unit")[0]) == unit
        np.testing.assert_allclose(values(page, "data-activation"), [hidden[unit]], atol=1e-5)
        np.testing.assert_allclose(values(page, "data-effect"), unit_effect(model, reading, unit), atol=1e-5)
        # For a one-hidden-layer model the effect is the unit's outgoing weights.
        np.testing.assert_allclose(values(page, "data-effect"), model.network.steps[1].weights[unit], atol=1e-5)


def test_a_model_without_hidden_layer_says_so_in_the_units_panel(app, mnist):
    at = choose(draw(app.run(), digit_png(mnist.x_test[0])), model="logistic", lens="Hidden units")
    assert not at.exception
    assert any("has no hidden layer" in info.value for info in at.info)


@pytest.mark.parametrize("chosen, compared", [("classic", "classic"), ("logistic", "classic")])
def test_the_no_hidden_layer_panel_reads_the_drawing_with_both_models(app, mnist, chosen, compared):
    png = digit_png(mnist.x_test[2])
    at = choose(draw(app.run(), png), model=chosen, lens="No hidden layer")
    assert not at.exception and not at.error
    page, x = html(at), as_drawn(png)
    for name in (compared, "logistic"):
        model = mlp.load_model(name)
        expected = mlp.predict_proba(model, x)
        np.testing.assert_allclose(values(page, "data-probabilities", f'data-model="{name}"'), expected,
                                   atol=1e-6)
        assert f'data-model="{name}" data-prediction="{int(np.argmax(expected))}"' in page
        assert f"{name}: {model.record['test_accuracy']:.2%} of the test digits" in texts(at)
    captions = [image.caption for element in at.get("image") for image in element.proto.imgs]
    assert [c for c in captions if c != "What the model sees"] == [str(digit) for digit in range(10)]


def test_the_logistic_model_is_shipped_trained_and_scores_what_its_record_says(mnist):
    model = mlp.load_model("logistic")
    assert model.record["config"]["hidden"] == [] and len(model.network.steps) == 1
    assert model.record["config"]["epochs"] == 10 and model.record["config"]["batch_size"] == 32
    assert mlp.PRESETS["logistic"] == mlp.TrainConfig(hidden=())
    result = mlp.evaluate(model, mlp.as_model_input(mnist.x_test), mnist.y_test)
    assert within_sampling_error(result.accuracy, model.record["test_accuracy"], len(mnist.y_test))
    # The lesson's point: a hidden layer reads clearly more digits than none.
    assert mlp.load_model("classic").record["test_accuracy"] > model.record["test_accuracy"] + 0.03


def test_a_logit_gap_of_a_few_units_is_near_certainty():
    assert top_two_gap(np.array([0.0, 7.5, 2.0, 4.5])) == pytest.approx(3.0)
    assert share_of_gap(0.0) == pytest.approx(0.5)
    assert share_of_gap(3.0) == pytest.approx(0.9526, abs=1e-4)
    assert share_of_gap(4.6) > 0.99
    # Two digits alone: softmax of their logits is exactly the share of the gap.
    logits = np.array([1.0, 5.6])
    assert np.exp(logits[1]) / np.exp(logits).sum() == pytest.approx(share_of_gap(top_two_gap(logits)))


def test_presenter_mode_is_kept_in_the_url_and_shows_a_big_prediction(app, mnist):
    app.query_params["present"] = "1"
    at = draw(app.run(), digit_png(mnist.x_test[0]))
    assert not at.exception and not at.error
    assert at.toggle(key="present").value is True
    assert f'data-prediction="{mnist.y_test[0]}"' in html(at)
    assert metric(at, "Prediction") is None  # the big digit replaces the metrics
    assert not at.slider and not at.expander  # no pen width slider, no upload: short and plain
    assert "Digit reader" not in [title.value for title in at.title]
    at.toggle(key="present").set_value(False).run()
    assert not at.exception
    assert "present" not in at.query_params
    assert metric(at, "Prediction") == str(mnist.y_test[0])
    at.toggle(key="present").set_value(True).run()
    assert at.query_params["present"] in ("1", ["1"])


def window(width: int, height: int, top: int = 170) -> dict[str, int]:
    """What the browser reports for a window: the page's rem (1.05 % of the width, 16-22 px, as
    the page's style sets it) and the row above the canvas, 2 rem of padding on each side."""
    rem = int(min(22, max(16, 0.0105 * width)))
    return {"width": width - 4 * rem, "top": top, "viewportWidth": width, "viewportHeight": height,
            "rem": rem}


# Windows a class meets: projectors, a laptop, a 1080p screen at 200 %, phones upright.
WINDOWS = [(1920, 1080), (2560, 1440), (3840, 2160), (1280, 1024), (1366, 768), (1024, 768),
           (960, 540), (390, 844), (412, 915), (360, 740)]
DRAWABLE = 240  # CSS pixels: a canvas smaller than this is hard to draw a digit on with a finger


@pytest.mark.parametrize("width, height", WINDOWS)
def test_the_presenter_canvas_and_prediction_fit_the_window(width, height):
    space = window(width, height)
    side = presenter.canvas_side(space)
    phone = width < 640  # Streamlit stacks columns below 640 pixels: the prediction goes under
    clear_row = 3 * space["rem"]  # the Clear button under the canvas, and its margin
    digit = presenter.digit_size(side, under_canvas=phone)  # the prediction's font size, pixels
    assert side >= DRAWABLE
    if phone:  # the canvas across the row, the Clear button and the prediction below, in view
        assert side <= space["width"]
        fits = space["top"] + side + clear_row + digit <= height
    else:  # the reading beside it gets at least the canvas's width, for the digit and the lenses
        assert side + digit <= space["width"] / 2 + side / 2 and side <= space["width"] / 2
        fits = space["top"] + side + clear_row <= height
    assert fits or side == DRAWABLE, (side, space)  # too small a window: drawable before seen whole
    # It uses the room: at least four fifths of the height or half-row it is given.
    room = min(space["width"] if phone else space["width"] / 2, height - space["top"] - clear_row)
    assert side >= min(0.8 * room, 900) or side == DRAWABLE, (side, room)


def test_a_bigger_window_never_gives_a_smaller_presenter_canvas():
    """Wider or taller, with the same text size, in the same layout (side by side, or stacked under
    640 pixels, where the prediction moves under the canvas and the canvas takes the whole row)."""
    widths, heights = range(320, 3841, 40), range(400, 2161, 40)
    for rem in (16, 19, 22):
        sides = np.array([[presenter.canvas_side(window(w, h) | {"width": w - 4 * rem, "rem": rem})
                           for h in heights] for w in widths])
        assert (np.diff(sides, axis=1) >= 0).all()  # taller
        stacked = np.array(widths) < 640
        for layout in (stacked, ~stacked):
            assert (np.diff(sides[layout], axis=0) >= 0).all()  # wider
        assert sides.min() >= DRAWABLE and sides.max() > 2 * DRAWABLE
    # The page's text grows with the window's width, and the Clear button's row with it: a wider
    # window may then take back one 10-pixel step of the canvas, never more.
    for h in heights:
        sides = [presenter.canvas_side(window(w, h)) for w in widths if w >= 640]
        assert min(np.diff(sides)) >= -10, h
    # Before the browser has reported, a size that fits a 1366 x 768 laptop under the toolbar.
    assert DRAWABLE <= presenter.canvas_side(None) <= 768 - 170 - 3 * 16


def test_the_join_address_prefers_the_override_then_the_browsers_then_the_host():
    assert join.page_address("https://class.example.org/mlp/", "http://10.0.0.5:8501/", "h:1") == \
        "https://class.example.org/mlp/"
    assert join.page_address("", "http://10.0.0.5:8501/", "h:1") == "http://10.0.0.5:8501/"
    assert join.page_address(None, None, "10.0.0.5:8501") == "http://10.0.0.5:8501/"
    assert join.page_address(None, None, None) is None
    assert join.short_link("https://class.example.org/mlp/") == "class.example.org/mlp"
    assert join.is_local("http://localhost:8501/") and not join.is_local("http://10.0.0.5:8501/")
    png = Image.open(io.BytesIO(join.qr_png("http://10.0.0.5:8501/")))
    assert png.format == "PNG" and png.width == png.height >= 250


def test_the_join_panel_shows_a_qr_code_and_the_short_link(app, monkeypatch):
    monkeypatch.setenv(join.ENV_VAR, "https://class.example.org/digits")
    at = app.run()
    assert not at.exception
    assert "### class.example.org/digits" in texts(at).replace("\\", "")
    assert "Scan to open this page on your phone" in [
        image.caption for element in at.get("image") for image in element.proto.imgs]


def test_weight_pictures_are_red_for_positive_and_blue_for_negative():
    weights = np.zeros((28, 28))
    weights[0, 0], weights[0, 1] = 2.0, -1.0
    weights[10:12, 10:20] = 0.5  # the centre's 99th percentile: full colour from 0.5 up
    weights[12, 10] = -0.25
    picture = np.asarray(pictures.diverging(weights, 28))
    assert tuple(picture[0, 0]) == tuple(picture[10, 10]) == tuple(pictures.POSITIVE.astype(int))
    assert tuple(picture[0, 1]) == tuple(pictures.NEGATIVE.astype(int))  # an edge weight beyond the scale
    red, green, blue = (int(c) for c in picture[12, 10])
    assert blue > red and blue > green and red > pictures.NEGATIVE[0]  # half-strength blue
    assert tuple(picture[5, 5]) == tuple(pictures.ZERO.astype(int))


def test_the_mistakes_view_shows_precision_and_recall_and_row_percentages(app, mnist):
    evaluation = mlp.evaluate(mlp.load_model(), mlp.as_model_input(mnist.x_test), mnist.y_test)
    at = open_view(app.run(), "Mistakes")
    table = at.dataframe[0].value
    assert table["digit"].tolist() == list(range(10))
    np.testing.assert_allclose(table["precision"], evaluation.precision * 100, atol=1e-9)
    np.testing.assert_allclose(table["recall"], evaluation.recall * 100, atol=1e-9)
    np.testing.assert_array_equal(table["images"], np.bincount(mnist.y_test, minlength=10))
    np.testing.assert_allclose(evaluation.confusion_shares.sum(axis=1), 1.0)
    at.toggle(key="confusion_rows").set_value(True).run()
    assert not at.exception
    spec = at.get("vega_lite_chart")[0].proto.spec.replace(" ", "")
    assert '"text":{"field":"share"' in spec  # the cells show each row's percentages


def test_the_mistake_cards_page_at_the_bottom_too(app, monkeypatch):
    from views import mistakes

    monkeypatch.setattr(mistakes, "PER_PAGE", 4)  # pages even on the 2,000-digit sample
    at = open_view(app.run(), "Mistakes")
    assert [b.key for b in at.button if b.label == "Next"] == ["mistakes_next", "mistakes_next_bottom"]
    next(b for b in at.button if b.key == "mistakes_next_bottom").click().run()
    assert not at.exception
    assert at.session_state["mistake_page"] == 1
    assert "Page 2 of" in texts(at)


def test_look_inside_opens_a_misread_test_digit_in_the_draw_view(app, mnist):
    model = mlp.load_model()
    evaluation = mlp.evaluate(model, mlp.as_model_input(mnist.x_test), mnist.y_test)
    index = int(evaluation.misclassified()[0])
    at = open_view(app.run(), "Mistakes")
    next(b for b in at.button if b.key == f"open-{index}").click().run()
    assert not at.exception and not at.error
    assert at.session_state["view"] == "Draw" and at.session_state["lens"] == "Inside"
    assert f"Showing test digit {index:,} (true {mnist.y_test[index]}" in texts(at)
    assert metric(at, "Prediction") == str(evaluation.predicted[index])
    x = mlp.as_model_input(mnist.x_test[index])
    page = html(at)
    np.testing.assert_allclose(values(page, "data-values", 'data-layer="input"'), x.reshape(-1), atol=1e-5)
    first = mlp.read(model, x).activations[0]
    np.testing.assert_allclose(values(page, "data-values", 'data-layer="hidden-1"'), first, atol=1e-5)
    # A stroke replaces it, and Clear does not bring it back.
    at = draw(at, digit_png(mnist.x_test[0]))
    assert "Showing test digit" not in texts(at)
    assert metric(at, "Prediction") == str(mnist.y_test[0])
    next(b for b in at.button if b.label == "Clear").click().run()
    assert metric(at, "Prediction") is None


def test_the_same_drawing_made_again_after_clear_is_read(app, mnist):
    """Clear shows the wiped drawing as blank only until the canvas sends its empty one."""
    png = digit_png(mnist.x_test[0])
    at = draw(app.run(), png)
    next(b for b in at.button if b.label == "Clear").click().run()
    assert metric(at, "Prediction") is None  # the old drawing, not yet replaced: blank
    at.session_state["canvas"] = {"drawing": {"raw": {"objects": []}, "data": None}, "backgroundFit": None}
    at.run()  # the canvas's empty drawing arrives
    assert metric(at, "Prediction") is None
    assert metric(draw(at, png), "Prediction") == str(mnist.y_test[0])  # the very same strokes again


def colour_mass(picture) -> np.ndarray:
    """(28, 28) how far each pixel of a weight picture is from the white of zero, summed over R, G, B."""
    return np.abs(np.asarray(picture, dtype=np.float64) - pictures.ZERO).sum(axis=-1)


def keras_pixel_weights(name: str) -> np.ndarray:
    """(784, units) how far one pixel's ink moves each first-layer unit's sum, read through Keras
    from the shipped NAME.keras: its BatchNormalization applied to each one-pixel image (less the
    blank image), times its first Dense layer's kernel."""
    from mlp.quiet import import_keras_quietly

    keras = import_keras_quietly()
    layers = keras.layers
    original = keras.saving.load_model(mlp.load_model(name).path.with_suffix(".keras"),
                                         compile=False)
    norm = next(layer for layer in original.layers if isinstance(layer, layers.BatchNormalization))
    dense = next(layer for layer in original.layers if isinstance(layer, layers.Dense))
    images = np.vstack([np.zeros((1, 784)), np.eye(784)]).astype(np.float32)
    normalised = np.asarray(norm(images, training=False), dtype=np.float64)
    return (normalised[1:] - normalised[0]) @ np.asarray(dense.kernel, dtype=np.float64)


@pytest.mark.parametrize("name, units", [("logistic", range(10)), ("world", range(16)), ("classic", range(16))])
def test_weight_pictures_put_their_colour_where_digits_are_drawn(name, units, mnist):
    """The templates and unit tiles show weight times ink: colour in the centre, none where no digit
    reaches. The raw folded weights, as drawn before, put most of it in a saturated frame."""
    model = mlp.load_model(name)
    never_inked = mnist.x_train.max(axis=0) == 0  # in every training digit at hand
    full = len(mnist.x_train) == 60_000
    weights = keras_pixel_weights(name)
    for unit in units:
        # Each pixel's push on the unit: its weight (Keras' own) times its mean ink (checked
        # against the training digits in test_the_shipped_mean_ink_is_mnists_training_set).
        expected = weights[:, unit].reshape(28, 28) * mean_ink()
        np.testing.assert_allclose(unit_picture(model, unit), expected,
                                   atol=1e-5 * np.abs(expected).max())
        shown = colour_mass(pictures.diverging(unit_picture(model, unit), 28))
        raw = colour_mass(pictures.diverging(weights[:, unit].reshape(28, 28), 28))
        central = shown[4:24, 4:24].sum() / shown.sum()
        assert central > 0.85  # measured 0.88-0.99 on logistic, world and classic
        assert central > raw[4:24, 4:24].sum() / raw.sum() + 0.4  # the raw weights: 0.13-0.52
        # Nothing where no digit is inked (on the 3,000-digit sample a pixel only the full set
        # inks keeps a trace: at most 7 of 496 measured). The raw weights were saturated there.
        assert shown[never_inked].max() <= (0 if full else 10)
        assert raw[never_inked].mean() > 100


def test_the_shipped_mean_ink_is_mnists_training_set(mnist):
    """assets/mean-ink.npy against the training digits at hand: equal on all of MNIST, within
    sampling error on the sample, and ink wherever a training digit has any."""
    shipped = mean_ink()
    measured = measure_mean_ink(mnist.x_train)
    if len(mnist.x_train) == 60_000:
        np.testing.assert_allclose(shipped, measured, atol=1e-6)
    else:  # a pixel's value lies in [0, 1]: its mean's standard error is at most 0.5 / sqrt(n)
        assert np.abs(shipped - measured).max() < 5 * 0.5 / np.sqrt(len(mnist.x_train))
    assert np.all(shipped[mnist.x_train.max(axis=0) > 0] > 0)
    assert shipped[0, 0] == 0 and shipped.shape == (28, 28)  # the corner: no MNIST digit reaches it


def test_mean_ink_is_each_pixels_mean_over_the_digits():
    images = np.zeros((4, 28, 28), np.uint8)
    images[0, 5, 5] = 255
    images[1, 5, 5] = 51
    images[:, 10, 10] = 255
    ink = measure_mean_ink(images)
    assert ink[5, 5] == pytest.approx(0.3) and ink[10, 10] == pytest.approx(1.0)
    assert np.count_nonzero(ink) == 2


def test_a_layer_is_laid_out_unit_by_unit_row_by_row():
    assert grid_shape(1024) == (32, 32) and grid_shape(128) == (8, 16) and grid_shape(7) == (3, 3)
    activations = np.arange(7, dtype=np.float32)
    grid = layer_grid(activations)
    assert grid[1, 0] == 3 and grid[2, 0] == 6  # unit k at row k // 3, column k % 3
    assert np.isnan(grid[2, 1:]).all()  # no unit there
    picture = np.asarray(pictures.glow(grid))
    assert picture[2, 1, 3] == 0 and picture[0, 0, 3] == 255  # empty places are transparent
    assert tuple(picture[0, 0, :3]) == tuple(pictures.RESTING.astype(int))  # unit 0, at zero: dark
    assert tuple(picture[2, 0, :3]) == tuple(pictures.GLOWING.astype(int))  # the most active: full glow
    np.testing.assert_allclose(read_back(picture)[:7], activations / 6, atol=1 / 255)


def test_confidence_follows_the_logits():
    even = confidence(np.zeros(10), np.full(10, 0.1))  # a model spreading its bets over the ten
    assert even.top == pytest.approx(0.1) and even.two_way == pytest.approx(0.5)
    assert not even.gap_explains and even.others == pytest.approx(0.8)
    logits = np.array([9.0, 2.0, 0, 0, 0, 0, 0, 0, 0, 0])
    probabilities = np.exp(logits) / np.exp(logits).sum()
    sure = confidence(logits, probabilities)
    assert sure.best == 0 and sure.gap == pytest.approx(7.0) and sure.gap_explains
    assert sure.top == pytest.approx(probabilities[0])


def test_what_a_model_knows_of_non_digits_comes_from_its_record(default_model, classic_model):
    assert not_digit_training(default_model) == default_model.record["extra_data"]["not_digits"] > 0
    assert not_digit_training(classic_model) == 0
    unweighted = mlp.Classifier("x", default_model.network, {**default_model.record, "config": {
        **default_model.record["config"], "not_digit_weight": 0}})
    assert not_digit_training(unweighted) == 0  # with weight 0 they never reached the loss


def inside_caption(at: AppTest) -> str:
    """The Inside panel's explanation under the output table."""
    notes = [c.value for c in at.caption if "top logit" in c.value.lower()]
    assert len(notes) == 1, notes
    return notes[0]


def test_the_inside_explanation_follows_the_reading_and_the_model(app, mnist, default_model):
    """Sure or unsure by the top probability, the gap sentence only where the gap explains it, and
    what each model knows of non-digits: drawings checked against their own numbers."""
    at = choose(app.run(), lens="Inside")
    trained_on = default_model.record["extra_data"]["not_digits"]
    # A clear MNIST digit, read by the default model: sure, and the gap alone says so.
    png = digit_png(mnist.x_test[0])
    note = inside_caption(draw(at, png))
    p = mlp.predict_proba(default_model, as_drawn(png))
    assert p.max() > 0.99 and note.startswith("**Why so sure?**")
    assert "this gap alone means over 99.9%" in note
    assert f"trained on {trained_on:,} drawings that are not digits" in note
    assert "says this drawing looks like a digit" in note
    assert "only ever saw digits" not in note and "no check" not in note
    # A heart: the default model spreads its bets and its check flags it.
    png = heart_png()
    x = as_drawn(png)
    p = mlp.predict_proba(default_model, x)
    assert mlp.looks_like_digit(default_model, x) is False and p.max() < 0.2  # ten bars near 10 %
    note = inside_caption(draw(at, png))
    best, second = np.argsort(-p)[:2]
    assert note.startswith("**Why unsure?**") and "so sure" not in note
    assert "gap alone means" not in note  # its 50 % would contradict the 10 % bars beside it
    assert f"between those two alone, {best} would get {1 / (1 + p[second] / p[best]):.1%}" in note
    others = 1 - p[best] - p[second]
    assert f"take {percent(others)} of the probability, so {best} gets {percent(p[best])}" in note
    likeness = mlp.digit_likeness(default_model, x)
    assert f"does not look like a digit (digit-likeness {likeness:.2f}; a digit needs " \
           f"{default_model.check.threshold:.2f})" in note
    # The same heart read by classic, which saw only digits and has no check: sure of a digit.
    at = choose(at, model="classic")
    note = inside_caption(at)
    p = mlp.predict_proba(mlp.load_model("classic"), x)
    assert p.max() > 0.9 and note.startswith("**Why so sure?**")
    assert "only ever saw digits" in note and "It has no check" in note
    assert "not digits as well" not in note and "does not look like a digit" not in note


def test_a_drawing_that_is_no_digit_shows_a_big_question_mark_not_a_big_digit(app):
    png = heart_png()
    model = mlp.load_model()
    x = as_drawn(png)
    best = int(np.argmax(mlp.predict_proba(model, x)))
    assert mlp.looks_like_digit(model, x) is False
    app.query_params["present"] = "1"
    at = draw(app.run(), png)
    assert not at.exception and not at.error
    page = html(at)
    flag = re.search(r'<div data-prediction="\?" data-would-be="(\d)" style="[^"]*font-size:(\d+)px', page)
    assert flag, "no big question mark"
    assert int(flag.group(1)) == best
    assert int(flag.group(2)) == presenter.digit_size(presenter.DEFAULT)  # as big as a digit would be
    assert f'data-prediction="{best}"' not in page  # no giant digit for a heart
    shown = page[flag.start():]
    assert re.search(r'<span style="font-weight:800">\?</span>', shown)  # the "?" at the full size
    assert "not a<br>digit" in shown and f"as a digit: {best}</span>" in shown
    assert not at.warning  # the "?" says it: a box under it would push the lens off a 720-pixel projector
    at.toggle(key="present").set_value(False).run()  # outside presenter mode: "?" where the digit goes
    assert any(w.value.startswith("This does not look like a digit") for w in at.warning)
    assert metric(at, "Prediction") == "?" and metric(at, "Confidence") is None
    assert f'data-would-be="{best}"' in html(at) and "not a digit</b>" in html(at)


def test_the_presenter_explanation_claims_the_gap_only_where_it_holds(default_model, classic_model):
    from views.inside import confidence_note

    heart = as_drawn(heart_png())
    for model, flagged in ((default_model, True), (classic_model, False)):
        reading = mlp.read(model, heart)
        sure = confidence(reading.logits, reading.probabilities)
        note = confidence_note(model.name, sure, not_digit_knowledge(model, reading), brief=True)
        top, second = np.sort(reading.probabilities)[::-1][:2]
        assert ("gap alone means" in note) == (top / (top + second) - top < 0.01)  # the other eight take < 1 point
        assert ("The check says: not a digit." in note) == flagged
        assert ("A scribble gets a digit too." in note) == (not_digit_training(model) == 0)


def test_a_unit_that_reaches_no_logit_says_so_rather_than_naming_no_digit_twice():
    from views.units import pushes

    # A heart leaves the default model's second layer silent: no first-layer unit reaches a logit.
    assert pushes(np.zeros(10, np.float32)) == "moves no digit's logit: the units it feeds are all off for this drawing"
    effect = np.array([0, 0.5, 0, 0, -2, 0, 0, 3, 0, -0.1], np.float32)
    assert pushes(effect) == "pushes 7 and 1 up most, 4 and 9 down most"
