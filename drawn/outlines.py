"""Closed outlines that are not a 0: what the not-a-digit check is taught a 0 is not.

A 0 is an oval, taller than wide, its line smooth. A check shown only letters, scribbles and
sharp-cornered shapes lets any closed, rounded outline pass for a 0 (clouds, fish, spirals
did). These shapes are closed and rounded too, but wide, lumpy, pointed, boxy or marked
inside. They are training kinds only; none copies a held-out kind (no scalloped edge as a
cloud's, no tail as a fish's, no turning inwards as a spiral's), so the held-out kinds stay a
measure of what the check was never shown.
"""

from __future__ import annotations

import numpy as np

from drawn.strokes import _arc, _line

Strokes = list[np.ndarray]


def _outline(radius: np.ndarray, t: np.ndarray, width: float, height: float) -> np.ndarray:
    """A closed path around the centre: `radius` (n,) at angles `t` (n,), stretched to size."""
    return np.stack([0.5 + width * radius * np.cos(t), 0.5 + height * radius * np.sin(t)], axis=1)


def blob(rng: np.random.Generator) -> Strokes:
    """A lumpy closed blob, at least as wide as tall: two or three slow swells of its radius."""
    t = np.linspace(0, 2 * np.pi, 120)
    radius = np.ones_like(t)
    for harmonic in rng.choice([2, 3, 4, 5], size=int(rng.integers(2, 4)), replace=False):
        radius += rng.uniform(0.12, 0.25) * np.cos(harmonic * t + rng.uniform(0, 2 * np.pi))
    path = _outline(radius, t, 0.5, 0.5)
    # The swells may stretch it upright: squeeze it back to lying down, however it came out.
    width, height = np.ptp(path, axis=0)
    path[:, 1] = 0.5 + (path[:, 1] - 0.5) * width / height / rng.uniform(1.0, 1.6)
    return [path]


def wide_oval(rng: np.random.Generator) -> Strokes:
    """An oval lying down: one and a half to three times as wide as tall."""
    start = rng.uniform(0, 360)
    return [_arc(0.5, 0.5, 0.5, 0.5 / rng.uniform(1.5, 3.0), start, start + rng.uniform(355, 375))]


def rounded_rectangle(rng: np.random.Generator) -> Strokes:
    """A box with rounded corners, wider than tall, in one stroke."""
    half_width, half_height = 0.5, 0.5 / rng.uniform(1.2, 2.2)
    corner = rng.uniform(0.2, 0.6) * half_height
    left, right, top, bottom = 0.5 - half_width, 0.5 + half_width, 0.5 - half_height, 0.5 + half_height
    return [np.concatenate([
        _line((left + corner, top), (right - corner, top)),
        _arc(right - corner, top + corner, corner, corner, -90, 0),
        _line((right, top + corner), (right, bottom - corner)),
        _arc(right - corner, bottom - corner, corner, corner, 0, 90),
        _line((right - corner, bottom), (left + corner, bottom)),
        _arc(left + corner, bottom - corner, corner, corner, 90, 180),
        _line((left, bottom - corner), (left, top + corner)),
        _arc(left + corner, top + corner, corner, corner, 180, 270)])]


def _leaf_outline(rng: np.random.Generator) -> np.ndarray:
    """Two arcs meeting in a point at each end, lying between flat and half upright."""
    bulge = rng.uniform(0.2, 0.4)
    t = np.linspace(0, 1, 40)
    upper = np.stack([t, 0.5 - bulge * np.sin(np.pi * t)], axis=1)
    lower = np.stack([t[::-1], 0.5 + bulge * np.sin(np.pi * t[::-1])], axis=1)
    angle = np.radians(rng.uniform(-40, 40))
    turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    return (np.concatenate([upper, lower]) - 0.5) @ turn + 0.5


def leaf(rng: np.random.Generator) -> Strokes:
    """A leaf (or a lemon): pointed at both ends, lying down."""
    return [_leaf_outline(rng)]


def eye(rng: np.random.Generator) -> Strokes:
    """An eye: a leaf's outline lying down with a round pupil inside."""
    outline = _leaf_outline(rng)
    centre = outline.mean(axis=0)
    size = rng.uniform(0.08, 0.14)
    return [outline, _arc(*centre, size, size, 0, 365)]


def marked_oval(rng: np.random.Generator) -> Strokes:
    """A closed oval with three to six dashes inside, well clear of its line: a ladybird."""
    width = rng.uniform(0.4, 0.5)
    height = width * rng.uniform(0.6, 1.0)  # never upright, as a 0 with a slash is
    strokes = [_arc(0.5, 0.5, width, height, 0, 365)]
    for _ in range(int(rng.integers(3, 7))):
        at = 0.5 + rng.uniform(-0.45, 0.45, 2) * (width, height)
        angle = rng.uniform(0, np.pi)
        dash = rng.uniform(0.1, 0.18) * np.array([np.cos(angle), np.sin(angle)])
        strokes.append(_line(tuple(at - dash / 2), tuple(at + dash / 2)))
    return strokes


def hatched_oval(rng: np.random.Generator) -> Strokes:
    """A closed oval shaded with three to five parallel lines across it."""
    width = rng.uniform(0.4, 0.5)
    height = width * rng.uniform(0.6, 1.0)  # never upright, as a 0 with a slash is
    strokes = [_arc(0.5, 0.5, width, height, 0, 365)]
    slope = rng.uniform(-1, 1)
    for offset in np.linspace(-0.6, 0.6, int(rng.integers(3, 6))):
        # The chord of the unit circle at this offset, stretched to the oval.
        x = np.array([-1, 1]) * np.sqrt(max(1 - offset**2, 0.0)) * 0.95
        y = offset + slope * x * 0.3
        strokes.append(_line((0.5 + width * x[0], 0.5 + height * y[0]),
                             (0.5 + width * x[1], 0.5 + height * y[1])))
    return strokes


def sun(rng: np.random.Generator) -> Strokes:
    """A round sun with six to ten rays around it."""
    radius = rng.uniform(0.22, 0.3)
    strokes = [_arc(0.5, 0.5, radius, radius, 0, 365)]
    rays = int(rng.integers(6, 11))
    for angle in np.linspace(0, 2 * np.pi, rays, endpoint=False) + rng.uniform(0, np.pi):
        direction = np.array([np.cos(angle), np.sin(angle)])
        strokes.append(_line(tuple(0.5 + (radius + 0.06) * direction), tuple(0.5 + 0.5 * direction)))
    return strokes


# Kind name -> generator: the closed outlines a training set draws as non-digits.
OUTLINES = {"blob": blob, "wide_oval": wide_oval, "rounded_rectangle": rounded_rectangle,
            "leaf": leaf, "eye": eye, "marked_oval": marked_oval, "hatched_oval": hatched_oval,
            "sun": sun}
