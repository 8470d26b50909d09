"""The class's numbers (mlp.class_numbers) on hand-made labelled drawings."""

import numpy as np

from mlp import class_numbers as numbers


def test_the_confusion_counts_each_meant_digit_against_the_digit_read():
    meant = np.array([7, 7, 7, 1, 3], dtype=np.uint8)  # uint8, as the store hands them out
    read = np.array([7, 1, 1, 1, 8], dtype=np.uint8)
    counts = numbers.confusion(meant, read)
    assert counts.shape == (10, 10) and counts.sum() == 5
    assert counts[7, 7] == 1 and counts[7, 1] == 2 and counts[1, 1] == 1 and counts[3, 8] == 1


def test_accuracy_per_digit_is_the_share_read_right_and_nan_without_drawings():
    counts = numbers.confusion([7, 7, 7, 1, 3], [7, 1, 1, 1, 8])
    accuracy = numbers.accuracy_per_digit(counts)
    assert accuracy[7] == 1 / 3 and accuracy[1] == 1.0 and accuracy[3] == 0.0
    assert np.isnan(accuracy[[0, 2, 4, 5, 6, 8, 9]]).all()


def test_digits_read_worse_than_mnist_need_enough_drawings_and_a_real_gap():
    meant = [7] * 4 + [1] * 4 + [3] * 2
    read = [7, 1, 1, 1] + [1, 1, 1, 1] + [8, 8]  # 7s: 1 of 4; 1s: all; 3s: none, but only two
    counts = numbers.confusion(meant, read)
    mnist = np.full(10, 0.98)
    assert numbers.worse_than_mnist(numbers.accuracy_per_digit(counts), counts, mnist) == [7]
    assert numbers.worse_than_mnist(numbers.accuracy_per_digit(counts), counts, mnist, min_drawings=2) == [3, 7]


def test_the_hardest_drawings_are_those_whose_meant_digit_was_least_likely():
    probabilities = np.full((4, 10), 0.05)
    probabilities[0, 2], probabilities[1, 5], probabilities[2, 5], probabilities[3, 9] = 0.55, 0.9, 0.01, 0.3
    meant = np.array([2, 5, 5, 9], dtype=np.uint8)
    assert numbers.hardest(probabilities, meant, count=3).tolist() == [2, 3, 0]


def test_aggregates_are_shown_from_five_contributors():
    assert not numbers.shown(4) and numbers.shown(5) and numbers.MIN_CONTRIBUTORS == 5
