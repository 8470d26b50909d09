"""A drawn-digit test set the project makes itself: how people draw, not how MNIST's writers wrote.

Digits are stroke paths in a unit square (several styles per digit: a 1 with or without a flag,
an open or closed 4, ...), bent a little at random and painted with a round brush at canvas
scale, as someone drawing with a mouse or finger would. Each is shown under one of
CONDITIONS (small in a corner, tilted, a thin or thick brush, a transparent canvas, a photo of
paper). MNIST test digits can be put through the same conditions, so a model's accuracy on
drawings can be told apart from its accuracy on the digits themselves. Everything is seeded:
the same seed gives the same images, so the set is regenerated rather than stored.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from mlp.strokes import bend, digit_styles, paint, paint_mnist

CONDITIONS = (
    "centred",
    "small_corner",
    "off_centre",
    "tilted",
    "thin",
    "thick",
    "transparent",
    "paper",
    "stray_dot",
    "sloppy",
)
CANVAS = 280  # side of the drawing canvas, in pixels


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a single bool
class DrawnSet:
    """Drawn digits with their labels, the condition each was drawn under and its source."""

    images: tuple[np.ndarray, ...]  # uint8 (H, W, 3) RGB, or (H, W, 4) RGBA for 'transparent'
    labels: np.ndarray  # (n,) int64, the digit drawn
    conditions: np.ndarray  # (n,) str, one of CONDITIONS
    source: np.ndarray  # (n,) str, 'strokes' (drawn from paths) or 'mnist' (an MNIST test digit)

    def __len__(self) -> int:
        return len(self.images)


# --- conditions: how big, how thick, how tilted, where, and on what


@dataclass(frozen=True)
class _Look:
    canvas: tuple[int, int]  # (height, width) of the image in pixels
    height: float  # ink height in pixels (an MNIST digit: its longer side)
    width: float | None  # brush width in pixels; None: an MNIST digit keeps its own strokes
    angle: float  # rotation in degrees, counter-clockwise
    where: str  # 'centre', 'corner' or 'off'


def _look(condition: str, rng: np.random.Generator, keep_mnist_width: bool) -> _Look:
    """Random size, brush, tilt and place for one image drawn under `condition`."""
    brush = None if keep_mnist_width else rng.uniform(18, 24)
    slight = rng.uniform(-5, 5)  # nobody draws perfectly upright
    canvas, height, where = (CANVAS, CANVAS), rng.uniform(0.6, 0.8) * CANVAS, "centre"
    if condition == "small_corner":
        height, where = rng.uniform(0.2, 0.3) * CANVAS, "corner"
        # A small digit drawn with the full brush would be a blob; people zoom their strokes too.
        brush = None if keep_mnist_width else rng.uniform(8, 12)
    elif condition == "off_centre":
        height, where = rng.uniform(0.45, 0.55) * CANVAS, "off"
    elif condition == "tilted":
        slight = rng.choice([-1, 1]) * rng.uniform(15, 25)
    elif condition == "thin":
        brush = rng.uniform(3, 6)
    elif condition == "thick":
        height, brush = rng.uniform(0.68, 0.8) * CANVAS, rng.uniform(35, 45)
    elif condition == "paper":
        canvas = (300, 400) if rng.random() < 0.5 else (400, 300)
        height = rng.uniform(0.55, 0.7) * min(canvas)
        brush = None if keep_mnist_width else rng.uniform(7, 13)  # a pen, photographed
    return _Look(canvas, height, brush, slight, where)


def _place(patch: np.ndarray, look: _Look, rng: np.random.Generator) -> np.ndarray:
    """Paste an ink patch onto an empty (H, W) float32 canvas at the place `look` asks for."""
    canvas = np.zeros(look.canvas, dtype=np.float32)
    room = np.array(look.canvas) - patch.shape
    if (room < 0).any():  # a wide digit, tilted: shrink it to fit rather than cut it off
        fit = min(look.canvas[0] / patch.shape[0], look.canvas[1] / patch.shape[1]) * 0.95
        size = (int(patch.shape[1] * fit), int(patch.shape[0] * fit))
        patch = np.clip(np.asarray(Image.fromarray(patch).resize(size, Image.Resampling.BOX)), 0, 1)
        room = np.array(look.canvas) - patch.shape
    if look.where == "corner":
        margin = rng.uniform(6, 30, size=2)
        far = rng.integers(0, 2, size=2).astype(bool)
        top_left = np.where(far, room - margin, margin)
    elif look.where == "off":
        directions = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
        direction = np.array(directions[rng.integers(len(directions))])
        top_left = room / 2 + direction * rng.uniform(0.85, 1.0, size=2) * room / 2
    else:
        top_left = room / 2 + rng.uniform(-8, 8, size=2)
    top, left = np.clip(np.round(top_left), 0, room).astype(int)
    canvas[top : top + patch.shape[0], left : left + patch.shape[1]] = patch
    return canvas


def _finish(ink: np.ndarray, condition: str, rng: np.random.Generator) -> np.ndarray:
    """Ink (H, W) float in [0, 1] -> uint8 image: RGB white on black, RGBA, or ink on paper."""
    if condition == "stray_dot":
        ink = _with_stray_dot(ink, rng)
    if condition == "transparent":
        # What the canvas returns with no background colour: white paint, alpha = coverage.
        alpha = np.round(ink * 255).astype(np.uint8)
        white = np.where(alpha > 0, 255, 0).astype(np.uint8)
        return np.dstack([white, white, white, alpha])
    if condition == "paper":
        rows, cols = ink.shape
        y, x = np.ogrid[-0.5 : 0.5 : rows * 1j, -0.5 : 0.5 : cols * 1j]
        # Light falls unevenly on paper: brighter towards one side, and the sensor adds noise.
        direction = rng.uniform(0, 2 * np.pi)
        slope = rng.uniform(5, 10) * 2 * (np.cos(direction) * x + np.sin(direction) * y)
        light = rng.uniform(200, 230) + slope + rng.normal(0, 3, size=ink.shape)
        ink = ndimage.gaussian_filter(ink, 0.8)  # a phone camera blurs a pen line a little
        gray = light * (1 - ink) + rng.uniform(20, 60) * ink
        return np.repeat(np.clip(np.round(gray), 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    gray = np.round(ink * 255).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=2)


def _squash(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Make a digit narrower or wider than its style (0.7 to 1.3 times), as people do."""
    rows, cols = patch.shape
    size = (max(1, round(cols * rng.uniform(0.7, 1.3))), rows)
    return np.clip(np.asarray(Image.fromarray(patch).resize(size, Image.Resampling.BILINEAR)), 0, 1)


def _with_stray_dot(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add one brush dab in a corner, clear of the digit: a tap of the mouse by mistake."""
    rows, cols = ink.shape
    radius = rng.uniform(5, 10)
    cy = rng.choice([rng.uniform(radius + 2, 30), rng.uniform(rows - 30, rows - radius - 2)])
    cx = rng.choice([rng.uniform(radius + 2, 30), rng.uniform(cols - 30, cols - radius - 2)])
    y, x = np.ogrid[:rows, :cols]
    dot = np.clip(radius + 0.5 - np.hypot(y - cy, x - cx), 0, 1).astype(np.float32)
    return np.maximum(ink, dot)


# --- the set


def _labels(per_condition: int) -> np.ndarray:
    return np.arange(per_condition, dtype=np.int64) % 10


def _rng(seed: int, source: str, condition: str) -> np.random.Generator:
    """One generator per (source, condition): adding a condition leaves the others unchanged."""
    source_index = ("strokes", "mnist").index(source)
    return np.random.default_rng([seed, source_index, CONDITIONS.index(condition)])


def _draw_set(source: str, seed: int, per_condition: int, drawer) -> DrawnSet:
    """The loop both sources share: each condition with its own generator, labels cycling 0-9.

    `drawer(condition, rng)` returns `draw(i, label) -> (ink patch, _Look)` for that condition;
    the patch is then squashed (if sloppy), placed and finished here.
    """
    images, labels, conditions = [], [], []
    for condition in CONDITIONS:
        rng = _rng(seed, source, condition)
        draw = drawer(condition, rng)
        for i, label in enumerate(_labels(per_condition)):
            patch, look = draw(i, int(label))
            if condition == "sloppy":
                patch = _squash(patch, rng)
            images.append(_finish(_place(patch, look, rng), condition, rng))
            labels.append(label)
            conditions.append(condition)
    return DrawnSet(
        images=tuple(images),
        labels=np.asarray(labels, dtype=np.int64).reshape(-1),
        conditions=np.asarray(conditions, dtype=str),
        source=np.full(len(images), source),
    )


def strokes_as_drawn(per_condition: int = 30, seed: int = 0) -> DrawnSet:
    """Digits painted from stroke paths: `per_condition` per condition, labels cycling 0-9."""
    styles = digit_styles()

    def drawer(condition: str, rng: np.random.Generator):
        first_style = int(rng.integers(3))

        def draw(i: int, label: int):
            # Each round of 0-9 takes the next style, so 30 per condition show every style.
            options = styles[label]
            style = options[(first_style + i // 10) % len(options)]
            if condition == "sloppy":  # drawn in a hurry: wavier lines, strokes off their joins
                strokes = bend(style, rng, wobble=0.03, misplace=0.04)
            else:
                strokes = bend(style, rng)
            look = _look(condition, rng, keep_mnist_width=False)
            return paint(strokes, look.height, look.width, look.angle), look

        return draw

    return _draw_set("strokes", seed, per_condition, drawer)


def mnist_as_drawn(
    images: np.ndarray, labels: np.ndarray, per_condition: int = 30, seed: int = 0
) -> DrawnSet:
    """MNIST digits (n, 28, 28) uint8 with labels (n,) -> the same conditions at canvas scale.

    Digits are picked with the seeded generator, `per_condition` per condition, labels cycling 0-9.
    """
    labels = np.asarray(labels).reshape(-1)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    by_digit = {d: np.flatnonzero(labels == d) for d in range(10)}

    def drawer(condition: str, rng: np.random.Generator):
        def draw(i: int, label: int):
            candidates = by_digit[label]
            if len(candidates) == 0:
                raise ValueError(f"no MNIST image of a {label} to draw from")
            digit = np.asarray(images[candidates[rng.integers(len(candidates))]], dtype=np.uint8)
            if not np.any(digit):
                raise ValueError(f"an MNIST image labelled {label} is blank")
            look = _look(condition, rng, keep_mnist_width=True)
            return paint_mnist(digit, look.height, look.width, look.angle), look

        return draw

    return _draw_set("mnist", seed, per_condition, drawer)


def make_drawn_set(
    per_condition: int = 30, seed: int = 0, mnist: tuple[np.ndarray, np.ndarray] | None = None
) -> DrawnSet:
    """Drawn test set: stroke drawings, plus MNIST digits under the same conditions if given.

    `mnist` is (x_test (n, 28, 28) uint8, y_test (n,)). There are `per_condition` images per
    condition per source, labels cycling 0-9.
    """
    parts = [strokes_as_drawn(per_condition, seed)]
    if mnist is not None:
        parts.append(mnist_as_drawn(mnist[0], mnist[1], per_condition, seed))
    return DrawnSet(
        images=sum((p.images for p in parts), ()),
        labels=np.concatenate([p.labels for p in parts]),
        conditions=np.concatenate([p.conditions for p in parts]),
        source=np.concatenate([p.source for p in parts]),
    )


def accuracy_by_condition(
    labels: np.ndarray, predicted: np.ndarray, conditions: np.ndarray
) -> dict[str, float]:
    """Labels, predicted digits and conditions, each (n,) -> accuracy per condition and 'all'."""
    labels, predicted, conditions = (np.ravel(a) for a in (labels, predicted, conditions))
    if not len(labels) == len(predicted) == len(conditions):
        raise ValueError(f"lengths differ: {len(labels)} labels, {len(predicted)} predictions, "
                         f"{len(conditions)} conditions")
    if len(labels) == 0:
        raise ValueError("no predictions to score")
    correct = labels == predicted
    # Conditions in the order they first appear, so reports read in the set's own order.
    names = list(dict.fromkeys(conditions.tolist()))
    scores = {name: float(correct[conditions == name].mean()) for name in names}
    scores["all"] = float(correct.mean())
    return scores


def write_pngs(drawn: DrawnSet, folder: Path) -> Path:
    """Write each image as {i:04d}_{condition}_{source}_{label}.png, and labels.csv -> its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (image, label, condition, source) in enumerate(
        zip(drawn.images, drawn.labels, drawn.conditions, drawn.source)
    ):
        name = f"{i:04d}_{condition}_{source}_{label}.png"
        Image.fromarray(image).save(folder / name)
        rows.append((name, int(label), condition, source))
    path = folder / "labels.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("file", "label", "condition", "source"))
        writer.writerows(rows)
    return path
