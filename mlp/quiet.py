"""Import Keras (and TensorFlow under it) only where it is needed, without its start-up chatter.

On CPUs with AVX512-VNNI/BF16, TensorFlow's native code writes "All log messages before
absl::InitializeLog()..." and oneDNN lines straight to file descriptor 2 while it loads,
whatever TF_CPP_MIN_LOG_LEVEL says. Those lines come only from the import, so descriptor 2
points at /dev/null for its duration and nothing else is hidden.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from contextlib import contextmanager

_import_lock = threading.Lock()


def import_keras_quietly():
    """The keras module, imported (once per process) with TensorFlow's native chatter silenced."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return sys.modules["keras"]
    with _import_lock:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # Python-side TensorFlow logging too
        with native_stderr_silenced():
            importlib.import_module("tensorflow")
            module = importlib.import_module("keras")
    return module


@contextmanager
def native_stderr_silenced():
    """Point file descriptor 2 at /dev/null inside the block; Python's sys.stderr is untouched."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
