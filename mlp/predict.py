"""Class probabilities for one image or a batch, on the NumPy forward pass."""

from __future__ import annotations

import numpy as np

from mlp.model import Classifier, from_keras

BATCH = 4096  # rows per matrix product: bounds memory for wide models on big batches


def predict_proba(model, x: np.ndarray) -> np.ndarray:
    """(28, 28) -> (10,) or (n, 28, 28) -> (n, 10) float32 probabilities.

    `model` is a Classifier (from load_model) or a Keras model; `x` is float32 in [0, 1],
    white digit on black, as `preprocess` returns. Safe to call from many threads at once.
    """
    if not isinstance(model, Classifier):
        model = from_keras(model, name="model")
    x = np.asarray(x, dtype=np.float32)
    if x.shape == (28, 28):
        return model.network(x[None])[0]
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"expected (28, 28) or (n, 28, 28) images, got {x.shape}")
    if len(x) <= BATCH:
        return model.network(x)
    return np.concatenate([model.network(x[i : i + BATCH]) for i in range(0, len(x), BATCH)])


def top_k(probabilities: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
    """(10,) probabilities -> the k most likely (digit, probability), most likely first."""
    order = np.argsort(-probabilities, kind="stable")[:k]  # ties: the smaller digit first
    return [(int(digit), float(probabilities[digit])) for digit in order]
