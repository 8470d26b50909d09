"""The inside view's numbers against Keras' own layers: the activations a lesson shows are real."""

import numpy as np
import pytest

import mlp
from mlp.architecture import load_keras
from mlp.inside import most_active, unit_effect, unit_weights


def _keras_layers(model, x):
    """Every Dense layer's output in Keras, for one image: (pre-softmax logits last)."""
    keras_model = load_keras(model.path.with_suffix(".keras"))
    outputs, z = [], x[None]
    for layer in keras_model.layers:
        if type(layer).__name__ == "Dense" and layer is keras_model.layers[-1]:
            logits = z @ layer.kernel.numpy() + layer.bias.numpy()
            outputs.append(np.asarray(logits)[0])
        z = layer(z, training=False)
        if type(layer).__name__ == "Dense" and layer is not keras_model.layers[-1]:
            outputs.append(np.asarray(z)[0])
    return outputs


@pytest.mark.parametrize("name", sorted(mlp.shipped_models()))
def test_activations_and_logits_equal_keras(name, mnist):
    model = mlp.load_model(name)
    x = mlp.as_model_input(mnist.x_test[0])
    reading = mlp.read(model, x)
    *hidden, logits = _keras_layers(model, x)
    assert len(reading.activations) == len(hidden)
    for ours, theirs in zip(reading.activations, hidden):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(reading.logits, logits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(reading.probabilities, mlp.predict_proba(model, x), atol=1e-6)
    np.testing.assert_array_equal(reading.image, x)


def test_a_units_effect_is_the_change_in_the_logits(mnist):
    """Raising one hidden unit's activation a little moves the logits by effect * change."""
    model = mlp.load_model("robust")
    x = mlp.as_model_input(mnist.x_test[1])
    reading = mlp.read(model, x)
    first_hidden = reading.activations[0]
    unit = int(most_active(first_hidden, 1)[0])
    steps = model.network.steps

    def logits(hidden):  # the layers after the first, in float64
        for step in steps[1:-1]:
            hidden = np.maximum(hidden @ step.weights.astype(np.float64) + step.bias, 0)
        return hidden @ steps[-1].weights.astype(np.float64) + steps[-1].bias

    delta = 1e-3
    before = first_hidden.astype(np.float64)
    after = before.copy()
    after[unit] += delta
    np.testing.assert_allclose((logits(after) - logits(before)) / delta, unit_effect(model, reading, unit),
                               rtol=1e-3, atol=1e-5)


def test_unit_pictures_and_ordering(classic_model):
    assert unit_weights(classic_model, 5).shape == (28, 28)
    activations = np.array([0.0, 3.0, 1.0, 3.0])
    assert most_active(activations, 3).tolist() == [1, 3, 2]


def test_a_units_weights_are_what_keras_adds_per_pixel(mnist):
    """A unit's 28x28 weights, applied to the difference of two images, change its pre-activation in
    Keras (BatchNormalization in inference mode, then the first Dense layer) by exactly that much."""
    model = mlp.load_model("classic")
    keras_model = load_keras(model.path.with_suffix(".keras"))

    def pre_activation(x):
        z = x[None]
        for layer in keras_model.layers:
            if type(layer).__name__ == "Dense":
                return np.asarray(z)[0].astype(np.float64) @ layer.kernel.numpy() + layer.bias.numpy()
            z = layer(z, training=False)

    a, b = (mlp.as_model_input(mnist.x_test[i]) for i in (0, 1))
    change = pre_activation(a) - pre_activation(b)
    for unit in (0, 3, 77):
        np.testing.assert_allclose((unit_weights(model, unit) * (a - b)).sum(), change[unit],
                                   rtol=1e-4, atol=1e-4)
