"""A worker's side of one run: claim a slot, train in a process of its own at nice 10, follow it.

The training process is python -m mlp.worker (a visitor's run) or python -m mlp.runs.class_run
(a class fine-tune); both print one JSON object a line ({"progress": share}, {"epoch": scores},
{"done": ""} or {"failed": reason}) and write their model into a folder of their own. This side
turns those lines into beats in the store, stops the process at the time limit, past its memory
budget (what tree_rss_mb sees), or when the store says the run was cancelled (Stop, or nobody
watching), and writes the model into the store when it is done.
"""

from __future__ import annotations

import json
import logging
import os
import queue as lines_queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from mlp.i18n import N_
from mlp.processes import tree_rss_mb
from mlp.runs.records import CLASS, DONE, FAILED, RUNNING, TrainingUnavailable
from mlp.runs.store import CLAIMED, NOT_YET, RunQueue

log = logging.getLogger(__name__)

CLAIM_DELAY = 1.0  # seconds before a run that found no free slot asks again (its place is kept)
BEAT_SECONDS = 1.0  # how often a running run reports to the store
END_SECONDS = 5  # how long a stopped process has to end before it is killed
# Why a run failed, kept in the store as written here and translated where the page shows it: a worker
# has no visitor's language. The limits themselves are in the Train view's caption and the docs.
TIME_LIMIT = N_("Stopped at this server's time limit for a run.")
MEMORY_LIMIT = N_("The run needed more memory than this server allows a run, so it was stopped: use smaller "
                  "layers or batches.")
ENDED = N_("The training process ended unexpectedly (out of memory?).")
MACHINE_FAILED = N_("The run failed on the machine training it.")
PROJECT = Path(__file__).resolve().parent.parent.parent


def run_one(queue: RunQueue, run_id: str, data_path: str | None = None) -> None:
    """The Huey task's body: claim `run_id` and train it, or ask Huey to try again shortly."""
    from huey.exceptions import RetryTask

    outcome = queue.claim(run_id)
    if outcome == NOT_YET:
        raise RetryTask(delay=CLAIM_DELAY)
    if outcome != CLAIMED:
        return  # stopped, lost or forgotten while it waited
    try:
        train(queue, run_id, data_path)
    except TrainingUnavailable:
        log.warning("run %s: the store is out of reach; the run goes stale and is marked failed", run_id)
    except Exception:  # the worker must outlive any one run's surprise; the run says it failed
        log.exception("run %s", run_id)
        queue.finish(run_id, FAILED, MACHINE_FAILED)


def train(queue: RunQueue, run_id: str, data_path: str | None) -> None:
    """Train a claimed run in a child process until it ends, is stopped, or breaks a bound."""
    run = queue.get(run_id)
    with tempfile.TemporaryDirectory(prefix="mlp-run-") as folder:
        process = _start(run, Path(folder), queue, data_path)
        reports: lines_queue.Queue = lines_queue.Queue()
        reader = threading.Thread(target=_read, args=(process, reports), daemon=True, name=f"run-{run_id}")
        reader.start()
        ending = None  # the child's last word: ("done", "") or ("failed", reason)
        last_beat = time.monotonic()
        try:
            while True:
                ended = not reader.is_alive()  # its stdout closed: every line it wrote is in `reports`
                progress, epochs = None, []
                while not reports.empty():
                    kind, value = reports.get()
                    if kind == "progress":
                        progress = value
                    elif kind == "epoch":
                        epochs.append(value)
                    elif kind in (DONE, FAILED):
                        ending = (kind, value)
                peak = tree_rss_mb(process.pid) if not ended else None
                state = RUNNING
                try:
                    for index, epoch in enumerate(epochs or [None]):
                        last = index == len(epochs or [None]) - 1
                        state = queue.beat(run_id, progress=progress if last else None, epoch=epoch,
                                           peak_mb=peak if last else None)
                    last_beat = time.monotonic()
                except TrainingUnavailable:  # a blip of the store: train on, unless it has given up on the run
                    if time.monotonic() - last_beat > queue.stale_after:
                        return
                if state != RUNNING:
                    return  # cancelled (Stop, nobody watching) or given up on: the finally ends it
                if run.started is not None and time.time() - run.started > queue.limits.max_seconds:
                    queue.finish(run_id, FAILED, TIME_LIMIT)
                    return
                if peak is not None and peak > queue.limits.run_memory_mb:
                    # The estimate decided whether to queue the run; this decides whether it may go
                    # on. RLIMIT_AS cannot: TensorFlow reserves far more address space than it uses.
                    queue.finish(run_id, FAILED, MEMORY_LIMIT)
                    return
                if ended:
                    break
                time.sleep(BEAT_SECONDS)
        finally:
            _end(process)
        _collect(queue, run_id, Path(folder), ending)


def _collect(queue: RunQueue, run_id: str, folder: Path, ending: tuple[str, str] | None) -> None:
    """Store the finished process's model (and a class run's figures), or why it failed."""
    if ending is None:
        queue.finish(run_id, FAILED, ENDED)
    elif ending[0] == FAILED:
        queue.finish(run_id, FAILED, ending[1])
    else:
        npz, keras = folder / "model.npz", folder / "model.keras"
        from mlp.model import load_model

        record = load_model(npz).record
        result_file = folder / "result.json"
        result = json.loads(result_file.read_text()) if result_file.exists() else None
        queue.finish(run_id, DONE, files=(npz.read_bytes(), keras.read_bytes()), record=record, result=result)


def _start(run, folder: Path, queue: RunQueue, data_path: str | None) -> subprocess.Popen:
    """The run's training process: a fresh interpreter at nice 10, its report on stdout."""
    if run.kind == CLASS:
        command = [sys.executable, "-m", "mlp.runs.class_run", "--request", json.dumps(run.request.to_dict()),
                   "--db", queue.engine.url.render_as_string(hide_password=False)]
    else:
        command = [sys.executable, "-m", "mlp.worker", "--config", json.dumps(run.request.config.to_dict()),
                   "--images", str(run.request.images)]
    command += ["--out", str(folder), "--server", str(os.getpid())]
    if data_path:
        command += ["--data", data_path]
    # Everything the process writes goes into the run's folder, Keras' temporary folders too
    # (a save cut short leaves tmp*/assets behind), so deleting the folder deletes it all.
    environment = {**os.environ, "TMPDIR": str(folder)}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            cwd=PROJECT, env=environment)


def _read(process: subprocess.Popen, reports: lines_queue.Queue) -> None:
    """Put each of the process's report lines on `reports` (its own thread, until stdout closes)."""
    for line in process.stdout:
        try:
            kind, value = next(iter(json.loads(line).items()))
        except (ValueError, StopIteration, AttributeError):
            continue  # not one of the worker's lines
        reports.put((kind, value))


def _end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=END_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=END_SECONDS)
