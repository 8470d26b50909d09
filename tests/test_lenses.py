"""The two lenses no demo has: "What would change its mind?" and "Pin and compare".

Every number they show is checked against an independent oracle: the gradient against central
finite differences of a float64 forward pass written here from the model's weights, and against
Keras' own automatic differentiation of the shipped .keras file; the comparison and the lesson
steps against two readings computed by hand in float64. The pages' numbers are read back from
their data attributes, as in test_lesson.
"""

import numpy as np
import pytest
import test_browser as web
from conftest import ROOT, digit_png
from test_app import button, draw, texts
from test_browser import browser, open_page, server  # noqa: F401 (fixtures: chromium, the page's server)
from test_lesson import app, as_drawn, choose, html, values  # noqa: F401 (app: a fixture)

import mlp
from mlp.compare import BOTH_OFF, BOTH_ON, OFF_TO_ON, ON_TO_OFF, compare
from mlp.gradient import logit_gradient, margin_gradient
from mlp.steps import STEPS, next_step, softmax_steps, weighted_sum
from views import pictures
from views.pin_compare import COLOURS

MODELS = ["classic", "world"]


@pytest.fixture(scope="module")
def digits(mnist) -> np.ndarray:
    """The first test digits as every model takes them: float32 (n, 28, 28) in [0, 1]."""
    return mlp.as_model_input(mnist.x_test[:4])


def forward64(model: mlp.Classifier, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """A float64 forward pass by hand: ([each hidden layer's pre-activation], logits)."""
    z, sums = np.asarray(x, np.float64).reshape(-1), []
    for step in model.network.steps[:-1]:
        before = z @ step.weights.astype(np.float64) + step.bias.astype(np.float64)
        sums.append(before)
        z = np.maximum(before, 0)
    last = model.network.steps[-1]
    return sums, z @ last.weights.astype(np.float64) + last.bias.astype(np.float64)


def finite_difference(model: mlp.Classifier, x: np.ndarray, direction: np.ndarray, pixel: int,
                      eps: float = 1e-6) -> float:
    """d(direction . logits)/d(pixel), by central differences of the float64 forward pass.

    The step is small enough that no hidden unit crosses its kink at zero (on these digits
    one of world's units sits 7e-5 from it), and float64 keeps the difference exact to ~1e-9.
    """
    up, down = np.array(x, np.float64).reshape(-1), np.array(x, np.float64).reshape(-1)
    up[pixel] += eps
    down[pixel] -= eps
    return float((forward64(model, up)[1] - forward64(model, down)[1]) @ direction / (2 * eps))


def probe_pixels(gradient: np.ndarray, x: np.ndarray) -> list[int]:
    """Pixels to probe: the steepest either way, some inked ones, some blank ones in the middle."""
    g, ink = gradient.reshape(-1), np.asarray(x).reshape(-1)
    inked, blank = np.flatnonzero(ink > 0.5), np.flatnonzero(ink == 0)
    middle = [p for p in blank if 6 <= p // 28 < 22 and 6 <= p % 28 < 22]
    rng = np.random.default_rng(7)
    return sorted({int(np.argmax(g)), int(np.argmin(g)), *rng.choice(inked, 4, replace=False).tolist(),
                   *rng.choice(middle, 4, replace=False).tolist()})


@pytest.mark.parametrize("name", MODELS)
def test_the_gradient_matches_finite_differences(digits, name):
    model = mlp.load_model(name)
    for x in digits[:3]:
        _, logits = forward64(model, x)
        best, second = int(np.argmax(logits)), int(np.argsort(logits)[-2])
        reading = mlp.read(model, x)
        gradient = logit_gradient(model, reading, best)
        flip = margin_gradient(model, reading, second, best)
        assert np.abs(gradient).max() > 0.1  # a map with something on it
        for pixel in probe_pixels(gradient, x):
            np.testing.assert_allclose(gradient.reshape(-1)[pixel],
                                       finite_difference(model, x, np.eye(10)[best], pixel), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(flip.reshape(-1)[pixel],
                                       finite_difference(model, x, np.eye(10)[second] - np.eye(10)[best], pixel),
                                       rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def keras_gradients(digits):
    """name -> (inputs, (n, 10, 784) gradients of each logit), by tf.GradientTape on the shipped .keras."""
    import keras
    import tensorflow as tf

    results = {}
    x = digits
    for name in MODELS:
        network = keras.saving.load_model(ROOT / "assets" / f"{name}.keras")
        *hidden, last = network.layers
        kernel, bias = last.get_weights()
        rows = []
        for image in x:
            tensor = tf.constant(image[None])
            with tf.GradientTape() as tape:
                tape.watch(tensor)
                z = tensor
                for layer in hidden:
                    z = layer(z, training=False)
                logits = tf.matmul(z, kernel) + bias  # the last Dense before its softmax
            rows.append(tape.jacobian(logits, tensor).numpy().reshape(10, 784))
        results[name] = (x, np.stack(rows))
    return results


@pytest.mark.parametrize("name", MODELS)
def test_the_gradient_matches_keras_automatic_differentiation(keras_gradients, name):
    model = mlp.load_model(name)
    x, expected = keras_gradients[name]
    for image, jacobian in zip(x, expected):
        reading = mlp.read(model, image)
        for digit in range(10):
            mine = logit_gradient(model, reading, digit).reshape(-1)
            scale = np.abs(jacobian[digit]).max()
            worst = np.abs(mine - jacobian[digit]).max()
            assert worst <= 1e-5 * scale, (digit, worst)
        np.testing.assert_allclose(margin_gradient(model, reading, 3, 5).reshape(-1), jacobian[3] - jacobian[5],
                                   atol=1e-5 * np.abs(jacobian).max())


@pytest.mark.parametrize("name", [*MODELS, "logistic"])
def test_the_weighted_sum_is_the_units_pre_activation_and_its_terms_add_up(digits, name):
    model = mlp.load_model(name)
    x = digits[1]
    sums, logits = forward64(model, x)
    first = sums[0] if sums else logits  # without a hidden layer, the "unit" is a digit's logit
    written = weighted_sum(model, x, shown=5)
    assert written.unit == int(np.argmax(first))
    np.testing.assert_allclose(written.total, first[written.unit], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(written.terms.sum() + written.rest + written.bias, written.total, atol=1e-9)
    w = model.network.steps[0].weights[:, written.unit].astype(np.float64)
    products = np.abs(w * x.reshape(-1))
    np.testing.assert_allclose(np.sort(np.abs(written.terms))[::-1], np.sort(products)[::-1][:5], rtol=1e-12)
    assert written.active == int(np.count_nonzero(first > 0))
    for unit in (0, 7):  # any unit, not only the most active
        np.testing.assert_allclose(weighted_sum(model, x, unit=unit).total, first[unit], atol=1e-9)


def test_softmax_written_out_gives_the_probabilities(digits, default_model):
    _, logits = forward64(default_model, digits[2])
    written = softmax_steps(logits)
    expected = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(written.probabilities, expected, rtol=1e-12)
    np.testing.assert_allclose(written.exps / written.total, mlp.predict_proba(default_model, digits[2]),
                               atol=1e-5)


def test_the_steps_advance_and_wrap():
    walked = [0]
    for _ in range(len(STEPS)):
        walked.append(next_step(walked[-1]))
    assert walked == [0, 1, 2, 3, 4, 0]


def switched(a: np.ndarray, b: np.ndarray) -> dict[int, int]:
    """Counts of each state between two ReLU layers' pre-activations, by hand."""
    on_a, on_b = a > 0, b > 0
    return {OFF_TO_ON: int(np.sum(~on_a & on_b)), ON_TO_OFF: int(np.sum(on_a & ~on_b)),
            BOTH_ON: int(np.sum(on_a & on_b)), BOTH_OFF: int(np.sum(~on_a & ~on_b))}


@pytest.mark.parametrize("name", MODELS)
def test_compare_counts_the_units_that_switched_and_the_logits_change(digits, name):
    model = mlp.load_model(name)
    a, b = digits[0], digits[1]  # a 7 and a 2
    sums_a, logits_a = forward64(model, a)
    sums_b, logits_b = forward64(model, b)
    result = compare(mlp.read(model, a), mlp.read(model, b))
    assert len(result.layers) == len(sums_a)
    for layer, before, after in zip(result.layers, sums_a, sums_b):
        counts = switched(before, after)
        assert {state: layer.count(state) for state in counts} == counts
        assert counts[OFF_TO_ON] > 0 and counts[ON_TO_OFF] > 0  # two different digits switch units both ways
        np.testing.assert_allclose(layer.change, np.maximum(after, 0) - np.maximum(before, 0),
                                   rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(result.logit_change, logits_b - logits_a, rtol=1e-5, atol=1e-4)
    same = compare(mlp.read(model, a), mlp.read(model, a))
    assert all(layer.count(OFF_TO_ON) == layer.count(ON_TO_OFF) == 0 for layer in same.layers)


# The page: the lenses as AppTest runs them, their numbers read back from the data attributes.

def figure_values(page: str, kind: str) -> tuple[dict[str, str], np.ndarray]:
    """A change-its-mind picture's data attributes and its 784 gradient values."""
    import re

    start = page.index(f'data-gradient-of="{kind}"')
    tag = page[start: page.index(">", start)]
    attributes = dict(re.findall(r'data-([\w-]+)="([^"]*)"', tag))
    return attributes, np.array([float(v) for v in attributes["gradient"].split(",")])


@pytest.mark.app
def test_the_change_its_mind_lens_paints_the_gradient_of_the_chosen_digit(app, mnist, default_model):
    png = digit_png(mnist.x_test[0])
    at = choose(draw(app.run(), png), lens="Change its mind?")
    assert not at.exception and not at.error
    x = as_drawn(png)
    _, logits = forward64(default_model, x)
    best, second = np.argsort(-logits)[:2]
    flip = np.eye(10)[second] - np.eye(10)[best]
    for kind, direction, data in [("logit", np.eye(10)[best], {"digit": best}),
                                  ("margin", flip, {"toward": second, "away": best})]:
        attributes, gradient = figure_values(html(at), kind)
        assert {name: int(attributes[name]) for name in data} == data
        for pixel in probe_pixels(gradient, x):
            np.testing.assert_allclose(gradient[pixel], finite_difference(default_model, x, direction, pixel),
                                       rtol=1e-5, atol=1e-5)
    at.get("button_group")[1].set_value(3).run()  # the teacher picks 3
    attributes, gradient = figure_values(html(at), "logit")
    assert int(attributes["digit"]) == 3
    pixel = int(np.argmax(np.abs(gradient)))
    expected = finite_difference(default_model, x, np.eye(10)[3], pixel)
    np.testing.assert_allclose(gradient[pixel], expected, rtol=1e-5)
    attributes, _ = figure_values(html(at), "margin")
    assert (int(attributes["toward"]), int(attributes["away"])) == (3, best)
    assert f"turn this {best} into a 3" in "\n".join(m.value for m in at.markdown)


def compare_picture(page: str, index: int) -> np.ndarray:
    """The pin lens's picture of hidden layer `index`, decoded: (rows, columns, 4) uint8."""
    import base64
    import io
    import re

    from PIL import Image

    start = page.index(f'data-compare-layer="{index}"')
    found = re.search(r'src="data:image/png;base64,([^"]+)"', page[start:])
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(found.group(1)))))


def read_states(picture: np.ndarray, units: int) -> np.ndarray:
    """Each unit's state read back from its colour: dark is off in both, else the colour it leans to."""
    rgb = picture[..., :3].reshape(-1, 3)[:units].astype(np.float64) - pictures.RESTING
    directions = {state: (colour - pictures.RESTING) / np.linalg.norm(colour - pictures.RESTING)
                  for state, colour in COLOURS.items()}
    states = []
    for v in rgb:
        if np.linalg.norm(v) < 1:
            states.append(BOTH_OFF)
        else:
            states.append(max(directions, key=lambda s: v @ directions[s] / np.linalg.norm(v)))
    return np.array(states)


@pytest.mark.app
def test_pin_and_compare_shows_what_switched_between_two_drawings(app, mnist, default_model):
    a_png, b_png = digit_png(mnist.x_test[0]), digit_png(mnist.x_test[1])  # a 7, then a 2
    at = choose(draw(app.run(), a_png), lens="Pin and compare")
    assert not at.exception and not at.error
    assert any("Pin this drawing, then draw another" in info.value for info in at.info)
    button(at, "Pin this drawing").click().run()
    at = draw(at, b_png)
    assert not at.exception and not at.error
    page = html(at)
    sums_a, logits_a = forward64(default_model, as_drawn(a_png))
    sums_b, logits_b = forward64(default_model, as_drawn(b_png))
    for index, (before, after) in enumerate(zip(sums_a, sums_b), start=1):
        counts = switched(before, after)
        where = f'data-compare-layer="{index}"'
        assert int(values(page, "data-switched-on", where)[0]) == counts[OFF_TO_ON]
        assert int(values(page, "data-switched-off", where)[0]) == counts[ON_TO_OFF]
        assert int(values(page, "data-both-on", where)[0]) == counts[BOTH_ON]
        expected = (before > 0) + 2 * (after > 0)
        np.testing.assert_array_equal(read_states(compare_picture(page, index), len(before)), expected)
    np.testing.assert_allclose(values(page, "data-logit-change"), logits_b - logits_a, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(values(page, "data-effect"), logits_b - logits_a, rtol=1e-5, atol=1e-4)
    at = choose(at, model="classic")  # A stays pinned: both drawings are read again by the new model
    classic = mlp.load_model("classic")
    sums_a, _ = forward64(classic, as_drawn(a_png))
    sums_b, _ = forward64(classic, as_drawn(b_png))
    page = html(at)
    assert page.count("data-compare-layer=") == 1
    switched_on = int(values(page, "data-switched-on", 'data-compare-layer="1"')[0])
    assert switched_on == switched(sums_a[0], sums_b[0])[OFF_TO_ON]
    a_read = int(np.argmax(forward64(default_model, as_drawn(a_png))[1]))
    assert f"A was pinned under {default_model.name}, which read it as {a_read}" in texts(at)
    assert "Unpin" in [b.label for b in at.button]
    button(at, "Unpin").click().run()
    assert any("Pin this drawing, then draw another" in info.value for info in at.info)


@pytest.mark.app
def test_the_lesson_steps_show_this_drawings_numbers_advance_and_wrap(app, mnist, default_model):
    png = digit_png(mnist.x_test[0])
    at = choose(draw(app.run(), png), lens="Pin and compare")
    at.get("button_group")[1].set_value("Step by step").run()
    x = as_drawn(png)
    sums, logits = forward64(default_model, x)
    seen = []
    for _ in range(len(STEPS) + 1):
        assert not at.exception and not at.error
        page = html(at)
        step = int(values(page, "data-step")[0])
        seen.append(step)
        if step == 1:
            np.testing.assert_allclose(values(page, "data-step-pixels"), x.reshape(-1), atol=1e-5)
        elif step in (2, 3):
            unit = int(np.argmax(sums[0]))
            assert int(values(page, "data-unit", "data-step-")[0]) == unit
            np.testing.assert_allclose(values(page, "data-total", "data-step-")[0], sums[0][unit], rtol=1e-6)
            if step == 2:
                terms = values(page, "data-terms", "data-step-sum")
                pixels = values(page, "data-pixels", "data-step-sum").astype(int)
                w = default_model.network.steps[0].weights[:, unit].astype(np.float64)
                np.testing.assert_allclose(terms, w[pixels] * x.reshape(-1)[pixels], rtol=1e-6)
                rest = values(page, "data-rest", "data-step-sum")[0]
                bias = values(page, "data-bias", "data-step-sum")[0]
                np.testing.assert_allclose(terms.sum() + rest + bias, sums[0][unit], rtol=1e-6)
            else:
                assert int(values(page, "data-active", "data-step-relu")[0]) == int(np.sum(sums[0] > 0))
        elif step == 4:
            np.testing.assert_allclose(values(page, "data-step-logits"), logits, rtol=1e-5, atol=1e-4)
        else:
            expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
            shown = values(page, "data-probabilities", "data-step-softmax")
            np.testing.assert_allclose(shown, expected, atol=1e-6)
        button(at, "Next step").click().run()
    assert seen == [1, 2, 3, 4, 5, 1]


def test_ink_on_red_closes_the_gap_and_ink_on_blue_widens_it(mnist, default_model):
    # What the class is told to try, done by machine on the model's input: ten blank pixels of the
    # central 20x20 (where a drawing's ink lands) fully inked where the flip map is reddest close the
    # gap to the runner-up for nearly every digit; the ten bluest mostly widen it; ten random ones
    # close it by far less. Measured on the first 100 of MNIST's test digits: red closed it for 100
    # (median +12.0 logits), blue for 24 (median -3.0), random for 91 (median +3.0).
    rng = np.random.default_rng(0)
    centre = np.zeros((28, 28), bool)
    centre[4:24, 4:24] = True
    moved = {"red": [], "blue": [], "random": []}
    for x in mlp.as_model_input(mnist.x_test[:100]):
        pixels = x.reshape(-1)
        logits = forward64(default_model, x)[1]
        second, best = np.argsort(logits)[-2:]
        blank = np.flatnonzero(centre.reshape(-1) & (pixels < 0.5))
        flip = margin_gradient(default_model, mlp.read(default_model, x), second, best).reshape(-1)[blank]
        for kind, chosen in [("red", blank[np.argsort(-flip)[:10]]), ("blue", blank[np.argsort(flip)[:10]]),
                             ("random", rng.choice(blank, 10, replace=False))]:
            inked = pixels.copy()
            inked[chosen] = 1.0
            after = forward64(default_model, inked)[1]
            moved[kind].append((after[second] - after[best]) - (logits[second] - logits[best]))
    closed = {kind: sum(change > 0 for change in changes) for kind, changes in moved.items()}
    assert closed["red"] >= 95 and closed["blue"] <= 50, closed
    medians = {kind: float(np.median(changes)) for kind, changes in moved.items()}
    assert medians["red"] > 2 * medians["random"] > 0, medians


@pytest.mark.app
@pytest.mark.parametrize("name", ["logistic", "classic"])
def test_both_lenses_run_for_every_shape_of_model(app, mnist, name):
    at = choose(draw(app.run(), digit_png(mnist.x_test[3])), model=name, lens="Change its mind?")
    assert not at.exception and not at.error
    at = choose(at, lens="Pin and compare")
    button(at, "Pin this drawing").click().run()
    at = draw(at, digit_png(mnist.x_test[4]))
    assert not at.exception and not at.error
    layers = len(mlp.load_model(name).network.steps) - 1
    assert html(at).count("data-compare-layer=") == layers
    at.get("button_group")[1].set_value("Step by step").run()
    for _ in range(len(STEPS)):
        assert not at.exception and not at.error
        button(at, "Next step").click().run()


@pytest.mark.system
@pytest.mark.browser
def test_both_lenses_in_a_real_browser_in_presenter_mode(browser, server):  # noqa: F811 (fixtures)
    page = open_page(browser, server + "?present=1", 1920, 1080)
    web.draw(page, web.SEVEN)
    page.locator("[data-prediction='7']").wait_for(timeout=web.UPDATE)
    page.locator("[data-testid='stButtonGroup'] button", has_text="Change its mind?").first.click()
    for kind in ("logit", "margin"):
        page.locator(f"[data-gradient-of='{kind}'] img").wait_for(timeout=web.UPDATE)
    web.settle(page)
    assert page.locator("[data-gradient-of='logit']").get_attribute("data-digit") == "7"
    below = page.get_by_text("Try it:").bounding_box()
    assert below["y"] + below["height"] <= 1080  # beside the canvas, no scrolling to see it

    page.locator("[data-testid='stButtonGroup'] button", has_text="Pin and compare").first.click()
    page.get_by_role("button", name="Pin this drawing").click()
    page.get_by_role("button", name="Unpin").wait_for(timeout=web.UPDATE)
    page.get_by_role("button", name="Clear").click()
    page.get_by_text(web.HINT).wait_for(timeout=web.UPDATE)
    web.settle(page)
    web.draw(page, web.ONE)
    page.locator("[data-prediction='1']").wait_for(timeout=web.UPDATE)
    page.locator("[data-compare-layer='2'] img").wait_for(timeout=web.UPDATE)  # the default model has two
    web.settle(page)
    first = page.locator("[data-compare-layer='1']")
    assert int(first.get_attribute("data-switched-on")) > 0 and int(first.get_attribute("data-switched-off")) > 0
    bars = page.locator("[data-effect]").bounding_box()
    assert bars["y"] + bars["height"] <= 1080

    page.locator("[data-testid='stButtonGroup'] button", has_text="Step by step").first.click()
    seen = []
    for _ in range(len(STEPS) + 1):
        shown = page.locator("[data-step]")
        shown.wait_for(timeout=web.UPDATE)
        web.settle(page)
        seen.append(int(shown.get_attribute("data-step")))
        page.get_by_role("button", name="Next step").click()
        page.wait_for_function("want => document.querySelector('[data-step]')?.dataset.step === want",
                               arg=str(seen[-1] % len(STEPS) + 1), timeout=web.UPDATE)
    assert seen == [1, 2, 3, 4, 5, 1]
    web.assert_no_exception(page)
