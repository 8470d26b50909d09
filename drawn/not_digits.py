"""Drawings that are not a digit: letters, shapes, scribbles, and several digits at once.

What people draw on a digit canvas when they test it, or by mistake. Each kind is a stroke
generator in the unit square (y down) and says whether it is held out: training data for
the not-a-digit check (`drawn.training`) draws only the other kinds, and never from the
streams this set is drawn from, so the held-out kinds measure what the check was never shown.
Shapes that are digits (a circle is a 0, a vertical bar a 1) are left out on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from drawn.conditions import CONDITIONS
from drawn.outlines import OUTLINES
from drawn.render import draw_strokes
from drawn.streams import rng_for
from drawn.strokes import _arc, _bezier, _join, _line, digit_styles
from drawn.versions import NOT_DIGIT_SET

Strokes = list[np.ndarray]

# Bumped whenever a seed's drawings change or a kind changes sides, so that recorded scores can
# be told stale: each version and what it changed are in drawn.versions.
NOT_DIGIT_VERSION = NOT_DIGIT_SET.version


def _letters() -> dict[str, Strokes]:
    """Capital and small letters that no digit resembles, as stroke paths."""
    return {
        "A": [_line((0.1, 1.0), (0.5, 0.0), (0.9, 1.0)), _line((0.28, 0.6), (0.72, 0.6))],
        "E": [_line((0.8, 0.0), (0.2, 0.0), (0.2, 1.0), (0.8, 1.0)), _line((0.2, 0.5), (0.65, 0.5))],
        "F": [_line((0.8, 0.0), (0.25, 0.0), (0.25, 1.0)), _line((0.25, 0.48), (0.68, 0.48))],
        "H": [_line((0.2, 0.0), (0.2, 1.0)), _line((0.8, 0.0), (0.8, 1.0)),
              _line((0.2, 0.5), (0.8, 0.5))],
        "K": [_line((0.22, 0.0), (0.22, 1.0)), _line((0.8, 0.0), (0.24, 0.55), (0.82, 1.0))],
        "M": [_line((0.08, 1.0), (0.15, 0.0), (0.5, 0.65), (0.85, 0.0), (0.92, 1.0))],
        "N": [_line((0.18, 1.0), (0.18, 0.0), (0.82, 1.0), (0.82, 0.0))],
        "R": [_line((0.22, 1.0), (0.22, 0.0)),
              _bezier((0.22, 0.0), (0.95, -0.05), (0.95, 0.55), (0.22, 0.5)),
              _line((0.4, 0.5), (0.82, 1.0))],
        "W": [_line((0.02, 0.0), (0.25, 1.0), (0.5, 0.35), (0.75, 1.0), (0.98, 0.0))],
        "Y": [_line((0.12, 0.0), (0.5, 0.5), (0.88, 0.0)), _line((0.5, 0.5), (0.5, 1.0))],
        "e": [np.concatenate([_line((0.18, 0.55), (0.82, 0.55)),
                              _arc(0.5, 0.58, 0.32, 0.4, -5, -300)])],
        "h": [_line((0.2, 0.0), (0.2, 1.0)),
              np.concatenate([_bezier((0.2, 0.6), (0.35, 0.3), (0.8, 0.3), (0.78, 0.6)),
                              _line((0.78, 0.6), (0.78, 1.0))])],
        "k": [_line((0.25, 0.0), (0.25, 1.0)), _line((0.75, 0.35), (0.27, 0.7), (0.8, 1.0))],
        "m": [np.concatenate([_line((0.05, 1.0), (0.05, 0.4)),
                              _bezier((0.05, 0.55), (0.15, 0.3), (0.5, 0.3), (0.5, 0.6)),
                              _line((0.5, 0.6), (0.5, 1.0)),
                              _bezier((0.5, 0.6), (0.55, 0.3), (0.95, 0.3), (0.95, 0.6)),
                              _line((0.95, 0.6), (0.95, 1.0))])],
        "w": [_line((0.05, 0.3), (0.28, 1.0), (0.5, 0.5), (0.72, 1.0), (0.95, 0.3))],
        "D": [_line((0.22, 0.0), (0.22, 1.0)),
              _bezier((0.22, 0.0), (1.05, -0.05), (1.05, 1.05), (0.22, 1.0))],
        "L": [_line((0.25, 0.0), (0.25, 1.0), (0.8, 1.0))],
        "P": [_line((0.22, 1.0), (0.22, 0.0)),
              _bezier((0.22, 0.0), (0.95, -0.05), (0.95, 0.55), (0.22, 0.5))],
        "U": [_join(_line((0.2, 0.0), (0.2, 0.65)), _arc(0.5, 0.65, 0.3, 0.35, 180, 0),
                    _line((0.8, 0.65), (0.8, 0.0)))],
        "V": [_line((0.1, 0.0), (0.5, 1.0), (0.9, 0.0))],
        "n": [_line((0.2, 0.3), (0.2, 1.0)),
              _join(_bezier((0.2, 0.55), (0.3, 0.25), (0.8, 0.25), (0.8, 0.6)),
                    _line((0.8, 0.6), (0.8, 1.0)))],
        "r": [_line((0.3, 0.3), (0.3, 1.0)), _bezier((0.3, 0.6), (0.4, 0.3), (0.7, 0.25), (0.85, 0.35))],
        "T": [_line((0.1, 0.0), (0.9, 0.0)), _line((0.5, 0.0), (0.5, 1.0))],
        "G": [_join(_arc(0.5, 0.5, 0.4, 0.5, -40, -320), _line((0.81, 0.82), (0.82, 0.55),
                                                             (0.55, 0.55)))],
        "a": [_arc(0.45, 0.68, 0.3, 0.3, 0, 360), _line((0.75, 0.35), (0.75, 1.0))],
        "d": [_arc(0.42, 0.7, 0.3, 0.3, 0, 360), _line((0.72, 0.0), (0.72, 1.0))],
        "f": [_join(_bezier((0.8, 0.05), (0.6, -0.05), (0.42, 0.0), (0.42, 0.25)),
                    _line((0.42, 0.25), (0.42, 1.0))), _line((0.15, 0.4), (0.7, 0.4))],
        "p": [_line((0.25, 0.3), (0.25, 1.0)), _arc(0.5, 0.5, 0.25, 0.2, 180, 540)],
        "t": [_join(_line((0.45, 0.0), (0.45, 0.85)),
                    _bezier((0.45, 0.85), (0.45, 1.05), (0.7, 1.05), (0.8, 0.9))),
              _line((0.15, 0.3), (0.75, 0.3))],
        "u": [_join(_line((0.2, 0.3), (0.2, 0.75)), _arc(0.47, 0.72, 0.27, 0.28, 180, 0),
                    _line((0.74, 0.72), (0.74, 0.3), (0.76, 1.0)))],
    }


def _star(rng) -> Strokes:
    """A five-pointed star drawn in one stroke."""
    angles = np.radians(-90 + 144 * np.arange(6) + rng.uniform(-6, 6))
    return [_line(*zip(0.5 + 0.5 * np.cos(angles), 0.5 + 0.5 * np.sin(angles)))]


def _heart(rng) -> Strokes:
    """A heart in one stroke: two lobes from the point at the bottom, meeting in a dip."""
    return [np.concatenate([_bezier((0.5, 1.0), (0.0, 0.6), (-0.05, 0.0), (0.5, 0.25)),
                            _bezier((0.5, 0.25), (1.05, 0.0), (1.0, 0.6), (0.5, 1.0))])]


def _cloud(rng) -> Strokes:
    """A cloud: four to six bumps around a flat oval, in one closed stroke."""
    bumps = int(rng.integers(4, 7))
    t = np.linspace(0, 2 * np.pi, 40 * bumps)
    swell = 1.0 + rng.uniform(0.3, 0.45) * np.abs(np.sin(bumps * (t + rng.uniform(0, np.pi)) / 2))
    return [np.stack([0.5 + 0.4 * swell * np.cos(t), 0.5 + 0.25 * swell * np.sin(t)], axis=1)]


def _fish(rng) -> Strokes:
    """A fish: an oval body whose outline crosses over into a tail, in one stroke."""
    gape = rng.uniform(30, 45)  # degrees either side of the tail where the body opens
    body = _arc(0.4, 0.5, 0.4, rng.uniform(0.22, 0.3), gape, 360 - gape)
    tail_top, tail_bottom = rng.uniform(0.15, 0.3), rng.uniform(0.7, 0.85)
    return [_join(body, _line(tuple(body[-1]), (1.0, tail_bottom), (1.0, tail_top), tuple(body[0])))]


def _house(rng) -> Strokes:
    """A house: walls and a pointed roof in one stroke, the ceiling line, and a door."""
    eaves = rng.uniform(0.35, 0.5)
    door = rng.uniform(0.3, 0.5)
    return [_line((0.1, 1.0), (0.1, eaves), (0.5, 0.0), (0.9, eaves), (0.9, 1.0), (0.1, 1.0)),
            _line((0.1, eaves), (0.9, eaves)),
            _line((door, 1.0), (door, 0.72), (door + 0.18, 0.72), (door + 0.18, 1.0))]


def _moon(rng) -> Strokes:
    """A crescent moon, its horns to the right: an outer arc and an inner curve back."""
    horn = rng.uniform(50, 70)  # degrees from the rightmost point to each horn
    outer = _arc(0.5, 0.5, 0.5, 0.5, horn, 360 - horn)
    inner = rng.uniform(0.3, 0.45)  # how far the inner curve reaches towards the left
    return [_join(outer, _bezier(tuple(outer[-1]), (inner, 0.25), (inner, 0.75), tuple(outer[0])))]


def _spiral(rng) -> Strokes:
    turns = rng.uniform(2.0, 3.2)
    t = np.linspace(0, turns * 2 * np.pi, 120)
    radius = 0.5 * t / t[-1]
    return [np.stack([0.5 + radius * np.cos(t), 0.5 + radius * np.sin(t)], axis=1)]


def _polygon(corners: int) -> Callable:
    def draw(rng) -> Strokes:
        angles = np.radians(-90 + 360 / corners * np.arange(corners + 1) + rng.uniform(-8, 8))
        if corners == 4:
            angles = angles + np.radians(45)
        return [_line(*zip(0.5 + 0.5 * np.cos(angles), 0.5 + 0.5 * np.sin(angles)))]
    return draw


def _scribble(rng) -> Strokes:
    """A pen moving at random: a smooth curve through 6 to 12 random points."""
    points = rng.uniform(0.0, 1.0, size=(int(rng.integers(6, 13)), 2))
    path = [_bezier(tuple(a), tuple((a + b) / 2 + rng.normal(0, 0.15, 2)), tuple(b))
            for a, b in zip(points[:-1], points[1:])]
    return [np.concatenate(path)]


def _zigzag(rng) -> Strokes:
    count = int(rng.integers(4, 8))
    x = np.linspace(0.0, 1.0, count)
    y = np.where(np.arange(count) % 2 == 0, 0.0, rng.uniform(0.3, 0.6))
    return [_line(*zip(x, y))]


def _smiley(rng) -> Strokes:
    face = _arc(0.5, 0.5, 0.5, 0.5, 0, 365)
    eyes = [_line((0.33, 0.3), (0.34, 0.4)), _line((0.66, 0.3), (0.67, 0.4))]
    return [face, *eyes, _arc(0.5, 0.5, 0.3, 0.28, 25, 155)]


def _digits_side_by_side(count: int, held_out: bool) -> Callable:
    """`count` digits written next to each other, in training styles or held-out ones."""
    styles = [style for style in digit_styles().values() if style.held_out == held_out]

    def draw(rng) -> Strokes:
        strokes, left = [], 0.0
        for _ in range(count):
            style = styles[rng.integers(len(styles))]
            points = np.concatenate(style.strokes)
            low, high = points.min(axis=0), points.max(axis=0)
            for stroke in style.strokes:
                strokes.append(stroke - [low[0] - left, 0])
            left += high[0] - low[0] + rng.uniform(0.1, 0.3)
        return strokes
    return draw


def _doodle(rng) -> Strokes:
    """Three to five marks anywhere: lines and arcs that make no digit."""
    strokes = []
    for _ in range(int(rng.integers(3, 6))):
        if rng.random() < 0.5:
            strokes.append(_line(*map(tuple, rng.uniform(0, 1, size=(int(rng.integers(2, 4)), 2)))))
        else:
            centre, radius = rng.uniform(0.25, 0.75, 2), rng.uniform(0.1, 0.3, 2)
            start = rng.uniform(0, 360)
            strokes.append(_arc(*centre, *radius, start, start + rng.uniform(90, 300)))
    return strokes


def _lines(rng) -> Strokes:
    """Two to four long straight lines at random angles, crossing near the middle."""
    strokes = []
    for _ in range(int(rng.integers(2, 5))):
        angle, centre = rng.uniform(0, np.pi), rng.uniform(0.3, 0.7, 2)
        half = rng.uniform(0.35, 0.55) * np.array([np.cos(angle), np.sin(angle)])
        strokes.append(_line(tuple(centre - half), tuple(centre + half)))
    return strokes


def _loops(rng) -> Strokes:
    """A row of three to six joined loops, as a pen tests itself: eeee or llll."""
    count = int(rng.integers(3, 7))
    t = np.linspace(0, count * 2 * np.pi, 40 * count)
    spacing = 1.0 / count
    across = rng.uniform(0.3, 0.5) * spacing  # a loop's half-width: wider than a step, so it loops
    x = spacing * t / (2 * np.pi) + across * np.sin(t)
    y = 0.5 - across * rng.uniform(1.0, 2.0) * np.cos(t)
    return [np.stack([x, y], axis=1)]


def _wave(rng) -> Strokes:
    """A sine wave of one and a half to four periods."""
    x = np.linspace(0, 1, 80)
    return [np.stack([x, 0.5 + rng.uniform(0.15, 0.4) *
                      np.sin(x * rng.uniform(3, 8) * np.pi + rng.uniform(0, np.pi))], axis=1)]


def _letter_pair(letters: dict[str, Strokes]) -> Callable:
    """Two of `letters` next to each other: a short word."""
    names = sorted(letters)

    def draw(rng) -> Strokes:
        strokes, left = [], 0.0
        for _ in range(2):
            parts = letters[names[rng.integers(len(names))]]
            low, high = np.concatenate(parts).min(axis=0), np.concatenate(parts).max(axis=0)
            strokes += [stroke - [low[0] - left, 0] for stroke in parts]
            left += high[0] - low[0] + rng.uniform(0.1, 0.3)
        return strokes
    return draw


def _fixed(strokes: Strokes) -> Callable:
    return lambda rng: strokes


@dataclass(frozen=True)
class Kind:
    """One kind of non-digit: a stroke generator, and whether training may see it."""

    draw: Callable[[np.random.Generator], Strokes]  # rng -> strokes in the unit square
    held_out: bool = False
    # False: drawn for training only. The training-only kinds came after the set's version 3,
    # and were left out of it so that every figure measured on it stayed comparable.
    measured: bool = True


def not_digit_kinds() -> dict[str, Kind]:
    """Kind name -> Kind: the measured training kinds, the held-out ones, the training-only ones."""
    letters = _letters()
    measured_letters, training_only_letters = "AEFHMNDLPUVehmnr", "TGadfptu"
    kinds = {f"letter_{name}": Kind(_fixed(letters[name])) for name in measured_letters}
    kinds |= {
        "square": Kind(_polygon(4)),
        "triangle": Kind(_polygon(3)),
        "x": Kind(_fixed([_line((0.0, 0.0), (1.0, 1.0)), _line((1.0, 0.0), (0.0, 1.0))])),
        "plus": Kind(_fixed([_line((0.5, 0.0), (0.5, 1.0)), _line((0.0, 0.5), (1.0, 0.5))])),
        "dash": Kind(_fixed([_line((0.0, 0.5), (1.0, 0.5))])),
        "check": Kind(_fixed([_line((0.0, 0.55), (0.35, 1.0), (1.0, 0.0))])),
        "smiley": Kind(_smiley),
        "scribble": Kind(_scribble),
        "zigzag": Kind(_zigzag),
        "two_digits": Kind(_digits_side_by_side(2, held_out=False)),
        "doodle": Kind(_doodle),
    }
    kinds |= {f"letter_{name}": Kind(_fixed(letters[name]), held_out=True) for name in "KRWYkw"}
    kinds |= {
        "star": Kind(_star, held_out=True),
        # Held out up to the set's version 3, where the check flagged one heart in three:
        # the non-digit a class draws most. Trained on since version 4; cloud, fish, house
        # and moon took its place among the held-out kinds. (Here, where it stood: see below.)
        "heart": Kind(_heart),
        "spiral": Kind(_spiral, held_out=True),
        "hash": Kind(_fixed([_line((0.35, 0.0), (0.25, 1.0)), _line((0.75, 0.0), (0.65, 1.0)),
                             _line((0.0, 0.33), (1.0, 0.33)), _line((0.0, 0.67), (1.0, 0.67))]),
                     held_out=True),
        "arrow": Kind(_fixed([_line((0.0, 0.5), (1.0, 0.5)), _line((0.65, 0.15), (1.0, 0.5),
                                                                   (0.65, 0.85))]), held_out=True),
        "three_digits": Kind(_digits_side_by_side(3, held_out=True), held_out=True),
    }
    # Training only, after the kinds measured in version 3. Each kind has its own stream, by name,
    # but its place here sets the conditions its drawings cycle through: new kinds go last.
    seen_letters = {name: letters[name] for name in measured_letters + training_only_letters}
    kinds |= {f"letter_{name}": Kind(_fixed(letters[name]), measured=False)
              for name in training_only_letters}
    kinds |= {
        "lines": Kind(_lines, measured=False),
        "loops": Kind(_loops, measured=False),
        "wave": Kind(_wave, measured=False),
        "word": Kind(_letter_pair(seen_letters), measured=False),
    }
    # Held out since the set's version 4; last, so that the other kinds keep their conditions.
    kinds |= {"cloud": Kind(_cloud, held_out=True), "fish": Kind(_fish, held_out=True),
              "house": Kind(_house, held_out=True), "moon": Kind(_moon, held_out=True)}
    # Training only, since the digit set's version 4: closed outlines that are not a 0.
    kinds |= {name: Kind(draw, measured=False) for name, draw in OUTLINES.items()}
    return kinds


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a single bool
class NotDigitSet:
    """Drawings that are not digits, each with its kind and the condition it was drawn under."""

    images: tuple[np.ndarray, ...]  # uint8 images as the drawn-digit set's (see CONDITIONS)
    kinds: np.ndarray  # (n,) str, one of not_digit_kinds()
    conditions: np.ndarray  # (n,) str, one of CONDITIONS
    held_out: np.ndarray  # (n,) bool, the kind is never shown to training
    seed: int

    def __len__(self) -> int:
        return len(self.images)


def draw_not_digit(kind: Kind, condition_name: str, rng: np.random.Generator) -> np.ndarray:
    """One drawing of `kind` under a condition -> the uint8 image handed in."""
    return draw_strokes(kind.draw(rng), CONDITIONS[condition_name], rng, longer_side=True)


def not_digit_conditions() -> list[str]:
    """The conditions non-digits are drawn under, in CONDITIONS' order."""
    return [name for name, condition in CONDITIONS.items() if condition.for_not_digits]


def make_not_digit_set(per_kind: int = 20, seed: int = 0, part: str = "test",
                       held_out: bool | None = None) -> NotDigitSet:
    """`per_kind` drawings of each kind, conditions cycling; `part` picks the random streams.

    `held_out` keeps only the held-out kinds (True) or only the others (False); None: all.
    """
    names = not_digit_conditions()
    images, kinds, conditions, flags = [], [], [], []
    for index, (name, kind) in enumerate(not_digit_kinds().items()):
        if not kind.measured or held_out is not None and kind.held_out != held_out:
            continue
        rng = rng_for(part, seed, "not_digit", name)
        for i in range(per_kind):
            condition = names[(index + i) % len(names)]  # a kind's place: which condition first
            images.append(draw_not_digit(kind, condition, rng))
            kinds.append(name)
            conditions.append(condition)
            flags.append(kind.held_out)
    return NotDigitSet(tuple(images), np.asarray(kinds, dtype=str),
                       np.asarray(conditions, dtype=str), np.asarray(flags, dtype=bool), seed)
