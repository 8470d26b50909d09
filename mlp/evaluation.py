"""Scores of a model on labelled images: accuracy, confusion, per-class precision/recall."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mlp.network import predict_proba
from mlp.shapes import CLASSES


@dataclass(frozen=True)
class Evaluation:
    """What a model got right and wrong on n labelled images."""

    labels: np.ndarray  # (n,) true digits
    probabilities: np.ndarray  # (n, 10)

    @cached_property
    def predicted(self) -> np.ndarray:
        """(n,) the most likely digit of each image."""
        return self.probabilities.argmax(axis=1)

    @cached_property
    def confidence(self) -> np.ndarray:
        """(n,) the probability of the predicted digit."""
        return self.probabilities.max(axis=1)

    @cached_property
    def accuracy(self) -> float:
        return float(np.mean(self.predicted == self.labels))

    @cached_property
    def confusion(self) -> np.ndarray:
        """(10, 10) counts: row = true digit, column = predicted digit."""
        return confusion_matrix(self.labels, self.predicted)

    @property
    def confusion_shares(self) -> np.ndarray:
        """(10, 10) each row of the confusion matrix as shares of that digit's test images."""
        confusion = self.confusion
        return _ratio(confusion, confusion.sum(axis=1, keepdims=True))

    @property
    def error_count(self) -> int:
        """How many images the model got wrong."""
        return int((self.predicted != self.labels).sum())

    @property
    def precision(self) -> np.ndarray:
        """(10,) of the images predicted as each digit, the share that were that digit."""
        confusion = self.confusion
        return _ratio(np.diag(confusion), confusion.sum(axis=0))

    @property
    def recall(self) -> np.ndarray:
        """(10,) of the images of each digit, the share predicted as that digit."""
        confusion = self.confusion
        return _ratio(np.diag(confusion), confusion.sum(axis=1))

    def misclassified(self, true: int | None = None, predicted: int | None = None) -> np.ndarray:
        """Indices of the wrong predictions, most confident first; optionally one true/predicted digit."""
        wrong = self.predicted != self.labels
        if true is not None:
            wrong &= self.labels == true
        if predicted is not None:
            wrong &= self.predicted == predicted
        indices = np.flatnonzero(wrong)
        return indices[np.argsort(-self.confidence[indices], kind="stable")]

    def to_dict(self) -> dict:
        """A JSON-ready summary."""
        return {
            "accuracy": self.accuracy,
            "n": int(len(self.labels)),
            "errors": self.error_count,
            "confusion": self.confusion.tolist(),
            "precision": [round(float(v), 6) for v in self.precision],
            "recall": [round(float(v), 6) for v in self.recall],
        }


def evaluate(model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Score `model` on float32 (n, 28, 28) images in [0, 1] and (n,) labels."""
    return Evaluation(labels=np.asarray(labels), probabilities=predict_proba(model, images))


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(n,) true and (n,) predicted digits -> (10, 10) int64 counts, row = true."""
    return np.bincount(np.asarray(labels) * CLASSES + np.asarray(predicted),
                       minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator, denominator = np.broadcast_arrays(numerator, denominator)
    out = np.zeros(numerator.shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
