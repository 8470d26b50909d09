"""Two drawings through the same network: which hidden units switched on or off, and how each logit moved.

A lesson pins one drawing (A) and draws another (B): a 3 and an 8 share most of their strokes, and
the units that switch show where the network tells them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp.reading import Reading

# What a unit did between A and B, one code per unit (the picture colours them, the tests read them).
BOTH_OFF, ON_TO_OFF, OFF_TO_ON, BOTH_ON = 0, 1, 2, 3


@dataclass(frozen=True)
class LayerChange:
    """One hidden layer's units for drawing A and drawing B."""

    before: np.ndarray  # (units,) A's activations after ReLU
    after: np.ndarray  # (units,) B's

    @property
    def states(self) -> np.ndarray:
        """(units,) int8: BOTH_OFF, ON_TO_OFF, OFF_TO_ON or BOTH_ON for each unit."""
        return ((self.before > 0).astype(np.int8) + 2 * (self.after > 0).astype(np.int8)).astype(np.int8)

    @property
    def change(self) -> np.ndarray:
        """(units,) each unit's activation for B minus for A."""
        return self.after.astype(np.float64) - self.before

    def count(self, state: int) -> int:
        """How many units are in `state` (e.g. OFF_TO_ON: switched on)."""
        return int(np.count_nonzero(self.states == state))


@dataclass(frozen=True)
class Comparison:
    """Drawing A (pinned) and drawing B (the current one), layer by layer."""

    a: Reading
    b: Reading
    layers: tuple[LayerChange, ...]  # one per hidden layer; none without a hidden layer

    @property
    def logit_change(self) -> np.ndarray:
        """(10,) each digit's logit for B minus for A."""
        return self.b.logits.astype(np.float64) - self.a.logits


def compare(a: Reading, b: Reading) -> Comparison:
    """Two readings by the same network -> how its layers differ between them."""
    return Comparison(a, b, tuple(LayerChange(x, y) for x, y in zip(a.activations, b.activations)))
