"""A model's accuracy on the drawn set: overall, per condition and per source."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from drawn.dataset import GENERATOR_VERSION, DrawnSet
from mlp.errors import MLPError
from mlp.model import update_record
from mlp.predict import predict_proba
from mlp.preprocessing import preprocess


def score(model, drawn: DrawnSet) -> dict:
    """Accuracy of `model` on `drawn`: per source and for all, each per condition and 'all'.

    Each drawing goes through `preprocess` as on the page; one it finds blank counts as wrong.
    The dict also says what was scored: generator version, seed, drawings per condition.
    """
    inputs = [preprocess(image) for image in drawn.images]
    found = np.array([x is not None for x in inputs])
    predicted = np.full(len(inputs), -1)
    if found.any():
        batch = np.stack([x for x in inputs if x is not None])
        predicted[found] = predict_proba(model, batch).argmax(axis=1)
    result = {"generator_version": GENERATOR_VERSION, "seed": drawn.seed,
              "per_condition": drawn.per_condition, "n": len(inputs),
              "blank": int((~found).sum())}
    for source in dict.fromkeys(drawn.source.tolist()):  # in the set's own order
        part = drawn.source == source
        result[source] = accuracy_by_condition(drawn.labels[part], predicted[part],
                                               drawn.conditions[part])
    result["all"] = accuracy_by_condition(drawn.labels, predicted, drawn.conditions)
    return result


def accuracy_by_condition(
    labels: np.ndarray, predicted: np.ndarray, conditions: np.ndarray
) -> dict[str, float]:
    """Labels, predicted digits and conditions, each (n,) -> accuracy per condition and 'all'."""
    labels, predicted, conditions = (np.ravel(a) for a in (labels, predicted, conditions))
    if not len(labels) == len(predicted) == len(conditions):
        raise ValueError(f"lengths differ: {len(labels)} labels, {len(predicted)} predictions, "
                         f"{len(conditions)} conditions")
    if len(labels) == 0:
        raise ValueError("no predictions to score")
    correct = labels == predicted
    # Conditions in the order they first appear, so reports read in the set's own order.
    names = list(dict.fromkeys(conditions.tolist()))
    scores = {name: float(correct[conditions == name].mean()) for name in names}
    scores["all"] = float(correct.mean())
    return scores


def record(model, scores: dict) -> Path:
    """Store `scores` as 'drawn' in the model's record (inside its NAME.npz) -> the file's path."""
    if model.path is None:
        raise MLPError(f"model {model.name} has no file to record its scores beside")
    return update_record(model.path, drawn=scores)
