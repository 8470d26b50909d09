import json
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import mlp
from mlp import model as model_module
from mlp.config import PRESETS, TrainConfig
from mlp.errors import ModelError
from mlp.inference import NumpyMLP


def test_seed_preset_is_the_classic_keras_mlp():
    keras_model = model_module.build_model(PRESETS["classic"])
    kinds = [type(layer).__name__ for layer in keras_model.layers]
    assert kinds == ["Flatten", "BatchNormalization", "Dense", "Dense"]
    assert keras_model.layers[2].units == 128 and keras_model.layers[3].units == 10
    assert keras_model.input_shape == (None, 28, 28)
    assert keras_model.loss == "sparse_categorical_crossentropy"
    assert type(keras_model.optimizer).__name__ == "Adam"
    assert PRESETS["classic"].epochs == 10


def test_numpy_forward_matches_keras_on_the_shipped_model(classic_model, mnist):
    x = mlp.as_model_input(mnist.x_test[:2000])
    expected = classic_model.keras_model.predict(x, verbose=0)
    np.testing.assert_allclose(mlp.predict_proba(classic_model, x), expected, atol=1e-5)


def test_numpy_forward_matches_keras_on_a_deep_model_with_dropout():
    keras_model = model_module.build_model(TrainConfig(hidden=(64, 32), dropout=0.3))
    rng = np.random.default_rng(1)
    bn = keras_model.layers[1]
    gamma, beta, mean, variance = bn.get_weights()
    bn.set_weights([rng.uniform(0.5, 2, gamma.shape), rng.normal(0, 0.5, beta.shape),
                    rng.uniform(0, 0.5, mean.shape), rng.uniform(0.01, 0.2, variance.shape)])
    x = rng.uniform(0, 1, (64, 28, 28)).astype(np.float32)
    expected = keras_model(x, training=False).numpy()
    np.testing.assert_allclose(mlp.predict_proba(keras_model, x), expected, atol=1e-5)


def test_predict_proba_shapes_and_sums(classic_model):
    one = mlp.predict_proba(classic_model, np.zeros((28, 28), np.float32))
    many = mlp.predict_proba(classic_model, np.zeros((3, 28, 28), np.float32))
    assert one.shape == (10,) and many.shape == (3, 10)
    assert one.sum() == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError):
        mlp.predict_proba(classic_model, np.zeros((28, 27), np.float32))


def test_predict_proba_is_safe_across_threads(classic_model, mnist):
    x = mlp.as_model_input(mnist.x_test[:400])
    serial = [mlp.predict_proba(classic_model, image) for image in x]
    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(lambda image: mlp.predict_proba(classic_model, image), x))
    np.testing.assert_array_equal(np.stack(parallel), np.stack(serial))


def test_weights_are_read_only(classic_model):
    with pytest.raises(ValueError):
        classic_model.network.steps[0].weights[0, 0] = 1.0


def test_top_k_orders_by_probability():
    p = np.array([0.05, 0.6, 0.0, 0.3, 0.05, 0, 0, 0, 0, 0])
    assert [digit for digit, _ in mlp.top_k(p, 3)] == [1, 3, 0]


def test_shipped_models_and_their_metadata():
    shipped = mlp.shipped_models()
    assert {"classic", mlp.DEFAULT_MODEL} <= set(shipped)
    for name, path in shipped.items():
        meta = json.loads(path.with_suffix(".json").read_text())
        for key in ("config", "test_accuracy", "history", "train_seconds", "versions", "data"):
            assert key in meta, (name, key)
        assert len(meta["data"]["sha256"]) == 64
        assert len(meta["history"]["test_accuracy"]) == meta["config"]["epochs"]


def test_shipped_classic_model_reaches_the_classic_accuracy(classic_model, mnist):
    result = mlp.evaluate(classic_model, mlp.as_model_input(mnist.x_test), mnist.y_test)
    assert result.accuracy >= 0.965


def test_load_model_by_default_name_and_path():
    default = mlp.load_model()
    assert default.name == mlp.DEFAULT_MODEL
    by_path = mlp.load_model(mlp.shipped_models()["classic"])
    assert by_path.name == "classic" and by_path.record["config"]["hidden"] == [128]


def test_load_model_errors_are_clear(tmp_path):
    with pytest.raises(ModelError, match="no model named 'nope'"):
        mlp.load_model("nope")
    with pytest.raises(ModelError, match="not found"):
        mlp.load_model(tmp_path / "missing.keras")
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelError, match="not a readable Keras model"):
        mlp.load_model(corrupt)


def test_a_model_that_is_not_an_mlp_is_refused(tmp_path):
    import keras

    conv = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3),
                             keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    path = tmp_path / "conv.keras"
    conv.save(path)
    with pytest.raises(ModelError):
        mlp.load_model(path)


def test_saved_model_has_no_optimizer_state_and_round_trips(tmp_path, classic_model):
    model_path, meta_path = model_module.save_model(classic_model.keras_model, tmp_path / "copy",
                                                    {"name": "copy"})
    with zipfile.ZipFile(model_path) as archive:
        import io

        import h5py
        with h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as weights:
            assert "optimizer" not in weights or len(weights["optimizer"]["vars"]) == 0
    copy = mlp.load_model(model_path)
    x = np.random.default_rng(0).uniform(0, 1, (5, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(mlp.predict_proba(copy, x), mlp.predict_proba(classic_model, x))
    assert json.loads(meta_path.read_text()) == {"name": "copy"}


def test_an_interrupted_save_leaves_the_old_model_in_place(tmp_path, classic_model, monkeypatch):
    model_path, _ = model_module.save_model(classic_model.keras_model, tmp_path / "m", {"v": 1})
    before = model_path.read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(model_module.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model_module.save_model(classic_model.keras_model, tmp_path / "m", {"v": 2})
    assert model_path.read_bytes() == before
    assert json.loads((tmp_path / "m.json").read_text()) == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.keras"]


def test_from_keras_checks_the_shapes():
    import keras

    wrong = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    with pytest.raises(ModelError, match="expected"):
        model_module.from_keras(wrong, "wrong")
    assert isinstance(model_module.from_keras(model_module.build_model(TrainConfig()), "x").network,
                      NumpyMLP)
