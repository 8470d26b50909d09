"""Digits as a hand draws them: stroke paths in a unit square, bent a little at random.

Each digit has several styles (a 1 with or without flag and base, an open or closed 4, ...);
`bend` varies one as hands do. `drawn.paint` turns the strokes into ink at canvas scale.
"""

from __future__ import annotations

from math import comb

import numpy as np

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


def bend(strokes: list[np.ndarray], rng: np.random.Generator, wobble: float = 0.012,
         misplace: float = 0.0) -> list[np.ndarray]:
    """Vary a style as hands do: a random slant and width, and a smooth wobble of every point.

    `wobble` is the amplitude of each of the field's waves (unit square); with `misplace`,
    each stroke also lands up to that far off, so joins overshoot or fall short, as in haste.
    """
    slant, widen = rng.uniform(-0.2, 0.12), rng.uniform(0.85, 1.15)
    # The wobble is a smooth field (three waves per axis), the same for every stroke, so strokes
    # that meet (the bar of a 4, the loops of an 8) still meet.
    frequencies = rng.uniform(1.5, 4.0, size=(2, 3))  # (x, y) of each wave
    phases = rng.uniform(0, 2 * np.pi, size=(2, 3))  # (axis it moves, wave)
    bent = []
    for stroke in strokes:
        field = wobble * np.sin((stroke @ frequencies)[:, None, :] + phases).sum(axis=2)
        x, y = stroke[:, 0] - 0.5, stroke[:, 1] - 0.5
        offset = rng.uniform(-misplace, misplace, size=2) if misplace else 0.0
        bent.append(np.stack([x * widen - slant * y, y], axis=1) + field + offset)
    return bent
