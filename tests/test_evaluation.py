import numpy as np
import pytest

from mlp.evaluation import Evaluation, confusion_matrix


def _evaluation():
    labels = np.array([0, 0, 1, 1, 2, 2])
    predicted = np.array([0, 1, 1, 1, 0, 2])
    confidence = np.array([0.9, 0.7, 0.8, 0.6, 0.95, 0.5])
    probabilities = np.full((6, 10), 0.0)
    probabilities[np.arange(6), predicted] = confidence
    probabilities[np.arange(6), 9] = 1 - confidence  # the rest, on a digit never predicted
    return Evaluation(labels, probabilities)


def test_confusion_counts_rows_as_true_digits():
    confusion = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]))
    assert confusion.shape == (10, 10)
    assert confusion[0, 0] == 1 and confusion[0, 1] == 1 and confusion[2, 1] == 1
    assert confusion.sum() == 4


def test_accuracy_precision_recall():
    result = _evaluation()
    assert result.accuracy == pytest.approx(4 / 6)
    assert result.precision[:3] == pytest.approx([1 / 2, 2 / 3, 1.0])
    assert result.recall[:3] == pytest.approx([1 / 2, 1.0, 1 / 2])
    assert result.precision[5] == 0.0  # no image predicted as 5: 0, not a division error


def test_misclassified_are_sorted_by_confidence_and_filter():
    result = _evaluation()
    assert result.misclassified().tolist() == [4, 1]  # 0.95 before 0.7
    assert result.misclassified(true=0).tolist() == [1]
    assert result.misclassified(predicted=0).tolist() == [4]
    assert result.misclassified(true=1).tolist() == []


def test_to_dict_is_json_ready():
    import json

    summary = json.loads(json.dumps(_evaluation().to_dict()))
    assert summary["n"] == 6 and summary["errors"] == 2 and len(summary["confusion"]) == 10
