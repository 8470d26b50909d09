"""How much ink each pixel gets on an average MNIST training digit: what makes a weight matter.

A weight only moves a logit where there is ink to multiply. Border pixels are almost never
inked, so with BatchNormalization folded in their weights are huge and meaningless; a weight
times the pixel's mean ink is that pixel's average push on the unit over the training digits,
and is zero where no digit ever put ink. The means ship as assets/mean-ink.npy (784 numbers,
not the data set), so the page has them without MNIST. Rewrite the file from MNIST's training
set with:

    python -m mlp.ink --data mnist.npz
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path

import numpy as np

from mlp.model import ASSETS
from mlp.shapes import SIZE

INK_FILE = ASSETS / "mean-ink.npy"  # .npy, not .npz: every assets/*.npz is taken for a model


def measure_mean_ink(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) training digits -> (28, 28) float32 mean of each pixel in [0, 1]."""
    total = np.zeros((SIZE, SIZE), np.float64)
    for start in range(0, len(images), 10_000):  # in chunks: a float64 copy of all 60,000 is 376 MB
        total += images[start:start + 10_000].sum(axis=0, dtype=np.float64)
    return (total / (255.0 * len(images))).astype(np.float32)


@cache  # read once per process; the array is read-only, so every session may share it
def mean_ink(path: Path = INK_FILE) -> np.ndarray:
    """(28, 28) float32, read-only: each pixel's mean value over MNIST's training digits."""
    ink = np.load(path, allow_pickle=False).astype(np.float32)
    if ink.shape != (SIZE, SIZE):
        raise ValueError(f"{path.name} holds an array of shape {ink.shape}, not ({SIZE}, {SIZE})")
    ink.setflags(write=False)
    return ink


def main(argv: list[str] | None = None) -> int:
    """Measure the mean ink on MNIST's training set and write it where the page reads it."""
    from mlp.data import load_mnist

    parser = argparse.ArgumentParser(prog="python -m mlp.ink", description=main.__doc__)
    parser.add_argument("--data", help="mnist.npz in the Keras layout (default: $MNIST_NPZ, else Keras' cache)")
    parser.add_argument("--out", type=Path, default=INK_FILE,
                        help="the file to write (default: assets/mean-ink.npy)")
    args = parser.parse_args(argv)
    ink = measure_mean_ink(load_mnist(args.data).x_train)
    np.save(args.out, ink)
    print(f"{args.out.name}: {np.count_nonzero(ink)} of {ink.size} pixels inked in some training digit, "
          f"the most inked at {ink.max():.3f} on average")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
