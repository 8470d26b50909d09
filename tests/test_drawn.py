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
from drawn.not_digits import NOT_DIGIT_VERSION
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
        elif condition == "scanned_small":
            assert image.ndim == 3 and 8 + 2 <= max(image.shape[:2]) <= 16 + 4
            gray = image[..., 0]
            background = 255 if np.median(gray) > 127 else 0  # dark on light, or light on dark
            edge = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
            assert (edge == background).all() and (gray != background).any()
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


@pytest.mark.slow
def test_training_set_and_validation_split_commands_write_what_they_say(tmp_path, mnist):
    from drawn.training import training_set
    from drawn.validation import HELD_BACK

    data = tmp_path / "mnist.npz"  # enough training digits to hold 10,000 back
    x = np.concatenate([mnist.x_train] * (HELD_BACK // len(mnist.x_train) + 2))
    y = np.concatenate([mnist.y_train] * (HELD_BACK // len(mnist.y_train) + 2))
    np.savez(data, x_train=x, y_train=y, x_test=mnist.x_test, y_test=mnist.y_test)
    result = run("training-set", "--out", tmp_path / "train", "--digits", 20, "--not-digits", 10,
                 "--mnist-digits", 10, "--font-digits", 10, mnist_npz=data)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert ("40 digits (10 of them MNIST training digits redrawn, 10 in handwriting fonts), "
            "10 non-digits") in result.stdout
    in_one_process = training_set(20, 10, 0, mnist=(x, y), mnist_digits=10, font_digits=10)
    with np.load(tmp_path / "train.npz") as written:
        assert written["x"].shape == (40, 28, 28) and len(written["x_not_digits"]) == 10
        assert str(written["mnist_sha256"]) == mlp.load_mnist(data).sha256
        # the command draws the parts in processes of their own: the same arrays
        assert all(np.array_equal(written[key], value) for key, value in in_one_process.items())
    result = run("validation-split", "--out", tmp_path / "split", "--data", data)
    assert result.returncode == 0, result.stderr
    split = mlp.load_mnist(tmp_path / "split.npz")
    assert len(split.x_test) == HELD_BACK and len(split.x_train) == len(x) - HELD_BACK
    assert np.array_equal(split.x_test, x[-HELD_BACK:])
    result = run("validate", "--model", "classic", "--data", tmp_path / "split.npz")
    assert result.returncode == 1 and result.stdout == ""  # classic learnt the held-back digits
    assert result.stderr.startswith("error: classic cannot be validated on split.npz: it was "
                                    "trained on another MNIST file"), result.stderr


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


# --- the styles of other countries and hands, and what is held out of training


def test_the_new_styles_exist_and_every_style_renders_to_its_digit_shape():
    from drawn.strokes import digit_styles

    styles = digit_styles()
    for name in ("1_long_flag", "1_long_flag_base", "7_plain", "7_crossbar", "7_continental",
                 "4_open", "4_closed", "4_one_stroke", "4_curled_stem", "9_curled_stem",
                 "9_small_loop_curl", "2_plain", "2_loop", "0_slashed", "5_joined", "7_joined"):
        assert name in styles, name
    drawn = strokes_as_drawn(per_condition=90, seed=3)
    assert set(drawn.styles) == set(styles)  # 90 a condition draw every style somewhere
    for name, style in styles.items():
        assert name.startswith(f"{style.digit}_")
        chosen = drawn.styles == name
        assert (drawn.labels[chosen] == style.digit).all()
        digit = preprocess(drawn.images[int(np.flatnonzero(chosen)[0])])
        assert digit is not None and 0.02 < digit.mean() < 0.4


def test_every_digit_has_training_styles_and_the_held_out_ones_are_apart():
    from drawn.strokes import digit_styles, styles_of

    styles = digit_styles()
    held_out = {name for name, style in styles.items() if style.held_out}
    assert 8 <= len(held_out) <= len(styles) // 3
    for digit in range(10):
        assert styles_of(digit, held_out=False), digit  # something to train on for each digit
        assert set(styles_of(digit, held_out=True)) <= held_out


def test_the_training_set_draws_no_held_out_style_or_kind_and_no_test_stream():
    from drawn.not_digits import not_digit_kinds
    from drawn.streams import rng_for
    from drawn.strokes import digit_styles
    from drawn.training import training_set

    arrays = training_set(digits=60, not_digits=40, seed=0)
    assert arrays["x"].shape == (60, 28, 28) and arrays["x"].dtype == np.uint8
    assert arrays["x_not_digits"].shape == (40, 28, 28)
    assert not any(digit_styles()[name].held_out for name in arrays["styles"])
    assert (arrays["y"] == [digit_styles()[name].digit for name in arrays["styles"]]).all()
    # Training-only kinds are drawn for training too: the cycle reaches them.
    assert any(not not_digit_kinds()[kind].measured for kind in arrays["not_digit_kinds"])
    assert not any(not_digit_kinds()[kind].held_out for kind in arrays["not_digit_kinds"])
    # The same seed, another part: the streams differ, so no test drawing is ever trained on.
    for name in (("strokes", "centred"), ("mnist", "centred"), ("not_digit", "x"), ("new", "one")):
        assert rng_for("training", 0, *name).random() != rng_for("test", 0, *name).random()
    test_set = make_drawn_set(per_condition=10, seed=0)
    test_inputs = {preprocess(image).tobytes() for image in test_set.images}
    trained = {(x.astype(np.float32) / 255).tobytes() for x in arrays["x"]}
    assert not test_inputs & trained


# --- the random streams, by name: the same numbers and drawings as when they were keyed by place

# The conditions and non-digit kinds as they stood at commit e171165, in their order there.
CONDITIONS_AT_E171165 = ("centred", "small_corner", "off_centre", "tilted", "thin", "thick",
                         "transparent", "paper", "stray_dot", "sloppy", "finger")
KINDS_AT_E171165 = (
    "letter_A", "letter_E", "letter_F", "letter_H", "letter_M", "letter_N", "letter_D",
    "letter_L", "letter_P", "letter_U", "letter_V", "letter_e", "letter_h", "letter_m",
    "letter_n", "letter_r", "square", "triangle", "x", "plus", "dash", "check", "smiley",
    "scribble", "zigzag", "two_digits", "doodle", "letter_K", "letter_R", "letter_W", "letter_Y",
    "letter_k", "letter_w", "star", "heart", "spiral", "hash", "arrow", "three_digits",
    "letter_T", "letter_G", "letter_a", "letter_d", "letter_f", "letter_p", "letter_t",
    "letter_u", "lines", "loops", "wave", "word", "cloud", "fish", "house", "moon",
)


def test_every_named_stream_gives_the_numbers_its_integer_key_gave_at_e171165():
    """The first eight 64-bit words of every stream of commit e171165, hashed together.

    The digest was recorded by running that commit's code (drawn.dataset.generator(part, 7,
    source, place), and generator("training", 7, 0 / 1 / 3)) BEFORE the streams were named.
    PCG64's words are integers: the same on every machine.
    """
    from hashlib import sha256

    from drawn.streams import rng_for

    names = []
    for part in ("test", "training"):
        names += [(part, source, condition) for source in ("strokes", "mnist")
                  for condition in CONDITIONS_AT_E171165]
        names += [(part, "not_digit", kind) for kind in KINDS_AT_E171165]
    names += [("training", stream) for stream in ("stroke_digits", "not_digits", "redrawn_mnist")]
    digest = sha256()
    for part, *name in names:
        words = rng_for(part, 7, *name).bit_generator.random_raw(8)
        digest.update(str(words.shape).encode())
        digest.update(words.tobytes())
    assert len(names) == 157 and digest.hexdigest()[:16] == "f8cbb6a7b00e6483"


def _of_conditions_at_e171165(drawn_set):
    """The drawings of a set drawn under the conditions that existed then (none added since)."""
    return [image for image, condition in zip(drawn_set.images, drawn_set.conditions)
            if condition in CONDITIONS_AT_E171165]


def test_every_drawing_is_the_one_the_code_of_e171165_drew():
    """Each part's drawings against their mean grey levels, recorded from commit e171165.

    All but what version 4 of the digit set draws anew: the test set's stroke drawings (a
    stream for each style under each condition), and whatever picks among the styles, which
    are more (the training digits, the kinds that write digits side by side). Since version 5,
    the MNIST digits redrawn for training are drawn anew too: they pick among the conditions,
    which are more (scanned small); the test set's drawings under the older conditions are not.

    The means were recorded by running that commit's code (streams keyed by integers) on these
    calls BEFORE the streams were named. Bit for bit on the machine they were recorded on; a
    CPU without AVX-512 rounds a sine or two otherwise (up to 0.04 of a grey level), while a
    drawing from another stream moves its mean by whole grey levels.
    """
    from drawn.not_digits import make_not_digit_set
    from drawn.training import training_not_digits

    recorded = {
        "mnist": [35.95, 18.5, 3.89, 2.72, 21.4, 9.44, 41.24, 21.38, 7.53, 2.22, 52.67, 30.19,
                  50.5, 20.46, 199.29, 205.0, 44.07, 18.23, 31.07, 27.73, 74.75, 30.34],
        "not_digits": [31.56, 4.19, 18.34, 38.31, 7.1, 66.73, 30.5, 224.77, 26.88, 26.15, 36.77,
                       38.74, 4.54, 25.1, 34.25, 6.66, 78.11, 36.78, 207.98, 22.88, 12.95, 32.62,
                       52.59, 11.69, 18.77, 50.38, 11.43, 67.29, 31.16, 198.29, 20.24, 21.43,
                       56.48, 52.06, 7.62, 38.8, 52.19, 7.53, 60.28, 202.0, 41.13, 58.87, 42.33],
        "not_digits_training": [27.55, 6.94, 17.79, 35.06, 7.65, 76.02, 33.47, 217.18, 26.91,
                                24.58, 32.28, 35.61, 5.58, 24.86, 31.38, 4.66, 70.28, 46.25,
                                199.42, 31.73, 11.96, 46.44, 61.68, 9.45, 23.03, 46.23, 21.94,
                                5.97],
        "training_not_digits": [27.14, 53.39, 28.63, 26.46, 56.25, 40.08, 23.48, 25.72, 23.2,
                                31.46],
    }
    x, y = fake_mnist()
    drawn_now = {
        "mnist": _of_conditions_at_e171165(mnist_as_drawn(x, y, per_condition=2, seed=3)),
        "not_digits": make_not_digit_set(per_kind=1, seed=3),
        "not_digits_training": make_not_digit_set(per_kind=1, seed=3, part="training",
                                                  held_out=False),
        "training_not_digits": training_not_digits(10, seed=3)[0],
    }
    for part, drawings in drawn_now.items():
        kept = np.ones(len(recorded[part]), dtype=bool)
        if hasattr(drawings, "kinds"):  # a non-digit set: the kinds that write no digit
            kept = ~np.isin(drawings.kinds, ["two_digits", "three_digits"])
            drawings = drawings.images
        means = np.array([np.mean(image) for image in drawings])
        assert len(means) == len(recorded[part]), part
        assert np.allclose(means[kept], np.array(recorded[part])[kept], rtol=0, atol=0.2), part


def test_a_new_condition_moves_no_other_conditions_drawings(monkeypatch):
    import drawn.dataset
    from drawn.conditions import Condition

    before = strokes_as_drawn(per_condition=3, seed=0)
    # A new condition first in the table, where a key by place would move every other one.
    monkeypatch.setattr(drawn.dataset, "CONDITIONS", {"scrawled": Condition(wobble=0.05),
                                                      **CONDITIONS})
    after = strokes_as_drawn(per_condition=3, seed=0)
    assert list(after.conditions[:3]) == ["scrawled"] * 3
    assert all(np.array_equal(a, b) for a, b in zip(before.images, after.images[3:]))


def test_a_new_streams_key_comes_from_its_name_the_same_in_every_process():
    from drawn.streams import LEGACY_KEYS, stream_key

    key = stream_key("test", "strokes", "scrawled")
    assert key[0] == 0 and key[1:] not in LEGACY_KEYS.values()
    assert stream_key("test", "strokes", "scrawled ") != key  # another name, another stream
    code = "from drawn.streams import stream_key; print(stream_key('test', 'strokes', 'scrawled'))"
    for hash_seed in ("1", "2"):  # Python's own hash() of a str differs with PYTHONHASHSEED
        printed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                 text=True, env=os.environ | {"PYTHONHASHSEED": hash_seed},
                                 timeout=60)
        assert printed.stdout.strip() == str(key), printed.stderr
    with pytest.raises(ValueError, match="no part 'validation'"):
        stream_key("validation", "strokes", "centred")


def test_redrawn_mnist_training_digits_keep_their_labels_and_are_drawings_not_copies(mnist):
    from drawn.dataset import MNIST_STYLE
    from drawn.training import redrawn_mnist, training_set

    x, y = redrawn_mnist(mnist.x_train, mnist.y_train, 50, seed=0)
    assert x.shape == (50, 28, 28) and x.dtype == np.uint8 and set(y) <= set(range(10))
    assert np.array_equal(x, redrawn_mnist(mnist.x_train, mnist.y_train, 50, seed=0)[0])
    # Each is an MNIST training digit of its label, redrawn: the model reads them as their label
    # about as well as MNIST itself, and none is the training image unchanged.
    reads = mlp.load_model("classic").network(x.astype(np.float32) / 255).argmax(axis=1)
    assert np.mean(reads == y) >= 0.8
    originals = {image.tobytes() for image in mnist.x_train}
    assert not any(image.tobytes() in originals for image in x)
    arrays = training_set(digits=20, not_digits=10, seed=0, mnist=(mnist.x_train, mnist.y_train),
                          mnist_digits=30)
    assert len(arrays["x"]) == 50 and (arrays["styles"][20:] == MNIST_STYLE).all()
    assert np.array_equal(arrays["x"][20:], redrawn_mnist(mnist.x_train, mnist.y_train, 30, 0)[0])
    with pytest.raises(ValueError, match="needs MNIST"):
        training_set(digits=10, not_digits=10, mnist_digits=5)


def test_the_not_digit_set_has_training_and_held_out_kinds_that_render():
    from drawn.not_digits import make_not_digit_set, not_digit_kinds

    kinds = not_digit_kinds()
    for name in ("x", "dash", "scribble", "smiley", "two_digits", "letter_A", "square"):
        assert name in kinds and not kinds[name].held_out
    assert sum(kind.held_out for kind in kinds.values()) >= 6
    measured = {name for name, kind in kinds.items() if kind.measured}
    assert not any(kinds[name].held_out for name in set(kinds) - measured)  # training only
    drawings = make_not_digit_set(per_kind=2, seed=0)
    assert len(drawings) == 2 * len(measured) and set(drawings.kinds) == measured
    assert (drawings.held_out == [kinds[k].held_out for k in drawings.kinds]).all()
    for image in drawings.images:
        assert preprocess(image) is not None
    assert len(make_not_digit_set(per_kind=1, seed=0, held_out=True)) == sum(
        kind.held_out for kind in kinds.values())


def test_score_reports_every_style_and_the_held_out_ones(classic_model):
    from drawn.strokes import digit_styles

    drawings = strokes_as_drawn(per_condition=90, seed=0)  # every style, the 4's nine included
    scores = score(classic_model, drawings)
    assert list(scores["styles"]) == [*digit_styles(), "all"]
    assert scores["held_out_styles"] == sorted(n for n, s in digit_styles().items() if s.held_out)
    # Read again here, one drawing at a time through the network itself: the share of the
    # held-out styles' drawings read right, and of the others'.
    read = np.array([classic_model.network(preprocess(image).reshape(1, 784)).argmax()
                     for image in drawings.images])
    held_out = np.array([digit_styles()[name].held_out for name in drawings.styles])
    right = read == drawings.labels
    assert 0 < held_out.sum() < len(held_out)
    assert scores["styles_held_out"] == pytest.approx(right[held_out].mean())
    assert scores["styles_seen_in_training"] == pytest.approx(right[~held_out].mean())
    for name in ("7_continental", "1_long_flag"):
        assert scores["styles"][name] == pytest.approx(right[drawings.styles == name].mean())


# --- the shipped default against the targets, on samples (fast)


def test_the_default_models_check_flags_obvious_non_digits_and_passes_mnist(mnist, default_model):
    from conftest import within_sampling_error

    from drawn.not_digits import make_not_digit_set
    from drawn.score import flagged

    drawings = make_not_digit_set(per_kind=20, seed=11)  # a seed the records were not made with
    flags = flagged(default_model, [preprocess(image) for image in drawings.images])
    for kind in ("x", "dash", "smiley", "letter_A", "zigzag", "heart"):  # heart: 0.35 at set v3
        assert flags[drawings.kinds == kind].mean() >= 0.9, kind
    # 0.935 recorded on seed 0 (0.937 here); held-out kinds are the hard part (0.843 both)
    assert flags.mean() >= 0.9
    assert flags[drawings.held_out].mean() >= 0.8
    # Random scribbles often trace a digit's path; most are still caught.
    assert flags[drawings.kinds == "scribble"].mean() >= 0.5
    digits = flagged(default_model, list(mnist.x_test / 255.0)).mean()
    recorded = default_model.record["not_digits"]["mnist_test_flagged"]
    assert recorded <= 0.01
    assert within_sampling_error(1 - digits, 1 - recorded, len(mnist.x_test)), digits


def test_the_default_models_record_holds_the_current_figures(default_model):
    from drawn.strokes import digit_styles

    record = default_model.record
    assert record["drawn"]["generator_version"] == GENERATOR_VERSION
    assert list(record["drawn"]["styles"]) == [*digit_styles(), "all"]
    assert record["drawn"]["held_out_styles"] == sorted(
        name for name, style in digit_styles().items() if style.held_out)
    not_digits = record["not_digits"]
    assert not_digits["generator_version"] == NOT_DIGIT_VERSION
    # The held-out kinds' figures, measured again on the record's own drawings (its seed and
    # drawings per kind) with the model's check as shipped: the same, give or take a drawing
    # whose verdict a CPU without AVX-512 tips (a sine rounded otherwise).
    from drawn.not_digits import make_not_digit_set
    from drawn.score import flagged

    drawings = make_not_digit_set(not_digits["per_kind"], not_digits["seed"], held_out=True)
    flags = flagged(default_model, [preprocess(image) for image in drawings.images])
    assert not_digits["held_out_kinds"] == list(dict.fromkeys(drawings.kinds.tolist()))
    assert abs(flags.mean() - not_digits["held_out_kinds_flagged"]) <= 2 / len(flags)
    for kind in not_digits["held_out_kinds"]:
        again = flags[drawings.kinds == kind]
        assert abs(again.mean() - not_digits["kinds"][kind]) <= 1 / len(again), kind
    assert record["extra_data"]["examples"] == record["train_examples"] - 60_000
    # How long it trained is a target measured and stated, not a test's to time (docs/models.md says
    # whether it was met): the models' table there gives the record's own figure, one source for both.
    row = next(line for line in (ROOT / "docs" / "models.md").read_text().splitlines()
               if line.startswith("| `world`"))
    assert f"{record['train_seconds']:,.0f} s" in row


def test_validate_refuses_a_model_that_may_have_trained_on_the_held_back_digits():
    from drawn.validation import trained_on_held_back

    split, full = "a" * 64, "b" * 64
    clean = {"data": {"sha256": split},
             "extra_data": {"source": "train.npz", "redrawn_from": split}}
    assert trained_on_held_back(clean, split) is None
    assert trained_on_held_back(clean | {"extra_data": {"redrawn_from": None}}, split) is None
    assert trained_on_held_back({"data": {"sha256": split}}, split) is None  # MNIST alone
    assert "another MNIST file than this split" in trained_on_held_back(clean, full)
    assert "does not say which MNIST" in trained_on_held_back({}, split)
    leaky = clean | {"extra_data": {"source": "train.npz", "redrawn_from": full}}
    assert "held-back digits among them" in trained_on_held_back(leaky, split)
    older = clean | {"extra_data": {"source": "train.npz"}}  # from before it was recorded
    assert "does not say whose digits train.npz redraws" in trained_on_held_back(older, split)


@pytest.mark.slow
def test_the_validation_split_holds_back_training_digits_and_validate_counts_errors(tmp_path,
                                                                                   mnist):
    from drawn.validation import HELD_BACK, validate, validation_split

    x = np.arange(HELD_BACK + 30, dtype=np.int64)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    split = validation_split(x, np.arange(len(x)) % 10)
    assert len(split["x_train"]) == 30 and len(split["x_test"]) == HELD_BACK
    assert split["x_test"][0, 0, 0] == 30  # the last digits, none of them in the training part
    result = validate(mlp.load_model("classic"), mnist.x_test[:200], mnist.y_test[:200])
    assert result["mnist_n"] == 200 and result["redrawn_n"] == 200 * len(CONDITIONS) and result["strokes_n"] > 0
    assert result["errors"] == (result["mnist_errors"] + result["redrawn_errors"]
                                + result["strokes_errors"])
    assert 0 < result["errors"] < 0.1 * (200 + 2200 + result["strokes_n"])  # classic reads most
    assert "not_digits_flagged" not in result  # classic has no check


@pytest.mark.parametrize("command, said", [
    (("training-set", "--digits", 1, "--not-digits", 1, "--mnist-digits", 0, "--out", "{tmp}/taken"),
     "taken.npz is a folder"),
    (("validation-split", "--out", "{tmp}/taken"), "taken.npz is a folder"),
    (("hardest", "--model", "classic", "--per-condition", 1, "--per-kind", 1, "--out",
      "{tmp}/taken.png"), "taken.png is a folder"),
    (("hardest", "--model", "classic", "--per-condition", 1, "--per-kind", 1, "--out",
      "{tmp}/sheet.npz"), "sheet.npz does not end in .png"),
    (("write", "--per-condition", 1, "--out", "{tmp}/a-file"), "cannot write to the folder"),
])
def test_an_output_that_cannot_be_written_is_one_line_before_the_work(tmp_path, mnist_path,
                                                                      command, said):
    for folder in ("taken.npz", "taken.png"):
        (tmp_path / folder).mkdir()
    (tmp_path / "a-file").write_text("")
    result = run(*(str(arg).format(tmp=tmp_path) for arg in command), mnist_npz=mnist_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert said in result.stderr and result.stdout == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file", "taken.npz", "taken.png"]
    assert all(not any(folder.iterdir()) for folder in tmp_path.iterdir() if folder.is_dir())
