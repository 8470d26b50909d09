"""Training data from the stroke generator: what MNIST lacks, kept apart from what is measured.

Digits in the styles that are not held out, MNIST's training digits redrawn under the same
conditions (tilted, a thin pen, a fingertip, ...), and non-digits of the kinds that are not
held out, all drawn from random streams of their own (`rng_for("training", ...)`), put
through `preprocess` and stored as MNIST-like 28x28 uint8 arrays. The drawn test set redraws
MNIST's *test* digits; only *training* digits are redrawn here. `mlp` reads the file
(`python -m mlp train --extra-data FILE`); it never imports this package.
"""

from __future__ import annotations

import numpy as np

from drawn.conditions import CONDITIONS
from drawn.dataset import GENERATOR_VERSION, MNIST_STYLE
from drawn.fonts import FONT_VERSION, PACKAGES, glyph, installed, training_fonts
from drawn.not_digits import NOT_DIGIT_VERSION, draw_not_digit, not_digit_conditions, not_digit_kinds
from drawn.render import draw_image, draw_strokes
from drawn.streams import rng_for
from drawn.strokes import digit_styles
from mlp.errors import MLPError
from mlp.preprocessing import preprocess

# How far a training stroke's ends may run on (unit square); the test sets draw none.
OVERSHOOT = 0.25
# The training set the shipped world model learns from: stroke digits, MNIST training digits
# redrawn, digits in the training fonts, non-digits (`python -m drawn training-set`'s defaults).
STROKE_DIGITS, REDRAWN_DIGITS, FONT_DIGITS, NOT_DIGITS = 20_000, 20_000, 5_000, 30_000
FONT_STYLE = "font:"  # the style recorded for a font's digit: this, then the font's name


def as_mnist(image: np.ndarray) -> np.ndarray | None:
    """A drawing -> (28, 28) uint8 as MNIST stores digits, or None when nothing is drawn."""
    x = preprocess(image)
    return None if x is None else np.round(x * 255).astype(np.uint8)


def training_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`count` digits in training styles -> images (n, 28, 28) uint8, labels (n,), style names."""
    styles = {name: style for name, style in digit_styles().items() if not style.held_out}
    by_digit = {d: [name for name, style in styles.items() if style.digit == d] for d in range(10)}
    names = list(CONDITIONS)
    rng = rng_for("training", seed, "stroke_digits")
    images, labels, chosen_styles = [], [], []
    for i in range(count):
        label = i % 10
        style = by_digit[label][rng.integers(len(by_digit[label]))]
        condition = CONDITIONS[names[rng.integers(len(names))]]
        digit = as_mnist(draw_strokes(styles[style].strokes, condition, rng, overshoot=OVERSHOOT))
        if digit is not None:
            images.append(digit)
            labels.append(label)
            chosen_styles.append(style)
    return np.stack(images), np.asarray(labels, dtype=np.int64), np.asarray(chosen_styles)


def redrawn_mnist(images: np.ndarray, labels: np.ndarray, count: int,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` of MNIST's *training* digits redrawn under random conditions -> images, labels.

    `images` (n, 28, 28) uint8 and `labels` (n,) are MNIST's training set; each digit is
    picked at random (labels as they come), scaled to canvas size, redrawn with the
    condition's brush and tilt, shown on its surface and preprocessed as a drawing is.
    """
    labels = np.asarray(labels).reshape(-1)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    names = list(CONDITIONS)
    rng = rng_for("training", seed, "redrawn_mnist")
    out, out_labels = [], []
    for index in rng.choice(len(images), size=count, replace=count > len(images)):
        digit = np.asarray(images[index], dtype=np.uint8)
        if not digit.any():
            continue
        condition = CONDITIONS[names[rng.integers(len(names))]]
        drawing = as_mnist(draw_image(digit, condition, rng))
        if drawing is not None:
            out.append(drawing)
            out_labels.append(int(labels[index]))
    return np.stack(out), np.asarray(out_labels, dtype=np.int64)


def training_font_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`count` digits in the training fonts under random conditions -> images (n, 28, 28)
    uint8, labels (n,), styles (n,) as FONT_STYLE + the font's name. Every training font
    must be installed: a training set is the same file wherever it is drawn."""
    names = training_fonts()
    missing = sorted(set(names) - set(installed(names)))
    if missing:
        raise MLPError(f"handwriting fonts not installed: {', '.join(missing)} "
                       f"(apt-get install {PACKAGES}), or draw none: --font-digits 0")
    glyphs = {name: [glyph(name, digit) for digit in range(10)] for name in names}
    condition_names = list(CONDITIONS)
    rng = rng_for("training", seed, "font_digits")
    images, labels, styles = [], [], []
    for i in range(count):
        label = i % 10
        name = names[rng.integers(len(names))]
        condition = CONDITIONS[condition_names[rng.integers(len(condition_names))]]
        digit = as_mnist(draw_image(glyphs[name][label], condition, rng))
        if digit is not None:
            images.append(digit)
            labels.append(label)
            styles.append(FONT_STYLE + name)
    return np.stack(images), np.asarray(labels, dtype=np.int64), np.asarray(styles)


def training_not_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` non-digits of the training kinds -> images (n, 28, 28) uint8, kind names (n,)."""
    kinds = {name: kind for name, kind in not_digit_kinds().items() if not kind.held_out}
    kind_names, condition_names = list(kinds), not_digit_conditions()
    rng = rng_for("training", seed, "not_digits")
    images, chosen_kinds = [], []
    for i in range(count):
        name = kind_names[i % len(kind_names)]
        condition = condition_names[rng.integers(len(condition_names))]
        drawing = as_mnist(draw_not_digit(kinds[name], condition, rng))
        if drawing is not None:
            images.append(drawing)
            chosen_kinds.append(name)
    return np.stack(images), np.asarray(chosen_kinds)


def training_set(digits: int, not_digits: int, seed: int = 0,
                 mnist: tuple[np.ndarray, np.ndarray] | None = None,
                 mnist_digits: int = 0, workers: int = 1,
                 font_digits: int = 0) -> dict[str, np.ndarray]:
    """The arrays of a training-set file: x, y (digits), x_not_digits, and what made them.

    With `mnist` (x_train, y_train) and `mnist_digits` > 0, that many of MNIST's training
    digits redrawn follow the stroke digits in x, with the style MNIST_STYLE; then
    `font_digits` digits in the training fonts (drawn.fonts). The parts
    come from streams of their own, so `workers` > 1 draws them in that many processes at once
    and gives the same arrays; those processes are spawned, and import the calling program's
    main module, which must then start its work under `if __name__ == "__main__"` (as
    `python -m drawn` does).
    """
    if mnist_digits and mnist is None:
        raise ValueError("redrawing MNIST digits needs MNIST's training set")
    parts = [(training_digits, (digits, seed)), (training_not_digits, (not_digits, seed))]
    if mnist_digits:
        parts.append((redrawn_mnist, (*mnist, mnist_digits, seed)))
    if font_digits:
        parts.append((training_font_digits, (font_digits, seed)))
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(workers, len(parts)),
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(make, *args) for make, args in parts]
            made = [future.result() for future in futures]
    else:
        made = [make(*args) for make, args in parts]
    (x, y, styles), (x_not, kinds) = made[:2]
    if mnist_digits:
        x_mnist, y_mnist = made[2]
        x, y = np.concatenate([x, x_mnist]), np.concatenate([y, y_mnist])
        styles = np.concatenate([styles, np.full(len(x_mnist), MNIST_STYLE)])
    if font_digits:
        x_font, y_font, font_styles = made[-1]
        x, y = np.concatenate([x, x_font]), np.concatenate([y, y_font])
        styles = np.concatenate([styles, font_styles])
    return {"x": x, "y": y, "styles": styles, "x_not_digits": x_not, "not_digit_kinds": kinds,
            "generator_version": np.array(GENERATOR_VERSION),
            "not_digit_version": np.array(NOT_DIGIT_VERSION),
            "font_version": np.array(FONT_VERSION), "seed": np.array(seed)}
