"""Our class's model: a shipped model fine-tuned on the drawings a class labelled on its wall.

The class's drawings are few (hundreds) and in the class's own hands; trained on alone, a
network forgets MNIST in a few steps. So each class drawing is mixed with replayed MNIST
training digits, the base's BatchNormalization statistics are kept (a few hundred drawings
would move them for every input), by default only the output layer learns (the hidden layers,
and the not-a-digit check that reads them, stay the base's), and the run is bounded in
drawings, epochs and seconds.
The result is saved as every model is (NAME.npz and NAME.keras, mlp.model.save_model), its
record naming the base, the drawings, the students and the replay. Figures are compared by
student: `split_by_student` keeps every drawing of a student on one side, so a held-out figure
measures new hands, not new drawings of hands the model has seen.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from mlp.data import as_model_input, load_mnist
from mlp.errors import MLPError, ModelError
from mlp.evaluation import evaluate
from mlp.i18n import _
from mlp.files import file_sha256
from mlp.model import KERAS, Classifier, load_model, save_check, save_model

LAYERS = ("output", "all")  # FineTuneConfig.layers
# The least a class trains on: with three students one is held out and two train; below twenty
# drawings the held-out figure moves by whole tens of points with a single drawing.
MIN_STUDENTS, MIN_DRAWINGS = 3, 20
HELD_OUT_SHARE = 1 / 3  # of the students, never of the drawings (split_by_student)

# on_epoch(epoch, total_epochs, logs): logs has loss and accuracy over the epoch's batches
EpochCallback = Callable[[int, int, dict], None]


@dataclass(frozen=True)
class FineTuneConfig:
    """Everything that decides what a class fine-tune produces, and its bounds."""

    # Chosen on a validation split of a simulated class's training students (docs/class-model.md).
    epochs: int = 10  # passes over the class's drawings and their replayed digits
    learning_rate: float = 1e-3  # Adam's default
    batch_size: int = 64
    replay_per_drawing: int = 20  # MNIST training digits replayed beside each class drawing
    max_drawings: int = 2000  # at most this many class drawings (a seeded random choice beyond)
    max_seconds: float = 60.0  # training stops after this long, whatever epoch it is in
    # Which layers learn: "output" (the last Dense layer), or "all", which on a wide base at this
    # rate cost MNIST accuracy (docs/class-model.md) and moves what a not-a-digit check reads.
    layers: str = "output"
    seed: int = 0  # for the replay's choice, the order and dropout: the same seed, the same model

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1 or self.max_drawings < 1:
            raise ValueError("epochs, batch size and max drawings must be at least 1")
        if not self.learning_rate > 0 or not self.max_seconds > 0:
            raise ValueError("learning rate and max seconds must be positive")
        if self.replay_per_drawing < 0:
            raise ValueError("replayed digits per drawing cannot be negative")
        if self.layers not in LAYERS:
            raise ValueError(f"layers must be one of {', '.join(LAYERS)}, got {self.layers!r}")


@dataclass(frozen=True)
class ClassModel:
    """A class's fine-tuned model as saved: loaded, its two files, and the run's seconds."""

    model: Classifier  # loaded from its NAME.npz, as the page and the CLI load any model
    keras_path: Path
    weights_path: Path
    seconds: float  # training alone, as the bound counts it


def split_by_student(labelled, held_out_share: float = 1 / 3,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Drawings -> (train, held_out) index arrays, every student's drawings on one side only.

    `labelled` has a `token` per drawing (mlp.classroom.Labelled does). A seeded random
    `held_out_share` of the students (rounded, at least one when there are two or more) is
    held out; the rest train.
    """
    if not 0 <= held_out_share < 1:
        raise ValueError("the held-out share must be in [0, 1)")
    tokens = np.asarray(list(labelled.token), dtype=str)
    students = np.unique(tokens)
    count = round(len(students) * held_out_share)
    if held_out_share > 0 and len(students) >= 2:
        count = min(max(count, 1), len(students) - 1)
    held_out = np.random.default_rng(seed).permutation(students)[:count]
    on_held_out = np.isin(tokens, held_out)
    return np.flatnonzero(~on_held_out), np.flatnonzero(on_held_out)


def fine_tune(base: str | Path, x: np.ndarray, y: np.ndarray, *, out: Path,
              replay: tuple[np.ndarray, np.ndarray] | None = None,
              config: FineTuneConfig = FineTuneConfig(), students: int | None = None,
              not_digits: np.ndarray | None = None,
              on_epoch: EpochCallback | None = None) -> ClassModel:
    """Fine-tune `base` (a shipped name or a NAME.npz with its NAME.keras) on a class's drawings.

    `x` uint8 (n, 28, 28) and `y` (n,) are the class's labelled drawings (as the class store
    gives them); `replay` is (images uint8 (m, 28, 28), labels (m,)), MNIST's training digits
    (None: those of load_mnist(), $MNIST_NPZ), of which config.replay_per_drawing per drawing are
    mixed in. Writes OUT.keras and OUT.npz.

    A base's not-a-digit check keeps working: with config.layers "output" (the default) the
    hidden layer it reads stays as it was and the check goes with the model unchanged; with
    "all" it is fitted again on the tuned network's hidden layer, as `mlp fit-check` fits one,
    against `not_digits` (uint8 (m, 28, 28) drawings that are not digits), which "all" then
    needs. `students`: how many students drew them, for the record.
    """
    from mlp.architecture import describe, load_keras
    from mlp.quiet import import_keras_quietly

    x, y = np.asarray(x), np.asarray(y, dtype=np.int64)
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or len(y) != len(x):
        raise ValueError(f"expected uint8 (n, 28, 28) drawings and n labels, got {x.dtype} "
                         f"{x.shape} and {y.shape}")
    if not len(x):
        raise MLPError("the class has no labelled drawings to fine-tune on")
    base_model = load_model(base)  # a damaged or missing base is said before TensorFlow loads
    keras_path = _keras_file(base_model)
    if replay is None:
        mnist = load_mnist()
        replay = (mnist.x_train, mnist.y_train)
    keras = import_keras_quietly()
    keras.utils.set_random_seed(config.seed)
    x, y, x_train, y_train, replayed = _mixed_with_replay(x, y, replay, config)
    network = load_keras(keras_path)
    # Tuning the hidden layers moves what a check reads (docs/class-model.md: the world model's
    # check flagged 94 % of non-digits before, 70 % after): only with non-digits to refit it on.
    tune_hidden = _tunes_hidden(config.layers, base_model, not_digits)
    _freeze(network, hidden=not tune_hidden)
    network.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                    loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()

    def batch_end(batch, logs):
        if time.perf_counter() - started > config.max_seconds:
            network.stop_training = True

    def epoch_end(epoch, logs):
        if on_epoch:
            on_epoch(epoch + 1, config.epochs, {key: float(value) for key, value in logs.items()})

    history = network.fit(x_train, y_train, batch_size=config.batch_size, epochs=config.epochs,
                          shuffle=True, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
                              on_train_batch_end=batch_end, on_epoch_end=epoch_end)])
    seconds = time.perf_counter() - started
    record = {
        "name": Path(out).name,
        "architecture": describe(network),
        "config": base_model.record.get("config"),  # the architecture it was built with
        "class_fine_tune": {
            "base": base_model.name, "base_keras_sha256": base_model.record.get("keras_sha256"),
            "drawings": int(len(x)), "students": students, "replayed_mnist_digits": replayed,
            "config": asdict(config), "epochs_run": len(history.history.get("loss", [])),
            "stopped_at_time_limit": bool(network.stop_training),
            "layers_tuned": "all" if tune_hidden else "output",
        },
        "history": {key: [round(float(v), 6) for v in values] for key, values in history.history.items()},
        "train_seconds": round(seconds, 1),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    keras_out, weights_out = save_model(network, Path(out), record)
    if base_model.check is not None:
        check, report = (_refit_check(weights_out, x_train, not_digits, config.seed)
                         if tune_hidden else (base_model.check, {
                             **(base_model.record.get("digit_check") or {}),
                             "carried_from": base_model.name}))
        save_check(weights_out, check, digit_check=report)
    return ClassModel(load_model(weights_out), keras_out, weights_out, seconds)


def _tunes_hidden(layers: str, base: Classifier, not_digits: np.ndarray | None) -> bool:
    """Whether the hidden layers learn too; MLPError where they would leave a check that misfits."""
    if layers == "all" and base.check is not None and not_digits is None:
        raise MLPError(f"tuning every layer of {base.name} moves what its not-a-digit check reads: "
                       "give non-digits to fit the check again on, or tune the output layer only")
    return layers == "all"


def _mixed_with_replay(x: np.ndarray, y: np.ndarray, replay: tuple[np.ndarray, np.ndarray],
                       config: FineTuneConfig):
    """The class's drawings (at most config.max_drawings) and the replayed digits mixed in ->
    (x, y kept, float32 inputs, their labels, how many digits were replayed)."""
    rng = np.random.default_rng(config.seed)
    if len(x) > config.max_drawings:
        kept = np.sort(rng.choice(len(x), config.max_drawings, replace=False))
        x, y = x[kept], y[kept]
    replay_x, replay_y = replay
    chosen = rng.choice(len(replay_x), min(len(replay_x), config.replay_per_drawing * len(x)),
                        replace=False)
    inputs = as_model_input(np.concatenate([x, replay_x[chosen]]))
    labels = np.concatenate([y, np.asarray(replay_y)[chosen].astype(np.int64)])
    return x, y, inputs, labels, int(len(chosen))


def _freeze(network, hidden: bool) -> None:
    """Keep BatchNormalization's statistics (and, with `hidden`, every Dense layer but the last)."""
    dense = [layer for layer in network.layers if type(layer).__name__ == "Dense"]
    for layer in network.layers:
        if type(layer).__name__ == "BatchNormalization":
            layer.trainable = False  # Keras 3: a frozen BatchNormalization runs in inference mode
        elif type(layer).__name__ == "Dense" and layer is not dense[-1]:
            layer.trainable = not hidden


def _keras_file(base: Classifier) -> Path:
    """The base's NAME.keras, refused unless it is the file its record describes."""
    if base.path is None:
        raise ModelError(f"model {base.name} has no NAME.npz beside its .keras file")
    path = base.path.with_suffix(KERAS)
    if not path.is_file():
        raise ModelError(f"model {base.name} has no {path.name} to fine-tune (only its weights)")
    if base.record.get("keras_sha256") not in (None, file_sha256(path)):
        raise ModelError(f"{path.name} is not the model its {base.path.name} describes")
    return path


def _refit_check(weights_path: Path, digits: np.ndarray, not_digits: np.ndarray, seed: int):
    """A not-a-digit check fitted on the tuned network's hidden layer -> (check, its report).

    `digits` are the float32 inputs it was tuned on (the class's drawings and the replay).
    """
    from mlp.digit_check import fit_digit_check

    started = time.perf_counter()
    check, report = fit_digit_check(load_model(weights_path).network, digits,
                                    as_model_input(np.asarray(not_digits)), seed=seed)
    return check, {**report, "seconds": round(time.perf_counter() - started, 1),
                   "refitted_after_class_fine_tune": True}


def scores(model: Classifier, x: np.ndarray, y: np.ndarray) -> dict:
    """A model on uint8 (n, 28, 28) drawings and (n,) labels: accuracy, errors, confusion, flagged."""
    from mlp.digit_check import looks_like_digit

    images = as_model_input(np.asarray(x))
    result = evaluate(model, images, np.asarray(y))
    verdicts = looks_like_digit(model, images)
    return {"accuracy": result.accuracy, "errors": result.error_count, "n": len(result.labels),
            "confusion": result.confusion.tolist(),
            "flagged_not_digit": None if verdicts is None else float(np.mean(~verdicts))}


def before_after(base: Classifier, tuned: Classifier, held_out: tuple[np.ndarray, np.ndarray],
                 mnist_test: tuple[np.ndarray, np.ndarray]) -> dict:
    """Base and tuned model on the held-out students' drawings and on MNIST's test digits.

    Both pairs are (uint8 (n, 28, 28), (n,) labels). -> {"base"|"tuned": {"held_out": scores,
    "mnist": scores}}, each with its accuracy, error count, confusion and not-a-digit flags.
    """
    return {which: {"held_out": scores(model, *held_out), "mnist": scores(model, *mnist_test)}
            for which, model in (("base", base), ("tuned", tuned))}


def too_few(drawings: int, students: int) -> str | None:
    """Why a class cannot fine-tune yet (too few labelled drawings or students), or None when it can."""
    missing = []
    if drawings < MIN_DRAWINGS:
        missing.append(_("at least {least} labelled drawings ({count} so far)").format(
            least=MIN_DRAWINGS, count=drawings))
    if students < MIN_STUDENTS:
        missing.append(_("drawings labelled by at least {least} students ({count} so far), so that some can be "
                         "held out to test on").format(least=MIN_STUDENTS, count=students))
    if len(missing) == 2:
        return _("{first} and {second}").format(first=missing[0], second=missing[1])
    return missing[0] if missing else None


def train_class(labelled, base: str, *, out: Path, mnist=None, config: FineTuneConfig = FineTuneConfig(),
                on_epoch: EpochCallback | None = None) -> tuple[ClassModel, dict]:
    """A class's whole fine-tune, as the wall asks for it -> (the model, the result the wall shows).

    `labelled` is the class's labelled drawings (mlp.classroom.Labelled: x, y, token); `mnist` an
    mlp.Mnist (None: load_mnist()) for the replay and the test set. A third of the students are held out
    (split_by_student); the result is JSON-ready: before_after's {"base", "tuned"} scores beside
    "base_model" (its name), "train_drawings", "train_students", "held_out_drawings",
    "held_out_students", "replayed", "seconds" and "stopped_at_time_limit".
    """
    problem = too_few(len(labelled.y), student_count(labelled.token))
    if problem:
        raise MLPError(_("the class needs {what}").format(what=problem))
    mnist = load_mnist() if mnist is None else mnist
    train, held_out = split_by_student(labelled, HELD_OUT_SHARE, seed=config.seed)
    tokens = list(labelled.token)
    tuned = fine_tune(base, labelled.x[train], labelled.y[train], out=out,
                      replay=(mnist.x_train, mnist.y_train), config=config,
                      students=student_count([tokens[i] for i in train]), on_epoch=on_epoch)
    tuning = tuned.model.record["class_fine_tune"]
    # before_after names its two sides "base" and "tuned": the base model's name goes beside them.
    result = {
        **before_after(load_model(base), tuned.model, (labelled.x[held_out], labelled.y[held_out]),
                       (mnist.x_test, mnist.y_test)),
        "base_model": base,
        "train_drawings": int(len(train)), "train_students": student_count([tokens[i] for i in train]),
        "held_out_drawings": int(len(held_out)),
        "held_out_students": student_count([tokens[i] for i in held_out]),
        "replayed": int(tuning["replayed_mnist_digits"]), "seconds": round(tuned.seconds, 1),
        "stopped_at_time_limit": bool(tuning["stopped_at_time_limit"]),
    }
    return tuned, result


def student_count(tokens: Sequence[str]) -> int:
    """How many students drew the drawings whose tokens these are."""
    return len(set(tokens))
