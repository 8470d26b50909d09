import numpy as np
import pytest

import mlp
from mlp.config import PRESETS, TrainConfig


@pytest.fixture(scope="module")
def small(mnist):
    return mnist.first(train=600, test=600)


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


def test_the_same_seed_gives_the_same_model(small):
    config = TrainConfig(epochs=1, batch_size=100, seed=3)
    first = mlp.train(config, small.first(train=300, test=300)).keras_model.get_weights()
    second = mlp.train(config, small.first(train=300, test=300)).keras_model.get_weights()
    for a, b in zip(first, second):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_augmented_training_runs_through_the_input_pipeline(small):
    result = mlp.train(TrainConfig(epochs=1, batch_size=100, augment=True, hidden=(32,)), small)
    assert np.isfinite(result.history["loss"][0])


def test_the_record_describes_the_run(small):
    result = mlp.train(TrainConfig(epochs=1, batch_size=200), small)
    meta = result.record("tiny", small)
    assert meta["config"]["epochs"] == 1 and meta["train_examples"] == 600
    assert meta["data"]["sha256"] == small.sha256
    assert {"tensorflow", "keras", "numpy"} <= set(meta["versions"])


def test_config_validates_and_round_trips():
    with pytest.raises(ValueError):
        TrainConfig(hidden=(64, 0))
    with pytest.raises(ValueError):
        TrainConfig(dropout=1.0)
    config = PRESETS["classic"].with_changes(hidden=(64, 32), epochs=None)
    assert config.hidden == (64, 32) and config.epochs == PRESETS["classic"].epochs
    assert TrainConfig.from_dict(config.to_dict()) == config
