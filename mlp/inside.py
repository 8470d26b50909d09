"""What the numbers inside the network mean: the pictures and measures a lesson shows of a reading.

The input is 784 pixel values; each hidden layer is a row of ReLU activations; the output
layer gives ten logits, which softmax turns into probabilities. BatchNormalization is folded
into the first Dense layer, so a hidden unit's weights act on the raw pixels (in [0, 1]):
its picture shows which pixels push that unit up (positive) or down (negative), weighed by how
much ink MNIST's digits put there (mlp.ink), so that pixels no digit reaches show nothing.
One drawing's values come from its Reading (mlp.reading): nothing here runs the network.
"""

from __future__ import annotations

import math

import numpy as np

from mlp.ink import mean_ink
from mlp.model import Classifier
from mlp.reading import Reading
from mlp.shapes import SIZE


def most_active(activations: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` largest activations, largest first (ties: lower index first)."""
    return np.argsort(-activations, kind="stable")[:count]


def unit_weights(model: Classifier, unit: int) -> np.ndarray:
    """(28, 28) the weights from each pixel to first-layer unit `unit` (to digit `unit` without
    a hidden layer), with the input normalisation folded in."""
    return model.network.steps[0].weights[:, unit].reshape(SIZE, SIZE)


def unit_picture(model: Classifier, unit: int) -> np.ndarray:
    """(28, 28) each pixel's average push on first-layer unit `unit` (digit `unit` without a hidden
    layer) over MNIST's training digits: its weight times its mean ink, 0 where no digit is inked."""
    return unit_weights(model, unit) * mean_ink()


def grid_shape(units: int) -> tuple[int, int]:
    """(rows, columns) to lay a layer out at fixed places: 1,024 -> 32x32, 128 -> 8x16, squarish."""
    side = math.isqrt(units)
    columns = next((c for c in range(max(side, 1), 2 * side + 1) if units % c == 0), None)
    columns = columns or (side if side * side == units else side + 1)  # no divisor near: pad the last row
    return -(-units // columns), columns


def layer_grid(activations: np.ndarray) -> np.ndarray:
    """(units,) -> (rows, columns) float32, unit k at row k // columns, column k % columns; NaN
    where the last row has no unit. Every drawing puts each unit at the same place."""
    rows, columns = grid_shape(len(activations))
    grid = np.full(rows * columns, np.nan, np.float32)
    grid[: len(activations)] = activations
    return grid.reshape(rows, columns)


def unit_effect(model: Classifier, reading: Reading, unit: int) -> np.ndarray:
    """(10,) how much each logit rises per unit of first-layer unit `unit`'s activation, for this
    reading's drawing: the unit's outgoing weights, carried through the later layers' active units."""
    steps = model.network.steps
    effect = steps[1].weights[unit].astype(np.float64)  # into the next layer's pre-activations
    for step, after in zip(steps[2:], reading.activations[1:]):
        effect = (effect * (after > 0)) @ step.weights  # a ReLU passes change only where active
    return effect.astype(np.float32)


def active_count(activations: np.ndarray) -> int:
    """How many units are above zero (a ReLU unit at 0 passes nothing on)."""
    return int(np.count_nonzero(activations > 0))


def top_two_gap(logits: np.ndarray) -> float:
    """How far the largest logit stands above the second largest."""
    second, first = np.sort(np.asarray(logits, dtype=np.float64))[-2:]
    return float(first - second)


def share_of_gap(gap: float) -> float:
    """The top digit's probability if only it and the runner-up counted: softmax of (gap, 0).

    1 / (1 + e^-gap): a gap of 2 gives 88 %, 3 gives 95 %, 4.6 gives 99 %. The other eight
    digits only lower it, by little when their logits are far below.
    """
    return float(1.0 / (1.0 + np.exp(-gap)))
