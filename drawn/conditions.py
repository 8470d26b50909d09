"""The conditions a digit is drawn under: one record each, in one table.

A condition says how big the digit is, how wide the brush, how tilted, where it sits on
which canvas, what it is shown on (the canvas, a transparent canvas, a photo of paper, a
small scan) and what goes wrong (a stray dab, a hurried hand). `random_geometry` and
`hand_in` read the records; nothing else looks at a condition's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image
from scipy import ndimage

from mlp.preprocessing import crop_to_ink
from mlp.shapes import CANVAS

USUAL_SIZE = (0.6, 0.8)  # ink height, as a share of the canvas's shorter side
USUAL_BRUSH = (18.0, 24.0)  # brush width in pixels
USUAL_TILT = 5.0  # degrees either way: nobody draws perfectly upright


# --- where the digit goes: free room (rows, cols) around the patch -> its top-left corner


def near_the_middle(room: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Centred, give or take a few pixels."""
    return room / 2 + rng.uniform(-8, 8, size=2)


def in_a_corner(room: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """In one of the four corners, a small margin from the edges."""
    margin = rng.uniform(6, 30, size=2)
    far = rng.integers(0, 2, size=2).astype(bool)
    return np.where(far, room - margin, margin)


def towards_an_edge(room: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pushed most of the way towards one of the eight edges and corners."""
    directions = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
    direction = np.array(directions[rng.integers(len(directions))])
    return room / 2 + direction * rng.uniform(0.85, 1.0, size=2) * room / 2


# --- what it is shown on: ink (H, W) float in [0, 1] -> uint8 image


def on_canvas(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """White on black RGB (H, W, 3), as the canvas returns it with a black background."""
    gray = np.round(ink * 255).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=2)


def on_transparent_canvas(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RGBA (H, W, 4): what the canvas returns with no background: white paint, alpha = coverage."""
    alpha = np.round(ink * 255).astype(np.uint8)
    white = np.where(alpha > 0, 255, 0).astype(np.uint8)
    return np.dstack([white, white, white, alpha])


def on_paper(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RGB (H, W, 3): dark pen on light paper, photographed with a phone."""
    rows, cols = ink.shape
    y, x = np.ogrid[-0.5 : 0.5 : rows * 1j, -0.5 : 0.5 : cols * 1j]
    # Light falls unevenly on paper: brighter towards one side, and the sensor adds noise.
    direction = rng.uniform(0, 2 * np.pi)
    slope = rng.uniform(5, 10) * 2 * (np.cos(direction) * x + np.sin(direction) * y)
    light = rng.uniform(200, 230) + slope + rng.normal(0, 3, size=ink.shape)
    ink = ndimage.gaussian_filter(ink, 0.8)  # a phone camera blurs a pen line a little
    gray = light * (1 - ink) + rng.uniform(20, 60) * ink
    return np.repeat(np.clip(np.round(gray), 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def scanned_small(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RGB (h, w, 3): written on paper and scanned small, as sets of scanned forms keep digits.

    The digit's box is reduced by area until its longer side is 8 to 16 pixels, from a grey scan
    or a black-and-white one, in 256 grey levels or in 17 (a count of 16 bits in each pixel, as
    some digit sets store them); a pixel or two of paper around it; dark on light or light on dark.
    """
    side = int(rng.integers(8, 17))
    black_and_white, seventeen_levels = rng.random(2) < 0.5
    margin = int(rng.integers(1, 3))
    dark_on_light = rng.random() < 0.5
    box = crop_to_ink(ink)
    if black_and_white:
        box = (box >= 0.5).astype(np.float32)
    scale = side / max(box.shape)
    size = (max(1, round(box.shape[1] * scale)), max(1, round(box.shape[0] * scale)))
    small = np.clip(np.asarray(Image.fromarray(box).resize(size, Image.Resampling.BOX)), 0, 1)
    if seventeen_levels:
        small = np.round(small * 16) / 16
    small = np.pad(small, margin)
    gray = np.round((1 - small if dark_on_light else small) * 255).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=2)


@dataclass(frozen=True)
class Condition:
    """How one condition draws a digit. None keeps the usual size, brush or tilt."""

    size: tuple[float, float] | None = None  # ink height, share of the canvas's shorter side
    brush: tuple[float, float] | None = None  # brush width in pixels
    brush_on_mnist: bool = False  # MNIST digits are redrawn with `brush` too (else keep theirs)
    tilt: tuple[float, float] | None = None  # degrees, either way, instead of the usual slight tilt
    canvas: tuple[int, int] = (CANVAS, CANVAS)  # (height, width) in pixels
    either_way: bool = False  # the canvas is turned portrait or landscape at random
    place: Callable = near_the_middle  # (room, rng) -> top-left corner of the digit
    surface: Callable = on_canvas  # (ink, rng) -> the uint8 image handed in
    stray_dot: bool = False  # one dab of the brush in a corner, clear of the digit
    wobble: float = 0.012  # amplitude of the stroke paths' smooth wobble (unit square)
    misplace: float = 0.0  # each stroke lands up to this far off its joins (unit square)
    squash: tuple[float, float] | None = None  # the digit's width scaled by a factor in this range
    shake: float = 0.0  # a quick tremor along each stroke (unit square), as a finger on glass
    rounding: float = 0.0  # corners smoothed over this many points of a stroke's path
    # The non-digit set and training's non-digits are drawn under this condition too. A condition
    # added after the non-digit set's version 5 says False, so that its drawings stay as they were.
    for_not_digits: bool = True


CONDITIONS = {
    "centred": Condition(),
    # A small digit drawn with the full brush would be a blob; people zoom their strokes too.
    "small_corner": Condition(size=(0.2, 0.3), brush=(8, 12), place=in_a_corner),
    "off_centre": Condition(size=(0.45, 0.55), place=towards_an_edge),
    "tilted": Condition(tilt=(15, 25)),
    "thin": Condition(brush=(3, 6), brush_on_mnist=True),
    "thick": Condition(size=(0.68, 0.8), brush=(35, 45), brush_on_mnist=True),
    "transparent": Condition(surface=on_transparent_canvas),
    "paper": Condition(size=(0.55, 0.7), brush=(7, 13), canvas=(300, 400), either_way=True,
                       surface=on_paper),  # the brush is a pen, photographed
    "stray_dot": Condition(stray_dot=True),
    # Drawn in a hurry: wavier lines, strokes off their joins, a narrow or wide digit.
    "sloppy": Condition(wobble=0.03, misplace=0.04, squash=(0.7, 1.3)),
    # A fingertip on a phone: a wide, round brush, rounded corners, a shaky and loopier hand.
    "finger": Condition(brush=(30, 44), brush_on_mnist=True, wobble=0.025, shake=0.008,
                        rounding=2.0, squash=(0.85, 1.25)),
    # Written with a pen on a form, scanned, and kept as a tiny image: 8 to 16 pixels a side.
    "scanned_small": Condition(brush=(8, 24), surface=scanned_small, for_not_digits=False),
}


@dataclass(frozen=True)
class Geometry:
    """One drawing's size, brush, tilt and canvas: its share of its condition's randomness."""

    canvas: tuple[int, int]  # (height, width) of the image in pixels
    height: float  # ink height in pixels (an MNIST digit: its longer side)
    brush: float | None  # brush width in pixels; None: an MNIST digit keeps its own strokes
    angle: float  # rotation in degrees, counter-clockwise


def random_geometry(condition: Condition, rng: np.random.Generator, mnist: bool) -> Geometry:
    """Random canvas, size, brush and tilt for one drawing; `mnist`: it is an MNIST digit."""
    # The usual values are drawn for every condition, even one that replaces them, so that the
    # random stream, and with it each seed's drawings, stays as it was.
    brush = None if mnist else rng.uniform(*USUAL_BRUSH)
    angle = rng.uniform(-USUAL_TILT, USUAL_TILT)
    size = rng.uniform(*USUAL_SIZE)
    canvas = condition.canvas
    if condition.either_way and rng.random() >= 0.5:
        canvas = canvas[::-1]
    if condition.tilt is not None:
        angle = rng.choice([-1, 1]) * rng.uniform(*condition.tilt)
    if condition.size is not None:
        size = rng.uniform(*condition.size)
    if condition.brush is not None and (condition.brush_on_mnist or not mnist):
        brush = rng.uniform(*condition.brush)
    return Geometry(canvas, size * min(canvas), brush, angle)


def hand_in(patch: np.ndarray, geometry: Geometry, condition: Condition,
            rng: np.random.Generator) -> np.ndarray:
    """An ink patch (h, w) float32 -> the uint8 image handed in: shaped, placed, on its surface."""
    if condition.squash is not None:
        patch = _squash(patch, rng.uniform(*condition.squash))
    ink = _place(patch, geometry.canvas, condition.place, rng)
    if condition.stray_dot:
        ink = _with_stray_dot(ink, rng)
    return condition.surface(ink, rng)


def _squash(patch: np.ndarray, factor: float) -> np.ndarray:
    """Scale a patch's width by `factor`: people draw digits narrower or wider than the style."""
    rows, cols = patch.shape
    size = (max(1, round(cols * factor)), rows)
    return np.clip(np.asarray(Image.fromarray(patch).resize(size, Image.Resampling.BILINEAR)), 0, 1)


def _place(patch: np.ndarray, canvas: tuple[int, int], place: Callable,
           rng: np.random.Generator) -> np.ndarray:
    """Paste an ink patch onto an empty `canvas`-sized float32 image where `place` puts it."""
    image = np.zeros(canvas, dtype=np.float32)
    room = np.array(canvas) - patch.shape
    if (room < 0).any():  # a wide digit, tilted: shrink it to fit rather than cut it off
        fit = min(canvas[0] / patch.shape[0], canvas[1] / patch.shape[1]) * 0.95
        size = (int(patch.shape[1] * fit), int(patch.shape[0] * fit))
        patch = np.clip(np.asarray(Image.fromarray(patch).resize(size, Image.Resampling.BOX)), 0, 1)
        room = np.array(canvas) - patch.shape
    top, left = np.clip(np.round(place(room, rng)), 0, room).astype(int)
    image[top : top + patch.shape[0], left : left + patch.shape[1]] = patch
    return image


def _with_stray_dot(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add one brush dab in a corner, clear of the digit: a tap of the mouse by mistake."""
    rows, cols = ink.shape
    radius = rng.uniform(5, 10)
    cy = rng.choice([rng.uniform(radius + 2, 30), rng.uniform(rows - 30, rows - radius - 2)])
    cx = rng.choice([rng.uniform(radius + 2, 30), rng.uniform(cols - 30, cols - radius - 2)])
    y, x = np.ogrid[:rows, :cols]
    dot = np.clip(radius + 0.5 - np.hypot(y - cy, x - cx), 0, 1).astype(np.float32)
    return np.maximum(ink, dot)
