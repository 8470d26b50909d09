"""The run queue with real workers (python -m mlp.runs.worker, as a second machine runs it): runs train
and come back as models in the store, Stop, the time limit, the memory budget, a killed worker, the
global slot count under two replicas and four visitors, and a class's fine-tune; on the embedded
default (SQLite files) and on PostgreSQL (the system tier)."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import sqlalchemy as sa
from conftest import ROOT

import mlp
from mlp.class_model import FineTuneConfig
from mlp.classroom import ClassLimits, ClassStore
from mlp.config import TrainConfig
from mlp.processes import tree
from mlp.runs.execute import MEMORY_LIMIT, TIME_LIMIT
from mlp.runs import CANCELLED, DONE, FAILED, FINISHED, RUNNING, ClassRequest, RunQueue, TrainRequest
from mlp.runs.schema import runs

TINY = TrainRequest(TrainConfig(hidden=(8,), epochs=1, batch_size=64), 300)
LONG = TrainRequest(TrainConfig(hidden=(64,), epochs=50, batch_size=8), 3000)  # still going when checked


@pytest.fixture(params=[pytest.param("sqlite", marks=pytest.mark.slow),
                        pytest.param("postgresql", marks=pytest.mark.system)])
def store(request, tmp_path):
    """The store's URL: an SQLite file (the embedded default), or a PostgreSQL server of this session."""
    if request.param == "sqlite":
        yield str(tmp_path / "classes.db")
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = sa.create_engine(url)  # one test's runs must not meet the next's: fresh tables each
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS run_models, runs, run_schema, huey_kv, huey_schedule, "
                                   "huey_task, huey_counter CASCADE"))
    engine.dispose()


@pytest.fixture
def workers(store, mnist_path):
    """Start workers on `store` (each one "machine"); all are killed at the end of the test."""
    started = []

    def start(slots: int = 1, **env) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlp.runs.worker", "--db", store, "--slots", str(slots), "--data", str(mnist_path)],
            cwd=ROOT, env={**os.environ, **{key: str(value) for key, value in env.items()}},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)


def follow(queue: RunQueue, run_id: str, until=lambda run: run.state in FINISHED, timeout: float = 180.0):
    """Look at the run as its page does (which keeps it alive) until `until` holds -> the run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queue.seen(run_id)
        run = queue.get(run_id)
        if until(run):
            return run
        time.sleep(0.2)
    raise AssertionError(f"timed out: {queue.get(run_id)}")


def training_processes(worker: subprocess.Popen) -> list[int]:
    """The worker's children: the training processes it started."""
    return [pid for pid in tree(worker.pid) if pid != worker.pid]


def test_a_run_trains_on_a_worker_and_its_model_lands_in_the_store(store, workers):
    worker = workers()
    queue = RunQueue.open(store)
    run = follow(queue, queue.submit(TINY, owner="a").id)
    assert run.state == DONE, run.message
    assert run.progress == 1.0 and len(run.history["test_accuracy"]) == 1 and run.peak_mb > 100
    model = queue.model(run.id)
    assert model.record["train_examples"] == 300 and model.name == "trained-1"
    assert mlp.predict_proba(model, np.zeros((28, 28), np.float32)).shape == (10,)
    npz, keras = queue.model_files(run.id)
    assert keras[:2] == b"PK" and npz[:2] == b"PK"  # a .keras file and an .npz: both zip archives
    assert [kept.id for kept in queue.models_of("a")] == [run.id]
    assert worker.poll() is None and training_processes(worker) == []


def test_stop_ends_the_training_process_and_frees_the_slot(store, workers):
    worker = workers()
    queue = RunQueue.open(store)
    first = queue.submit(LONG, owner="a")
    second = queue.submit(TINY, owner="b")
    follow(queue, first.id, until=lambda run: run.state == RUNNING and run.training_since is not None)
    children = training_processes(worker)
    assert len(children) == 1 and os.getpriority(os.PRIO_PROCESS, children[0]) >= 10  # nice 10
    # Keras saves a .keras file through a tmp*/assets folder in the temporary directory, left behind
    # when a save is cut short: the process's temporary folder is the run's own, deleted with it.
    environment = dict(entry.split("=", 1) for entry in
                       open(f"/proc/{children[0]}/environ").read().split("\0") if "=" in entry)
    run_folder = environment["TMPDIR"]
    assert os.path.basename(run_folder).startswith("mlp-run-") and os.path.isdir(run_folder)
    assert queue.position(second.id) == 1
    queue.cancel(first.id)
    assert follow(queue, second.id).state == DONE
    assert queue.get(first.id).state == CANCELLED and not any(pid in tree(worker.pid) for pid in children)
    assert not os.path.exists(run_folder)


def test_the_time_limit_and_the_memory_budget_stop_a_run_with_a_sentence(store, workers):
    # The page accepts the run under its limits; the worker holds it to smaller ones.
    workers(MLP_MAX_TRAIN_SECONDS=15)
    queue = RunQueue.open(store)
    timed = follow(queue, queue.submit(LONG, owner="a").id)
    assert timed.state == FAILED and timed.message == TIME_LIMIT
    workers(MLP_TRAIN_MEMORY_MB=300)  # a second worker: whichever takes the run, one limit is broken
    big = follow(queue, queue.submit(LONG, owner="b").id)
    assert big.state == FAILED and big.message in (TIME_LIMIT, MEMORY_LIMIT)


def test_a_killed_worker_leaves_its_run_marked_failed_not_lost(store, workers):
    worker = workers()
    queue = RunQueue.open(store, stale_after=5)
    run = queue.submit(LONG, owner="a")
    follow(queue, run.id, until=lambda seen: seen.state == RUNNING and seen.training_since is not None)
    children = training_processes(worker)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    lost = follow(queue, run.id, timeout=60)
    assert lost.state == FAILED and "machine training it stopped" in lost.message
    time.sleep(1)
    assert not any(os.path.exists(f"/proc/{pid}/stat") and open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] != "Z"
                   for pid in children), "the training process outlived its worker"
    workers()  # another machine comes: the queue goes on
    assert follow(queue, queue.submit(TINY, owner="b").id).state == DONE


def test_two_replicas_four_visitors_never_more_runs_than_the_global_slots(store, workers):
    for _ in range(2):  # two worker machines, each able to follow three runs
        workers(slots=2)
    replicas = [RunQueue.open(store, slots=2), RunQueue.open(store, slots=2)]
    submitted = [replicas[number % 2].submit(TINY, owner=f"visitor-{number}") for number in range(4)]
    most, deadline = 0, time.monotonic() + 240
    while time.monotonic() < deadline:
        for run in submitted:
            replicas[0].seen(run.id)
        with replicas[1].engine.connect() as connection:
            states = [row.state for row in connection.execute(sa.select(runs.c.state))]
        most = max(most, states.count(RUNNING))
        if all(state in FINISHED for state in states):
            break
        time.sleep(0.1)
    assert [replicas[1].get(run.id).state for run in submitted] == [DONE] * 4
    assert most == 2  # both slots were used, never a third


def test_a_class_fine_tune_end_to_end_on_a_tiny_class(store, workers, mnist):
    workers()
    classes = ClassStore.open(store, limits=ClassLimits(min_seconds_between_sends=0))
    info = classes.new_class()
    for number in range(3):  # three students, seven labelled drawings each
        student = classes.join(info.code)
        for index in range(number * 7, number * 7 + 7):
            drawing = classes.send(info.code, student.token, mnist.x_test[index], reading=0, confidence=0.5,
                                   not_digit=None)
            classes.label(info.code, student.token, drawing, int(mnist.y_test[index]))
    queue = RunQueue.open(store)
    request = ClassRequest(info.code, base="classic", config=FineTuneConfig(epochs=1, replay_per_drawing=5))
    run = follow(queue, queue.submit(request, owner=f"class:{info.code}").id)
    assert run.state == DONE, run.message
    result = run.result
    assert (result["base_model"], result["train_students"], result["held_out_students"]) == ("classic", 2, 1)
    assert (result["train_drawings"], result["held_out_drawings"]) == (14, 7)
    assert result["tuned"]["held_out"]["n"] == result["base"]["held_out"]["n"] == 7 and result["seconds"] > 0
    assert result["tuned"]["mnist"]["n"] == result["base"]["mnist"]["n"] == len(mnist.y_test)
    model = queue.model(run.id)
    assert model.record["class_fine_tune"]["drawings"] == 14 and model.name == "class-1"
    assert [kept.id for kept in queue.models_of(f"class:{info.code}")] == [run.id]
    assert classes.find(info.code).model_run == run.id  # the class's pages read with it now


@pytest.mark.slow
def test_a_run_whose_model_cannot_be_saved_tells_the_visitor_in_their_words(mnist_path, tmp_path):
    from conftest import file_size_limit

    # Writes past 200 KB fail with EFBIG, as on a full disk: the trained model is the first large file.
    config = TrainConfig(hidden=(128,), epochs=1, batch_size=64)
    result = subprocess.run(
        [sys.executable, "-m", "mlp.worker", "--config", json.dumps(config.to_dict()),
         "--images", "200", "--data", str(mnist_path), "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, preexec_fn=file_size_limit(200_000))
    last = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 1
    assert last.startswith('{"failed": "The server\'s disk is full'), last
    assert "folder" not in last  # a visitor chooses no folder on the server
    assert not list(tmp_path.glob("model*")), "a partial model was left"
