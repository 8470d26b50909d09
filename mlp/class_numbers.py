"""A class's numbers over its labelled drawings: confusion, accuracy per digit, the hardest drawings.

Pure NumPy, so that the page, a test or a notebook computes them the same way. Aggregates of a
small group identify the people in it: `shown` says whether there are enough contributors.
"""

from __future__ import annotations

import numpy as np

from mlp.evaluation import confusion_matrix
from mlp.shapes import CLASSES

MIN_CONTRIBUTORS = 5  # fewer students than this with a labelled drawing: no aggregate is shown


def shown(contributors: int, minimum: int = MIN_CONTRIBUTORS) -> bool:
    """Whether aggregates may be shown: at least `minimum` students labelled a drawing."""
    return contributors >= minimum


def confusion(labels: np.ndarray, readings: np.ndarray) -> np.ndarray:
    """(n,) meant digits and (n,) digits read -> (10, 10) counts, row = meant, column = read."""
    return confusion_matrix(np.asarray(labels, dtype=np.int64), np.asarray(readings, dtype=np.int64))


def accuracy_per_digit(counts: np.ndarray) -> np.ndarray:
    """(10, 10) confusion counts -> (10,) the share of each digit's drawings read right; NaN where a
    digit has none."""
    counts = np.asarray(counts, dtype=np.float64)
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(counts) / totals, np.nan)


def worse_than_mnist(ours: np.ndarray, counts: np.ndarray, mnist: np.ndarray, margin: float = 0.1,
                     min_drawings: int = 3) -> list[int]:
    """Digits the class's drawings are read worse than MNIST's: at least `min_drawings` labelled and
    an accuracy below MNIST's by more than `margin`, worst gap first."""
    totals = np.asarray(counts).sum(axis=1)
    gaps = np.asarray(mnist, dtype=np.float64) - np.nan_to_num(ours, nan=1.0)
    chosen = [digit for digit in range(CLASSES) if totals[digit] >= min_drawings and gaps[digit] > margin]
    return sorted(chosen, key=lambda digit: -gaps[digit])


def hardest(probabilities: np.ndarray, labels: np.ndarray, count: int = 12) -> np.ndarray:
    """(n, 10) probabilities and (n,) meant digits -> indices of the `count` drawings whose meant digit
    the model found least likely, least likely first."""
    labels = np.asarray(labels, dtype=np.int64)
    meant = np.asarray(probabilities)[np.arange(len(labels)), labels]
    return np.argsort(meant, kind="stable")[:count]
