"""Where more ink would change the model's mind: the gradient of a logit with respect to the input.

The forward pass is a chain of affine maps and ReLUs (BatchNormalization folded into the first
map, mlp.network), so the gradient is exact and cheap: start from the output weights of the
chosen logit and carry it back through each layer, passing it only through the units the reading
found active (a ReLU at zero passes no change). One drawing's masks make it a linear map, which
is why "add ink here" holds for small changes and must be tried for large ones.
"""

from __future__ import annotations

import numpy as np

from mlp.model import Classifier
from mlp.reading import Reading
from mlp.shapes import SIZE


def logit_gradient(model: Classifier, reading: Reading, digit: int) -> np.ndarray:
    """-> (28, 28) float64: how fast `digit`'s logit rises per unit of ink at each pixel of the
    reading's drawing (negative: ink there lowers it)."""
    return weights_gradient(model, reading, np.eye(model.network.steps[-1].weights.shape[1])[digit])


def margin_gradient(model: Classifier, reading: Reading, toward: int, away: int) -> np.ndarray:
    """(28, 28) float64: the gradient of logit[toward] - logit[away], where ink would turn `away`
    into `toward` (for one digit into another, the two logits' gap is what must close)."""
    direction = np.zeros(model.network.steps[-1].weights.shape[1])
    direction[toward] += 1.0
    direction[away] -= 1.0
    return weights_gradient(model, reading, direction)


def weights_gradient(model: Classifier, reading: Reading, direction: np.ndarray) -> np.ndarray:
    """(28, 28) float64: the gradient of direction . logits with respect to the pixels."""
    steps = model.network.steps
    grad = steps[-1].weights.astype(np.float64) @ direction  # into the last hidden layer (or the pixels)
    for step, after in zip(steps[-2::-1], reading.activations[::-1]):
        grad = (grad * (after > 0)) @ step.weights.T.astype(np.float64)  # back through ReLU, then the map
    return grad.reshape(SIZE, SIZE)
