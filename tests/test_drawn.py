"""The drawn-digit test set: seeded, balanced, in each condition's format, readable, scored."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT
from PIL import Image, ImageDraw
from scipy import ndimage

import mlp
from drawn.conditions import CONDITIONS
from drawn.dataset import (GENERATOR_VERSION, make_drawn_set, mnist_as_drawn, strokes_as_drawn,
                           write_pngs)
from drawn.score import accuracy_by_condition, record, score
from mlp.preprocessing import preprocess, stroke_width

PER_CONDITION = 10


def fake_mnist() -> tuple[np.ndarray, np.ndarray]:
    """Two (28, 28) uint8 digits per label: a ring for 0, a bar for 1, a 7-like hook otherwise."""
    images, labels = [], []
    for label in range(10):
        for shift in (0, 2):
            image = Image.new("L", (28, 28), 0)
            draw = ImageDraw.Draw(image)
            if label == 0:
                draw.ellipse((8 + shift, 4, 19 + shift, 23), outline=255, width=3)
            elif label == 1:
                draw.line((13 + shift, 4, 13 + shift, 23), fill=255, width=3)
            else:
                draw.line((7, 5 + shift, 20, 5 + shift, 12, 23), fill=255, width=3)
            images.append(np.asarray(image))
            labels.append(label)
    return np.stack(images), np.array(labels)


@pytest.fixture(scope="module")
def drawn():
    return make_drawn_set(PER_CONDITION, seed=1, mnist=fake_mnist())


def ink(image: np.ndarray) -> np.ndarray:
    """Any image of the set -> (H, W) float ink in [0, 1], for measuring what was drawn."""
    if image.shape[2] == 4:
        return image[..., 3] / 255.0
    gray = image[..., 0].astype(float)
    if np.median(gray) > 128:  # paper: dark ink on light
        gray = gray.max() - gray
    return gray / gray.max()


def test_same_seed_gives_the_same_set_and_another_seed_another(drawn):
    again = make_drawn_set(PER_CONDITION, seed=1, mnist=fake_mnist())
    other = make_drawn_set(PER_CONDITION, seed=2, mnist=fake_mnist())
    assert len(again) == len(drawn)
    assert all(np.array_equal(a, b) for a, b in zip(again.images, drawn.images))
    for field in ("labels", "conditions", "source"):
        assert np.array_equal(getattr(again, field), getattr(drawn, field))
    pairs = zip(other.images, drawn.images)
    assert all(a.shape != b.shape or not np.array_equal(a, b) for a, b in pairs)


def test_labels_are_balanced_within_each_condition_and_source(drawn):
    assert len(drawn) == len(CONDITIONS) * PER_CONDITION * 2
    assert drawn.labels.dtype == np.int64
    for source in ("strokes", "mnist"):
        for condition in CONDITIONS:
            chosen = (drawn.source == source) & (drawn.conditions == condition)
            counts = np.bincount(drawn.labels[chosen], minlength=10)
            assert counts.tolist() == [PER_CONDITION // 10] * 10


def test_every_condition_has_its_format(drawn):
    assert set(drawn.conditions) == set(CONDITIONS)
    for image, condition in zip(drawn.images, drawn.conditions):
        assert image.dtype == np.uint8
        if condition == "transparent":
            assert image.shape == (280, 280, 4)
            background = image[..., 3] == 0
            assert background.mean() > 0.5 and (image[background][:, :3] == 0).all()
            assert (image[..., 3] == 255).any() and (image[~background][:, :3] == 255).all()
        elif condition == "paper":
            assert image.ndim == 3 and image.shape[2] == 3
            gray = image[..., 0]
            assert 180 <= np.median(gray) <= 245 and gray.min() <= 80
        else:
            assert image.shape == (280, 280, 3)
            assert np.median(image) == 0 and image.max() == 255


def test_conditions_change_what_they_say(drawn):
    def measure(condition, what):
        return [what(ink(im)) for im, c, s in zip(drawn.images, drawn.conditions, drawn.source)
                if c == condition and s == "strokes"]

    def height(ink_map):
        rows = np.flatnonzero((ink_map > 0.5).any(axis=1))
        return (rows[-1] - rows[0] + 1) / ink_map.shape[0]

    def offset(ink_map):
        rows, cols = np.nonzero(ink_map > 0.5)
        middle = np.array([rows.min() + rows.max(), cols.min() + cols.max()]) / 2
        return np.hypot(*(middle - np.array(ink_map.shape) / 2))

    assert all(0.55 <= h <= 0.85 for h in measure("centred", height))
    assert all(0.15 <= h <= 0.35 for h in measure("small_corner", height))
    assert all(d > 90 for d in measure("small_corner", offset))
    assert all(d > 40 for d in measure("off_centre", offset))
    assert all(d < 20 for d in measure("centred", offset))
    assert max(measure("thin", stroke_width)) < 9
    assert min(measure("thick", stroke_width)) > 30
    assert all(14 < w < 30 for w in measure("centred", stroke_width))


def test_every_image_preprocesses_to_a_digit(drawn):
    for image in drawn.images:
        digit = preprocess(image)
        assert digit is not None and digit.shape == (28, 28)
        assert 0.02 < digit.mean() < 0.4  # a thin 1 is little ink; a filled square is too much


def test_mnist_part_draws_each_label_from_images_of_that_label():
    images, labels = fake_mnist()
    drawn = mnist_as_drawn(images, labels, per_condition=10, seed=0)
    assert set(drawn.source) == {"mnist"}
    for image, label, condition in zip(drawn.images, drawn.labels, drawn.conditions):
        if condition not in ("centred", "thick"):
            continue
        _, regions = ndimage.label(ink(image) < 0.5)
        assert (regions > 1) == (label == 0)  # only the rings of the 0s enclose a hole


def test_accuracy_by_condition_counts_per_condition_and_overall():
    scores = accuracy_by_condition(
        labels=np.array([1, 2, 3, 4, 5]),
        predicted=np.array([1, 0, 3, 4, 0]),
        conditions=np.array(["thin", "thin", "paper", "paper", "paper"]),
    )
    assert scores == {"thin": 0.5, "paper": pytest.approx(2 / 3), "all": 0.6}
    with pytest.raises(ValueError):
        accuracy_by_condition(np.array([1, 2]), np.array([1]), np.array(["thin", "thin"]))


def test_write_pngs_writes_images_that_reopen_and_a_matching_csv(tmp_path):
    drawn = make_drawn_set(per_condition=1, seed=0)
    path = write_pngs(drawn, tmp_path / "drawn")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(drawn) == len(CONDITIONS)
    for i, row in enumerate(rows):
        assert row["file"] == f"{i:04d}_{drawn.conditions[i]}_strokes_{drawn.labels[i]}.png"
        assert (int(row["label"]), row["condition"], row["source"]) == (
            drawn.labels[i], drawn.conditions[i], "strokes")
        with Image.open(path.parent / row["file"]) as image:
            assert np.array_equal(np.asarray(image), drawn.images[i])


def test_score_reports_every_condition_and_what_was_scored(classic_model):
    scores = score(classic_model, strokes_as_drawn(per_condition=10, seed=0))
    assert scores["n"] == 10 * len(CONDITIONS) and scores["blank"] == 0
    assert (scores["generator_version"], scores["seed"], scores["per_condition"]) == (
        GENERATOR_VERSION, 0, 10)
    assert list(scores["strokes"]) == [*CONDITIONS, "all"] and "mnist" not in scores
    assert scores["all"]["all"] >= 0.9  # the plain classic model already reads most drawings


def test_the_default_model_reads_drawings_and_mnist(mnist, default_model):
    """The shipped default against its targets, on a small slice of the drawn set (fast)."""
    scores = score(default_model, make_drawn_set(per_condition=20, seed=1,
                                         mnist=(mnist.x_test, mnist.y_test)))
    assert scores["n"] == 20 * len(CONDITIONS) * 2
    assert scores["all"]["all"] >= 0.97
    assert min(scores["all"].values()) >= 0.85, scores  # 40 drawings a condition: 0.9 +- sampling


def test_record_stores_the_scores_in_the_models_record(tmp_path, classic_model):
    model_path = tmp_path / "copy.npz"
    model_path.write_bytes(classic_model.path.read_bytes())
    model = mlp.load_model(model_path)
    scores = score(model, make_drawn_set(per_condition=1, seed=0, mnist=fake_mnist()))
    record(model, scores)
    stored = mlp.load_model(model_path).record
    assert stored["drawn"] == scores and stored["drawn"]["generator_version"] == GENERATOR_VERSION
    assert stored["test_accuracy"] == classic_model.record["test_accuracy"]  # the rest is kept


# --- python -m drawn, run as a user runs it


def run(*args, mnist_npz=None):
    """python -m drawn ARGS in a subprocess, with $MNIST_NPZ set to `mnist_npz` or unset."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("MNIST_NPZ", "TF_CPP_MIN_LOG_LEVEL")}
    if mnist_npz is not None:
        environment["MNIST_NPZ"] = str(mnist_npz)
    return subprocess.run([sys.executable, "-m", "drawn", *map(str, args)], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=600)


def test_score_command_prints_one_json_object(tmp_path, mnist):
    sample = tmp_path / "sample.npz"  # a few hundred test digits in the Keras layout
    x, y = mnist.x_test[:300], mnist.y_test[:300]
    np.savez(sample, x_train=x, y_train=y, x_test=x, y_test=y)
    result = run("score", "--model", "classic", "--per-condition", 5, "--json", mnist_npz=sample)
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["model"] == "classic" and scores["generator_version"] == GENERATOR_VERSION
    assert scores["n"] == 5 * len(CONDITIONS) * 2
    assert set(scores["strokes"]) == set(scores["mnist"]) == {*CONDITIONS, "all"}


def test_write_command_without_mnist_writes_the_stroke_drawings(tmp_path):
    result = run("write", "--out", tmp_path / "set", "--per-condition", 2, "--seed", 4)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "no MNIST file (--data or $MNIST_NPZ): stroke drawings only\n"
    with (tmp_path / "set" / "labels.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    expected = make_drawn_set(per_condition=2, seed=4)
    assert len(rows) == len(expected) == 2 * len(CONDITIONS)
    assert [row["source"] for row in rows] == ["strokes"] * len(rows)
    with Image.open(tmp_path / "set" / rows[-1]["file"]) as image:
        assert np.array_equal(np.asarray(image), expected.images[-1])


@pytest.mark.parametrize("args, message", [
    (("score", "--per-condition", 0), "--per-condition: must be at least 1, got 0"),
    (("score", "--seed", -1), "--seed: must be at least 0, got -1"),
])
def test_bad_flags_are_refused_at_parse_time(args, message):
    result = run(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args, message", [
    (("score", "--model", "nope"), "no model named 'nope'"),
    (("score", "--data", "missing.npz"), "MNIST file not found"),
    (("score", "--record"), "--record needs MNIST"),
])
def test_errors_are_one_line_without_traceback(args, message):
    result = run(*args)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
