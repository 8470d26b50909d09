"""The class's model: split by student, a fine-tune that learns a class's hand, and what it keeps."""

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import SAMPLE

import mlp
from drawn.simulated_class import simulated_class
from mlp.class_model import (MIN_DRAWINGS, MIN_STUDENTS, FineTuneConfig, before_after, fine_tune,
                             split_by_student, too_few, train_class)
from mlp.errors import MLPError

# Ten replayed digits a drawing, not twenty: the shipped sample has 3,000 training digits.
SMALL = FineTuneConfig(epochs=10, learning_rate=1e-3, replay_per_drawing=10)


@pytest.fixture(scope="module")
def sample():
    """The shipped MNIST sample: its training digits to replay, its test digits to score on."""
    return mlp.load_mnist(SAMPLE)


@pytest.fixture(scope="module")
def drawings():
    """20 students writing the held-out styles: the classic model misreads their slashed zero
    (a 0 with a slash through and past it), a style its training data never held."""
    return simulated_class(students=20, per_student=10, seed=3)


@pytest.fixture(scope="module")
def tuned_classic(drawings, sample, tmp_path_factory):
    """The classic model tuned on two thirds of the students, and the other third's indices."""
    train, held_out = split_by_student(drawings, 1 / 3, seed=0)
    out = tmp_path_factory.mktemp("class-model") / "our-class"
    tuned = fine_tune("classic", drawings.x[train], drawings.y[train],
                      replay=(sample.x_train, sample.y_train), out=out, config=SMALL,
                      students=len({drawings.token[i] for i in train}))
    return tuned, held_out, train


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("share", [0.2, 1 / 3, 0.5])
def test_split_never_puts_a_student_in_both_parts(seed, share):
    rng = np.random.default_rng(seed)
    tokens = [f"s{rng.integers(12)}" for _ in range(200)]
    train, held_out = split_by_student(SimpleNamespace(token=tokens), share, seed=seed)
    train_students = {tokens[i] for i in train}
    held_out_students = {tokens[i] for i in held_out}
    assert not train_students & held_out_students
    assert sorted(np.concatenate([train, held_out]).tolist()) == list(range(len(tokens)))
    assert len(held_out_students) == round(len(set(tokens)) * share)


def test_split_holds_out_one_student_of_two_and_none_of_one():
    train, held_out = split_by_student(SimpleNamespace(token=["a", "a", "b"]), 0.1)
    assert len({("a", "a", "b")[i] for i in held_out}) == 1 and len(train) + len(held_out) == 3
    train, held_out = split_by_student(SimpleNamespace(token=["a", "a"]), 1 / 3)
    assert len(held_out) == 0 and len(train) == 2


def test_fine_tune_reads_new_students_of_a_class_style_better(tuned_classic, drawings, classic_model):
    tuned, held_out, _ = tuned_classic
    zeros = held_out[drawings.y[held_out] == 0]  # the slashed zeros of students it never saw
    assert set(drawings.styles[zeros]) == {"0_slashed_through"}

    def misread(model):
        x = drawings.x[zeros].astype(np.float32) / 255
        return int((mlp.predict_proba(model, x).argmax(axis=1) != 0).sum())

    assert misread(classic_model) >= 3, "the base must misread the style for the test to say anything"
    assert misread(tuned.model) < misread(classic_model) / 2


def test_fine_tune_keeps_mnist(tuned_classic, sample, classic_model, drawings):
    tuned, held_out, _ = tuned_classic
    figures = before_after(classic_model, tuned.model, (drawings.x[held_out], drawings.y[held_out]),
                           (sample.x_test, sample.y_test))
    base, after = figures["base"]["mnist"]["accuracy"], figures["tuned"]["mnist"]["accuracy"]
    assert after >= base - 0.01  # at most a point on 2,000 digits (sampling error ~0.4 points)
    assert figures["tuned"]["held_out"]["errors"] < figures["base"]["held_out"]["errors"]
    assert np.sum(figures["tuned"]["held_out"]["confusion"]) == len(held_out)


def test_the_saved_model_loads_reads_a_digit_and_says_what_it_is(tuned_classic, sample):
    tuned, _, train = tuned_classic
    model = mlp.load_model(tuned.weights_path)
    sevens = sample.x_test[sample.y_test == 7][:20].astype(np.float32) / 255
    assert np.mean(mlp.predict_proba(model, sevens).argmax(axis=1) == 7) >= 0.9
    record = model.record["class_fine_tune"]
    assert record["base"] == "classic"
    assert record["drawings"] == len(train)
    # 20 students, a third of them (7) held out; ten MNIST digits replayed per drawing
    assert record["students"] == 13 and record["replayed_mnist_digits"] == 10 * len(train)
    assert mlp.load_model(tuned.keras_path).network.steps[0].weights.shape == \
        model.network.steps[0].weights.shape


def test_a_base_with_a_check_keeps_its_hidden_layer_and_its_check(drawings, sample, tmp_path):
    world = mlp.load_model("world")
    tuned = fine_tune("world", drawings.x[:60], drawings.y[:60], replay=(sample.x_train, sample.y_train),
                      out=tmp_path / "ours", config=FineTuneConfig(epochs=2, replay_per_drawing=5))
    x = sample.x_test[:200].astype(np.float32) / 255
    # Without non-digits to refit it on, the check must still read the hidden layer it was fitted on.
    np.testing.assert_allclose(tuned.model.network.features(x), world.network.features(x), atol=1e-5)
    np.testing.assert_array_equal(tuned.model.check(world.network.features(x)),
                                  world.check(world.network.features(x)))
    assert tuned.model.record["class_fine_tune"]["layers_tuned"] == "output"


def test_no_drawings_is_said_before_any_training(tmp_path, sample):
    with pytest.raises(MLPError, match="no labelled drawings"):
        fine_tune("classic", np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64),
                  replay=(sample.x_train, sample.y_train), out=tmp_path / "none")


@pytest.mark.slow  # draws 600 non-digits, tunes every layer of the world model, fits a check
def test_given_non_digits_every_layer_is_tuned_and_the_check_is_fitted_again(drawings, sample, tmp_path):
    from drawn.not_digits import make_not_digit_set
    from drawn.score import flagged
    from drawn.training import training_not_digits
    from mlp.preprocessing import preprocess

    not_digits, _ = training_not_digits(600, seed=0)
    tuned = fine_tune("world", drawings.x[:100], drawings.y[:100], replay=(sample.x_train, sample.y_train),
                      out=tmp_path / "ours", not_digits=not_digits,
                      config=FineTuneConfig(epochs=2, replay_per_drawing=10, layers="all"))
    assert tuned.model.record["class_fine_tune"]["layers_tuned"] == "all"
    assert tuned.model.record["digit_check"]["refitted_after_class_fine_tune"]
    # The refitted check tells the test set's non-digits (streams training never draws from)
    # from MNIST's test digits.
    shown = [preprocess(image) for image in make_not_digit_set(per_kind=3, seed=0).images]
    digits = list(sample.x_test[:500].astype(np.float32) / 255)
    assert flagged(tuned.model, shown).mean() > 0.7
    assert flagged(tuned.model, digits).mean() < 0.05


def test_the_time_limit_stops_a_run_after_its_first_batch(drawings, tmp_path):
    # No replay given: MNIST's training digits as load_mnist finds them ($MNIST_NPZ, the sample).
    tuned = fine_tune("classic", drawings.x[:20], drawings.y[:20], out=tmp_path / "ours",
                      config=FineTuneConfig(epochs=50, replay_per_drawing=5, max_seconds=1e-6))
    record = tuned.model.record["class_fine_tune"]
    assert record["epochs_run"] == 1 and record["stopped_at_time_limit"]


def test_tuning_every_layer_of_a_base_with_a_check_needs_non_digits(drawings, sample, tmp_path):
    with pytest.raises(MLPError, match="not-a-digit check"):
        fine_tune("world", drawings.x[:20], drawings.y[:20], replay=(sample.x_train, sample.y_train),
                  out=tmp_path / "ours", config=FineTuneConfig(layers="all"))
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_a_class_too_small_to_hold_students_out_is_told_what_it_lacks():
    assert too_few(MIN_DRAWINGS, MIN_STUDENTS) is None
    assert "at least 20 labelled drawings (19 so far)" in too_few(19, 5)
    assert "at least 3 students (2 so far)" in too_few(40, 2)


def test_train_class_holds_students_out_and_says_before_and_after(drawings, sample, tmp_path):
    tuned, result = train_class(drawings, "classic", out=tmp_path / "ours", mnist=sample, config=SMALL)
    tokens = np.asarray(list(drawings.token))
    assert result["train_students"] + result["held_out_students"] == len(set(tokens)) == 20
    assert result["held_out_students"] == 7  # a third of 20, rounded
    assert result["train_drawings"] + result["held_out_drawings"] == len(drawings)
    scores = result
    assert result["base_model"] == "classic"
    for which in ("base", "tuned"):
        assert scores[which]["held_out"]["n"] == result["held_out_drawings"]
        assert scores[which]["mnist"]["n"] == len(sample.y_test)
        assert np.asarray(scores[which]["held_out"]["confusion"]).sum() == result["held_out_drawings"]
    assert scores["tuned"]["held_out"]["errors"] < scores["base"]["held_out"]["errors"]
    assert result["replayed"] == SMALL.replay_per_drawing * result["train_drawings"]
    assert mlp.load_model(tuned.weights_path).record["class_fine_tune"]["students"] == result["train_students"]
    import json
    json.dumps(result)  # stored as the run's result


def test_train_class_refuses_a_class_of_two_before_any_training(drawings, sample, tmp_path):
    two = np.isin(np.asarray(list(drawings.token)), sorted(set(drawings.token))[:2])
    few = SimpleNamespace(x=drawings.x[two], y=drawings.y[two], token=[t for t, k in zip(drawings.token, two) if k])
    with pytest.raises(MLPError, match="at least 3 students"):
        train_class(few, "classic", out=tmp_path / "ours", mnist=sample, config=SMALL)
    assert not list(tmp_path.iterdir())
