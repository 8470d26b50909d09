"""Training data from the stroke generator: what MNIST lacks, kept apart from what is measured.

Digits in the styles that are not held out, and non-digits of the kinds that are not held
out, drawn under the same conditions as the test sets but from random streams of their own
(`generator("training", ...)`), put through `preprocess` and stored as MNIST-like 28x28
uint8 arrays. `mlp` reads the file (`python -m mlp train --extra-data FILE`); it never
imports this package.
"""

from __future__ import annotations

import numpy as np

from drawn.conditions import CONDITIONS, look, show
from drawn.dataset import GENERATOR_VERSION, generator
from drawn.not_digits import draw_not_digit, not_digit_kinds
from drawn.paint import paint
from drawn.strokes import bend, digit_styles
from mlp.preprocessing import preprocess


def as_mnist(image: np.ndarray) -> np.ndarray | None:
    """A drawing -> (28, 28) uint8 as MNIST stores digits, or None when nothing is drawn."""
    x = preprocess(image)
    return None if x is None else np.round(x * 255).astype(np.uint8)


def training_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`count` digits in training styles -> images (n, 28, 28) uint8, labels (n,), style names."""
    styles = {name: style for name, style in digit_styles().items() if not style.held_out}
    by_digit = {d: [name for name, style in styles.items() if style.digit == d] for d in range(10)}
    names = list(CONDITIONS)
    rng = generator("training", seed, 0)
    images, labels, chosen_styles = [], [], []
    for i in range(count):
        label = i % 10
        style = by_digit[label][rng.integers(len(by_digit[label]))]
        condition = CONDITIONS[names[rng.integers(len(names))]]
        strokes = bend(styles[style].strokes, rng, wobble=condition.wobble,
                       misplace=condition.misplace, shake=condition.shake,
                       rounding=condition.rounding)
        chosen = look(condition, rng, mnist=False)
        digit = as_mnist(show(paint(strokes, chosen.height, chosen.brush, chosen.angle),
                              chosen, condition, rng))
        if digit is not None:
            images.append(digit)
            labels.append(label)
            chosen_styles.append(style)
    return np.stack(images), np.asarray(labels, dtype=np.int64), np.asarray(chosen_styles)


def training_not_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` non-digits of the training kinds -> images (n, 28, 28) uint8, kind names (n,)."""
    kinds = {name: kind for name, kind in not_digit_kinds().items() if not kind.held_out}
    kind_names, condition_names = list(kinds), list(CONDITIONS)
    rng = generator("training", seed, 1)
    images, chosen_kinds = [], []
    for i in range(count):
        name = kind_names[i % len(kind_names)]
        condition = condition_names[rng.integers(len(condition_names))]
        drawing = as_mnist(draw_not_digit(kinds[name], condition, rng))
        if drawing is not None:
            images.append(drawing)
            chosen_kinds.append(name)
    return np.stack(images), np.asarray(chosen_kinds)


def training_set(digits: int, not_digits: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The arrays of a training-set file: x, y (digits), x_not_digits, and what made them."""
    x, y, styles = training_digits(digits, seed)
    x_not, kinds = training_not_digits(not_digits, seed)
    return {"x": x, "y": y, "styles": styles, "x_not_digits": x_not, "not_digit_kinds": kinds,
            "generator_version": np.array(GENERATOR_VERSION), "seed": np.array(seed)}
