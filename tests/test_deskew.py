"""Deskewing: a slanted digit straightened before the network reads it, alike in NumPy and Keras."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

import mlp
from mlp import model as model_module
from mlp.architecture import build_model, describe
from mlp.config import PRESETS, TrainConfig
from mlp.deskew import CENTRE, deskew
from mlp.inference import NumpyMLP
from mlp.inside import look_inside


def _line(start, end, width=2) -> np.ndarray:
    """(28, 28) float32: a white line on black, ends given as (x, y)."""
    image = Image.new("L", (28, 28))
    ImageDraw.Draw(image).line([start, end], fill=255, width=width)
    return np.asarray(image, np.float32) / 255.0


def _column_centres(image: np.ndarray) -> np.ndarray:
    """Each inked row's centre of ink, in columns."""
    cols = np.arange(28)
    rows = image.sum(axis=1) > 0.5
    return (image[rows] @ cols) / image[rows].sum(axis=1)


def _centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    grid = np.arange(28)
    return float(image.sum(axis=1) @ grid / image.sum()), float(image.sum(axis=0) @ grid / image.sum())


@pytest.mark.parametrize("slant", [(8, 22), (20, 10)])  # leaning right, leaning left
def test_a_slanted_stroke_comes_out_upright_and_centred(slant):
    top_x, bottom_x = slant
    image = _line((top_x, 4), (bottom_x, 23))
    assert np.ptp(_column_centres(image)) > 8  # it does lean
    straight = deskew(image[None])[0]
    centres = _column_centres(straight)
    assert np.ptp(centres) < 2 and np.std(centres) < 0.5  # the stroke's rounded ends wobble a little
    assert _centre_of_mass(straight) == pytest.approx((CENTRE, CENTRE), abs=0.3)
    assert straight.sum() == pytest.approx(image.sum(), rel=0.05)  # shearing keeps the ink


def test_an_upright_digit_is_left_as_it_is():
    image = np.zeros((28, 28), np.float32)
    image[5:24, 13:16] = 1.0  # an upright bar whose centre of mass is already in the middle
    np.testing.assert_allclose(deskew(image[None])[0], image, atol=0.02)


def test_a_dash_and_a_blank_are_not_smeared():
    dash = _line((6, 14), (21, 14))  # its rows barely vary: the shear is capped
    out = deskew(dash[None])[0]
    assert (out.sum(axis=1) > 0.5).sum() <= (dash.sum(axis=1) > 0.5).sum() + 1
    assert deskew(np.zeros((2, 28, 28), np.float32)).max() == 0.0


def test_tensorflow_straightens_exactly_as_numpy(mnist):
    from mlp.keras_layers import deskew_tf

    rng = np.random.default_rng(0)
    sparse = rng.uniform(0, 1, (20, 28, 28)) * (rng.uniform(0, 1, (20, 28, 28)) < 0.05)
    corner = np.zeros((1, 28, 28))
    corner[0, 24:, 24:] = 1.0  # ink sheared past the image's edge fades to black, in both
    for images in (mlp.as_model_input(mnist.x_test[:300]), sparse.astype(np.float32),
                   corner.astype(np.float32)):
        np.testing.assert_allclose(deskew_tf(images).numpy(), deskew(images), atol=1e-5)


def test_a_deskewing_model_carries_the_step_through_keras_and_its_weights_file(tmp_path, mnist):
    config = TrainConfig(hidden=(8,), deskew=True)
    keras_model = build_model(config)
    assert describe(keras_model) == "Deskew > Flatten > BatchNorm > Dense(8, relu) > Dense(10, softmax)"
    x = mlp.as_model_input(mnist.x_test[:200])
    expected = keras_model(x, training=False).numpy()
    keras_path, weights_path = model_module.save_model(keras_model, tmp_path / "straight", {})
    for path in (weights_path, keras_path):  # the .keras file is read in safe mode
        copy = mlp.load_model(path)
        assert copy.network.deskew
        np.testing.assert_allclose(mlp.predict_proba(copy, x), expected, atol=1e-5)
    plain = build_model(TrainConfig(hidden=(8,)))
    assert not NumpyMLP.from_keras(plain).deskew
    assert not PRESETS["classic"].deskew  # the seed article's model reads pixels as they come


def test_a_weights_file_from_before_deskewing_reads_as_not_deskewing(classic_model):
    arrays = classic_model.network.to_arrays()
    assert "deskew" in arrays
    del arrays["deskew"]
    assert NumpyMLP.from_arrays(arrays).deskew is False


def test_the_page_shows_what_a_deskewing_network_reads(mnist):
    model = mlp.from_keras(build_model(TrainConfig(hidden=(8,), deskew=True)), "straight")
    slanted = _line((8, 4), (20, 23))
    read = mlp.as_read(model, slanted)
    assert read.shape == (28, 28)
    np.testing.assert_allclose(read, deskew(slanted[None])[0])
    np.testing.assert_allclose(look_inside(model, slanted).pixels, read.reshape(-1))
    plain = mlp.from_keras(build_model(TrainConfig(hidden=(8,))), "plain")
    np.testing.assert_array_equal(mlp.as_read(plain, slanted), slanted)
