"""A queue of training runs, each in its own process, so that a shared server keeps serving.

Runs wait in a bounded first-come queue and at most `slots` train at once, each in a fresh
process (TensorFlow lives only there, and a run's memory goes when it ends). A run that
outlives the time limit or its memory budget is stopped, and so is one whose owner stops
asking about it (a closed tab), freeing its slot. A worker ends with the server that started
it, even a killed one. The trained model comes back as files: model.npz (read with NumPy)
and model.keras (for download), in a run folder that goes once the page has read it, or when
nobody will: a failed or stopped run at once, an unread one after a grace period, and at
start-up those left by a server that is no longer running (the folder's name carries its pid).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from mlp.config import TrainConfig
from mlp.errors import MLPError
from mlp.limits import Estimate, TrainingLimits, check
from mlp.processes import alive, tree_rss_mb

log = logging.getLogger(__name__)

WAITING, RUNNING, DONE, FAILED, CANCELLED = "waiting", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
RUN_PREFIX = "mlp-run-"  # then the creating server's pid and a dash: mlp-run-1234-k2j4hq
RUN_FOLDER = re.compile(re.escape(RUN_PREFIX) + r"(\d+)-")
# What a run still going is taken to need, at the least, once it has outlived its estimate: a wait
# of "0 s" behind a run that is still training (16 s of it, seen in a class) is never true.
FEW_SECONDS = 5.0


class QueueFull(MLPError):
    """Too many runs are waiting already."""


@dataclass
class Job:
    """One training run, as its owner sees it. Updated by the queue; read by the page."""

    config: TrainConfig
    images: int
    estimate: Estimate
    owner: str  # one browser (or one session where the browser is unknown)
    address: str | None = None  # the visitor's network address, where known
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: str = WAITING
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    progress: float = 0.0  # share of the run done, 0..1
    training_since: float | None = None  # the worker's first report: TensorFlow and the data loaded
    history: dict[str, list[float]] = field(default_factory=dict)  # per epoch, as in a record
    message: str = ""  # why it failed, or was stopped
    folder: Path | None = None  # where the trained model's files are, once done
    pid: int | None = None  # the worker process, while it runs
    peak_mb: float = 0.0  # the most memory its worker was seen to hold
    last_seen: float = field(default_factory=time.monotonic)

    def model_path(self) -> Path | None:
        """The trained model's NAME.npz, once the run is done."""
        return self.folder / "model.npz" if self.state == DONE and self.folder else None

    @property
    def starting(self) -> bool:
        """Whether it runs but has not reported yet: its process loads TensorFlow and the data."""
        return self.state == RUNNING and self.training_since is None

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since it started running (0 while it waits)."""
        return 0.0 if self.started is None else (now or time.monotonic()) - self.started

    def remaining(self, now: float | None = None) -> float:
        """About how long until it ends: its estimate less its running time, or what its training so
        far says is left when that is more (a busy server), at least FEW_SECONDS."""
        now = now or time.monotonic()
        left = self.estimate.seconds - self.elapsed(now)
        if self.training_since is not None and 0 < self.progress < 1:
            left = max(left, (now - self.training_since) * (1 - self.progress) / self.progress)
        return max(left, FEW_SECONDS)

    def seen(self) -> None:
        """The owner still cares: called on each look, so an abandoned run can be told apart."""
        self.last_seen = time.monotonic()


class TrainingQueue:
    """Bounded first-come queue of training runs with `slots` worker processes."""

    def __init__(self, data_path: str | None, *, slots: int = 1, max_waiting: int = 8,
                 limits: TrainingLimits | None = None, abandoned_after: float = 60.0,
                 poll: float = 0.2, root: Path | None = None):
        self.data_path = data_path
        self.slots, self.max_waiting = slots, max_waiting
        self.limits = limits or TrainingLimits()
        self.abandoned_after, self.poll = abandoned_after, poll
        self.root = Path(root or tempfile.gettempdir())  # where run folders are made
        remove_orphans(self.root)
        self._lock = threading.Lock()
        self._jobs: list[Job] = []  # unfinished, in arrival order
        self._unread: list[Job] = []  # done, their files kept until the page reads them
        self._workers: dict[str, subprocess.Popen] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="training-queue", daemon=True)
        self._thread.start()

    def submit(self, config: TrainConfig, images: int, owner: str, address: str | None = None) -> Job:
        """Queue a run after checking it against the limits; MLPError or QueueFull if it can't.

        `owner` is one browser: it may have one run queued or training, from any of its tabs.
        `address` is its network address: all browsers behind it together get at most
        limits.runs_per_address runs, so that one machine cannot fill the queue.
        """
        cost = check(config, images, self.limits)
        with self._lock:
            if any(job.owner == owner for job in self._jobs):
                raise MLPError("You already have a run in the queue, perhaps from another tab of this "
                               "browser: wait for it or stop it first.")
            ceiling = self.limits.runs_per_address
            if address is not None and sum(job.address == address for job in self._jobs) >= ceiling:
                raise MLPError(f"{ceiling} runs from your network are queued or training already, the "
                               "most this server takes from one address; try again when one has "
                               "finished.")
            if sum(job.state == WAITING for job in self._jobs) >= self.max_waiting:
                raise QueueFull(f"{self.max_waiting} runs are waiting already; try again in a few "
                                "minutes.")
            job = Job(config=config, images=images, estimate=cost, owner=owner, address=address)
            self._jobs.append(job)
        return job

    def position(self, job: Job) -> int:
        """0 while it trains, else 1 + the number of runs before it in the queue."""
        with self._lock:
            if job.state != WAITING:
                return 0
            waiting = [other for other in self._jobs if other.state == WAITING]
            return 1 + waiting.index(job) if job in waiting else 0

    def wait_seconds(self, job: Job) -> float:
        """About how long until `job` starts: what the runs ahead of it have left (0 when none is)."""
        with self._lock:
            ahead = self._jobs[: self._jobs.index(job)] if job in self._jobs else []
        now = time.monotonic()
        # A run ahead that outlived its estimate is still going: FEW_SECONDS, never nothing.
        return sum(other.remaining(now) for other in ahead) / max(self.slots, 1)

    def cancel(self, job: Job, message: str = "Stopped.", state: str = CANCELLED) -> None:
        """Stop a run, waiting or training; its slot goes to the next run."""
        with self._lock:
            if job.state in FINISHED:
                return
            job.state, job.message = state, message
            worker = self._workers.pop(job.id, None)
            if job in self._jobs:
                self._jobs.remove(job)
        if worker is not None:
            _end(worker)
        discard(job)

    def close(self) -> None:
        """Stop every run and the queue's thread (tests; a server just exits)."""
        self._stop.set()
        for job in list(self._jobs):
            self.cancel(job, "The server is stopping.")
        self._thread.join(timeout=5)
        with self._lock:
            unread, self._unread = self._unread, []
        for job in unread:
            discard(job)

    # --- the queue's own thread --------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self._step()
            except Exception:  # the queue must outlive any one run's surprise
                log.exception("training queue")

    def _step(self) -> None:
        now = time.monotonic()
        budget = self.limits.run_memory_mb
        for job in list(self._jobs):
            if now - job.last_seen > self.abandoned_after:
                self.cancel(job, "Stopped: nobody was watching it (the page was closed).")
            elif job.state == RUNNING and now - job.started > self.limits.max_seconds:
                self.cancel(job, f"Stopped at this server's limit of {self.limits.max_seconds:.0f} s "
                            "a run.", FAILED)
            elif job.state == RUNNING and job.pid is not None:
                # The estimate decided whether to queue the run; this decides whether it may go
                # on. RLIMIT_AS cannot: TensorFlow reserves far more address space than it uses.
                job.peak_mb = max(job.peak_mb, tree_rss_mb(job.pid))
                if job.peak_mb > budget:
                    self.cancel(job, f"The run needed more than {budget:,} MB of memory, this "
                                "server's limit a run; it was stopped: use smaller layers or "
                                "batches.", FAILED)
        with self._lock:
            # Done, and nobody looked for the model within the grace period: its tab is gone.
            unread = [job for job in self._unread
                      if now - job.last_seen > self.abandoned_after or not job.folder.exists()]
            self._unread = [job for job in self._unread if job not in unread]
        for job in unread:
            discard(job)
        with self._lock:
            free = self.slots - len(self._workers)
            starting = [job for job in self._jobs if job.state == WAITING][:max(free, 0)]
            for job in starting:
                job.state, job.started = RUNNING, time.monotonic()
                job.folder = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-", dir=self.root))
                self._workers[job.id] = process = _start(job, self.data_path)
                job.pid = process.pid
                threading.Thread(target=self._listen, args=(job, process), daemon=True,
                                 name=f"training-{job.id}").start()

    def _listen(self, job: Job, process: subprocess.Popen) -> None:
        """Follow one worker's report, a JSON object a line, until it ends (own thread)."""
        for line in process.stdout:
            try:
                kind, value = next(iter(json.loads(line).items()))
            except (ValueError, StopIteration, AttributeError):
                continue  # not one of the worker's lines
            if kind == "progress":
                if job.training_since is None:
                    job.training_since = time.monotonic()
                job.progress = value
            elif kind == "epoch":
                for key, number in value.items():
                    job.history.setdefault(key, []).append(number)
            elif kind in (DONE, FAILED):
                self._finish(job, kind, value)
        process.wait()
        if job.state == RUNNING:
            self._finish(job, FAILED, "The training process ended unexpectedly (out of memory?).")

    def _finish(self, job: Job, state: str, message: str) -> None:
        with self._lock:
            job.state, job.message = state, message
            if state == DONE:
                job.progress = 1.0
                self._unread.append(job)
            worker = self._workers.pop(job.id, None)
            if job in self._jobs:
                self._jobs.remove(job)
        if worker is not None:
            _end(worker)
        if state != DONE:
            discard(job)


def discard(job: Job) -> None:
    """Delete a run's files (once its model has been read, or when it will never be)."""
    if job.folder is not None:
        shutil.rmtree(job.folder, ignore_errors=True)


def remove_orphans(root: Path) -> list[Path]:
    """Delete the run folders in `root` whose server process has ended -> the folders deleted."""
    removed = []
    for folder in Path(root).glob(RUN_PREFIX + "*"):
        match = RUN_FOLDER.match(folder.name)
        if match and folder.is_dir() and not alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _start(job: Job, data_path: str | None) -> subprocess.Popen:
    """python -m mlp.worker for `job`: a fresh interpreter, its report on stdout."""
    command = [sys.executable, "-m", "mlp.worker", "--config", json.dumps(job.config.to_dict()),
               "--images", str(job.images), "--out", str(job.folder), "--server", str(os.getpid())]
    if data_path:
        command += ["--data", data_path]
    # Everything the worker writes goes into the run's folder, Keras' temporary folders too
    # (a save cut short leaves tmp*/assets behind), so deleting the folder deletes it all.
    environment = {**os.environ, "TMPDIR": str(job.folder)}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            cwd=Path(__file__).resolve().parent.parent, env=environment)


def _end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
