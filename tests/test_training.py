import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

import mlp
from mlp.architecture import build_model, describe
from mlp.config import PRESETS, TrainConfig
from mlp.data import ExtraData
from mlp.model import read_record


@pytest.fixture(scope="module")
def small(mnist):
    return mnist.first(train=600, test=600)


# Batches of 8 from 1,200 digits: 150 steps an epoch, which train runs 3 to a call into TensorFlow.
MANY_STEPS = dict(batch_size=8)
STEPS = 150


@pytest.fixture(scope="module")
def many_steps(mnist):
    return mnist.first(train=1200, test=300)


# The two execution settings the presets use: XLA-compiled steps (classic) and plain graphs (fast).
EXECUTIONS = [pytest.param(True, id="xla"), pytest.param(False, id="graph")]


def test_training_reports_progress_and_learns(small):
    epochs, batches = [], []
    result = mlp.train(TrainConfig(epochs=2, batch_size=64), small,
                       on_epoch=lambda e, n, logs: epochs.append((e, n, logs)),
                       on_batch=lambda e, b, n: batches.append((e, b, n)))
    assert [(e, n) for e, n, _ in epochs] == [(1, 2), (2, 2)]
    assert {"loss", "accuracy", "test_loss", "test_accuracy"} <= set(epochs[-1][2])
    assert batches and batches[-1][2] == 10  # 600 images in batches of 64
    assert result.test_accuracy > 0.6  # far above chance after two epochs on 600 digits
    assert len(result.history["test_accuracy"]) == 2 and not result.stopped_early


def test_should_stop_ends_the_run_early(small):
    result = mlp.train(TrainConfig(epochs=5, batch_size=32), small, should_stop=lambda: True)
    assert result.stopped_early
    assert len(result.history.get("loss", [])) < 5


@pytest.mark.parametrize("jit_compile", EXECUTIONS)
def test_progress_is_reported_about_50_times_an_epoch(many_steps, jit_compile):
    epochs, batches = [], []
    config = PRESETS["fast"].with_changes(epochs=2, jit_compile=jit_compile, **MANY_STEPS)
    result = mlp.train(config, many_steps, on_epoch=lambda e, n, logs: epochs.append((e, n, logs)),
                       on_batch=lambda e, b, n: batches.append((e, b, n)))
    assert [(e, n) for e, n, _ in epochs] == [(1, 2), (2, 2)]
    for epoch in (0, 1):
        done = [b for e, b, n in batches if e == epoch]
        assert 40 <= len(done) <= 60 and done == sorted(set(done)) and done[-1] == STEPS
    assert {n for _, _, n in batches} == {STEPS}
    assert set(result.history) == {"loss", "accuracy", "test_loss", "test_accuracy"}
    assert all(len(values) == 2 for values in result.history.values())
    assert epochs[-1][2] == {key: values[-1] for key, values in result.history.items()}


@pytest.mark.parametrize("jit_compile", EXECUTIONS)
def test_should_stop_is_heeded_within_a_few_batches(many_steps, jit_compile):
    seen = []
    config = PRESETS["fast"].with_changes(epochs=3, jit_compile=jit_compile, **MANY_STEPS)
    result = mlp.train(config, many_steps, on_batch=lambda e, b, n: seen.append(b),
                       should_stop=lambda: len(seen) >= 5)
    assert result.stopped_early and len(seen) == 5  # no batch reported after the stop
    assert seen[-1] <= STEPS // 10  # five calls of a few batches each, not the epoch
    assert len(result.history["loss"]) == 1  # the interrupted epoch is still scored


@pytest.mark.parametrize("jit_compile", EXECUTIONS)
def test_the_same_seed_gives_the_same_model(many_steps, jit_compile):
    config = PRESETS["fast"].with_changes(epochs=1, seed=3, jit_compile=jit_compile, **MANY_STEPS)
    first = mlp.train(config, many_steps)
    second = mlp.train(config, many_steps)
    assert first.history == second.history
    for a, b in zip(first.keras_model.get_weights(), second.keras_model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_test_scores_match_keras_evaluate(small):
    result = mlp.train(TrainConfig(epochs=1, batch_size=64), small)
    loss, accuracy = result.keras_model.evaluate(mlp.as_model_input(small.x_test), small.y_test,
                                                 batch_size=100, verbose=0)
    assert result.history["test_loss"][-1] == pytest.approx(loss, abs=1e-5)
    assert result.history["test_accuracy"][-1] == pytest.approx(accuracy, abs=1e-6)


def test_augmented_training_runs_through_the_input_pipeline(small):
    result = mlp.train(TrainConfig(epochs=1, batch_size=100, augment=True, hidden=(32,)), small)
    assert np.isfinite(result.history["loss"][0])


def test_the_record_describes_the_run(small):
    result = mlp.train(TrainConfig(epochs=1, batch_size=200), small)
    record = result.record("tiny")
    assert record["config"]["epochs"] == 1 and record["train_examples"] == 600
    assert record["data"]["sha256"] == small.sha256
    assert record["extra_data"] is None
    assert {"tensorflow", "keras", "numpy"} <= set(record["versions"])


def blocks(count: int, seed: int = 0) -> np.ndarray:
    """uint8 (count, 28, 28) white squares at random places: drawings that are not digits."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28), np.uint8)
    for image in images:
        top, left = rng.integers(2, 12, 2)
        image[top : top + 14, left : left + 14] = 255
    return images


def test_the_record_counts_the_extra_data_it_was_trained_on(small):
    extra = ExtraData(x=small.x_test[:40], y=small.y_test[:40], x_not_digits=blocks(30),
                      source="drawn.npz", sha256="e" * 64)
    config = TrainConfig(epochs=1, batch_size=200, hidden=(8,))
    record = mlp.train(config, small, extra=extra).record("tiny")
    assert record["train_examples"] == 600 + 40
    assert record["extra_data"] == {"source": "drawn.npz", "sha256": "e" * 64, "examples": 40,
                                    "redrawn_from": None, "not_digits": 0}  # a weight of 0: left out
    weighted = mlp.train(config.with_changes(not_digit_weight=0.5), small, extra=extra).record("tiny")
    assert weighted["extra_data"]["not_digits"] == 30


def fields(record: dict, prefix: str = "") -> set[str]:
    """Every key of a record, nested ones as parent.key; a history's per-epoch lists count once."""
    names = set()
    for key, value in record.items():
        names.add(prefix + key)
        if isinstance(value, dict) and key != "history":
            names |= fields(value, f"{prefix}{key}.")
    return names


def test_the_page_s_worker_and_the_command_line_write_records_with_the_same_fields(tmp_path, mnist_path,
                                                                                   mnist):
    extra = tmp_path / "extra.npz"
    np.savez(extra, x=mnist.x_train[-50:], y=mnist.y_train[-50:], x_not_digits=blocks(20))
    config = PRESETS["fast"].with_changes(epochs=1, hidden=(8,), not_digit_weight=0.5)
    common = ["--data", str(mnist_path), "--extra-data", str(extra)]
    # The training process as the run queue's worker starts it (mlp.runs.execute), and the command a user types.
    worker = subprocess.Popen([sys.executable, "-m", "mlp.worker", "--config", json.dumps(config.to_dict()),
                               "--images", "200", "--out", str(tmp_path / "worker"), *common],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    command = subprocess.run([sys.executable, "-m", "mlp", "train", "--preset", "fast", "--epochs", "1",
                              "--hidden", "8", "--not-digit-weight", "0.5", "--limit", "200",
                              "--out", str(tmp_path / "cli" / "model"), *common],
                             cwd=ROOT, capture_output=True, text=True, timeout=600)
    reports, errors = worker.communicate(timeout=600)
    assert command.returncode == 0, command.stderr
    assert worker.returncode == 0 and '{"done": ""}' in reports, reports + errors
    by_worker = read_record(tmp_path / "worker" / "model.npz")
    by_command = read_record(tmp_path / "cli" / "model.npz")
    assert by_worker and fields(by_worker) == fields(by_command)
    for record in (by_worker, by_command):  # 200 MNIST digits and the file's 50, its 20 non-digits
        assert record["train_examples"] == 250
        assert record["extra_data"]["examples"] == 50 and record["extra_data"]["not_digits"] == 20
        assert record["config"] == by_command["config"]


def test_config_validates_and_round_trips():
    with pytest.raises(ValueError):
        TrainConfig(hidden=(64, 0))
    with pytest.raises(ValueError):
        TrainConfig(dropout=1.0)
    config = PRESETS["classic"].with_changes(hidden=(64, 32), epochs=None)
    assert config.hidden == (64, 32) and config.epochs == PRESETS["classic"].epochs
    assert TrainConfig.from_dict(config.to_dict()) == config
    for config in PRESETS.values():
        assert TrainConfig.from_dict(config.to_dict()) == config


def test_the_fast_preset_is_offered_first_and_trains_the_classic_mlp():
    assert next(iter(PRESETS)) == "fast"
    fast, classic = PRESETS["fast"], PRESETS["classic"]
    assert describe(build_model(fast)) == describe(build_model(classic)) == \
        "Flatten > BatchNorm > Dense(128, relu) > Dense(10, softmax)"
    assert fast.epochs < classic.epochs and fast.batch_size > classic.batch_size


def test_the_not_digit_loss_is_cross_entropy_for_digits_and_an_even_guess_for_the_rest():
    from mlp.training import NOT_DIGIT, _loss_with_not_digits

    predictions = np.array([[0.7, 0.2, 0.1] + [0.0] * 7, [0.1] * 10, [0.91] + [0.01] * 9],
                           dtype=np.float32)
    labels = np.array([0, NOT_DIGIT, NOT_DIGIT])
    losses = np.asarray(_loss_with_not_digits(0.5)(labels, predictions))
    np.testing.assert_allclose(losses[0], -np.log(0.7), rtol=1e-5)
    np.testing.assert_allclose(losses[1], 0.5 * np.log(10), rtol=1e-5)  # the least it can be
    np.testing.assert_allclose(losses[2], -0.5 * np.mean(np.log([0.91] + [0.01] * 9)), rtol=1e-5)


def test_training_on_non_digits_makes_the_model_unsure_of_them_and_counts_digits_only(small):
    from drawn.training import training_not_digits

    fit, _ = training_not_digits(600, seed=0)
    unseen, _ = training_not_digits(200, seed=1)
    config = TrainConfig(epochs=5, batch_size=32, hidden=(64,), not_digit_weight=1.0)
    drawn = ExtraData(x=small.x_train[:0], y=small.y_train[:0], x_not_digits=fit, source="drawn",
                      sha256="")
    exposed = mlp.train(config, small, extra=drawn)
    plain = mlp.train(config, small)  # the weight alone trains nothing without non-digits
    for result in (exposed, plain):
        # 0.78-0.83 test and over 0.94 training accuracy, on the full set's digits or the sample's
        assert result.test_accuracy > 0.7 and result.history["accuracy"][-1] > 0.85

    def surest(result):
        return float(np.max(result.keras_model.predict(mlp.as_model_input(unseen), verbose=0),
                            axis=1).mean())

    assert surest(exposed) < 0.6 * surest(plain)  # about 0.19 against 0.41


@pytest.mark.parametrize("steps, expected", [
    (150, 3),  # 150 // 50: divides already
    (1055, 5),  # world's epoch, 5 x 211: 211 calls rather than 50 calls and a short one
    (469, 7),  # MNIST in batches of 128, 7 x 67
    (1051, 21),  # a prime: the short last call stays, rather than a call for every step
    (30, 1), (1, 1),
])
def test_the_steps_run_per_call_divide_the_epoch_unless_that_would_mean_far_more_calls(steps, expected):
    from mlp.training import steps_per_call

    every = steps_per_call(steps)
    assert every == expected
    assert steps % every == 0 or every == steps // 50
