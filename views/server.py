"""The server process's set-up, done once per process after its first page is out.

Loaders (views.loaders) only load; what the process does besides, for every visitor at once,
is here, in one function the frame calls: matrix products on one thread, the loaded objects
frozen out of the garbage collector's way, and the test-set scores warmed up in the background.
"""

from __future__ import annotations

import ctypes
import gc
import threading

from threadpoolctl import threadpool_limits

import mlp
from views import loaders

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
