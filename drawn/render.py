"""One drawing under one condition: from stroke paths, or from an image of a digit.

The three generators (the test sets, the non-digit set, the training data) all draw through
these two functions, so a condition means the same thing to each of them, and the random
numbers are taken in the same order: the hand's variation, the geometry, then the surface.
"""

from __future__ import annotations

import numpy as np

from drawn.conditions import Condition, hand_in, random_geometry
from drawn.paint import paint, paint_mnist
from drawn.strokes import bend


def draw_strokes(strokes: list[np.ndarray], condition: Condition, rng: np.random.Generator,
                 overshoot: float = 0.0, longer_side: bool = False) -> np.ndarray:
    """Stroke paths (unit square) -> the uint8 image handed in, bent and painted under `condition`.

    `overshoot`: how far a stroke's ends may run on (training only); `longer_side`: size the ink
    by its longer side rather than its height (a dash, a word).
    """
    bent = bend(strokes, rng, wobble=condition.wobble, misplace=condition.misplace,
                shake=condition.shake, rounding=condition.rounding, overshoot=overshoot)
    chosen = random_geometry(condition, rng, mnist=False)
    patch = paint(bent, chosen.height, chosen.brush, chosen.angle, longer_side=longer_side)
    return hand_in(patch, chosen, condition, rng)


def draw_image(digit: np.ndarray, condition: Condition, rng: np.random.Generator) -> np.ndarray:
    """A digit as an image (h, w) uint8, white on black (an MNIST digit, a font's glyph) ->
    the uint8 image handed in, scaled, rebrushed and tilted under `condition`."""
    chosen = random_geometry(condition, rng, mnist=True)
    return hand_in(paint_mnist(digit, chosen.height, chosen.brush, chosen.angle), chosen,
                   condition, rng)
