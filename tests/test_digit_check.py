"""The not-a-digit check: its NumPy forward pass, its place in NAME.npz, and fitting one."""

import numpy as np
import pytest

import mlp
from mlp.digit_check import DigitCheck, digit_likeness, fit_digit_check, looks_like_digit
from mlp.model import save_check, update_record


def random_check(units: int, threshold: float = 0.5, seed: int = 0) -> DigitCheck:
    rng = np.random.default_rng(seed)
    weights = (rng.normal(0, 0.1, (units, 8)).astype(np.float32),
               rng.normal(0, 0.5, (8, 1)).astype(np.float32))
    biases = (np.zeros(8, np.float32), np.zeros(1, np.float32))
    return DigitCheck(weights, biases, threshold)


def test_the_forward_pass_is_relu_then_sigmoid():
    check = random_check(4)
    features = np.random.default_rng(1).random((5, 4)).astype(np.float32)
    hidden = np.maximum(features @ check.weights[0] + check.biases[0], 0)
    expected = 1 / (1 + np.exp(-(hidden @ check.weights[1] + check.biases[1])[:, 0]))
    np.testing.assert_allclose(check(features), expected, rtol=1e-5)


def test_a_model_without_a_check_says_nothing(classic_model, mnist):
    x = mnist.x_test[0] / 255.0
    assert classic_model.check is None
    assert digit_likeness(classic_model, x) is None and looks_like_digit(classic_model, x) is None


def test_the_check_travels_inside_the_model_file_and_survives_a_record_update(
        tmp_path, classic_model, mnist):
    path = tmp_path / "copy.npz"
    path.write_bytes(classic_model.path.read_bytes())
    check = random_check(classic_model.network.steps[0].weights.shape[1], threshold=0.3)
    save_check(path, check, digit_check={"threshold": 0.3})
    update_record(path, note="kept")
    model = mlp.load_model(path)
    assert model.record["note"] == "kept" and model.record["digit_check"] == {"threshold": 0.3}
    x = mnist.x_test[:20] / 255.0
    likeness = digit_likeness(model, x)
    np.testing.assert_allclose(likeness, check(classic_model.network.features(x)), rtol=1e-6)
    assert isinstance(digit_likeness(model, x[0]), float)
    assert (looks_like_digit(model, x) == (likeness >= 0.3)).all()
    assert isinstance(looks_like_digit(model, x[0]), bool)
    with pytest.raises(ValueError):
        digit_likeness(model, x[:, :14])


def test_fitting_sets_the_threshold_on_digits_kept_aside(classic_model, mnist):
    digits = mnist.x_test[:600] / 255.0
    rng = np.random.default_rng(0)
    # Not digits: blocks of ink and salt-and-pepper, far from anything MNIST holds.
    blocks = np.zeros((300, 28, 28), np.float32)
    for image in blocks[:150]:
        top, left = rng.integers(2, 12, 2)
        image[top : top + 14, left : left + 14] = 1.0
    blocks[150:] = rng.random((150, 28, 28)) < 0.3
    check, report = fit_digit_check(classic_model.network, digits.astype(np.float32), blocks,
                                    epochs=40, digit_share_flagged=0.02)
    assert report["fit"] == {"digits": 540, "not_digits": 270}
    assert report["aside_digits_flagged"] <= 0.05
    assert report["aside_not_digits_flagged"] >= 0.9
    assert 0 < check.threshold < 1 and check.threshold == pytest.approx(report["threshold"], abs=1e-6)
