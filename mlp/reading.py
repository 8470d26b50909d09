"""One drawing read once: everything the page shows of it, from one forward pass.

The prediction, the bars, the Inside panel, the lenses and the not-a-digit check all show parts of
the same numbers. `read` runs the network once and keeps them in a `Reading`, a small frozen record
that stands alone (no model inside), so every panel, and a class wall, can show it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp.network import network_of
from mlp.shapes import SIZE


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a single bool
class Reading:
    """What the network made of one drawing. Its arrays are read-only."""

    image: np.ndarray  # (28, 28) float32 in [0, 1], the input as the network read it
    logits: np.ndarray  # (10,) float32, the output layer before softmax
    probabilities: np.ndarray  # (10,) float32, after softmax
    activations: tuple[np.ndarray, ...]  # per hidden layer, (units,) float32 after ReLU; () without one
    digit_likeness: float | None = None  # 0 to 1 from the model's not-a-digit check; None: no check
    threshold: float | None = None  # the likeness a digit needs (the check's); None: no check

    @property
    def digit(self) -> int:
        """The digit read: the largest logit (ties: the smaller digit)."""
        return self.top_k(1)[0][0]

    @property
    def confidence(self) -> float:
        """The probability of the digit read."""
        return float(self.probabilities[self.digit])

    @property
    def runner_up(self) -> int:
        """The next most likely digit after the one read."""
        return self.top_k(2)[1][0]

    @property
    def looks_like_digit(self) -> bool | None:
        """Whether the check finds this drawing digit-like enough; None when the model has no check."""
        if self.digit_likeness is None or self.threshold is None:
            return None
        return self.digit_likeness >= self.threshold

    def top_k(self, k: int = 3) -> list[tuple[int, float]]:
        """The k likeliest (digit, probability), likeliest first.

        Ordered by the logits, not the probabilities: two digits far below the top both round to a
        probability of 0 in float32, while their logits still say which comes next.
        """
        order = np.argsort(-self.logits, kind="stable")[:k]
        return [(int(digit), float(self.probabilities[digit])) for digit in order]


def read(model, x: np.ndarray) -> Reading:
    """(28, 28) float32 in [0, 1], as `preprocess` returns -> its Reading by `model`, in one forward pass.

    `model` is a Classifier (from load_model) or a Keras model. Safe to call from many threads at once.
    """
    image = _frozen(np.array(x, dtype=np.float32))  # a copy: the caller's array may change later
    if image.shape != (SIZE, SIZE):
        raise ValueError(f"expected a (28, 28) image, got {image.shape}")
    network = network_of(model)
    hidden, logits = network.trace(image[None])
    probabilities = network.output(logits.copy())
    check = getattr(model, "check", None)
    likeness = threshold = None
    if check is not None:
        features = hidden[-1] if hidden else image.reshape(1, -1)  # what network.features gives
        likeness, threshold = float(check(features)[0]), check.threshold
    return Reading(image=image, logits=_frozen(logits[0]), probabilities=_frozen(probabilities[0]),
                   activations=tuple(_frozen(layer[0]) for layer in hidden), digit_likeness=likeness,
                   threshold=threshold)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array
