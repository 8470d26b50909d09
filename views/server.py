"""The server process's set-up, done once per process after its first page is out.

Loaders (views.loaders) only load; what the process does besides, for every visitor at once,
is here, in one function the frame calls: matrix products on one thread, the loaded objects
frozen out of the garbage collector's way, the test-set scores warmed up in the background, and
a training worker of the page's own, unless the page runs under deploy.serve (which starts its
workers under supervisord) or MLP_PAGE_WORKER=0 says that workers run elsewhere.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from threadpoolctl import threadpool_limits

import mlp
from views import loaders

log = logging.getLogger(__name__)
PAGE_WORKER = "MLP_PAGE_WORKER"  # "0": no worker of the page's own (deploy.serve, tests that start their own)
PROJECT = Path(__file__).resolve().parent.parent
_once = threading.Lock()  # two visitors' first pages may end at the same moment
_done = threading.Event()


def server_setup(data_path: str) -> None:
    """Once per process, at the end of a page run: one BLAS thread, the loaded objects frozen,
    then the warm-up started. Later calls return at once."""
    if _done.is_set():
        return
    with _once:
        if _done.is_set():
            return
        one_blas_thread()
        freeze_what_is_loaded()
        warm_up(data_path, mlp.DEFAULT_MODEL)
        if os.environ.get(PAGE_WORKER, "1") != "0":
            page_worker(data_path)
        _done.set()


def one_blas_thread() -> None:
    """Matrix products on one thread. The page multiplies one drawing at a time, which a second
    BLAS thread does not speed up; it only spins, waiting for work, and tripled the CPU time of
    a stroke (14 against 44 ms a run, measured). Training has its own process."""
    threadpool_limits(limits=1, user_api="blas")


def freeze_what_is_loaded() -> None:
    """Keep what the page has loaded so far (the shipped models: the chooser loads every one on
    the first page) out of every later full collection.

    A full collection (Python's own; Streamlit's after every script run is off in
    .streamlit/config.toml) walks every object alive (0.2 s with TensorFlow loaded, before it left
    the page). Frozen objects are skipped: 8 ms at most since (benchmarks/page_speed.py).
    """
    gc.collect()
    gc.freeze()


def warm_up(data_path: str, model_name: str) -> threading.Thread:
    """In the background: read MNIST and score the default model on it, so that the first visit
    to the Test grid or the Mistakes finds both ready."""
    def work() -> None:
        model, data = loaders.shipped_model(model_name), loaders.mnist(data_path)
        if isinstance(model, mlp.Classifier) and isinstance(data, mlp.Mnist):
            loaders.shipped_model_scores(model, model_name, data_path)
        release_freed_memory()

    thread = threading.Thread(target=work, name="warm-up", daemon=True)
    thread.start()
    return thread


def release_freed_memory() -> None:
    """Hand memory freed by large temporary arrays back to the system (glibc keeps it otherwise)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def page_worker(data_path: str) -> threading.Thread:
    """A training worker (python -m mlp.runs.worker) beside a page run on its own, as `streamlit run app.py`
    starts it: without one, the Train view and the class's model would queue runs nobody takes.

    It is started from a thread of its own that waits for it as long as the page runs: the kernel ends
    the worker when that thread's process ends (mlp.processes.die_with_parent), and a script run's
    thread would end it at once. Its output goes to the page's log.
    """
    command = [sys.executable, "-m", "mlp.runs.worker", "--server", str(os.getpid())]
    if data_path:
        command += ["--data", data_path]

    def follow() -> None:
        try:
            worker = subprocess.Popen(command, cwd=PROJECT, stdin=subprocess.DEVNULL)
        except OSError as err:
            log.warning("Could not start the page's training worker: %s", err)
            return
        code = worker.wait()
        log.warning("The page's training worker ended (exit code %s): training waits for another worker", code)

    thread = threading.Thread(target=follow, name="training-worker", daemon=True)
    thread.start()
    return thread
