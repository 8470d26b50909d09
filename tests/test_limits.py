"""Bounds on a visitor's training run: refused before anything is allocated, in plain words."""

import pytest

from mlp.config import PRESETS, TrainConfig
from mlp.errors import MLPError
from mlp.limits import START_SECONDS, TrainingLimits, check, duration, estimate

LIMITS = TrainingLimits()


@pytest.mark.parametrize("config, images, message", [
    (TrainConfig(hidden=(20000, 20000)), 100, "at most 2,048 units"),
    (TrainConfig(hidden=(100000, 100000)), 60000, "at most 2,048 units"),
    (TrainConfig(hidden=(64,) * 9), 1000, "at most 4 hidden layers"),
    (TrainConfig(epochs=1000), 1000, "from 1 to 50 epochs"),
    (TrainConfig(batch_size=1), 1000, "a batch size from 8"),
    (TrainConfig(batch_size=100000), 1000, "a batch size from 8"),
    (TrainConfig(), 10**9, "training images"),
    (PRESETS["robust"].with_changes(epochs=50), 60000, "could take up to"),
    (TrainConfig(hidden=(2048,) * 4, epochs=50), 60000, "MB of memory"),
    # What a scripted client can send past the form's widgets.
    (TrainConfig(epochs=10**9), 1000, "from 1 to 50 epochs"),
    (TrainConfig(learning_rate=float("inf")), 1000, "a learning rate from"),
    (TrainConfig(learning_rate=1e9), 1000, "a learning rate from"),
    (TrainConfig(learning_rate=1e-12), 1000, "a learning rate from"),
    (TrainConfig(), 0, "training images"),
    (TrainConfig(), -5, "training images"),
])
def test_runs_over_a_bound_are_refused_with_a_sentence(config, images, message):
    with pytest.raises(MLPError, match=message):
        check(config, images, LIMITS)


def test_every_broken_bound_is_named_at_once():
    with pytest.raises(MLPError) as refused:
        check(TrainConfig(hidden=(9999,) * 5, epochs=99), 60000, LIMITS)
    text = str(refused.value)
    assert "hidden layers" in text and "units" in text and "epochs" in text


@pytest.mark.parametrize("name", ["fast", "classic", "logistic", "robust"])
def test_the_presets_fit_a_small_server(name):
    cost = check(PRESETS[name], 60000, LIMITS)
    assert cost.memory_mb < LIMITS.run_memory_mb and cost.seconds < LIMITS.max_seconds


def test_a_memory_budget_refuses_what_does_not_fit():
    with pytest.raises(MLPError, match="MB of memory"):
        check(TrainConfig(hidden=(2048, 2048), epochs=1), 1000, TrainingLimits(run_memory_mb=950))


def test_estimates_grow_with_the_work():
    small, wide = estimate(TrainConfig(), 60000), estimate(TrainConfig(hidden=(1024, 1024)), 60000)
    assert wide.seconds > small.seconds and wide.memory_mb > small.memory_mb
    assert wide.parameters == 785 * 1024 + 1025 * 1024 + 1025 * 10
    longer = estimate(TrainConfig(epochs=20), 60000)
    assert longer.seconds - START_SECONDS == pytest.approx(2 * (small.seconds - START_SECONDS))


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MLP_MAX_TRAIN_SECONDS", "30")
    monkeypatch.setenv("MLP_TRAIN_MEMORY_MB", "1200")
    limits = TrainingLimits.from_environment()
    assert limits.max_seconds == 30 and limits.run_memory_mb == 1200


def test_durations_read_naturally():
    assert [duration(s) for s in (12, 150, 7200)] == ["12 s", "2.5 min", "2.0 h"]


def test_the_forms_numbers_that_the_server_allows_are_accepted():
    limits = TrainingLimits()
    for config in (TrainConfig(epochs=1, batch_size=limits.min_batch, learning_rate=limits.min_learning_rate),
                   TrainConfig(epochs=limits.max_epochs, batch_size=limits.max_batch,
                               learning_rate=limits.max_learning_rate)):
        check(config, 1000, limits)


def test_a_run_that_fits_the_limit_only_if_the_estimate_is_exact_is_refused():
    config = TrainConfig(hidden=(1024, 1024), epochs=20, batch_size=128)
    expected = estimate(config, 60000).seconds
    check(config, 60000, TrainingLimits(max_seconds=2 * expected))  # room to spare: queued
    # The estimate fits; a run 10 % slower than it would not (runs took up to 1.6x before
    # calibration), and it would be stopped at the limit with its work lost.
    with pytest.raises(MLPError, match="could take up to"):
        check(config, 60000, TrainingLimits(max_seconds=1.1 * expected))


def test_a_preset_is_cut_to_the_most_epochs_that_would_run():
    from mlp.limits import epochs_within

    world = PRESETS["world"]
    epochs = epochs_within(world, 60000, LIMITS)
    assert 1 <= epochs < LIMITS.max_epochs < world.epochs
    check(world.with_changes(epochs=epochs), 60000, LIMITS)  # queued...
    with pytest.raises(MLPError, match="could take up to"):  # ...and one epoch more would not be
        check(world.with_changes(epochs=epochs + 1), 60000, LIMITS)
    assert epochs_within(world, 3000, LIMITS) == LIMITS.max_epochs  # a small data set: the bound
