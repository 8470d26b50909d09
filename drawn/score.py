"""A model's accuracy on the drawn set (overall, per condition, source and style), and how
often its not-a-digit check flags drawings that are not digits and digits that are."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from drawn.dataset import GENERATOR_VERSION, DrawnSet
from drawn.fonts import FONT_VERSION, FONTS, PACKAGES, FontSet
from drawn.not_digits import NOT_DIGIT_VERSION, NotDigitSet
from drawn.strokes import digit_styles
from mlp.digit_check import looks_like_digit
from mlp.errors import MLPError
from mlp.model import update_record
from mlp.network import predict_proba
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
    strokes = drawn.source == "strokes"
    if strokes.any():  # per style: the stroke drawings only (an MNIST digit has no style name)
        by_style = accuracy_by_condition(drawn.labels[strokes], predicted[strokes],
                                         drawn.styles[strokes])
        # In the styles' own order, digit by digit, rather than the order they were drawn in.
        result["styles"] = {name: by_style[name] for name in [*digit_styles(), "all"]
                            if name in by_style}
        held_out = np.array([digit_styles()[name].held_out for name in drawn.styles[strokes]])
        correct = drawn.labels[strokes] == predicted[strokes]
        result["held_out_styles"] = sorted(set(drawn.styles[strokes][held_out].tolist()))
        # None where the set drew no style of that side (a set of a drawing or two a condition).
        for key, side in (("styles_seen_in_training", ~held_out), ("styles_held_out", held_out)):
            result[key] = float(correct[side].mean()) if side.any() else None
    return result


def score_fonts(model, fonts: FontSet) -> dict:
    """Accuracy of `model` on digits in handwriting fonts: per font, per condition, and per
    digit on the held-out fonts and on the training ones (new drawings of them)."""
    if not len(fonts):
        raise MLPError("no handwriting font is installed to score on "
                       f"(apt-get install {PACKAGES})")
    inputs = [preprocess(image) for image in fonts.images]
    found = np.array([x is not None for x in inputs])
    predicted = np.full(len(inputs), -1)
    if found.any():
        predicted[found] = predict_proba(model, np.stack([x for x in inputs if x is not None])
                                         ).argmax(axis=1)
    held_out = np.array([FONTS[name].held_out for name in fonts.fonts])
    digits = np.char.mod("%d", fonts.labels)
    return {"font_version": FONT_VERSION, "seed": fonts.seed,
            "per_condition": fonts.per_condition, "n": len(fonts), "missing": list(fonts.missing),
            "held_out_fonts": sorted(set(fonts.fonts[held_out].tolist())),
            "fonts": accuracy_by_condition(fonts.labels, predicted, fonts.fonts),
            "conditions": accuracy_by_condition(fonts.labels, predicted, fonts.conditions),
            "held_out_digits": accuracy_by_condition(fonts.labels[held_out], predicted[held_out],
                                                     digits[held_out]) if held_out.any() else {},
            "training_font_digits": accuracy_by_condition(
                fonts.labels[~held_out], predicted[~held_out], digits[~held_out])
            if (~held_out).any() else {}}


def flagged(model, inputs: list[np.ndarray | None]) -> np.ndarray:
    """Model inputs, each (28, 28) or None where `preprocess` found no ink -> (n,) bool: the
    check says it is not a digit. A blank drawing counts as flagged: no digit is in it."""
    result = np.ones(len(inputs), dtype=bool)
    found = np.array([x is not None for x in inputs], dtype=bool)
    if found.any():
        verdicts = looks_like_digit(model, np.stack([x for x in inputs if x is not None]))
        if verdicts is None:
            raise MLPError(f"model {model.name} has no not-a-digit check "
                           "(python -m mlp fit-check adds one)")
        result[found] = ~verdicts
    return result


def score_not_digits(model, not_digits: NotDigitSet, drawn: DrawnSet,
                     mnist_test: np.ndarray | None = None) -> dict:
    """How often the check flags non-digits (per kind, held-out kinds apart) and digits.

    `drawn` is the drawn-digit set; `mnist_test` (n, 28, 28) uint8, if given, MNIST's test digits.
    """
    flags = flagged(model, [preprocess(image) for image in not_digits.images])
    held_out = not_digits.held_out
    kinds = list(dict.fromkeys(not_digits.kinds.tolist()))
    result = {"generator_version": NOT_DIGIT_VERSION, "seed": not_digits.seed,
              "n": len(not_digits), "not_digits_flagged": float(flags.mean()),
              "seen_kinds_flagged": float(flags[~held_out].mean()),
              "held_out_kinds_flagged": float(flags[held_out].mean()),
              "held_out_kinds": [k for k in kinds if held_out[not_digits.kinds == k][0]],
              "kinds": {k: float(flags[not_digits.kinds == k].mean()) for k in kinds}}
    drawn_flags = flagged(model, [preprocess(image) for image in drawn.images])
    result["drawn_digits_flagged"] = float(drawn_flags.mean())
    result["drawn_n"] = len(drawn)
    for source in dict.fromkeys(drawn.source.tolist()):
        result[f"drawn_{source}_flagged"] = float(drawn_flags[drawn.source == source].mean())
    if mnist_test is not None:
        result["mnist_test_flagged"] = float(flagged(model, list(mnist_test / 255.0)).mean())
        result["mnist_n"] = len(mnist_test)
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


def record(model, scores: dict, key: str = "drawn") -> Path:
    """Store `scores` as `key` in the model's record (inside its NAME.npz) -> the file's path."""
    if model.path is None:
        raise MLPError(f"model {model.name} has no file to record its scores beside")
    return update_record(model.path, **{key: scores})
