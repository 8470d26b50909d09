"""The server process's set-up (views.server), seen from a fresh process that serves one page."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.app  # a page run in a process of its own

# One page run in a process of its own, as a server's first visitor makes it; then what the
# process looks like: its BLAS threads, and whether the collector still walks the loaded models.
FIRST_PAGE = """
import gc, json, sys
from streamlit.testing.v1 import AppTest
from threadpoolctl import threadpool_info

at = AppTest.from_file(sys.argv[1], default_timeout=300).run()
assert not at.exception, at.exception
from views import loaders

tracked = {id(thing) for thing in gc.get_objects()}  # frozen objects are not among them
models = [loaders.shipped_model(name) for name in ("classic", "world")]
print(json.dumps({
    "blas_threads": sorted({info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}),
    "models_walked": [id(model) in tracked or id(model.network) in tracked for model in models],
}))
"""


def test_after_the_first_page_blas_has_one_thread_and_the_models_are_out_of_the_collector_s_way(
        mnist_path):
    # As many BLAS threads to start with as the machine has cores (OpenBLAS takes at most that).
    environment = {**os.environ, "MNIST_NPZ": str(mnist_path), "PYTHONPATH": str(ROOT),
                   "OPENBLAS_NUM_THREADS": "4"}
    result = subprocess.run([sys.executable, "-c", FIRST_PAGE, str(ROOT / "app.py")], cwd=ROOT,
                            env=environment, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["blas_threads"] == [1]
    assert seen["models_walked"] == [False, False]
