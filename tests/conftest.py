"""Shared fixtures: each test's environment, MNIST (all of it, or the shipped sample), the shipped
models, canvas-sized digits, and what the system tier needs (chromium, nginx)."""

import contextlib
import io
import os
import resource
import signal
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mlp
from harness.chromium import CHROMIUM
from mlp.data import ENV_VAR, keras_cache

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "mnist-sample.npz"  # 3,000 training and 2,000 test digits
# Where tests that start servers or browsers leave their logs, screenshots and timings: never the
# checkout. MLP_TEST_OUTPUT keeps them in a folder of your choice.
CHOSEN_OUTPUT = os.environ.get("MLP_TEST_OUTPUT")
OUTPUT = Path(CHOSEN_OUTPUT or tempfile.mkdtemp(prefix="mlp-test-output-"))
LEAVE_OUT_SYSTEM = 'or leave the system tier out: python -m pytest -m "not system"'


def full_mnist_path() -> Path | None:
    """All of MNIST when this machine has it ($MNIST_NPZ, or Keras' cached download), else None."""
    chosen = os.environ.get("MNIST_NPZ")
    path = Path(chosen).expanduser() if chosen else keras_cache()
    return path if path.is_file() else None


# Read once, before any test changes the environment: the mnist_path fixture hands it on.
FULL_MNIST = full_mnist_path()
TIERS = ("app", "slow", "system")  # pytest.ini's markers; a test in none of them is in the fast tier


def pytest_collection_modifyitems(config, items):
    """One tier per test at most, so that the tiers' commands (README) split the suite between them;
    a browser test is a system test, never left in the fast tier."""
    for item in items:
        marks = {mark.name for mark in item.iter_markers()}
        if len(marks & set(TIERS)) > 1:
            raise pytest.UsageError(f"{item.nodeid} is in more than one tier: {sorted(marks & set(TIERS))}")
        if "browser" in marks and "system" not in marks:
            raise pytest.UsageError(f"{item.nodeid} drives a browser: mark it system too")


def pytest_report_header(config):
    if FULL_MNIST is not None:
        data = f"MNIST: the full data set at {FULL_MNIST} (the full-set checks run)"
    else:
        data = ("MNIST: the shipped sample (3,000 + 2,000 digits); set MNIST_NPZ to a full mnist.npz "
                "to run the same checks on all of it")
    return [data, f"logs, screenshots and timings of the system tier: {OUTPUT}"]


def pytest_sessionfinish(session):
    """The output folder made for this run goes again when no test left anything there."""
    if not CHOSEN_OUTPUT:
        with contextlib.suppress(OSError):  # not empty: kept, as the header said
            OUTPUT.rmdir()


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory):
    """Every test, and every server a test starts, sees the same environment whatever the developer's.

    Keras' cache is an empty folder of this run (MNIST cached under ~/.keras is not found, and
    nothing is written there), and $MNIST_NPZ is the shipped sample: a test that wants all of
    MNIST asks for the mnist_path fixture. The class store is an SQLite file in a folder of this
    run unless a test names its own. Files go to tmp_path or OUTPUT, never the checkout or home.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KERAS_HOME", str(tmp_path_factory.mktemp("keras-home")))
        patch.setenv(ENV_VAR, str(SAMPLE))
        patch.setenv("MLP_DATA_DIR", str(tmp_path_factory.mktemp("data-dir")))
        # Pages under test get no worker of their own: a test that trains starts one (training_worker).
        patch.setenv("MLP_PAGE_WORKER", "0")
        patch.delenv("MLP_CLASS_DB", raising=False)
        yield


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """All of MNIST when at hand, else the sample shipped with the tests (same checks, fewer digits)."""
    return FULL_MNIST or SAMPLE


@pytest.fixture(scope="session")
def mnist(mnist_path) -> "mlp.Mnist":
    """MNIST as the tests see it, read once per test session."""
    return mlp.load_mnist(mnist_path)


@pytest.fixture(scope="session")
def classic_model() -> "mlp.Classifier":
    """The shipped classic model (the seed article's MLP)."""
    return mlp.load_model("classic")


@pytest.fixture(scope="session")
def default_model() -> "mlp.Classifier":
    """The shipped default model."""
    return mlp.load_model()


def within_sampling_error(accuracy: float, recorded: float, n: int) -> bool:
    """Whether an accuracy on n digits agrees with one recorded on all 10,000 test digits.

    On the full test set the two must be equal; on a sample, within four standard errors.
    """
    if n == 10_000:
        return abs(accuracy - recorded) < 1e-9
    return abs(accuracy - recorded) <= 4 * np.sqrt(recorded * (1 - recorded) / n)


def digit_png(digit: np.ndarray, side: int = 280, paper: bool = False) -> bytes:
    """(28, 28) uint8 MNIST digit -> PNG bytes at `side` pixels, as the canvas sends it.

    White on black with an opaque alpha channel (the canvas with a background colour),
    or with paper=True dark ink on white, as a photo or scan would be.
    """
    image = Image.fromarray(255 - digit if paper else digit).resize((side, side), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.convert("RGB" if paper else "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def need_nginx(what: str) -> None:
    """Fail, saying how to get nginx (or leave the system tier out), unless it is installed."""
    from deploy.serve import find_nginx

    try:
        find_nginx()
    except FileNotFoundError as err:
        pytest.fail(f"the {what} need nginx: {err}; {LEAVE_OUT_SYSTEM}", pytrace=False)


def need_chromium() -> None:
    """Fail, saying how to get chromium (or leave the system tier out), unless it is installed."""
    if not CHROMIUM.is_file():
        pytest.fail(f"chromium not found at {CHROMIUM}: apt-get install chromium (or set MLP_CHROMIUM), "
                    f"{LEAVE_OUT_SYSTEM}", pytrace=False)


def file_size_limit(limit: int):
    """For a child's preexec_fn: writes past `limit` bytes fail with EFBIG, as on a full disk."""
    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limited


@pytest.fixture(scope="session")
def postgres_url():
    """The URL of a PostgreSQL server started for this test session (stopped at its end); without
    PostgreSQL the test fails, as the rest of the system tier does, saying how to leave it out."""
    from harness.postgres import postgres_bin, start_postgres, stop_postgres

    if postgres_bin() is None:
        pytest.fail("PostgreSQL is not installed (Debian: apt-get install postgresql), and these system "
                    "tests need a server; leave the system tier out with -m \"not system\"")
    # In the system's temporary folder, not pytest's (private to root): the server's user must reach it.
    tmp_dir = Path(tempfile.mkdtemp(prefix="mlp-pg-"))
    try:
        yield start_postgres(tmp_dir)
    finally:
        stop_postgres(tmp_dir)


@pytest.fixture(scope="session")
def training_worker(mnist_path, tmp_path_factory):
    """A run-queue worker (python -m mlp.runs.worker) on this test session's store, as deploy.serve
    starts one beside the replicas: pages that train need one."""
    import subprocess
    import sys

    log = open(tmp_path_factory.mktemp("worker") / "worker.log", "ab")
    worker = subprocess.Popen([sys.executable, "-m", "mlp.runs.worker", "--data", str(mnist_path)], cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        log.close()
