"""Every version of the drawn-digit set and of the non-digit set, as data: what each changed,
and how many drawings its figures are taken on.

A version is bumped whenever a seed's drawings change (or a style or kind changes sides), so
that scores recorded on an older version can be told stale. The last entry is the current one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SetVersion:
    """One version of a set: its name, what it changed, and its size for a model's figures."""

    version: str
    change: str  # what was new in it
    per_condition: int = 100  # digit set: drawings per condition and source that are scored
    per_kind: int = 40  # non-digit set: drawings per kind that are scored


DRAWN_SET_VERSIONS = (
    SetVersion("1", "stroke paths of a few styles and MNIST test digits, under nine conditions"),
    SetVersion("2", "ten conditions, with sloppy"),
    SetVersion("3", "the styles of other countries and hands (held-out ones among them), a "
               "finger condition"),
    # 900 a condition: 90 rounds of 0-9, so the digit with the most styles (the 4, nine of them)
    # draws each 10 times a condition, 110 in all, and one drawing moves a style by under a point.
    SetVersion("4", "styles as writers abroad write them (the 'ch'-like open 4, the open 9 "
               "with a stem curving back, the Z-like 2, continental 7s with a curved or short "
               "stem, long-flag 1s with a base, the 5 whose short bar joins the belly); every "
               "style and condition from a stream of its own; at least 100 drawings a style",
               per_condition=900),
    # Digits written on paper and scanned small (8 to 16 pixels a side): MNIST's test digits
    # under it are read about as a set of scanned writers' digits was reported read.
    SetVersion("5", "a condition: scanned small", per_condition=900),
)
DRAWN_SET = DRAWN_SET_VERSIONS[-1]

NOT_DIGIT_SET_VERSIONS = (
    SetVersion("3", "up to here the non-digit set followed the digit set's version"),
    SetVersion("4", "the heart is trained on; cloud, fish, house and moon are held out"),
    SetVersion("5", "two and three digits side by side write the digit set's version-4 styles"),
)
NOT_DIGIT_SET = NOT_DIGIT_SET_VERSIONS[-1]
