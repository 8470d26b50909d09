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
from math import comb
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from mlp.preprocessing import stroke_width

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
)
CANVAS = 280  # side of the drawing canvas, in pixels
SUPERSAMPLE = 2  # strokes are painted at this multiple and reduced, for anti-aliased edges


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a single bool
class DrawnSet:
    """Drawn digits with their labels, the condition each was drawn under and its source."""

    images: tuple[np.ndarray, ...]  # uint8 (H, W, 3) RGB, or (H, W, 4) RGBA for 'transparent'
    labels: np.ndarray  # (n,) int64, the digit drawn
    conditions: np.ndarray  # (n,) str, one of CONDITIONS
    source: np.ndarray  # (n,) str, 'strokes' (drawn from paths) or 'mnist' (an MNIST test digit)

    def __len__(self) -> int:
        return len(self.images)


# --- stroke paths: each digit style is a list of strokes, each an (k, 2) array of (x, y) points
# in a unit square, y pointing down as on a screen.


def _line(*points: tuple[float, float], step: float = 0.04) -> np.ndarray:
    """Polyline through points, densified so the random bending curves it smoothly."""
    out = [np.asarray(points[0], dtype=float)[None]]
    for start, end in zip(points[:-1], points[1:]):
        start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
        count = max(2, int(np.ceil(np.linalg.norm(end - start) / step)) + 1)
        out.append(start + np.linspace(0, 1, count)[1:, None] * (end - start))
    return np.concatenate(out)


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> np.ndarray:
    """Elliptic arc; angles in degrees, 0 = right, 90 = bottom (clockwise on screen)."""
    angles = np.radians(np.linspace(start, end, max(8, int(abs(end - start) / 8))))
    return np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)


def _bezier(*controls: tuple[float, float], count: int = 24) -> np.ndarray:
    """Bezier curve of any degree through its control points, sampled evenly in t."""
    points = np.asarray(controls, dtype=float)
    degree = len(points) - 1
    t = np.linspace(0, 1, count)[:, None]
    weights = [comb(degree, k) * t**k * (1 - t) ** (degree - k) for k in range(degree + 1)]
    return sum(w * p for w, p in zip(weights, points))


def _join(*parts: np.ndarray) -> np.ndarray:
    """One stroke made of parts drawn without lifting the pen."""
    return np.concatenate(parts)


def _figure_eight(top: float, bottom: float, phase: float) -> np.ndarray:
    """A one-stroke 8: the pen crosses in the middle; top and bottom loops of given half-widths."""
    t = np.linspace(0, 2 * np.pi, 80) + phase
    y = 0.5 - 0.5 * np.cos(t)
    half_width = np.where(y < 0.5, top, bottom)
    return np.stack([0.5 + half_width * np.sin(2 * t), y], axis=1)


def digit_styles() -> dict[int, list[list[np.ndarray]]]:
    """Digit -> its drawing styles, each a list of strokes ((k, 2) float arrays, unit square)."""
    five_bowl = _arc(0.46, 0.7, 0.31, 0.3, -130, 150)
    six_loop = _arc(0.48, 0.73, 0.29, 0.27, 180, -175)
    nine_loop = _arc(0.45, 0.28, 0.28, 0.27, -10, 355)
    return {
        0: [
            [_arc(0.5, 0.5, 0.3, 0.5, -90, 280)],
            [_arc(0.5, 0.5, 0.24, 0.5, -100, 270)],
            [_arc(0.5, 0.5, 0.36, 0.48, -60, 310)],
        ],
        1: [
            [_line((0.5, 0.0), (0.5, 1.0))],
            [_line((0.28, 0.22), (0.52, 0.0), (0.52, 1.0))],
            [_line((0.28, 0.2), (0.5, 0.0), (0.5, 1.0)), _line((0.25, 1.0), (0.75, 1.0))],
        ],
        2: [
            [_join(_bezier((0.18, 0.28), (0.2, -0.08), (0.82, -0.08), (0.8, 0.3)),
                   _bezier((0.8, 0.3), (0.76, 0.55), (0.36, 0.8), (0.15, 1.0)),
                   _line((0.15, 1.0), (0.86, 0.98)))],
            [_join(_bezier((0.2, 0.25), (0.25, -0.08), (0.8, -0.06), (0.78, 0.3)),
                   _bezier((0.78, 0.3), (0.74, 0.55), (0.4, 0.72), (0.25, 0.88)),
                   _bezier((0.25, 0.88), (0.1, 1.04), (0.38, 1.06), (0.42, 0.9)),
                   _bezier((0.42, 0.9), (0.5, 0.84), (0.6, 1.0), (0.88, 0.96)))],
            [_join(_arc(0.5, 0.24, 0.3, 0.24, 190, 370),
                   _line((0.8, 0.24), (0.16, 1.0), (0.85, 1.0)))],
        ],
        3: [
            [_join(_arc(0.45, 0.26, 0.3, 0.24, -160, 90), _arc(0.45, 0.75, 0.33, 0.25, -90, 160))],
            [_join(_line((0.18, 0.0), (0.78, 0.0), (0.42, 0.42)),
                   _arc(0.45, 0.71, 0.32, 0.29, -95, 155))],
            [_join(_arc(0.47, 0.25, 0.3, 0.25, -165, 115),
                   _arc(0.47, 0.74, 0.33, 0.26, -115, 160))],
        ],
        4: [
            [_line((0.22, 0.0), (0.16, 0.6), (0.88, 0.6)), _line((0.66, 0.05), (0.66, 1.0))],
            [_line((0.62, 0.0), (0.1, 0.66), (0.9, 0.66)), _line((0.62, 0.0), (0.62, 1.0))],
            [_line((0.3, 0.0), (0.12, 0.55), (0.9, 0.55)), _line((0.7, 0.12), (0.66, 1.0))],
        ],
        5: [
            [_line((0.8, 0.0), (0.3, 0.0)),
             _join(_line((0.3, 0.0), tuple(five_bowl[0])), five_bowl)],
            [_join(_line((0.3, 0.02), tuple(five_bowl[0])), five_bowl),
             _line((0.3, 0.02), (0.82, -0.04))],
            [_line((0.82, 0.02), (0.26, 0.0)),
             _join(_line((0.26, 0.0), (0.22, 0.46)),
                   _bezier((0.22, 0.46), (0.55, 0.28), (0.95, 0.5), (0.75, 0.86), (0.5, 1.08),
                           (0.2, 0.92)))],
        ],
        6: [
            [_join(_bezier((0.7, 0.02), (0.32, 0.08), (0.16, 0.45), (0.19, 0.73)), six_loop)],
            [_join(_line((0.64, 0.0), (0.2, 0.7)), _arc(0.46, 0.74, 0.27, 0.26, 190, -170))],
            [_join(_bezier((0.75, 0.05), (0.45, -0.05), (0.2, 0.3), (0.22, 0.8)),
                   _arc(0.44, 0.8, 0.22, 0.2, 180, -175))],
        ],
        7: [
            [_line((0.15, 0.02), (0.85, 0.02), (0.4, 1.0))],
            [_line((0.15, 0.02), (0.85, 0.02), (0.42, 1.0)), _line((0.42, 0.52), (0.82, 0.52))],
            [_join(_line((0.14, 0.16), (0.16, 0.02), (0.84, 0.02)),
                   _bezier((0.84, 0.02), (0.6, 0.35), (0.48, 0.65), (0.46, 1.0)))],
        ],
        8: [
            [_arc(0.5, 0.25, 0.23, 0.25, 90, 455), _arc(0.5, 0.75, 0.3, 0.25, -90, 275)],
            [_figure_eight(0.26, 0.31, 0.0)],
            [_figure_eight(0.2, 0.3, -0.4)],
        ],
        9: [
            [nine_loop, _line((0.73, 0.26), (0.7, 1.0))],
            [nine_loop, _bezier((0.73, 0.28), (0.76, 0.7), (0.62, 1.02), (0.28, 0.94))],
            [_join(_arc(0.43, 0.27, 0.28, 0.27, -20, -380), _line((0.7, 0.18), (0.56, 1.0)))],
        ],
    }


def _bend(strokes: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Vary a style as hands do: a random slant and width, and a smooth wobble of every point."""
    slant, widen = rng.uniform(-0.2, 0.12), rng.uniform(0.85, 1.15)
    # The wobble is a smooth field (three waves per axis), the same for every stroke, so strokes
    # that meet (the bar of a 4, the loops of an 8) still meet.
    frequencies = rng.uniform(1.5, 4.0, size=(2, 3))  # (x, y) of each wave
    phases = rng.uniform(0, 2 * np.pi, size=(2, 3))  # (axis it moves, wave)
    amplitude = 0.012
    bent = []
    for stroke in strokes:
        wobble = amplitude * np.sin((stroke @ frequencies)[:, None, :] + phases).sum(axis=2)
        x, y = stroke[:, 0] - 0.5, stroke[:, 1] - 0.5
        bent.append(np.stack([x * widen - slant * y, y], axis=1) + wobble)
    return bent


# --- painting: strokes (or an MNIST digit) -> a cropped ink patch, float32 (h, w) in [0, 1]


def _paint(strokes: list[np.ndarray], height: float, width: float, angle: float) -> np.ndarray:
    """Paint strokes with a round brush `width` px wide so the ink is `height` px tall, rotated."""
    scale = max(height - width, 1.0) / float(np.ptp(np.concatenate(strokes)[:, 1]))
    theta = np.radians(angle)
    # Row vectors with y down: this turns the digit counter-clockwise on screen, as PIL's rotate.
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    placed = [stroke * scale @ rotation for stroke in strokes]
    everything = np.concatenate(placed)
    margin = width / 2 + 2
    origin = everything.min(axis=0) - margin
    size = np.ceil(everything.max(axis=0) - origin + margin).astype(int)
    brush = width * SUPERSAMPLE
    image = Image.new("L", tuple(size * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(image)
    for stroke in placed:
        points = [tuple(p) for p in (stroke - origin) * SUPERSAMPLE]
        draw.line(points, fill=255, width=max(1, round(brush)))
        # Circles at every point give the round joins and caps of a real brush.
        for px, py in points:
            draw.ellipse((px - brush / 2, py - brush / 2, px + brush / 2, py + brush / 2), fill=255)
    image = image.resize(tuple(size), Image.Resampling.BOX)
    return np.asarray(image, dtype=np.float32) / 255.0


def _mnist_patch(digit: np.ndarray, height: float, width: float | None, angle: float) -> np.ndarray:
    """MNIST (28, 28) uint8 digit -> ink patch `height` px on its longer side, rotated.

    With `width`, strokes are redrawn that many pixels wide; otherwise they scale with the digit.
    """
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    ink = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32) / 255.0
    ink = np.pad(ink, 1)
    # Sized by the longer side, as MNIST fitted its 20x20 box: a wide 2 stays on the canvas.
    scale = height / (max(ink.shape) - 2)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    ink = np.clip(np.asarray(Image.fromarray(ink).resize(size, Image.Resampling.LANCZOS)), 0, 1)
    ink[ink < 0.04] = 0.0  # Lanczos leaves a faint ringing halo that no pen or brush makes
    if width is not None and width > (own_width := stroke_width(ink)):
        # A thicker brush: grow the strokes at canvas scale.
        radius = round((width - own_width) / 2)
        y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
        ink = ndimage.grey_dilation(np.pad(ink, radius), footprint=x * x + y * y <= radius * radius)
    elif width is not None:
        # A thinner brush: erosion would cut MNIST's uneven strokes apart where they are thin,
        # so trace the strokes' centre lines and paint those with the thin brush instead.
        distance = ndimage.distance_transform_edt(~_centre_lines(ink > 0.5))
        ink = np.clip(width / 2 + 0.5 - distance, 0.0, 1.0).astype(np.float32)
    if angle:
        ink = np.asarray(Image.fromarray(ink).rotate(angle, Image.Resampling.BILINEAR, expand=True))
    rows, cols = np.flatnonzero((ink > 0.02).any(axis=1)), np.flatnonzero((ink > 0.02).any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return np.ascontiguousarray(ink, dtype=np.float32)


def _centre_lines(mask: np.ndarray) -> np.ndarray:
    """Bool (H, W) strokes -> their one-pixel centre lines, connected as the strokes were.

    Zhang & Suen's thinning (1984): peel boundary pixels whose removal splits nothing,
    alternately from the south-east and the north-west, until none can go.
    """
    # Neighbours P2..P9 of the paper: north, then clockwise; a pixel's 8 neighbours as one byte.
    offsets = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
    p = (np.arange(256)[:, None] >> np.arange(8)) & 1  # (256, 8): the neighbours of each byte
    count = p.sum(axis=1)
    crossings = ((p == 0) & (np.roll(p, -1, axis=1) == 1)).sum(axis=1)
    can_go = (count >= 2) & (count <= 6) & (crossings == 1)
    removable = (  # one table per sub-iteration: byte -> may this pixel be peeled
        can_go & (p[:, 0] * p[:, 2] * p[:, 4] == 0) & (p[:, 2] * p[:, 4] * p[:, 6] == 0),
        can_go & (p[:, 0] * p[:, 2] * p[:, 6] == 0) & (p[:, 0] * p[:, 4] * p[:, 6] == 0),
    )
    image = np.pad(mask, 1).astype(np.uint8)
    inner = image[1:-1, 1:-1]  # a view: removing a pixel here removes it from `image`
    rows, cols = image.shape
    changed = True
    while changed:
        changed = False
        for table in removable:
            code = sum(
                image[1 + dy : rows - 1 + dy, 1 + dx : cols - 1 + dx] << k
                for k, (dy, dx) in enumerate(offsets)
            )
            remove = (inner == 1) & table[code]
            if remove.any():
                inner[remove] = 0
                changed = True
    return inner.astype(bool)


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


def _assemble(images: list, labels: list, conditions: list, source: str) -> DrawnSet:
    return DrawnSet(
        images=tuple(images),
        labels=np.asarray(labels, dtype=np.int64).reshape(-1),
        conditions=np.asarray(conditions, dtype=str),
        source=np.full(len(images), source),
    )


def strokes_as_drawn(per_condition: int = 30, seed: int = 0) -> DrawnSet:
    """Digits painted from stroke paths: `per_condition` per condition, labels cycling 0-9."""
    styles = digit_styles()
    images, labels, conditions = [], [], []
    for condition in CONDITIONS:
        rng = _rng(seed, "strokes", condition)
        first_style = int(rng.integers(3))
        for i, label in enumerate(_labels(per_condition)):
            # Each round of 0-9 takes the next style, so 30 per condition show every style.
            options = styles[int(label)]
            strokes = _bend(options[(first_style + i // 10) % len(options)], rng)
            look = _look(condition, rng, keep_mnist_width=False)
            patch = _paint(strokes, look.height, look.width, look.angle)
            images.append(_finish(_place(patch, look, rng), condition, rng))
            labels.append(label)
            conditions.append(condition)
    return _assemble(images, labels, conditions, "strokes")


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
    drawn, drawn_labels, conditions = [], [], []
    for condition in CONDITIONS:
        rng = _rng(seed, "mnist", condition)
        for label in _labels(per_condition):
            candidates = by_digit[int(label)]
            if len(candidates) == 0:
                raise ValueError(f"no MNIST image of a {label} to draw from")
            digit = images[candidates[rng.integers(len(candidates))]]
            if not np.any(digit):
                raise ValueError(f"an MNIST image labelled {label} is blank")
            look = _look(condition, rng, keep_mnist_width=True)
            digit = np.asarray(digit, dtype=np.uint8)
            patch = _mnist_patch(digit, look.height, look.width, look.angle)
            drawn.append(_finish(_place(patch, look, rng), condition, rng))
            drawn_labels.append(label)
            conditions.append(condition)
    return _assemble(drawn, drawn_labels, conditions, "mnist")


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
