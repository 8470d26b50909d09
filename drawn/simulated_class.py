"""A simulated class: students who write the held-out styles, each with a hand of their own.

The drawn test set holds some styles back from every training set (a continental 7, a 1 with a
long flag and a base, ...). A class whose students all write those styles is a class the shipped
models have never seen the handwriting of: the case a class's own fine-tuned model is for. Each
student keeps one style per digit and one condition (their device and their hurry) for all their
drawings, as a real student does, so that students differ from each other and a held-out
student is a new hand, not new drawings of a hand already seen. Each student's drawings come from
a stream named after the student, so adding students changes no one else's drawings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drawn.conditions import CONDITIONS, hand_in, random_geometry
from drawn.paint import paint
from drawn.streams import rng_for
from drawn.strokes import bend, digit_styles, styles_of
from drawn.training import as_mnist


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a single bool
class SimulatedClass:
    """A class's labelled drawings, as the class store gives them (x, y, token), and their styles."""

    x: np.ndarray  # (n, 28, 28) uint8: the model's input, as the class store keeps a drawing
    y: np.ndarray  # (n,) int64: the digit the student meant
    token: list[str]  # (n,) the student who drew each
    styles: np.ndarray  # (n,) str: the style of drawn.strokes drawn
    conditions: np.ndarray  # (n,) str: the student's condition (one of CONDITIONS)

    def __len__(self) -> int:
        return len(self.y)


def simulated_class(students: int = 30, per_student: int = 15, seed: int = 0,
                    held_out_styles: bool = True) -> SimulatedClass:
    """`students` students drawing `per_student` digits each (labels cycling 0-9 from a random
    start) in the held-out styles (or, with held_out_styles=False, the training styles)."""
    styles = digit_styles()
    images, labels, tokens, drawn_styles, conditions = [], [], [], [], []
    for student in range(students):
        token = f"student-{student:02d}"
        rng = rng_for("test", seed, "class", token)
        # A student's hand: one style per digit and one condition, kept for every drawing.
        hand = {digit: _one_of(styles_of(digit, held_out=held_out_styles), rng) for digit in range(10)}
        condition_name = _one_of(list(CONDITIONS), rng)
        condition = CONDITIONS[condition_name]
        first = int(rng.integers(10))
        for i in range(per_student):
            label = (first + i) % 10
            strokes = bend(styles[hand[label]].strokes, rng, wobble=condition.wobble,
                           misplace=condition.misplace, shake=condition.shake,
                           rounding=condition.rounding)
            chosen = random_geometry(condition, rng, mnist=False)
            digit = as_mnist(hand_in(paint(strokes, chosen.height, chosen.brush, chosen.angle),
                                     chosen, condition, rng))
            if digit is None:  # nothing drawn: a student sends no blank drawing
                continue
            images.append(digit)
            labels.append(label)
            tokens.append(token)
            drawn_styles.append(hand[label])
            conditions.append(condition_name)
    return SimulatedClass(x=np.stack(images), y=np.asarray(labels, dtype=np.int64), token=tokens,
                          styles=np.asarray(drawn_styles), conditions=np.asarray(conditions))


def _one_of(options: list[str], rng: np.random.Generator) -> str:
    return options[int(rng.integers(len(options)))]
