"""Small wording helpers: counts, percentages, and visitor or server text made safe to show."""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:[A-Za-z]:)?[/\\](?:[^\s/\\'\"():,;]+[/\\])+[^\s/\\'\"():,;]*")


def plural(count: int, noun: str) -> str:
    """plural(1, 'epoch') -> '1 epoch', plural(3, 'epoch') -> '3 epochs'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def percent(p: float) -> str:
    """0.934 -> '93%', and small but non-zero shares as '<1%' rather than a misleading '0%'."""
    return f"{p:.0%}" if p >= 0.005 or p == 0 else "<1%"


def plain(text: str) -> str:
    """Any text -> Markdown that shows it literally: '**x**' stays '**x**', not bold, on one line."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def without_paths(text: str) -> str:
    """A message with every absolute file path cut to the file's name: no server paths on the page."""
    return _ABSOLUTE_PATH.sub(lambda match: re.split(r"[/\\]", match.group(0).rstrip("/\\"))[-1], text)
