"""The training queue: runs in their own processes, one at a time, cancellable, bounded."""

import time

import numpy as np
import pytest

import mlp
from mlp.config import TrainConfig
from mlp.errors import MLPError
from mlp.jobs import CANCELLED, DONE, RUNNING, WAITING, QueueFull, TrainingQueue, discard

TINY = TrainConfig(hidden=(8,), epochs=1, batch_size=64)


def wait_for(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def queue(mnist_path):
    training_queue = TrainingQueue(str(mnist_path), slots=1, max_waiting=2, poll=0.05)
    yield training_queue
    training_queue.close()


def test_a_run_trains_in_its_own_process_and_hands_back_a_model(queue):
    job = queue.submit(TINY, 500, owner="a")
    wait_for(lambda: job.state == DONE)
    model = mlp.load_model(job.model_path())
    assert model.record["train_examples"] == 500
    assert len(job.history["test_accuracy"]) == 1 and job.progress == 1.0
    assert mlp.predict_proba(model, np.zeros((28, 28), np.float32)).shape == (10,)
    discard(job)
    assert not job.folder.exists()


def test_a_second_run_waits_and_a_cancelled_run_frees_its_slot(queue):
    long_run = TrainConfig(hidden=(64,), epochs=50, batch_size=8)
    first = queue.submit(long_run, 3000, owner="a")
    second = queue.submit(TINY, 300, owner="b")
    wait_for(lambda: first.state == RUNNING)
    assert second.state == WAITING and queue.position(second) == 1 and queue.position(first) == 0
    assert queue.wait_seconds(second) > 0
    queue.cancel(first)
    assert first.state == CANCELLED
    wait_for(lambda: second.state == DONE)


def test_one_run_per_visitor_and_a_bounded_queue(queue):
    first = queue.submit(TrainConfig(hidden=(64,), epochs=50, batch_size=8), 3000, owner="a")
    with pytest.raises(MLPError, match="already have a run"):
        queue.submit(TINY, 300, owner="a")
    wait_for(lambda: first.state == RUNNING)
    queue.submit(TINY, 300, owner="b")
    queue.submit(TINY, 300, owner="c")
    with pytest.raises(QueueFull):
        queue.submit(TINY, 300, owner="d")


def test_a_run_nobody_watches_is_stopped(mnist_path):
    queue = TrainingQueue(str(mnist_path), abandoned_after=0.5, poll=0.05)
    try:
        job = queue.submit(TrainConfig(hidden=(64,), epochs=50, batch_size=8), 3000, owner="a")
        wait_for(lambda: job.state == CANCELLED, timeout=30)
        assert "nobody was watching" in job.message
    finally:
        queue.close()


def test_limits_are_checked_before_queueing(queue):
    with pytest.raises(MLPError, match="units"):
        queue.submit(TrainConfig(hidden=(20000, 20000)), 100, owner="a")
    job = queue.submit(TINY, 300, owner="a")
    wait_for(lambda: job.state == DONE)
