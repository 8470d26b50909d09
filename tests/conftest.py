"""Shared fixtures: where MNIST is, the data itself, the shipped classic model, and canvas-sized digits."""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mlp

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """$MNIST_NPZ, else ../shared/data/mnist.npz; a clear failure (not a skip) when it is missing."""
    path = Path(os.environ.get("MNIST_NPZ") or DEFAULT_MNIST).expanduser().resolve()
    if not path.is_file():
        pytest.fail(f"MNIST not found at {path}: set MNIST_NPZ to a local mnist.npz (Keras layout)",
                    pytrace=False)
    return path


@pytest.fixture(scope="session")
def mnist(mnist_path) -> "mlp.Mnist":
    """All of MNIST, read once per test session."""
    return mlp.load_mnist(mnist_path)


@pytest.fixture(scope="session")
def classic_model() -> "mlp.Classifier":
    """The shipped classic model."""
    return mlp.load_model("classic")


def digit_png(digit: np.ndarray, side: int = 280, paper: bool = False) -> bytes:
    """(28, 28) uint8 MNIST digit -> PNG bytes at `side` pixels, as the canvas sends it.

    White on black with an opaque alpha channel (the canvas with a background colour),
    or with paper=True dark ink on white, as a photo or scan would be.
    """
    image = Image.fromarray(255 - digit if paper else digit).resize((side, side), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.convert("RGB" if paper else "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()
