"""What a lesson can truthfully say about one reading: how sure, why, and what the model knows
of drawings that are not digits.

Softmax's answer is the logits' doing: a gap g between the top two digits alone means odds of
e^g to 1, but only when the other eight are far below; when several digits are close, softmax
shares the probability out among them. Whether a drawing is a digit at all is another question,
which a model answers only if it was trained on non-digits or ships a check (mlp.digit_check).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp.inside import share_of_gap, top_two_gap
from mlp.model import Classifier, recorded_number
from mlp.reading import Reading

SURE, UNSURE = 0.9, 0.6  # top probability from which a reading is near-certain; below which it is unsure
GAP_TOLERANCE = 0.01  # the gap alone "explains" the top probability when it is within a point of it


@dataclass(frozen=True)
class Confidence:
    """How sure one reading is, and why."""

    best: int  # the most likely digit
    top: float  # its probability
    gap: float  # its logit minus the runner-up's
    two_way: float  # its probability if only it and the runner-up counted: share_of_gap(gap)
    others: float  # what the eight digits after the top two take of the probability

    @property
    def gap_explains(self) -> bool:
        """Whether "this gap alone means two_way" describes the shown probability: the other eight
        digits take less than GAP_TOLERANCE of it."""
        return self.two_way - self.top < GAP_TOLERANCE


def confidence(logits: np.ndarray, probabilities: np.ndarray) -> Confidence:
    """(10,) logits and their softmax -> how sure the reading is and how the logits make it so."""
    best = int(np.argmax(probabilities))
    top = float(probabilities[best])
    gap = top_two_gap(logits)
    second = float(np.sort(probabilities)[-2])
    return Confidence(best=best, top=top, gap=gap, two_way=share_of_gap(gap),
                      others=max(0.0, 1.0 - top - second))


@dataclass(frozen=True)
class NotDigitKnowledge:
    """What a model knows about drawings that are not digits, and what it says about this one."""

    trained_on: int  # non-digit drawings in its training set (0: it saw only digits)
    has_check: bool  # whether it ships a not-a-digit check
    likeness: float | None  # this drawing's digit-likeness from the check (None without one)
    threshold: float | None  # the likeness a digit needs (None without a check)

    @property
    def flagged(self) -> bool:
        """Whether the check says this drawing is not a digit."""
        return self.likeness is not None and self.likeness < self.threshold


def not_digit_training(model: Classifier) -> int:
    """How many non-digit drawings the model was trained on, from its record (0 when none)."""
    if not recorded_number(model.record.get("config"), "not_digit_weight"):  # weight 0: left out of the loss
        return 0
    return int(recorded_number(model.record.get("extra_data"), "not_digits") or 0)


def not_digit_knowledge(model: Classifier, reading: Reading) -> NotDigitKnowledge:
    """`model` and its reading of a drawing -> what it knows of non-digits and its check's verdict on this one."""
    return NotDigitKnowledge(trained_on=not_digit_training(model), has_check=model.check is not None,
                             likeness=reading.digit_likeness, threshold=reading.threshold)
