"""A lesson script walked one step at a time, with this drawing's own numbers: pixels, one unit's
weighted sum, ReLU, the logits, softmax.

Each step is small enough to write on a board; the numbers come from the same weights as the
forward pass (BatchNormalization folded into the first layer, so the weights act on raw pixels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp.i18n import N_
from mlp.model import Classifier

# Each step's title, marked for translation (the page shows _(title)).
STEPS = (N_("The pixels"), N_("One unit's weighted sum"), N_("Through ReLU"), N_("To the logits"), N_("Softmax"))


def next_step(step: int) -> int:
    """The step after `step` (0-based), back to the first after the last."""
    return (step + 1) % len(STEPS)


@dataclass(frozen=True)
class WeightedSum:
    """One first-layer unit's sum for one drawing: the largest terms written out, the rest summed."""

    unit: int  # the unit (for a model without a hidden layer: the digit's logit)
    pixels: np.ndarray  # (k,) indices 0..783 of the terms written out, largest |weight x pixel| first
    weights: np.ndarray  # (k,) their weights, float64
    values: np.ndarray  # (k,) the pixels' values
    rest: float  # the sum of the other 784 - k terms
    bias: float
    total: float  # the pre-activation: the terms, the rest and the bias together
    units: int  # how many units the first layer has
    active: int  # how many of them are above zero for this drawing

    @property
    def terms(self) -> np.ndarray:
        """(k,) weight x pixel of the terms written out."""
        return self.weights * self.values


def weighted_sum(model: Classifier, image: np.ndarray, shown: int = 4, unit: int | None = None) -> WeightedSum:
    """(28, 28) input -> the weighted sum of `unit` (None: the first layer's most active unit) with its
    `shown` largest terms written out, in float64."""
    first = model.network.steps[0]
    x = np.asarray(image, dtype=np.float64).reshape(-1)
    weights, bias = first.weights.astype(np.float64), first.bias.astype(np.float64)
    sums = x @ weights + bias
    unit = int(np.argmax(sums)) if unit is None else int(unit)
    terms = weights[:, unit] * x
    order = np.argsort(-np.abs(terms), kind="stable")[:shown]
    rest = float(terms.sum() - terms[order].sum())
    return WeightedSum(unit=unit, pixels=order, weights=weights[order, unit], values=x[order], rest=rest,
                       bias=float(bias[unit]), total=float(sums[unit]), units=len(sums),
                       active=int(np.count_nonzero(sums > 0)))


@dataclass(frozen=True)
class Softmax:
    """Ten logits made probabilities: e to each (less the largest, which changes nothing), over the sum."""

    logits: np.ndarray  # (10,)
    exps: np.ndarray  # (10,) e^(logit - max logit)
    total: float  # their sum

    @property
    def probabilities(self) -> np.ndarray:
        """(10,) exps / total."""
        return self.exps / self.total


def softmax_steps(logits: np.ndarray) -> Softmax:
    """(10,) logits -> softmax written out in float64."""
    z = np.asarray(logits, dtype=np.float64)
    exps = np.exp(z - z.max())
    return Softmax(logits=z, exps=exps, total=float(exps.sum()))
