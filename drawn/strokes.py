"""Digits as a hand draws them: stroke paths in a unit square, bent a little at random.

Each digit has several styles (a 1 with or without flag and base, an open or closed 4, ...);
`bend` varies one as hands do. `drawn.paint` turns the strokes into ink at canvas scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
from scipy import ndimage

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


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a single bool
class Style:
    """One way of writing a digit: its strokes, and whether training may ever see it."""

    digit: int
    strokes: list[np.ndarray]  # (k, 2) float arrays in the unit square, y down
    held_out: bool = False  # never drawn for training: the set's measure of reading unseen hands


def digit_styles() -> dict[str, Style]:
    """Style name -> Style: how people in different countries and with different hands write."""
    five_bowl = _arc(0.46, 0.7, 0.31, 0.3, -130, 150)
    six_loop = _arc(0.48, 0.73, 0.29, 0.27, 180, -175)
    nine_loop = _arc(0.45, 0.28, 0.28, 0.27, -10, 355)
    small_nine_loop = _arc(0.48, 0.22, 0.22, 0.2, -10, 355)
    table = {
        "0_oval": Style(0, [_arc(0.5, 0.5, 0.3, 0.5, -90, 280)]),
        "0_narrow": Style(0, [_arc(0.5, 0.5, 0.24, 0.5, -100, 270)]),
        "0_wide": Style(0, [_arc(0.5, 0.5, 0.36, 0.48, -60, 310)]),
        # A slashed zero, as programmers and Scandinavians write it apart from O.
        "0_slashed": Style(0, [_arc(0.5, 0.5, 0.3, 0.5, -90, 280), _line((0.3, 0.8), (0.7, 0.2))]),
        "0_slashed_through": Style(0, [_arc(0.5, 0.5, 0.26, 0.48, -90, 280),
                                  _line((0.16, 1.02), (0.84, -0.02))], held_out=True),
        "1_bar": Style(1, [_line((0.5, 0.0), (0.5, 1.0))]),
        "1_flag": Style(1, [_line((0.28, 0.22), (0.52, 0.0), (0.52, 1.0))]),
        "1_flag_base": Style(1, [_line((0.28, 0.2), (0.5, 0.0), (0.5, 1.0)),
                            _line((0.25, 1.0), (0.75, 1.0))]),
        # The continental 1: a long upstroke, often half the digit's height.
        "1_long_flag": Style(1, [_line((0.16, 0.42), (0.6, 0.0), (0.6, 1.0))]),
        "1_long_flag_base": Style(1, [_line((0.2, 0.48), (0.58, 0.0), (0.58, 1.0)),
                                 _line((0.3, 1.0), (0.86, 1.0))], held_out=True),
        "2_plain": Style(2, [_join(_bezier((0.18, 0.28), (0.2, -0.08), (0.82, -0.08), (0.8, 0.3)),
                              _bezier((0.8, 0.3), (0.76, 0.55), (0.36, 0.8), (0.15, 1.0)),
                              _line((0.15, 1.0), (0.86, 0.98)))]),
        "2_loop": Style(2, [_join(_bezier((0.2, 0.25), (0.25, -0.08), (0.8, -0.06), (0.78, 0.3)),
                             _bezier((0.78, 0.3), (0.74, 0.55), (0.4, 0.72), (0.25, 0.88)),
                             _bezier((0.25, 0.88), (0.1, 1.04), (0.38, 1.06), (0.42, 0.9)),
                             _bezier((0.42, 0.9), (0.5, 0.84), (0.6, 1.0), (0.88, 0.96)))]),
        "2_round_top": Style(2, [_join(_arc(0.5, 0.24, 0.3, 0.24, 190, 370),
                                  _line((0.8, 0.24), (0.16, 1.0), (0.85, 1.0)))], held_out=True),
        # A 2 with a round loop where the diagonal meets the base, in one stroke.
        "2_swan": Style(2, [_join(_arc(0.48, 0.26, 0.3, 0.26, 200, 370),
                             _bezier((0.78, 0.26), (0.74, 0.56), (0.42, 0.74), (0.2, 0.92)),
                             _arc(0.24, 0.86, 0.1, 0.08, 150, -150),
                             _line((0.15, 0.86), (0.88, 0.96)))]),
        "3_round": Style(3, [_join(_arc(0.45, 0.26, 0.3, 0.24, -160, 90),
                              _arc(0.45, 0.75, 0.33, 0.25, -90, 160))]),
        "3_flat_top": Style(3, [_join(_line((0.18, 0.0), (0.78, 0.0), (0.42, 0.42)),
                                 _arc(0.45, 0.71, 0.32, 0.29, -95, 155))]),
        "3_pinched": Style(3, [_join(_arc(0.47, 0.25, 0.3, 0.25, -165, 115),
                                _arc(0.47, 0.74, 0.33, 0.26, -115, 160))], held_out=True),
        "4_closed": Style(4, [_line((0.62, 0.0), (0.1, 0.66), (0.9, 0.66)),
                         _line((0.62, 0.0), (0.62, 1.0))]),
        "4_open": Style(4, [_line((0.22, 0.0), (0.16, 0.6), (0.88, 0.6)),
                       _line((0.66, 0.05), (0.66, 1.0))]),
        "4_open_slanted": Style(4, [_line((0.3, 0.0), (0.12, 0.55), (0.9, 0.55)),
                               _line((0.7, 0.12), (0.66, 1.0))], held_out=True),
        # One stroke: down, a bar curving up into the stem's top, then down the stem.
        "4_one_stroke": Style(4, [_join(_line((0.24, 0.0), (0.16, 0.6)),
                                   _bezier((0.16, 0.6), (0.55, 0.68), (0.8, 0.5), (0.7, 0.02)),
                                   _line((0.7, 0.02), (0.68, 1.0)))]),
        "4_curled_stem": Style(4, [_line((0.24, 0.0), (0.16, 0.58), (0.9, 0.58)),
                              _join(_line((0.66, 0.04), (0.66, 0.84)),
                                    _bezier((0.66, 0.84), (0.66, 1.04), (0.5, 1.04), (0.42, 0.92)))]),
        "4_one_stroke_curled": Style(4, [_join(_line((0.26, 0.0), (0.18, 0.56)),
                                          _bezier((0.18, 0.56), (0.5, 0.64), (0.78, 0.5),
                                                  (0.72, 0.0)),
                                          _line((0.72, 0.0), (0.7, 0.82)),
                                          _bezier((0.7, 0.82), (0.7, 1.04), (0.52, 1.04),
                                                  (0.46, 0.9)))], held_out=True),
        "5_flag_first": Style(5, [_line((0.8, 0.0), (0.3, 0.0)),
                             _join(_line((0.3, 0.0), tuple(five_bowl[0])), five_bowl)]),
        "5_flag_last": Style(5, [_join(_line((0.3, 0.02), tuple(five_bowl[0])), five_bowl),
                            _line((0.3, 0.02), (0.82, -0.04))]),
        # Cursive: the flag, the stem and the bowl without lifting the pen.
        "5_joined": Style(5, [_join(_line((0.82, 0.0), (0.3, 0.0), tuple(five_bowl[0])), five_bowl)]),
        "5_round": Style(5, [_line((0.82, 0.02), (0.26, 0.0)),
                        _join(_line((0.26, 0.0), (0.22, 0.46)),
                              _bezier((0.22, 0.46), (0.55, 0.28), (0.95, 0.5), (0.75, 0.86),
                                      (0.5, 1.08), (0.2, 0.92)))], held_out=True),
        "6_curved": Style(6, [_join(_bezier((0.7, 0.02), (0.32, 0.08), (0.16, 0.45), (0.19, 0.73)),
                               six_loop)]),
        "6_straight": Style(6, [_join(_line((0.64, 0.0), (0.2, 0.7)),
                                 _arc(0.46, 0.74, 0.27, 0.26, 190, -170))]),
        "6_small_loop": Style(6, [_join(_bezier((0.75, 0.05), (0.45, -0.05), (0.2, 0.3), (0.22, 0.8)),
                                   _arc(0.44, 0.8, 0.22, 0.2, 180, -175))], held_out=True),
        "7_plain": Style(7, [_line((0.15, 0.02), (0.85, 0.02), (0.4, 1.0))]),
        "7_crossbar": Style(7, [_line((0.15, 0.02), (0.85, 0.02), (0.42, 1.0)),
                           _line((0.42, 0.52), (0.82, 0.52))]),
        "7_hooked": Style(7, [_join(_line((0.14, 0.16), (0.16, 0.02), (0.84, 0.02)),
                               _bezier((0.84, 0.02), (0.6, 0.35), (0.48, 0.65), (0.46, 1.0)))]),
        # Cursive: a lead-in curl, the top and a curving stem in one stroke.
        "7_joined": Style(7, [_join(_bezier((0.1, 0.26), (0.06, 0.02), (0.3, 0.08), (0.5, 0.04)),
                               _line((0.5, 0.04), (0.86, 0.02)),
                               _bezier((0.86, 0.02), (0.6, 0.4), (0.5, 0.7), (0.5, 1.0)))]),
        # The continental 7: a serif, and a crossbar through the stem.
        "7_continental": Style(7, [_line((0.12, 0.16), (0.15, 0.02), (0.86, 0.02), (0.42, 1.0)),
                              _line((0.34, 0.54), (0.8, 0.5))], held_out=True),
        "8_two_loops": Style(8, [_arc(0.5, 0.25, 0.23, 0.25, 90, 455),
                            _arc(0.5, 0.75, 0.3, 0.25, -90, 275)]),
        "8_one_stroke": Style(8, [_figure_eight(0.26, 0.31, 0.0)]),
        "8_narrow_top": Style(8, [_figure_eight(0.2, 0.3, -0.4)], held_out=True),
        "9_straight": Style(9, [nine_loop, _line((0.73, 0.26), (0.7, 1.0))]),
        "9_curved": Style(9, [nine_loop, _bezier((0.73, 0.28), (0.76, 0.7), (0.62, 1.02), (0.28, 0.94))]),
        "9_one_stroke": Style(9, [_join(_arc(0.43, 0.27, 0.28, 0.27, -20, -380),
                                   _line((0.7, 0.18), (0.56, 1.0)))]),
        "9_curled_stem": Style(9, [nine_loop, _join(_line((0.73, 0.26), (0.72, 0.8)),
                                               _bezier((0.72, 0.8), (0.72, 1.04), (0.46, 1.04),
                                                       (0.36, 0.88)))]),
        # A small loop on a long stem that curls back: read as a 3 by the first models.
        "9_small_loop_curl": Style(9, [small_nine_loop,
                                  _join(_line((0.7, 0.22), (0.69, 0.76)),
                                        _bezier((0.69, 0.76), (0.7, 1.06), (0.38, 1.08),
                                                (0.3, 0.88)))], held_out=True),
    }
    # Written as writers abroad write them (issue 25's misreads), each modelled on how the pen
    # moves: where a stroke starts and stops, and in what order. One style of each is held out.
    table |= {
        # The open 4 like a Cyrillic 'ch': the left stroke runs down and curves into the
        # crossbar; then the stem, far from the left stroke at the top.
        "4_che": Style(4, [_join(_bezier((0.14, 0.0), (0.1, 0.38), (0.16, 0.6), (0.46, 0.6)),
                                 _line((0.46, 0.6), (0.9, 0.58))),
                           _line((0.7, 0.02), (0.68, 1.0))]),
        # The curve runs into the stem, which starts low: a tall left stroke over a round
        # bowl, a 6's outline but for the open top.
        "4_che_short_stem": Style(4, [_bezier((0.16, 0.0), (0.12, 0.45), (0.25, 0.62),
                                              (0.7, 0.56)),
                                      _line((0.72, 0.26), (0.7, 1.0))]),
        # The same without lifting the pen: the curve, the bar, up to the stem's top and down.
        "4_che_one_stroke": Style(4, [_join(
            _bezier((0.15, 0.02), (0.1, 0.45), (0.22, 0.62), (0.56, 0.6)),
            _bezier((0.56, 0.6), (0.7, 0.58), (0.74, 0.3), (0.72, 0.0)),
            _line((0.72, 0.0), (0.7, 1.0)))], held_out=True),
        # The 9 with a small, flattened loop, or one left open on the left, and a stem that
        # curves back to the left: its top half a 3's.
        "9_flat_loop": Style(9, [_arc(0.46, 0.17, 0.27, 0.15, -10, 355),
                                 _bezier((0.72, 0.2), (0.74, 0.62), (0.6, 0.98), (0.26, 0.9))]),
        "9_open_loop": Style(9, [_arc(0.47, 0.24, 0.25, 0.2, -135, 140),
                                 _bezier((0.72, 0.22), (0.74, 0.65), (0.62, 1.0), (0.28, 0.94))]),
        # Over the top from the left and straight down into the stem; the loop's floor last.
        "9_open_hooked": Style(9, [_join(_arc(0.48, 0.22, 0.22, 0.18, -160, 20),
                                         _bezier((0.69, 0.28), (0.72, 0.7), (0.6, 1.0),
                                                 (0.22, 0.9))),
                                   _line((0.3, 0.36), (0.69, 0.34))], held_out=True),
        # The Z-like 2: no curl at the top-left, a straight diagonal, a flat straight base;
        # narrow.
        "2_z": Style(2, [_join(_bezier((0.24, 0.1), (0.36, -0.02), (0.66, -0.04), (0.72, 0.1)),
                               _line((0.72, 0.1), (0.26, 1.0), (0.8, 1.0)))]),
        "2_z_narrow": Style(2, [_join(_bezier((0.32, 0.08), (0.42, -0.02), (0.64, -0.02),
                                              (0.66, 0.12)),
                                      _line((0.66, 0.12), (0.3, 1.0), (0.72, 1.0)))]),
        "2_z_flat_top": Style(2, [_join(_line((0.24, 0.04), (0.6, 0.0)),
                                        _bezier((0.6, 0.0), (0.72, 0.0), (0.74, 0.08), (0.68, 0.16)),
                                        _line((0.68, 0.16), (0.26, 1.0), (0.8, 0.98)))],
                              held_out=True),
        # Continental 7s: a short top bar, the stem curved (or short, the 7 wide), and a
        # crossbar through the stem, written last.
        "7_continental_curved": Style(7, [_join(_line((0.26, 0.04), (0.78, 0.0)),
                                                _bezier((0.78, 0.0), (0.5, 0.4), (0.4, 0.7),
                                                        (0.36, 1.0))),
                                          _line((0.26, 0.54), (0.74, 0.5))]),
        # Short and wide, the crossbar low on a stem whose foot turns left: a 2's base below
        # a 2's top.
        "7_continental_short": Style(7, [_join(_line((0.12, 0.04), (0.88, 0.0)),
                                               _bezier((0.88, 0.0), (0.62, 0.3), (0.48, 0.6),
                                                       (0.4, 0.82))),
                                         _line((0.3, 0.6), (0.8, 0.58))]),
        "7_continental_serif_curved": Style(7, [_join(_line((0.14, 0.18), (0.16, 0.02),
                                                            (0.8, 0.02)),
                                                      _bezier((0.8, 0.02), (0.56, 0.34),
                                                              (0.46, 0.66), (0.44, 1.0))),
                                                _line((0.3, 0.56), (0.78, 0.5))], held_out=True),
        # The long flag from the top, reaching half way down, and a base (the held-out
        # 1_long_flag_base is this row's unseen hand).
        "1_long_flag_curved_base": Style(1, [_join(_bezier((0.1, 0.56), (0.3, 0.4), (0.48, 0.2),
                                                           (0.6, 0.0)),
                                                   _line((0.6, 0.0), (0.6, 1.0))),
                                             _line((0.3, 1.0), (0.9, 1.0))]),
        "1_long_flag_wide_base": Style(1, [_line((0.14, 0.6), (0.56, 0.0), (0.56, 1.0)),
                                           _line((0.18, 1.0), (0.92, 1.0))]),
        # The 5 whose top bar is short and joined to the belly: the stem short or gone.
        "5_short_bar_joined": Style(5, [_join(_line((0.64, 0.02), (0.34, 0.02), (0.3, 0.36)),
                                              _bezier((0.3, 0.36), (0.92, 0.2), (0.98, 1.02),
                                                      (0.18, 0.92)))]),
        "5_short_bar_last": Style(5, [_join(_line((0.32, 0.0), (0.28, 0.4)),
                                            _bezier((0.28, 0.4), (0.92, 0.22), (0.98, 1.02),
                                                    (0.18, 0.92))),
                                      _line((0.32, 0.0), (0.6, 0.0))]),
        "5_joined_round": Style(5, [_join(_line((0.66, 0.0), (0.38, 0.02)),
                                          _bezier((0.38, 0.02), (0.22, 0.1), (0.24, 0.36),
                                                  (0.42, 0.36)),
                                          _bezier((0.42, 0.36), (0.98, 0.32), (0.96, 1.04),
                                                  (0.2, 0.94)))], held_out=True),
    }
    # Digit by digit, each digit's styles in the order they were added.
    return dict(sorted(table.items(), key=lambda item: item[1].digit))


def styles_of(digit: int, held_out: bool | None = None) -> list[str]:
    """Names of a digit's styles: all of them, or only the held-out or only the training ones."""
    return [name for name, style in digit_styles().items()
            if style.digit == digit and (held_out is None or style.held_out == held_out)]


def bend(strokes: list[np.ndarray], rng: np.random.Generator, wobble: float = 0.012,
         misplace: float = 0.0, shake: float = 0.0, rounding: float = 0.0,
         overshoot: float = 0.0) -> list[np.ndarray]:
    """Vary a style as hands do: a random slant and width, and a smooth wobble of every point.

    `wobble` is the amplitude of each of the field's waves (unit square); with `misplace`,
    each stroke also lands up to that far off, so joins overshoot or fall short, as in haste.
    A finger on a phone adds `shake` (a quick tremor along each stroke, unit square) and
    `rounding` (corners smoothed over that many points of the path). With `overshoot`, each
    end of each stroke runs on, half the time, by up to that much along its direction, as a
    hurried pen does: a slash through a 0 out past the oval, a longer flag on a 1.
    """
    if overshoot:
        strokes = [_run_on(stroke, rng, overshoot) for stroke in strokes]
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
        points = np.stack([x * widen - slant * y, y], axis=1) + field + offset
        if rounding:
            points = ndimage.gaussian_filter1d(points, rounding, axis=0, mode="nearest")
        if shake:
            # A tremor: noise smoothed over a couple of points, so the line jitters, not dots.
            tremor = ndimage.gaussian_filter1d(rng.normal(0, 1, points.shape), 1.5, axis=0)
            points = points + shake * tremor / max(float(tremor.std()), 1e-9)
        bent.append(points)
    return bent


def _run_on(stroke: np.ndarray, rng: np.random.Generator, overshoot: float) -> np.ndarray:
    """A stroke whose ends may each run on along their direction by up to `overshoot`."""
    if len(stroke) < 2:
        return stroke
    lengths = np.where(rng.random(2) < 0.5, rng.uniform(0, overshoot, 2), 0.0)
    ends = []
    for end, inner, length in ((stroke[0], stroke[min(3, len(stroke) - 1)], lengths[0]),
                               (stroke[-1], stroke[max(-4, -len(stroke))], lengths[1])):
        direction = end - inner
        norm = float(np.linalg.norm(direction))
        ends.append(_line(tuple(end), tuple(end + direction / norm * length))[1:]
                    if length and norm > 1e-9 else np.zeros((0, 2)))
    return np.concatenate([ends[0][::-1], stroke, ends[1]])
