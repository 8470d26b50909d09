"""What the class store hands out: plain frozen records and its two errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from mlp.errors import MLPError


# The shipped models a class may start from: the default, and the seed article's (issue 24).
BASE_MODELS = ("world", "classic")


class ClassError(MLPError):
    """No such class (or it ended or expired), a refused student, a full class, a bad argument."""


class SendRefused(ClassError):
    """A drawing the store will not take; `reason` says why, in words a student can read."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ClassInfo:
    """One class as the teacher sees it."""

    code: str  # what students type or scan: letters and digits easy to read aloud
    teacher_key: str  # opens the wall; never shown to students
    created: datetime  # UTC
    expires: datetime  # UTC; the class and all it holds are deleted then
    paused: bool  # sending is refused while paused
    send_all: bool  # the teacher asked every student to send
    base_model: str = BASE_MODELS[0]  # the shipped model the class starts from (BASE_MODELS)
    model_run: str | None = None  # the class's own model, when the teacher chose it: its run's id

    @property
    def model_owner(self) -> str:
        """Who the class's fine-tune runs belong to in the training queue: the class, not a visitor."""
        return class_owner(self.code)


CLASS_OWNER_PREFIX = "class:"  # a class's runs and models in the training queue are owned by "class:CODE"


def class_owner(code: str) -> str:
    """The training queue's owner of a class's runs and models (deleted with the class)."""
    return f"{CLASS_OWNER_PREFIX}{code}"


@dataclass(frozen=True)
class Student:
    """One student of a class, known by a token kept in their browser."""

    token: str
    nickname: str  # generated ("Otter 17"), unique in the class: never typed by a student


@dataclass(frozen=True)
class Tile:
    """One drawing as the wall or its student shows it."""

    drawing_id: int
    token: str
    nickname: str
    png: bytes = field(repr=False)  # the 28x28 model input as a grey PNG (white ink on black, as MNIST)
    image: np.ndarray = field(repr=False)  # (28, 28) uint8: the model's input
    reading: int  # the digit the model read
    confidence: float
    not_digit: bool | None  # the model's not-a-digit check; None when the model has none
    label: int | None  # what the student meant, once they say it
    hidden: bool  # hidden from the wall by the teacher (kept for the numbers and the export)
    sent: datetime  # UTC

    @property
    def right(self) -> bool | None:
        """None until labelled, else whether the model read what the student meant."""
        return None if self.label is None else self.label == self.reading


@dataclass(frozen=True)
class Labelled:
    """A class's labelled drawings, oldest first: the training set a class makes."""

    x: np.ndarray  # (n, 28, 28) uint8
    y: np.ndarray  # (n,) int64: what each student meant
    reading: np.ndarray  # (n,) int64: what the model read
    confidence: np.ndarray  # (n,) float32
    sent: list[datetime]
    token: list[str]
    nickname: list[str]

    def __len__(self) -> int:
        return len(self.y)
