import numpy as np
import pytest

from conftest import SAMPLE

import mlp
from mlp.data import load_mnist
from mlp.errors import DataError


def _write(path, **arrays):
    np.savez(path, **arrays)
    return path


def _good(n=4):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % 10
    return dict(x_train=images, y_train=labels, x_test=images, y_test=labels)


def test_mnist_has_the_keras_layout(mnist):
    """All of MNIST, or the sample shipped for the tests: the same layout either way."""
    assert (len(mnist.x_train), len(mnist.x_test)) in ((60000, 10000), (3000, 2000))
    assert mnist.x_train.shape[1:] == mnist.x_test.shape[1:] == (28, 28)
    assert mnist.x_train.dtype == np.uint8
    assert set(np.unique(mnist.y_test)) == set(np.unique(mnist.y_train)) == set(range(10))
    assert len(mnist.sha256) == 64


def test_the_shipped_sample_is_drawn_from_mnist(mnist):
    """Each digit of the sample is the full data set's digit at its recorded index."""
    with np.load(SAMPLE, allow_pickle=False) as sample:
        index_train, index_test = sample["index_train"], sample["index_test"]
    assert len(np.unique(index_train)) == 3000 and len(np.unique(index_test)) == 2000
    assert index_train.max() < 60000 and index_test.max() < 10000
    if len(mnist.y_train) == 60000:  # the full set is here: compare digit by digit
        small = load_mnist(SAMPLE)
        np.testing.assert_array_equal(mnist.x_train[index_train], small.x_train)
        np.testing.assert_array_equal(mnist.y_test[index_test], small.y_test)
    else:
        assert mnist.source.endswith("mnist-sample.npz")


def test_explicit_path_wins_over_the_environment(tmp_path, monkeypatch):
    path = _write(tmp_path / "small.npz", **_good(3))
    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "missing.npz"))
    assert len(load_mnist(path).x_train) == 3


def test_environment_variable_is_used_without_a_path(tmp_path, monkeypatch):
    path = _write(tmp_path / "small.npz", **_good(5))
    monkeypatch.setenv("MNIST_NPZ", str(path))
    assert len(load_mnist().x_test) == 5


def test_limit_takes_the_first_examples(tmp_path):
    data = load_mnist(_write(tmp_path / "small.npz", **_good(8)))
    assert data.first(3, 3).x_train.shape == (3, 28, 28) and data.first(3, 3).y_test.shape == (3,)
    train_only = data.first(train=3)
    assert train_only.y_train.shape == (3,) and train_only.x_test.shape == (8, 28, 28)


def test_offline_download_failure_says_how_to_fix_it(monkeypatch, tmp_path):
    import keras

    from mlp.data import keras_cache

    downloads = []

    def offline():
        downloads.append(1)
        raise Exception("URL fetch failure on https://example.invalid/mnist.npz")

    # A machine that has never downloaded MNIST: no $MNIST_NPZ, an empty Keras cache (wherever
    # KERAS_HOME or the home folder would put it), and no network.
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert not keras_cache().exists() and tmp_path in keras_cache().parents
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DataError, match="offline set MNIST_NPZ .or --data. to a local mnist.npz"):
        load_mnist()
    assert downloads == [1]  # it did try to download, and said what to do when that failed


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.pop("y_test"), "missing y_test"),
        (lambda a: a.update(x_train=a["x_train"].astype(np.float32)), "dtype float32"),
        (lambda a: a.update(x_test=a["x_test"][:, :20]), r"shape \(4, 20, 28\)"),
        (lambda a: a.update(y_train=a["y_train"] + 7), "outside 0-9"),
        (lambda a: a.update(y_test=a["y_test"][:2]), "4 images in x_test but 2 labels"),
    ],
)
def test_a_bad_file_is_named_and_explained(tmp_path, change, message):
    arrays = _good()
    change(arrays)
    with pytest.raises(DataError, match=message):
        load_mnist(_write(tmp_path / "bad.npz", **arrays))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_mnist(tmp_path / "nowhere.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip file")
    with pytest.raises(DataError, match="cannot be read"):
        load_mnist(junk)


def test_pickled_objects_are_refused(tmp_path):
    arrays = _good()
    arrays["y_test"] = np.array([object()] * 4, dtype=object)
    with pytest.raises(DataError):
        load_mnist(_write(tmp_path / "pickled.npz", **arrays))


def test_as_model_input_scales_to_unit_floats():
    x = mlp.as_model_input(np.array([[[0, 255]]], dtype=np.uint8))
    assert x.dtype == np.float32 and x.tolist() == [[[0.0, 1.0]]]
