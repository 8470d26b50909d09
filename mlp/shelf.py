"""Trained models a server keeps for its visitors, within one memory budget for all of them.

Each visitor's trained models used to live in their own session, so two sessions with large
models could take a server from 54 to 965 MB, with nothing bounding the sum. Here every
trained model is kept on one shelf per process; when a new one would not fit, the least
recently used models of any visitor are put away (dropped) until it does, and their owners
are told on their next look. A model larger than the whole budget is refused.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields, is_dataclass

import numpy as np

from mlp.errors import MLPError
from mlp.i18n import _, number


def footprint_mb(item: object) -> float:
    """Megabytes held by the arrays and bytes inside `item` (dataclasses, tuples, lists, dicts)."""
    seen: set[int] = set()

    def size(value: object) -> int:
        if id(value) in seen:
            return 0
        seen.add(id(value))
        if isinstance(value, np.ndarray):
            return value.nbytes
        if isinstance(value, (bytes, bytearray)):
            return len(value)
        if isinstance(value, dict):
            return sum(size(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return sum(size(v) for v in value)
        if is_dataclass(value) and not isinstance(value, type):
            return sum(size(getattr(value, f.name)) for f in fields(value))
        return 0

    return size(item) / 2**20


@dataclass
class _Kept:
    item: object
    size_mb: float
    used: float  # time.monotonic() of the last look


class ModelShelf:
    """Items by (owner, name) within `budget_mb` in all; the least recently used go first."""

    def __init__(self, budget_mb: float):
        self.budget_mb = budget_mb
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, str], _Kept] = {}  # in the order they were put
        self._put_away: dict[str, list[str]] = {}  # owner -> names dropped, not yet told

    def put(self, owner: str, name: str, item: object, size_mb: float | None = None) -> None:
        """Keep `item`, putting away the least recently used others until it fits; MLPError if it never can."""
        size_mb = footprint_mb(item) if size_mb is None else size_mb
        if size_mb > self.budget_mb:
            raise MLPError(_("This model takes {size} MB, more than this server keeps for all trained models "
                             "together ({budget} MB). Train a smaller one.").format(
                size=number(size_mb), budget=number(self.budget_mb)))
        with self._lock:
            self._kept.pop((owner, name), None)
            while self._kept and self._used() + size_mb > self.budget_mb:
                oldest = min(self._kept, key=lambda key: self._kept[key].used)
                del self._kept[oldest]
                self._put_away.setdefault(oldest[0], []).append(oldest[1])
            self._kept[(owner, name)] = _Kept(item, size_mb, time.monotonic())

    def get(self, owner: str, name: str) -> object | None:
        """The item, or None if it was never kept or was put away; a look counts as a use."""
        with self._lock:
            kept = self._kept.get((owner, name))
            if kept is None:
                return None
            kept.used = time.monotonic()
            return kept.item

    def names(self, owner: str) -> list[str]:
        """The owner's kept names, oldest first."""
        with self._lock:
            return [name for who, name in self._kept if who == owner]

    def remove(self, owner: str, name: str) -> None:
        """Drop one item (its owner let it go: nothing to tell)."""
        with self._lock:
            self._kept.pop((owner, name), None)

    def put_away(self, owner: str) -> list[str]:
        """Names of the owner's items dropped to make room since the last call."""
        with self._lock:
            return self._put_away.pop(owner, [])

    def used_mb(self) -> float:
        """Megabytes kept now, all owners together."""
        with self._lock:
            return self._used()

    def _used(self) -> float:
        return sum(kept.size_mb for kept in self._kept.values())
