"""The training queue: runs in their own processes, one at a time, cancellable, bounded."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import file_size_limit

import mlp
from mlp.config import TrainConfig
from mlp.errors import MLPError
from mlp.jobs import CANCELLED, DONE, FAILED, FINISHED, RUNNING, WAITING, QueueFull, TrainingQueue, discard
from mlp.limits import TrainingLimits

pytestmark = pytest.mark.slow

TINY = TrainConfig(hidden=(8,), epochs=1, batch_size=64)
LONG = TrainConfig(hidden=(64,), epochs=50, batch_size=8)  # 3,000 images: still training when checked


def wait_for(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def queue(mnist_path, tmp_path):
    training_queue = TrainingQueue(str(mnist_path), slots=1, max_waiting=2, poll=0.05, root=tmp_path)
    yield training_queue
    training_queue.close()
    assert not list(tmp_path.glob("mlp-run-*")), "a run folder outlived the queue"


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


def test_a_run_nobody_watches_is_stopped(mnist_path, tmp_path):
    queue = TrainingQueue(str(mnist_path), abandoned_after=0.5, poll=0.05, root=tmp_path)
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


def watched(job) -> str:
    """The job's state, as its page looks at it (which keeps it from counting as abandoned)."""
    job.seen()
    return job.state


def run_folders(root: Path) -> list[Path]:
    return sorted(root.glob("mlp-run-*"))


def test_runs_per_address_are_capped_and_other_addresses_still_get_in(mnist_path, tmp_path):
    queue = TrainingQueue(str(mnist_path), max_waiting=8, poll=0.05, root=tmp_path,
                          limits=TrainingLimits(runs_per_address=2))
    try:
        queue.submit(LONG, 3000, owner="a", address="203.0.113.7")
        queue.submit(LONG, 3000, owner="b", address="203.0.113.7")
        with pytest.raises(MLPError, match="2 runs from your network"):
            queue.submit(TINY, 300, owner="c", address="203.0.113.7")
        queue.submit(TINY, 300, owner="d", address="198.51.100.1")
    finally:
        queue.close()


def test_a_run_over_its_memory_budget_is_stopped_with_a_sentence(queue):
    job = queue.submit(LONG, 3000, owner="a")  # accepted under the estimate...
    queue.limits = replace(queue.limits, run_memory_mb=150)  # ...then held to a tiny budget
    wait_for(lambda: job.state in FINISHED, timeout=60)
    assert job.state == FAILED
    assert job.message == ("The run needed more than 150 MB of memory, this server's limit a run; "
                           "it was stopped: use smaller layers or batches.")
    wait_for(lambda: not job.folder.exists(), timeout=15)  # once the worker has ended


def test_every_finished_run_leaves_no_folder(mnist_path, tmp_path):
    queue = TrainingQueue(str(mnist_path), abandoned_after=3.0, poll=0.05, root=tmp_path)
    try:
        done = queue.submit(TINY, 300, owner="a")
        wait_for(lambda: watched(done) == DONE)  # its page follows it while it trains...
        assert done.folder.exists()  # ...and has the grace period to read the model
        # Nobody comes back for it (the tab was closed): the folder goes.
        wait_for(lambda: not done.folder.exists(), timeout=30)
        stopped = queue.submit(LONG, 3000, owner="b")
        wait_for(lambda: watched(stopped) == RUNNING and stopped.folder is not None)
        queue.cancel(stopped)
        assert not stopped.folder.exists()
        assert run_folders(tmp_path) == []
    finally:
        queue.close()


def test_the_worker_writes_its_temporary_files_inside_its_run_folder(queue):
    # Keras saves a .keras file through a tmp*/assets folder in the temporary directory, left
    # behind when the save is cut short: inside the run folder, it goes with the folder.
    job = queue.submit(LONG, 3000, owner="a")
    wait_for(lambda: job.state == RUNNING and job.pid is not None)
    environment = dict(entry.split("=", 1) for entry in
                       Path(f"/proc/{job.pid}/environ").read_text().split("\0") if "=" in entry)
    assert Path(environment["TMPDIR"]) == job.folder


def test_run_folders_of_a_server_that_is_gone_are_removed_at_start(mnist_path, tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    orphan = tmp_path / f"mlp-run-{ended.stdout.strip()}-abc123"
    (orphan / "tmpx1" / "assets").mkdir(parents=True)
    mine = tmp_path / f"mlp-run-{os.getpid()}-def456"  # a living server's: left alone
    mine.mkdir()
    queue = TrainingQueue(str(mnist_path), root=tmp_path)
    queue.close()
    assert run_folders(tmp_path) == [mine]


SERVER = """
import sys, time
from mlp.config import TrainConfig
from mlp.jobs import RUNNING, TrainingQueue
queue = TrainingQueue(sys.argv[1], poll=0.05, root=sys.argv[2])
job = queue.submit(TrainConfig(hidden=(64,), epochs=50, batch_size=8), 3000, owner="a")
while job.state != RUNNING or job.id not in queue._workers:
    time.sleep(0.05)
print(queue._workers[job.id].pid, flush=True)
time.sleep(300)
"""


def ended(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_killed_server_takes_its_worker_with_it(mnist_path, tmp_path):
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(mnist_path), str(tmp_path)],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    worker = int(server.stdout.readline())
    try:
        time.sleep(0.5)
        assert not ended(worker), "the worker did not start"
        # Killed while the worker still imports TensorFlow: it writes nothing for seconds, so no
        # broken pipe can end it; only the kernel can tell it that its server is gone.
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 1.5
        while not ended(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ended(worker), "the worker outlived its server"
        assert run_folders(tmp_path)  # the killed server could not clean up...
        TrainingQueue(str(mnist_path), root=tmp_path).close()  # ...the next one to start does
        assert run_folders(tmp_path) == []
    finally:
        if not ended(worker):
            os.kill(worker, signal.SIGKILL)


def test_a_run_whose_model_cannot_be_saved_tells_the_visitor_in_their_words(mnist_path, tmp_path):
    # Writes past 200 KB fail with EFBIG, as on a full disk: the trained model is the first large file.
    config = TrainConfig(hidden=(128,), epochs=1, batch_size=64)
    result = subprocess.run(
        [sys.executable, "-m", "mlp.worker", "--config", json.dumps(config.to_dict()),
         "--images", "200", "--data", str(mnist_path), "--out", str(tmp_path)],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=600,
        preexec_fn=file_size_limit(200_000))
    last = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 1
    assert last.startswith('{"failed": "The server\'s disk is full'), last
    assert "folder" not in last  # a visitor chooses no folder on the server
    assert not list(tmp_path.glob("model*")), "a partial model was left"
