"""One reading per drawing: `mlp.read` against Keras' own layers, the Reading's derived answers on
hand-made cases, and the Draw view running the network once per stroke, whichever lens is open."""

import threading

import numpy as np
import pytest
from conftest import digit_png
from test_app import button, draw
from test_lesson import app, choose  # noqa: F401 (app: a fixture)

import mlp
from mlp.architecture import load_keras
from mlp.network import NumpyMLP
from mlp.reading import Reading


def keras_layers(model: mlp.Classifier, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Keras' own run of the shipped .keras file on one image: (each Dense hidden layer's output,
    the logits before softmax, the probabilities)."""
    keras_model = load_keras(model.path.with_suffix(".keras"))
    hidden, z = [], x[None]
    last = keras_model.layers[-1]
    for layer in keras_model.layers[:-1]:
        z = layer(z, training=False)
        if type(layer).__name__ == "Dense":
            hidden.append(np.asarray(z)[0])
    logits = np.asarray(z)[0].astype(np.float64) @ last.kernel.numpy() + last.bias.numpy()
    return hidden, logits, np.asarray(keras_model(x[None], training=False))[0]


@pytest.mark.parametrize("name", ["world", "classic", "logistic"])
def test_one_reading_equals_keras_on_every_part(name, mnist):
    model = mlp.load_model(name)
    for index in (0, 1, 8):  # a 7, a 2 and a 5 the models read less surely
        x = mlp.as_model_input(mnist.x_test[index])
        reading = mlp.read(model, x)
        hidden, logits, probabilities = keras_layers(model, x)
        assert len(reading.activations) == len(hidden)
        for ours, theirs in zip(reading.activations, hidden):
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(reading.logits, logits, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(reading.probabilities, probabilities, atol=1e-5)
        np.testing.assert_array_equal(reading.image, x)
        assert reading.digit == int(np.argmax(logits))
        assert reading.runner_up == int(np.argsort(logits)[-2])
        assert reading.confidence == pytest.approx(float(probabilities.max()), abs=1e-5)
        assert [d for d, _ in reading.top_k(3)] == np.argsort(-logits)[:3].tolist()
        if model.check is None:
            assert reading.digit_likeness is None and reading.looks_like_digit is None
        else:  # the check reads the last hidden layer: here, Keras' own
            features = (hidden[-1] if hidden else x.reshape(-1))[None].astype(np.float32)
            assert reading.digit_likeness == pytest.approx(float(model.check(features)[0]), abs=1e-5)
            assert reading.looks_like_digit == (reading.digit_likeness >= model.check.threshold)
            assert reading.looks_like_digit == mlp.looks_like_digit(model, x)


def test_a_reading_stands_alone_and_cannot_be_changed(default_model, mnist):
    x = mlp.as_model_input(mnist.x_test[0])
    reading = mlp.read(default_model, x)
    expected = reading.probabilities.copy()
    x[:] = 0  # the caller reuses its array: the reading keeps the drawing it read
    assert reading.image.max() > 0.5
    for array in (reading.image, reading.logits, reading.probabilities, *reading.activations):
        with pytest.raises(ValueError):
            array[0] = 1.0
    with pytest.raises(AttributeError):
        reading.digit_likeness = 1.0
    np.testing.assert_array_equal(mlp.read(default_model, mlp.as_model_input(mnist.x_test[0])).probabilities,
                                  expected)
    with pytest.raises(ValueError):
        mlp.read(default_model, np.zeros((2, 28, 28), np.float32))


def hand_made(logits, likeness=None, threshold=None) -> Reading:
    logits = np.asarray(logits, np.float32)
    exps = np.exp(logits - logits.max())
    return Reading(image=np.zeros((28, 28), np.float32), logits=logits, probabilities=exps / exps.sum(),
                   activations=(), digit_likeness=likeness, threshold=threshold)


def test_the_runner_up_follows_the_logits_where_probabilities_round_to_zero():
    # Digits 3 and 5 are both more than 104 below the top: each gets a float32 probability of exactly 0,
    # yet 5 comes next.
    reading = hand_made([-300, -250, -300, -200, -300, -120, -300, -300, 0, -300])
    assert reading.probabilities[5] == reading.probabilities[3] == 0
    assert (reading.digit, reading.runner_up) == (8, 5)
    assert reading.top_k(3) == [(8, 1.0), (5, 0.0), (3, 0.0)]
    assert reading.confidence == 1.0
    tied = hand_made([0, 2, 0, 2, 0, 0, 0, 0, 0, 0])
    assert (tied.digit, tied.runner_up) == (1, 3)  # a tie: the smaller digit first


@pytest.mark.parametrize("likeness, threshold, expected", [(None, None, None), (0.31, 0.3, True),
                                                           (0.3, 0.3, True), (0.29, 0.3, False)])
def test_looks_like_digit_compares_the_likeness_with_the_threshold(likeness, threshold, expected):
    assert hand_made(np.zeros(10), likeness, threshold).looks_like_digit is expected


@pytest.fixture
def forward_passes(monkeypatch) -> list[tuple[int, int]]:
    """Every forward pass the page's script runs from now on, as (id of the network, images in the
    batch). The page's warm-up thread, which scores the test set in the background, is left out."""
    runs, real = [], NumpyMLP.trace

    def counting(network, images):
        if threading.current_thread().name != "warm-up":  # views.loaders.warm_up's thread
            runs.append((id(network), len(images)))
        return real(network, images)

    monkeypatch.setattr(NumpyMLP, "trace", counting)
    return runs


@pytest.mark.parametrize("lens", ["Probabilities", "Inside", "Hidden units", "Change its mind?", "Pin and compare"])
def test_a_stroke_runs_the_network_once_whichever_lens_is_open(app, mnist, default_model, forward_passes, lens):
    at = choose(app.run(), lens=lens)
    forward_passes.clear()
    at = draw(at, digit_png(mnist.x_test[0]))
    assert not at.exception and not at.error
    assert len(forward_passes) == 1 and forward_passes[0][1] == 1, forward_passes


def test_the_no_hidden_layer_lens_runs_each_of_its_two_networks_once(app, mnist, forward_passes):
    at = choose(app.run(), lens="No hidden layer")
    forward_passes.clear()
    at = draw(at, digit_png(mnist.x_test[0]))
    assert not at.exception and not at.error
    assert len(forward_passes) == 2 and len(set(forward_passes)) == 2, forward_passes  # the chosen and logistic


def test_a_pinned_drawing_is_read_once_when_pinned_not_on_each_stroke(app, mnist, forward_passes):
    at = draw(choose(app.run(), lens="Pin and compare"), digit_png(mnist.x_test[0]))
    button(at, "Pin this drawing").click().run()
    forward_passes.clear()
    at = draw(at, digit_png(mnist.x_test[1]))
    assert not at.exception and not at.error
    assert "Layer 1" in "\n".join(element.proto.body for element in at.get("html"))  # the comparison is shown
    assert len(forward_passes) == 1, forward_passes
