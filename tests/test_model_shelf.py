"""Trained models in the web process: one budget for all sessions together, oldest put away first."""

import numpy as np
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

import mlp
from mlp.errors import MLPError
from mlp.shelf import ModelShelf, footprint_mb
from views import loaders, state

APP = str(ROOT / "app.py")
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


def held_mb(trained) -> float:
    """What one session's trained models hold, counted here (weights, scores, the .keras file)."""
    total = 0
    for name in list(trained):
        model = trained[name]
        total += len(model.keras_file) + model.evaluation.probabilities.nbytes
        total += sum(step.weights.nbytes + step.bias.nbytes for step in model.classifier.network.steps)
    return total / MB


def test_all_sessions_models_stay_within_the_servers_budget(mnist_path, monkeypatch, classic_model, mnist):
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    monkeypatch.setenv("MLP_TRAINED_MODELS_MB", "5")
    if hasattr(loaders, "model_shelf"):
        loaders.model_shelf.clear()  # a fresh server's shelf, with this budget
    evaluation = mlp.evaluate(classic_model, mlp.as_model_input(mnist.x_test), mnist.y_test)
    sessions = []
    for _ in range(2):  # two visitors, each with a 3 MB model: 6 MB against 5
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.session_state["trained_models"]["trained-1"] = state.TrainedModel(
            classifier=classic_model, evaluation=evaluation, keras_file=bytes(3 * MB), train_examples=10)
        sessions.append(at)
    assert sum(held_mb(at.session_state["trained_models"]) for at in sessions) <= 5
    first = sessions[0]
    first.session_state["view"] = "Train"
    first.run()  # the first visitor's next look: told, in words
    assert "put away to make room" in "\n".join(i.value for i in first.info)
    assert list(sessions[1].session_state["trained_models"]) == ["trained-1"]
    if hasattr(loaders, "model_shelf"):
        loaders.model_shelf.clear()
