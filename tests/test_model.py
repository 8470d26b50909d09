"""Models: the Keras MLP, the NumPy weights it ships as, loading, saving and the record."""

import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import ROOT, within_sampling_error
from damaged_models import DAMAGE_MESSAGES, write_damaged

import mlp
from mlp import model as model_module
from mlp.architecture import build_model, describe, load_keras
from mlp.config import PRESETS, TrainConfig
from mlp.errors import MLPError, ModelError
from mlp.files import file_sha256
from mlp.network import NumpyMLP


def test_classic_preset_is_the_seed_articles_keras_mlp():
    keras_model = build_model(PRESETS["classic"])
    kinds = [type(layer).__name__ for layer in keras_model.layers]
    assert kinds == ["Flatten", "BatchNormalization", "Dense", "Dense"]
    assert keras_model.layers[2].units == 128 and keras_model.layers[3].units == 10
    assert keras_model.input_shape == (None, 28, 28)
    assert keras_model.loss == "sparse_categorical_crossentropy"
    assert type(keras_model.optimizer).__name__ == "Adam"
    assert PRESETS["classic"].epochs == 10 and PRESETS["classic"].batch_size == 32


def test_no_hidden_layer_is_logistic_regression():
    model = build_model(TrainConfig(hidden=()))
    assert describe(model) == "Flatten > BatchNorm > Dense(10, softmax)"
    assert len(mlp.from_keras(model, "linear").network.steps) == 1


def test_the_architecture_is_read_off_the_built_model():
    assert describe(build_model(PRESETS["classic"])) == \
        "Flatten > BatchNorm > Dense(128, relu) > Dense(10, softmax)"
    assert describe(build_model(TrainConfig(hidden=(64, 32), dropout=0.25, batch_norm=False))) == \
        "Flatten > Dense(64, relu) > Dropout(0.25) > Dense(32, relu) > Dropout(0.25) > Dense(10, softmax)"


@pytest.mark.parametrize("name", sorted(mlp.shipped_models()))
def test_shipped_weights_equal_their_keras_model(name, mnist):
    """NAME.npz (what predictions run on) against NAME.keras read by Keras, on real digits."""
    shipped = mlp.load_model(name)
    keras_path = shipped.path.with_suffix(".keras")
    assert shipped.record["keras_sha256"] == file_sha256(keras_path)
    x = mlp.as_model_input(mnist.x_test[:1000])
    expected = load_keras(keras_path)(x, training=False).numpy()
    np.testing.assert_allclose(mlp.predict_proba(shipped, x), expected, atol=1e-5)


def test_numpy_forward_matches_keras_on_a_deep_model_with_dropout():
    keras_model = build_model(TrainConfig(hidden=(64, 32), dropout=0.3))
    rng = np.random.default_rng(1)
    bn = keras_model.layers[1]
    gamma, beta, mean, variance = bn.get_weights()
    bn.set_weights([rng.uniform(0.5, 2, gamma.shape), rng.normal(0, 0.5, beta.shape),
                    rng.uniform(0, 0.5, mean.shape), rng.uniform(0.01, 0.2, variance.shape)])
    x = rng.uniform(0, 1, (64, 28, 28)).astype(np.float32)
    expected = keras_model(x, training=False).numpy()
    np.testing.assert_allclose(mlp.predict_proba(keras_model, x), expected, atol=1e-5)


def test_predicting_with_a_shipped_model_never_imports_tensorflow():
    code = ("import sys, numpy as np, mlp\n"
            "model = mlp.load_model()\n"
            "mlp.predict_proba(model, np.zeros((28, 28), np.float32))\n"
            "mlp.evaluate(model, np.zeros((3, 28, 28), np.float32), np.zeros(3, int))\n"
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


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


def test_shipped_models_and_their_records():
    shipped = mlp.shipped_models()
    assert {"classic", mlp.DEFAULT_MODEL} <= set(shipped)
    for name, path in shipped.items():
        record = mlp.load_model(name).record
        for key in ("architecture", "config", "test_accuracy", "history", "train_seconds", "versions",
                    "data"):
            assert key in record, (name, key)
        assert len(record["data"]["sha256"]) == 64
        assert len(record["history"]["test_accuracy"]) == record["config"]["epochs"]


@pytest.mark.parametrize("name", sorted(mlp.shipped_models()))
def test_shipped_models_score_what_their_records_say(name, mnist):
    model = mlp.load_model(name)
    result = mlp.evaluate(model, mlp.as_model_input(mnist.x_test), mnist.y_test)
    assert within_sampling_error(result.accuracy, model.record["test_accuracy"], len(mnist.y_test))


def test_the_classic_model_reaches_the_articles_accuracy(classic_model, mnist):
    result = mlp.evaluate(classic_model, mlp.as_model_input(mnist.x_test), mnist.y_test)
    assert result.accuracy >= 0.955  # the article's MLP reads about 97 %; a 2,000-digit sample varies


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
    with pytest.raises(ModelError, match="corrupt.keras is damaged: it is not a Keras model file"):
        mlp.load_model(corrupt)


def test_a_missing_or_damaged_shipped_model_is_named_without_server_paths(tmp_path, monkeypatch):
    monkeypatch.setattr(model_module, "ASSETS", tmp_path)
    (tmp_path / f"{mlp.DEFAULT_MODEL}.keras").write_bytes(b"left behind")
    (tmp_path / "classic.npz").write_bytes(b"PK\x03\x04 cut short")
    assert set(mlp.shipped_models()) == {"classic", mlp.DEFAULT_MODEL}
    with pytest.raises(ModelError) as missing:
        mlp.load_model()
    assert f"the shipped model '{mlp.DEFAULT_MODEL}' is missing" in str(missing.value)
    with pytest.raises(ModelError) as damaged:
        mlp.load_model("classic")
    assert "the shipped model 'classic' is damaged" in str(damaged.value)
    for message in (str(missing.value), str(damaged.value)):
        assert str(tmp_path) not in message and "/" not in message


def test_a_model_that_is_not_an_mlp_is_refused(tmp_path):
    from mlp.quiet import import_keras_quietly

    keras = import_keras_quietly()
    conv = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3),
                             keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    path = tmp_path / "conv.keras"
    conv.save(path)
    with pytest.raises(ModelError):
        mlp.load_model(path)


def test_wrong_shapes_are_refused():
    with pytest.raises(ModelError, match="outputs"):
        NumpyMLP.from_arrays({"activations": np.array(["relu", "softmax"]),
                              "weights_0": np.zeros((784, 4)), "bias_0": np.zeros(4),
                              "weights_1": np.zeros((4, 3)), "bias_1": np.zeros(3)})
    with pytest.raises(ModelError, match="chain"):
        NumpyMLP.from_arrays({"activations": np.array(["softmax"]),
                              "weights_0": np.zeros((100, 10)), "bias_0": np.zeros(10)})


def _tiny(seed: int):
    from mlp.quiet import import_keras_quietly

    import_keras_quietly().utils.set_random_seed(seed)
    return build_model(TrainConfig(hidden=(8,)))


def test_saved_model_has_no_optimizer_state_and_round_trips(tmp_path):
    keras_model = _tiny(1)
    keras_path, weights_path = model_module.save_model(keras_model, tmp_path / "copy", {"name": "copy"})
    with zipfile.ZipFile(keras_path) as archive:
        import io

        import h5py
        with h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as weights:
            assert "optimizer" not in weights or len(weights["optimizer"]["vars"]) == 0
    x = np.random.default_rng(0).uniform(0, 1, (5, 28, 28)).astype(np.float32)
    expected = keras_model(x, training=False).numpy()
    for path in (weights_path, keras_path):
        copy = mlp.load_model(path)
        np.testing.assert_allclose(mlp.predict_proba(copy, x), expected, atol=1e-6)
        assert copy.record["name"] == "copy"
    model_module.update_record(weights_path, drawn={"all": 0.5})
    assert mlp.load_model(weights_path).record["drawn"] == {"all": 0.5}


def test_a_keras_file_newer_than_its_record_is_not_described_by_it(tmp_path):
    keras_path, weights_path = model_module.save_model(_tiny(1), tmp_path / "m", {"v": 1})
    _tiny(2).save(keras_path)  # replaced behind the record's back
    assert mlp.load_model(keras_path).record == {}
    assert mlp.load_model(weights_path).record["v"] == 1


def test_an_unwritable_output_folder_fails_before_anything_is_written(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # nobody, root included, can make a folder under a file
    with pytest.raises(MLPError, match="cannot write"):
        model_module.save_model(_tiny(1), blocker / "m", {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


KILLED_SAVE = """
import os, sys, time
from pathlib import Path
from mlp.quiet import import_keras_quietly
from mlp import model as model_module
from mlp.architecture import build_model
from mlp.config import TrainConfig

stop_at = int(sys.argv[1])
import_keras_quietly().utils.set_random_seed(2)
new = build_model(TrainConfig(hidden=(8,)))
real_replace, calls = os.replace, [0]

def replace(source, target):
    calls[0] += 1
    if calls[0] == stop_at:
        print(f"paused before renaming {Path(target).name}", flush=True)
        time.sleep(120)
    real_replace(source, target)

os.replace = replace
print("saving", flush=True)
model_module.save_model(new, Path(sys.argv[2]), {"v": 2})
print("saved", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("stop_at", [1, 2, 3])
def test_a_save_killed_at_any_point_leaves_one_whole_pair(tmp_path, stop_at):
    """A real process saving over a model is killed -9 before its 1st, 2nd rename, or after both."""
    import signal

    old = _tiny(1)
    _, weights_path = model_module.save_model(old, tmp_path / "m", {"v": 1})
    x = np.random.default_rng(0).uniform(0, 1, (4, 28, 28)).astype(np.float32)
    outputs = {1: old(x, training=False).numpy()}
    child = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(stop_at), str(tmp_path / "m")],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in child.stdout:
            if line.startswith("paused") or line.startswith("saved"):
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    loaded = mlp.load_model(weights_path)
    version = loaded.record["v"]
    assert version == (2 if stop_at == 3 else 1)
    if version == 1:
        np.testing.assert_allclose(mlp.predict_proba(loaded, x), outputs[1], atol=1e-6)
    keras_record = mlp.load_model(weights_path.with_suffix(".keras")).record
    assert keras_record in ({}, loaded.record)  # never another version's record
    model_module.save_model(_tiny(3), tmp_path / "m", {"v": 3})  # the next save cleans up
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras", "m.npz"]
    assert mlp.load_model(weights_path).record["v"] == 3


@pytest.mark.parametrize("kind", sorted(DAMAGE_MESSAGES))
def test_a_damaged_model_file_is_refused_when_loaded_with_a_sentence(tmp_path, kind):
    """Each damage is found at load, not as a traceback or a NaN reading at the first prediction."""
    path = write_damaged(kind, tmp_path)
    with pytest.raises(ModelError) as refused:
        mlp.load_model(path)
    message = str(refused.value)
    assert message.startswith(f"{path} is ") and DAMAGE_MESSAGES[kind] in message
    assert "\n" not in message


def test_the_check_of_a_network_without_a_hidden_layer_reads_the_pixels(tmp_path):
    """A check fits a network by the width of what it reads: 784 pixels when there is no hidden layer."""
    from mlp.digit_check import DigitCheck

    logistic = mlp.load_model("logistic")
    rng = np.random.default_rng(0)
    fits = DigitCheck((rng.normal(0, 0.1, (784, 4)).astype(np.float32), np.ones((4, 1), np.float32)),
                      (np.zeros(4, np.float32), np.zeros(1, np.float32)), 0.5)
    path = tmp_path / "logistic.npz"
    path.write_bytes(logistic.path.read_bytes())
    model_module.save_check(path, fits)
    assert mlp.load_model(path).check.weights[0].shape == (784, 4)
    misfit = DigitCheck((np.ones((128, 4), np.float32), np.ones((4, 1), np.float32)),
                        fits.biases, 0.5)
    model_module.save_check(path, misfit)
    with pytest.raises(ModelError, match="does not fit the network"):
        mlp.load_model(path)


@pytest.mark.parametrize("value, number", [
    (0.97, 0.97), (1, 1.0), ("0.97", None), ("high", None), (None, None), (True, None),
    ([0.9], None), (float("nan"), None), (float("inf"), None)])
def test_a_records_figure_is_a_number_or_nothing(value, number):
    assert model_module.recorded_number({"test_accuracy": value}, "test_accuracy") == number
    assert model_module.recorded_number({}, "test_accuracy") is None


def test_the_space_a_save_needs_is_not_underestimated(tmp_path):
    """saved_size, checked against the files a real save writes, for two widths."""
    from mlp.config import TrainConfig

    for hidden in ((8,), (300, 100)):
        from mlp.quiet import import_keras_quietly

        import_keras_quietly().utils.set_random_seed(0)
        config = TrainConfig(hidden=hidden)
        paths = model_module.save_model(build_model(config), tmp_path / f"m{len(hidden)}",
                                        {"history": {"loss": [0.5] * 100}})
        written = sum(path.stat().st_size for path in paths)
        assert written <= model_module.saved_size(config) <= 1.5 * written + 512 * 1024


FULL_DISK_SAVE = """
import os, resource, signal, sys
from pathlib import Path
from mlp.quiet import import_keras_quietly
from mlp import model as model_module
from mlp.architecture import build_model
from mlp.config import TrainConfig
from mlp.errors import MLPError

limit, out = int(sys.argv[1]), Path(sys.argv[2])
import_keras_quietly().utils.set_random_seed(2)
new = build_model(TrainConfig(hidden=(64,)))
# Random text does not compress: the record makes the .npz larger than the .keras file, so
# that a limit between the two sizes lets the .keras file be written and fails the .npz.
notes = os.urandom(150_000).hex()
if limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    model_module.save_model(new, out, {"v": 2, "notes": notes})
except MLPError as err:
    print(f"{type(err).__name__}: {err}")
"""


@pytest.mark.slow
@pytest.mark.parametrize("limit, fails_on", [(40_000, ".keras"), (250_000, ".npz")])
def test_a_save_onto_a_full_disk_leaves_the_old_pair_and_no_leftovers(tmp_path, limit, fails_on):
    """Writes past a file-size limit fail as on a full disk (EFBIG, like ENOSPC): in the .keras
    file, or in the .npz once the .keras file is complete. Either way nothing is replaced."""
    old_paths = model_module.save_model(_tiny(1), tmp_path / "m", {"v": 1})
    old = {path.name: path.read_bytes() for path in old_paths}
    result = subprocess.run([sys.executable, "-c", FULL_DISK_SAVE, str(limit), str(tmp_path / "m")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("DiskFullError: the disk is full: nothing was saved, the old "
                                     "m.keras and m.npz are unchanged; free some space or choose "
                                     "another folder")
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == old
    sizes = _sizes_unlimited(tmp_path / "unlimited")
    assert sizes[".keras"] > limit if fails_on == ".keras" else sizes[".keras"] < limit < sizes[".npz"]


def _sizes_unlimited(out) -> dict[str, int]:
    """The sizes the same save writes with no limit: proof of which file the limit stops."""
    result = subprocess.run([sys.executable, "-c", FULL_DISK_SAVE, "0", str(out / "m")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return {suffix: (out / f"m{suffix}").stat().st_size for suffix in (".keras", ".npz")}


def test_a_save_onto_a_folder_writes_neither_file(tmp_path):
    """Refused before the .keras file is renamed into place, not after it."""
    (tmp_path / "m.npz").mkdir()
    with pytest.raises(MLPError, match="m.npz is a folder"):
        model_module.save_model(_tiny(1), tmp_path / "m", {})
    assert [path.name for path in tmp_path.iterdir()] == ["m.npz"]


def test_a_diverged_model_is_not_saved(tmp_path):
    """Training with too high a learning rate ends in NaN weights: saved, no one could load them."""
    keras_model = _tiny(1)
    keras_model.set_weights([np.full_like(w, np.nan) for w in keras_model.get_weights()])
    with pytest.raises(MLPError, match="training diverged"):
        model_module.save_model(keras_model, tmp_path / "m", {})
    assert list(tmp_path.iterdir()) == []
