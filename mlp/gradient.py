"""Where more ink would change the model's mind: the gradient of a logit with respect to the input.

The forward pass is a chain of affine maps and ReLUs (BatchNormalization folded into the first
map, mlp.inference), so the gradient is exact and cheap: start from the output weights of the
chosen logit and carry it back through each layer, passing it only through the units the trace
found active (a ReLU at zero passes no change). One drawing's masks make it a linear map, which
is why "add ink here" holds for small changes and must be tried for large ones.
"""

from __future__ import annotations

import numpy as np

from mlp.model import Classifier
from mlp.predict import top_k
from mlp.shapes import SIZE


Trace = list[tuple[np.ndarray, np.ndarray]]  # model.network.trace(image): per layer (before, after)


def logit_gradient(model: Classifier, image: np.ndarray, digit: int, trace: Trace | None = None) -> np.ndarray:
    """(28, 28) float32 in [0, 1] -> (28, 28) float64: how fast `digit`'s logit rises per unit of ink
    at each pixel (negative: ink there lowers it). `trace`: this image's, if already computed."""
    return weights_gradient(model, image, np.eye(model.network.steps[-1].weights.shape[1])[digit], trace)


def margin_gradient(model: Classifier, image: np.ndarray, toward: int, away: int,
                    trace: Trace | None = None) -> np.ndarray:
    """(28, 28) float64: the gradient of logit[toward] - logit[away], where ink would turn `away`
    into `toward` (for one digit into another, the two logits' gap is what must close)."""
    direction = np.zeros(model.network.steps[-1].weights.shape[1])
    direction[toward] += 1.0
    direction[away] -= 1.0
    return weights_gradient(model, image, direction, trace)


def weights_gradient(model: Classifier, image: np.ndarray, direction: np.ndarray,
                     trace: Trace | None = None) -> np.ndarray:
    """(28, 28) float64: the gradient of direction . logits with respect to the pixels."""
    steps = model.network.steps
    layers = model.network.trace(image) if trace is None else trace
    grad = steps[-1].weights.astype(np.float64) @ direction  # into the last hidden layer (or the pixels)
    for step, (before, _) in zip(steps[-2::-1], layers[-2::-1]):
        grad = (grad * (before > 0)) @ step.weights.T.astype(np.float64)  # back through ReLU, then the map
    return grad.reshape(SIZE, SIZE)


def runner_up(logits: np.ndarray) -> tuple[int, int]:
    """(10,) logits -> (the digit read, the next most likely)."""
    (best, _), (second, _) = top_k(np.asarray(logits), k=2)
    return best, second
