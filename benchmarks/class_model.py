"""A simulated class fine-tunes a shipped model: errors on new students before and after.

    python -m benchmarks.class_model [--base world] [--validate] [--epochs 5] [--learning-rate 1e-4]
                                     [--replay 4] [--data mnist.npz] [--json]

The class is drawn.simulated_class: 30 students, 15 drawings each, all in the drawn set's
held-out styles, each student with one style per digit and one condition of their own. A third
of the students (10) are held out by split_by_student; the other 20 label 300 drawings, which
the base model is fine-tuned on with MNIST training digits replayed beside them.

Without --validate it prints, for the base and the tuned model: errors on the held-out
students' drawings, MNIST test accuracy (all 10,000), how often the not-a-digit check flags
each, and the fine-tune's seconds. With --validate the held-out students are not looked at:
a quarter of the 20 training students are held out again, and the model is tuned on the other
15 and scored on those 5: the figure to choose epochs, learning rate and replay by.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from drawn.cli import seed_int
from drawn.simulated_class import simulated_class
from mlp.cli import positive_float, positive_int
from mlp.class_model import LAYERS, FineTuneConfig, before_after, fine_tune, split_by_student, student_count
from mlp.data import load_mnist
from mlp.limits import usable_cores
from mlp.model import load_model

STUDENTS, PER_STUDENT = 30, 15  # 20 training students label 300 drawings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="world", help="the model to fine-tune (default: world)")
    parser.add_argument("--validate", action="store_true",
                        help="score on a validation split of the training students only")
    parser.add_argument("--epochs", type=positive_int, default=FineTuneConfig.epochs,
                        help="passes over the drawings and their replay (default: %(default)s)")
    parser.add_argument("--learning-rate", type=positive_float,
                        default=FineTuneConfig.learning_rate, help="Adam's (default: %(default)s)")
    parser.add_argument("--replay", type=seed_int, default=FineTuneConfig.replay_per_drawing,
                        help="MNIST digits replayed per class drawing (default: %(default)s)")
    parser.add_argument("--layers", choices=LAYERS, default=FineTuneConfig.layers,
                        help="which layers learn (default: %(default)s; all needs --not-digits "
                        "for a base with a not-a-digit check)")
    parser.add_argument("--not-digits", type=seed_int, default=0, metavar="N",
                        help="with --layers all: non-digits of the drawn training kinds to fit "
                        "the base's check again on (default: 0)")
    parser.add_argument("--data", help="mnist.npz (default: $MNIST_NPZ)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    mnist = load_mnist(args.data)
    drawings = simulated_class(STUDENTS, PER_STUDENT, seed=0)
    train, held_out = split_by_student(drawings, 1 / 3, seed=0)
    if args.validate:  # the held-out students stay unseen: split the training students again
        fit, check = split_by_student(_subset(drawings, train), 1 / 4, seed=1)
        train, held_out = train[fit], train[check]
    config = FineTuneConfig(epochs=args.epochs, learning_rate=args.learning_rate,
                            replay_per_drawing=args.replay, layers=args.layers)
    tokens = [drawings.token[i] for i in train]
    not_digits = None
    if args.not_digits:
        from drawn.training import training_not_digits

        not_digits, _ = training_not_digits(args.not_digits, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        tuned = fine_tune(args.base, drawings.x[train], drawings.y[train],
                          replay=(mnist.x_train, mnist.y_train), out=Path(folder) / "class",
                          config=config, students=student_count(tokens), not_digits=not_digits)
        wall = time.perf_counter() - started
        base = load_model(args.base)
        figures = before_after(base, tuned.model, (drawings.x[held_out], drawings.y[held_out]),
                               (mnist.x_test, mnist.y_test))
    flags = _not_digits_flagged(base, tuned.model)
    result = {
        "base": args.base, "part": "validation" if args.validate else "held_out",
        "config": tuned.model.record["class_fine_tune"]["config"],
        "train_drawings": len(train), "train_students": student_count(tokens),
        "scored_drawings": len(held_out),
        "scored_students": student_count([drawings.token[i] for i in held_out]),
        "replayed": tuned.model.record["class_fine_tune"]["replayed_mnist_digits"],
        "train_seconds": round(tuned.seconds, 1), "fine_tune_seconds": round(wall, 1),
        "cores": usable_cores(),
        **{f"{which}_{part}_{key}": figures[which][part][key]
           for which in ("base", "tuned") for part in ("held_out", "mnist")
           for key in ("errors", "accuracy", "flagged_not_digit")},
        "layers_tuned": tuned.model.record["class_fine_tune"]["layers_tuned"], **flags,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.base}, {result['part']}: tuned on {result['train_drawings']} drawings by "
          f"{result['train_students']} students + {result['replayed']} MNIST digits, scored on "
          f"{result['scored_drawings']} drawings by {result['scored_students']} other students; "
          f"layers tuned: {result['layers_tuned']}")
    for which in ("base", "tuned"):
        own, digits = figures[which]["held_out"], figures[which]["mnist"]
        print(f"  {which:>5}: {own['errors']:>3} errors of {own['n']} on the class "
              f"(flagged not-a-digit {_share(own['flagged_not_digit'])}); MNIST test "
              f"{digits['accuracy']:.2%} (flagged {_share(digits['flagged_not_digit'])})")
    if flags:
        print(f"  non-digits flagged (drawn test set, {flags['not_digits_n']}): base "
              f"{flags['base_not_digits_flagged']:.2%}, tuned "
              f"{flags['tuned_not_digits_flagged']:.2%}")
    print(f"  fine-tune: {tuned.seconds:.1f} s training, {wall:.1f} s with loading and saving, "
          f"on {usable_cores()} cores")
    print("  tuned confusion on the class (rows: true digit):")
    for digit, row in enumerate(figures["tuned"]["held_out"]["confusion"]):
        print(f"    {digit}: " + " ".join(f"{count:>3}" for count in row))


def _not_digits_flagged(base, tuned) -> dict:
    """How often each model's not-a-digit check flags the drawn test set's non-digits ({} without one)."""
    if base.check is None or tuned.check is None:
        return {}
    from drawn.not_digits import make_not_digit_set
    from drawn.score import flagged
    from mlp.preprocessing import preprocess

    inputs = [preprocess(image) for image in make_not_digit_set(per_kind=20, seed=0).images]
    return {"not_digits_n": len(inputs),
            "base_not_digits_flagged": float(flagged(base, inputs).mean()),
            "tuned_not_digits_flagged": float(flagged(tuned, inputs).mean())}


def _subset(drawings, index: np.ndarray):
    """The token list of `drawings` restricted to `index`, in the shape split_by_student reads."""
    return argparse.Namespace(token=[drawings.token[i] for i in index])


def _share(value: float | None) -> str:
    return "no check" if value is None else f"{value:.2%}"


if __name__ == "__main__":
    main()
