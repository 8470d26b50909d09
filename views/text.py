"""Small wording helpers: percentages in the page's language, and visitor or server text made safe to show."""

from __future__ import annotations

import re
import string

from mlp import i18n

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:[A-Za-z]:)?[/\\](?:[^\s/\\'\"():,;]+[/\\])+[^\s/\\'\"():,;]*")


def percent(p: float) -> str:
    """0.934 -> '93%' ('93 %' in German), and small but non-zero shares as '<1%' rather than a misleading '0%'."""
    return i18n.percent(p) if p >= 0.005 or p == 0 else "<" + i18n.percent(0.01)


def plain(text: str) -> str:
    """Any text -> Markdown that shows it literally: '**x**' stays '**x**', not bold, on one line."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def without_paths(text: str) -> str:
    """A message with every absolute file path cut to the file's name: no server paths on the page."""
    return _ABSOLUTE_PATH.sub(lambda match: re.split(r"[/\\]", match.group(0).rstrip("/\\"))[-1], text)
