"""The shelf of trained models: one budget for all owners together, least recently used put away first."""

import numpy as np
import pytest

from mlp.errors import MLPError
from mlp.shelf import ModelShelf, footprint_mb

MB = 2**20


def test_the_least_recently_used_model_of_any_owner_is_put_away_first():
    shelf = ModelShelf(budget_mb=10)
    shelf.put("ann", "trained-1", "a1", size_mb=4)
    shelf.put("bob", "trained-1", "b1", size_mb=4)
    assert shelf.get("ann", "trained-1") == "a1"  # ann looked at hers since: bob's is the oldest use
    shelf.put("cem", "trained-1", "c1", size_mb=4)
    assert shelf.names("bob") == [] and shelf.names("ann") == ["trained-1"]
    assert shelf.put_away("bob") == ["trained-1"] and shelf.put_away("bob") == []  # told once
    assert shelf.put_away("ann") == []
    assert shelf.used_mb() == 8


def test_a_model_larger_than_all_the_room_is_refused_and_nothing_is_put_away():
    shelf = ModelShelf(budget_mb=10)
    shelf.put("ann", "trained-1", "a1", size_mb=4)
    with pytest.raises(MLPError, match="more than this server keeps"):
        shelf.put("bob", "trained-1", "b1", size_mb=11)
    assert shelf.names("ann") == ["trained-1"]


def test_a_footprint_counts_the_arrays_and_bytes_inside():
    item = {"weights": [np.zeros((256, 1024), np.float32)], "file": bytes(MB)}
    assert footprint_mb(item) == pytest.approx(2.0)
