"""A drawn-digit test set the project makes itself: how people draw, not how MNIST's writers wrote.

Digits are stroke paths in a unit square (several styles per digit, as written in different
countries and by different hands), bent a little at random and painted with a round brush at canvas scale, as someone drawing with a mouse or finger
would. Each is shown under one of the CONDITIONS (small in a corner, tilted, a thin or thick
brush, a transparent canvas, a photo of paper, ...). MNIST test digits can be put through the
same conditions, so a model's accuracy on drawings can be told apart from its accuracy on the
digits themselves. Everything is seeded: the same seed gives the same images, so the set is
regenerated rather than stored.

The set is for measuring only. Training data comes from `drawn.training`, which draws only the
styles not held out, from random streams of its own (`drawn.streams`), so no drawing of this set
is ever trained on and the held-out styles are never seen at all.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from drawn.conditions import CONDITIONS, Condition
from drawn.render import draw_image, draw_strokes
from drawn.streams import rng_for
from drawn.strokes import digit_styles, styles_of
from drawn.versions import DRAWN_SET

# Bumped whenever a seed's drawings change, so that recorded scores can be told stale: each
# version, what it changed and how many drawings it holds are in drawn.versions.
GENERATOR_VERSION = DRAWN_SET.version
SOURCES = ("strokes", "mnist")
MNIST_STYLE = "mnist"  # the style recorded for a redrawn MNIST digit, in the sets and in training


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a single bool
class DrawnSet:
    """Drawn digits with their labels, the condition each was drawn under and its source."""

    images: tuple[np.ndarray, ...]  # uint8 (H, W, 3) RGB, or (H, W, 4) RGBA for 'transparent'
    labels: np.ndarray  # (n,) int64, the digit drawn
    conditions: np.ndarray  # (n,) str, one of CONDITIONS
    source: np.ndarray  # (n,) str, one of SOURCES: drawn from stroke paths, or an MNIST digit
    styles: np.ndarray  # (n,) str, the style of drawn.strokes drawn, or MNIST_STYLE
    seed: int  # what the set was generated from
    per_condition: int  # images per condition and source

    def __len__(self) -> int:
        return len(self.images)


# draw(i, label) -> (the image handed in, its style) for the i-th drawing of one condition
Draw = Callable[[int, int], tuple[np.ndarray, str]]


def _draw_set(source: str, seed: int, per_condition: int,
              drawer: Callable[[str, Condition], Draw], only: str | None = None) -> DrawnSet:
    """The loop both sources share: each condition in turn (or `only` that one), labels cycling
    0-9. A condition's drawings are the same whether the others are drawn or not."""
    images, labels, conditions, styles = [], [], [], []
    for name, condition in CONDITIONS.items():
        if only is not None and name != only:
            continue
        draw = drawer(name, condition)
        for i in range(per_condition):
            label = i % 10
            image, style = draw(i, label)
            images.append(image)
            labels.append(label)
            conditions.append(name)
            styles.append(style)
    return DrawnSet(images=tuple(images), labels=np.asarray(labels, dtype=np.int64),
                    conditions=np.asarray(conditions, dtype=str),
                    source=np.full(len(images), source), styles=np.asarray(styles, dtype=str),
                    seed=seed, per_condition=per_condition)


def strokes_as_drawn(per_condition: int = 30, seed: int = 0, only: str | None = None) -> DrawnSet:
    """Digits painted from stroke paths, every style: `per_condition` per condition, labels 0-9.

    Each round of 0-9 takes the next style of each digit, held-out ones included, and each
    style under each condition draws from a stream of its own: a new style takes turns from
    its digit's others, but moves none of their drawings.
    """
    styles = digit_styles()

    def drawer(condition_name: str, condition: Condition) -> Draw:
        streams = {}

        def draw(i: int, label: int):
            options = styles_of(label)
            name = options[(i // 10) % len(options)]
            if name not in streams:
                streams[name] = rng_for("test", seed, "strokes", condition_name, name)
            return draw_strokes(styles[name].strokes, condition, streams[name]), name

        return draw

    return _draw_set("strokes", seed, per_condition, drawer, only)


def mnist_as_drawn(
    images: np.ndarray, labels: np.ndarray, per_condition: int = 30, seed: int = 0,
    only: str | None = None,
) -> DrawnSet:
    """MNIST digits (n, 28, 28) uint8 with labels (n,) -> the same conditions at canvas scale.

    Digits are picked from the seeded streams, `per_condition` per condition, labels cycling 0-9.
    """
    labels = np.asarray(labels).reshape(-1)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    by_digit = {d: np.flatnonzero(labels == d) for d in range(10)}

    def drawer(condition_name: str, condition: Condition) -> Draw:
        rng = rng_for("test", seed, "mnist", condition_name)  # one stream per condition

        def draw(i: int, label: int):
            candidates = by_digit[label]
            if len(candidates) == 0:
                raise ValueError(f"no MNIST image of a {label} to draw from")
            digit = np.asarray(images[candidates[rng.integers(len(candidates))]], dtype=np.uint8)
            if not np.any(digit):
                raise ValueError(f"an MNIST image labelled {label} is blank")
            return draw_image(digit, condition, rng), MNIST_STYLE

        return draw

    return _draw_set("mnist", seed, per_condition, drawer, only)


def make_drawn_set(
    per_condition: int = 30, seed: int = 0, mnist: tuple[np.ndarray, np.ndarray] | None = None,
    only: str | None = None,
) -> DrawnSet:
    """Drawn test set: stroke drawings, plus MNIST digits under the same conditions if given.

    `mnist` is (x_test (n, 28, 28) uint8, y_test (n,)). There are `per_condition` images per
    condition per source, labels cycling 0-9; with `only`, of that condition alone.
    """
    parts = [strokes_as_drawn(per_condition, seed, only)]
    if mnist is not None:
        parts.append(mnist_as_drawn(mnist[0], mnist[1], per_condition, seed, only))
    return DrawnSet(
        images=sum((p.images for p in parts), ()),
        labels=np.concatenate([p.labels for p in parts]),
        conditions=np.concatenate([p.conditions for p in parts]),
        source=np.concatenate([p.source for p in parts]),
        styles=np.concatenate([p.styles for p in parts]),
        seed=seed,
        per_condition=per_condition,
    )


def write_pngs(drawn: DrawnSet, folder: Path) -> Path:
    """Write each image as {i:04d}_{condition}_{source}_{label}.png, and labels.csv -> its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (image, label, condition, source, style) in enumerate(
        zip(drawn.images, drawn.labels, drawn.conditions, drawn.source, drawn.styles)
    ):
        name = f"{i:04d}_{condition}_{source}_{label}.png"
        Image.fromarray(image).save(folder / name)
        rows.append((name, int(label), condition, source, style))
    path = folder / "labels.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("file", "label", "condition", "source", "style"))
        writer.writerows(rows)
    return path
