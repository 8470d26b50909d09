"""Every bound of a class in one place: how many, how big, how often, how long."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClassLimits:
    """The bounds the store enforces; the defaults suit one lesson of one class."""

    hours: float = 24.0  # a class is deleted this long after it starts, unless ended before
    max_hours: float = 24.0 * 7  # the longest a teacher may ask a class to last
    max_classes: int = 500  # classes alive at once in one store
    max_students: int = 200  # students joined to one class
    max_drawings_per_student: int = 500  # drawings kept per student (a lesson at one a second: 8 min)
    min_seconds_between_sends: float = 1.0  # a student sends at most one drawing a second
    # 8 characters from a 31-letter alphabet: 8.5e11 codes. With max_classes alive, a guess finds a
    # class once in 1.7e9 tries: days at thousands of tries a second, longer than a class lives.
    code_length: int = 8
    max_png_bytes: int = 4096  # a 28x28 grey PNG is under 1 KB; more means something went wrong
    expire_every_seconds: float = 60.0  # how often a store's calls also delete expired classes

    def __post_init__(self):
        if not 0 < self.hours <= self.max_hours:
            raise ValueError(f"hours must be above 0 and at most {self.max_hours:g}, got {self.hours}")
        if self.code_length < 4:
            raise ValueError("a class code of fewer than 4 characters is found by trying")
