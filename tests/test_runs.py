"""The run store's rules, without a worker: bounds, place in line, global slots and memory, Stop,
abandoned and lost runs, kept models, and a store out of reach. The clock is the test's."""

import numpy as np
import pytest

import mlp
from mlp.class_model import FineTuneConfig
from mlp.classroom import ClassLimits, ClassStore
from mlp.config import TrainConfig
from mlp.errors import MLPError
from mlp.limits import TrainingLimits
from mlp.runs import (CANCELLED, DONE, FAILED, KEEP_MODELS, RUNNING, WAITING, ClassRequest, QueueFull, RunQueue,
                      TrainingUnavailable, TrainRequest)
from mlp.runs.store import CLAIMED, GONE, NOT_YET

TINY = TrainRequest(TrainConfig(hidden=(8,), epochs=1, batch_size=64), 300)
WIDE = TrainRequest(TrainConfig(hidden=(2048, 2048), epochs=1, batch_size=64), 300)  # ~1,250 MB estimated


class Clock:
    """Seconds the test moves by hand."""

    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "classes.db")


@pytest.fixture
def queue(store, clock):
    opened = RunQueue.open(store, slots=1, max_waiting=2, clock=clock, abandoned_after=60, stale_after=30)
    yield opened
    opened.close()


def test_a_run_waits_in_line_and_the_first_one_in_takes_the_slot(queue):
    first, second = queue.submit(TINY, owner="a"), queue.submit(TINY, owner="b")
    assert (first.state, first.name, queue.position(first.id), queue.position(second.id)) == (WAITING, "trained-1", 1, 2)
    assert queue.claim(second.id) == NOT_YET  # not its turn: the first came first
    assert queue.claim(first.id) == CLAIMED
    assert queue.get(first.id).state == RUNNING and queue.position(first.id) == 0
    assert queue.position(second.id) == 1 and queue.wait_seconds(second.id) >= first.estimate.seconds
    assert queue.claim(second.id) == NOT_YET  # the one slot is taken
    queue.finish(first.id, DONE, files=(b"npz", b"keras"))
    assert queue.claim(second.id) == CLAIMED
    assert queue.claim(second.id) == GONE  # a task delivered twice trains once


def test_bounds_one_run_per_owner_per_address_and_a_full_queue(store, clock):
    queue = RunQueue.open(store, slots=1, max_waiting=2, clock=clock, limits=TrainingLimits(runs_per_address=2))
    with pytest.raises(MLPError, match="units"):
        queue.submit(TrainRequest(TrainConfig(hidden=(20000,)), 100), owner="a")
    queue.submit(TINY, owner="a", address="203.0.113.7")
    with pytest.raises(MLPError, match="already have a run"):
        queue.submit(TINY, owner="a", address="198.51.100.1")
    queue.submit(TINY, owner="b", address="203.0.113.7")
    with pytest.raises(MLPError, match="2 runs from your network"):
        queue.submit(TINY, owner="c", address="203.0.113.7")
    with pytest.raises(QueueFull):
        queue.submit(TINY, owner="d", address="198.51.100.1")


def test_slots_and_memory_are_one_budget_for_every_replica(store, clock):
    # Two replicas (two RunQueue objects on one store), two slots, memory for one wide run and a tiny one.
    budget = WIDE.estimate(TrainingLimits()).memory_mb + TINY.estimate(TrainingLimits()).memory_mb
    one, other = (RunQueue.open(store, slots=2, budget_mb=budget, clock=clock) for _ in range(2))
    wide, second_wide = one.submit(WIDE, owner="a"), other.submit(WIDE, owner="b")
    assert other.claim(wide.id) == CLAIMED
    assert one.claim(second_wide.id) == NOT_YET  # a slot is free, but not the memory
    tiny = one.submit(TINY, owner="c")
    assert other.claim(tiny.id) == NOT_YET  # first come, first served: the wide run waits before it
    one.cancel(second_wide.id)
    assert other.claim(tiny.id) == CLAIMED
    third = other.submit(TINY, owner="d")
    assert one.claim(third.id) == NOT_YET  # two running: both slots taken


def test_stop_and_a_run_nobody_watches(queue, clock):
    run = queue.submit(TINY, owner="a")
    assert queue.claim(run.id) == CLAIMED
    queue.cancel(run.id)
    assert queue.get(run.id).state == CANCELLED and queue.beat(run.id) == CANCELLED  # the worker stops it
    watched, left = queue.submit(TINY, owner="b"), queue.submit(TINY, owner="c")
    for _ in range(3):
        clock.now += 25
        queue.seen(watched.id)
        queue.claim(watched.id), queue.claim(left.id)  # their tasks keep asking for a slot...
        queue.beat(watched.id)  # ...and the worker of the one that got it beats
    assert queue.get(left.id).state == CANCELLED and "nobody was watching" in queue.get(left.id).message
    assert queue.get(watched.id).state == RUNNING


def test_a_run_whose_worker_stopped_beating_is_marked_failed_by_the_next_look(queue, clock):
    run = queue.submit(TINY, owner="a")
    queue.claim(run.id)
    queue.beat(run.id, progress=0.5, epoch={"loss": 1.0})
    clock.now += 20
    queue.seen(run.id)
    assert queue.get(run.id).state == RUNNING
    clock.now += 20  # 40 s without a beat: the machine training it is gone
    queue.seen(run.id)
    lost = queue.get(run.id)
    assert lost.state == FAILED and "machine training it stopped" in lost.message
    assert queue.beat(run.id) == FAILED  # were it only slow, its worker now stops it
    orphan = queue.submit(TINY, owner="b")  # its task lost, or no worker at all: nothing asks for a slot
    clock.now += 40
    queue.seen(orphan.id)
    assert queue.get(orphan.id).state == FAILED and "No machine took this run" in queue.get(orphan.id).message


def test_progress_and_history_follow_the_beats(queue, clock):
    run = queue.submit(TINY, owner="a")
    queue.claim(run.id)
    assert queue.get(run.id).starting
    clock.now += 4
    queue.beat(run.id, progress=0.5, epoch={"loss": 2.0, "accuracy": 0.5}, peak_mb=900)
    queue.beat(run.id, progress=1.0, epoch={"loss": 1.0, "accuracy": 0.7}, peak_mb=800)
    seen = queue.get(run.id)
    assert not seen.starting and seen.training_since == clock.now and seen.peak_mb == 900
    assert seen.history == {"loss": [2.0, 1.0], "accuracy": [0.5, 0.7]}
    assert seen.elapsed(clock.now) == 4


def test_each_owner_keeps_its_newest_models(queue, clock):
    finished = []
    for number in range(KEEP_MODELS + 2):
        run = queue.submit(TINY, owner="a")
        queue.claim(run.id)
        clock.now += 1
        queue.finish(run.id, DONE, files=(f"npz{number}".encode(), b"keras"))
        finished.append(run)
    other = queue.submit(TINY, owner="b")
    queue.claim(other.id)
    queue.finish(other.id, DONE, files=(b"b", b"b"))
    kept = queue.models_of("a")
    assert [run.id for run in kept] == [run.id for run in reversed(finished)][:KEEP_MODELS]
    assert [run.name for run in kept] == ["trained-5", "trained-4", "trained-3"]
    assert queue.model_files(finished[0].id) is None and queue.model_files(finished[-1].id) == (b"npz4", b"keras")
    assert queue.latest("a").id == finished[-1].id
    queue.delete_owner("a")
    assert queue.models_of("a") == [] and queue.latest("a") is None and len(queue.models_of("b")) == 1


def test_the_model_is_read_back_from_the_store_as_the_page_loads_any_model(queue, tmp_path):
    run = queue.submit(TINY, owner="a")
    queue.claim(run.id)
    shipped = mlp.shipped_models()["classic"]
    queue.finish(run.id, DONE, files=(shipped.read_bytes(), shipped.with_suffix(".keras").read_bytes()))
    model = queue.model(run.id)
    assert model.name == "trained-1" and model.path is None
    x = np.random.default_rng(0).random((3, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(mlp.predict_proba(model, x), mlp.predict_proba(mlp.load_model("classic"), x))


def test_an_unreachable_store_says_training_is_unavailable(tmp_path):
    with pytest.raises(TrainingUnavailable, match="Training is unavailable"):
        RunQueue.open("postgresql+psycopg://nobody@127.0.0.1:9/none")
    (tmp_path / "a-file").write_text("")
    with pytest.raises(TrainingUnavailable, match="Training is unavailable"):
        RunQueue.open(str(tmp_path / "a-file" / "classes.db"))


def test_a_class_with_too_few_drawings_or_one_student_is_refused_at_once(queue, store):
    classes = ClassStore.open(store, limits=ClassLimits(min_seconds_between_sends=0))
    info = classes.new_class()
    with pytest.raises(MLPError, match="at least 20 labelled drawings"):
        queue.submit(ClassRequest(info.code), owner=f"class:{info.code}")
    student = classes.join(info.code)
    digit = np.zeros((28, 28), np.uint8)
    digit[8:20, 12:16] = 255
    for _ in range(21):
        drawing = classes.send(info.code, student.token, digit, reading=1, confidence=0.9, not_digit=None)
        classes.label(info.code, student.token, drawing, 1)
    with pytest.raises(MLPError, match="at least 3 students \\(1 so far\\)"):
        queue.submit(ClassRequest(info.code), owner=f"class:{info.code}")
    with pytest.raises(MLPError, match="no shipped model"):
        queue.submit(ClassRequest(info.code, base="nonesuch"), owner=f"class:{info.code}")
    with pytest.raises(MLPError, match="allows"):
        queue.submit(ClassRequest(info.code, config=FineTuneConfig(max_seconds=10_000)), owner="x")


def test_deploy_serve_starts_workers_beside_the_replicas_on_the_same_store_and_queue(tmp_path):
    from supervisor.datatypes import dict_of_key_value_pairs

    from deploy.configs import Layout, supervisor_config

    url, broker = "postgresql+psycopg://teacher:p%40ss@db.school:5432/classes", "/srv/queue.db"
    layout = Layout(local=(8501, 8502), remote=(), listen="127.0.0.1", port=8080, run_dir=tmp_path, logs=tmp_path,
                    nginx="nginx", python="python", upload_mb=5, class_db=url, workers=2, queue=broker)
    sections = {section.split("]", 1)[0]: section for section in supervisor_config(layout).split("[program:")[1:]}
    assert sorted(sections) == ["nginx", "replica-1", "replica-2", "worker-1", "worker-2"]
    for name in ("replica-1", "worker-1", "worker-2"):
        line = next(line for line in sections[name].splitlines() if line.startswith("environment="))
        # The replicas start no worker of their own (views.server.page_worker): the two workers are the ones.
        own = {"MLP_PAGE_WORKER": "0"} if name.startswith("replica") else {}
        assert dict_of_key_value_pairs(line.split("=", 1)[1].replace("%%", "%")) == {
            "MLP_CLASS_DB": url, "MLP_QUEUE": broker, **own}
    assert "command=python -m mlp.runs.worker\n" in sections["worker-1"]


def test_an_ended_classs_runs_and_models_go_with_it(queue, store):
    classes = ClassStore.open(store)
    kept, ended = classes.new_class(), classes.new_class()
    for code in (kept.code, ended.code):
        run = RunQueue(queue.engine, queue.huey, lambda run_id: None, limits=queue.limits, slots=1,
                       clock=queue.clock).submit(TINY, owner=f"class:{code}")  # a class's run, as stored
        queue.claim(run.id)
        queue.finish(run.id, DONE, files=(b"npz", b"keras"))
    assert classes.end(ended.code)
    queue.submit(TINY, owner="a visitor")  # the next write notices
    assert queue.models_of(f"class:{ended.code}") == [] and queue.latest(f"class:{ended.code}") is None
    assert len(queue.models_of(f"class:{kept.code}")) == 1


def test_a_store_that_goes_away_is_said_at_once_then_tried_again(queue):
    import time

    import sqlalchemy as sa

    run = queue.submit(TINY, owner="a")
    working = queue.engine
    queue.engine = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")  # nothing listens
    with pytest.raises(TrainingUnavailable):
        queue.get(run.id)
    queue.engine = working  # back, but not asked again for a while: the page must not wait on it each time
    started = time.monotonic()
    with pytest.raises(TrainingUnavailable, match="a moment ago"):
        queue.get(run.id)
    assert time.monotonic() - started < 0.1
    queue.unreachable_until = 0.0  # the while is over
    assert queue.get(run.id).state == WAITING


def test_the_worker_command_says_its_flags_and_refuses_a_slot_count_below_one():
    import subprocess
    import sys

    from conftest import ROOT

    shown = subprocess.run([sys.executable, "-m", "mlp.runs.worker", "--help"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert shown.returncode == 0 and "--db" in shown.stdout and "python -m mlp.runs.worker --db postgresql" in shown.stdout
    refused = subprocess.run([sys.executable, "-m", "mlp.runs.worker", "--slots", "0"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and "must be at least 1" in refused.stderr
