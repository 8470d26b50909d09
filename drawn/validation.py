"""Choosing between training recipes without looking at the test sets.

A recipe is trained on MNIST's first 50,000 training digits (`validation_split` writes that
file, with the last 10,000 as its test part) and scored here on what none of the test sets
holds: those 10,000 digits plain and redrawn under the conditions, stroke drawings in the
training styles only, and non-digits of the training kinds, all from a seed (1) the test sets
(seed 0) and the training data (seed 0) never use. The errors are summed into one number.
"""

from __future__ import annotations

import numpy as np

from drawn.dataset import mnist_as_drawn, strokes_as_drawn
from drawn.not_digits import make_not_digit_set
from drawn.score import flagged
from drawn.strokes import digit_styles
from mlp.network import predict_proba
from mlp.preprocessing import preprocess

HELD_BACK = 10_000  # MNIST's last training digits, left out of the runs being compared


def validation_split(x_train: np.ndarray, y_train: np.ndarray) -> dict[str, np.ndarray]:
    """MNIST's training set -> the arrays of an mnist.npz whose test part is its last digits."""
    return {"x_train": x_train[:-HELD_BACK], "y_train": y_train[:-HELD_BACK],
            "x_test": x_train[-HELD_BACK:], "y_test": y_train[-HELD_BACK:]}


def trained_on_held_back(record: dict, split_sha256: str) -> str | None:
    """Why a model's validation figures could count digits it was trained on, or None.

    The model must have been trained on the split itself, and any redrawn MNIST digits in its
    extra training data must come from the split's training part, not from all of MNIST's
    training digits, which hold the ones held back.
    """
    trained_on = (record.get("data") or {}).get("sha256")
    if trained_on != split_sha256:
        return ("its record does not say which MNIST file it was trained on" if not trained_on
                else "it was trained on another MNIST file than this split")
    extra = record.get("extra_data")
    if not extra:
        return None
    source = extra.get("source", "its extra data")
    if "redrawn_from" not in extra:
        return f"its record does not say whose digits {source} redraws; train it again"
    if extra["redrawn_from"] not in (None, split_sha256):
        return (f"{source} redraws the training digits of "
                f"another MNIST file, held-back digits among them; draw it from this split "
                f"(`python -m drawn training-set --data SPLIT`)")
    return None


def validate(model, x_val: np.ndarray, y_val: np.ndarray, seed: int = 1) -> dict:
    """A model's errors on the held-back digits, plain and redrawn, and on training-style
    strokes; with a check, how often it flags training-kind non-digits and the digits."""
    plain = x_val.astype(np.float32) / 255.0
    redrawn = mnist_as_drawn(x_val, y_val, per_condition=200, seed=seed)
    strokes = strokes_as_drawn(per_condition=100, seed=seed)
    seen = np.array([not digit_styles()[name].held_out for name in strokes.styles])
    x_redrawn = np.stack([preprocess(image) for image in redrawn.images])
    x_strokes = np.stack([preprocess(image) for image, keep in zip(strokes.images, seen) if keep])

    def errors(x, labels):
        return int((predict_proba(model, x).argmax(axis=1) != labels).sum())

    result = {"seed": seed, "mnist_errors": errors(plain, y_val), "mnist_n": len(y_val),
              "redrawn_errors": errors(x_redrawn, redrawn.labels), "redrawn_n": len(redrawn),
              "strokes_errors": errors(x_strokes, strokes.labels[seen]),
              "strokes_n": int(seen.sum())}
    result["errors"] = result["mnist_errors"] + result["redrawn_errors"] + result["strokes_errors"]
    if model.check is not None:
        not_digits = make_not_digit_set(per_kind=30, seed=seed, part="training", held_out=False)
        x_not = [preprocess(image) for image in not_digits.images]
        result |= {"not_digits_flagged": float(flagged(model, x_not).mean()),
                   "mnist_flagged": float(flagged(model, list(plain)).mean()),
                   "redrawn_flagged": float(flagged(model, list(x_redrawn)).mean())}
    return result
