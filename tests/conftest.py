"""Shared fixtures: MNIST (all of it, or the shipped sample), the shipped models, canvas-sized digits."""

import io
import os
import resource
import signal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mlp
from mlp.data import keras_cache

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "mnist-sample.npz"  # 3,000 training and 2,000 test digits


def full_mnist_path() -> Path | None:
    """All of MNIST when this machine has it ($MNIST_NPZ, or Keras' cached download), else None."""
    chosen = os.environ.get("MNIST_NPZ")
    path = Path(chosen).expanduser() if chosen else keras_cache()
    return path if path.is_file() else None


def pytest_report_header(config):
    full = full_mnist_path()
    if full is not None:
        return "MNIST: the full data set (the full-set checks run)"
    return ("MNIST: the shipped sample (3,000 + 2,000 digits); set MNIST_NPZ to a full mnist.npz "
            "to run the same checks on all of it")


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """All of MNIST when at hand, else the sample shipped with the tests (same checks, fewer digits)."""
    return full_mnist_path() or SAMPLE


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
    """Skip when MLP_SKIP_REPLICAS=1; else fail, saying how to get nginx, unless it is installed."""
    from deploy.serve import find_nginx

    if os.environ.get("MLP_SKIP_REPLICAS") == "1":
        pytest.skip("MLP_SKIP_REPLICAS=1")
    try:
        find_nginx()
    except FileNotFoundError as err:
        pytest.fail(f"{err}; or set MLP_SKIP_REPLICAS=1 to skip the {what}", pytrace=False)


def file_size_limit(limit: int):
    """For a child's preexec_fn: writes past `limit` bytes fail with EFBIG, as on a full disk."""
    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limited
