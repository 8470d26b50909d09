"""Command line: python -m mlp {train,fit-check,evaluate,predict,models,class} (or `mlp ...` once installed)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from mlp.class_cli import add_parser as add_class_parser
from mlp.config import PRESETS, parse_hidden
from mlp.errors import MLPError


def main(argv: list[str] | None = None) -> int:
    """Run one command; an error is exactly one `error: ...` line on stderr and exit status 1."""
    return run(_parser(), argv)


def run(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse argv and run the chosen command (its `run` default) the way every command line here
    does: an MLPError is one `error: ...` line and status 1, never a traceback."""
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except MLPError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was saved", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`mlp models | head`): nothing left to say
        sys.stderr.close()
        return 0


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def fraction(text: str) -> float:
    """argparse type: a number in [0, 1)."""
    if not 0.0 <= (value := _number(text)) < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number above 0."""
    if not (value := _number(text)) > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a number of at least 0."""
    if not (value := _number(text)) >= 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def hidden_layers(text: str) -> tuple[int, ...]:
    """argparse type: hidden layer sizes, '256,128'."""
    try:
        return parse_hidden(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _parser() -> argparse.ArgumentParser:
    defaults = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="python -m mlp", description=__doc__, formatter_class=defaults)
    commands = parser.add_subparsers(required=True, metavar="COMMAND", title="commands")
    data_help = "path to mnist.npz (default: $MNIST_NPZ, else Keras' download)"
    model_help = "a shipped model's name, or a .npz or .keras file (default: the default model)"

    train = commands.add_parser("train", formatter_class=defaults,
                                help="train a model and save OUT.npz (weights and record) and OUT.keras")
    train.add_argument("--preset", choices=list(PRESETS), default="classic",
                       help="starting hyperparameters; the flags below change them")
    train.add_argument("--epochs", type=positive_int, help="passes over the training set")
    train.add_argument("--batch-size", type=positive_int, help="examples per gradient step")
    train.add_argument("--hidden", type=hidden_layers, metavar="UNITS",
                       help="hidden layer sizes, comma-separated: 128 or 256,128")
    train.add_argument("--dropout", type=fraction, help="dropout rate after each hidden layer")
    train.add_argument("--lr", type=positive_float, dest="learning_rate", help="Adam learning rate")
    train.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                       help="distort training digits as drawings differ (default: the preset's)")
    train.add_argument("--not-digit-weight", type=non_negative_float, metavar="W",
                       help="weight of the loss that pulls --extra-data's non-digits towards an "
                       "even guess (outlier exposure); 0 leaves them out (default: the preset's)")
    train.add_argument("--seed", type=int, help="random seed (same seed, same model)")
    train.add_argument("--limit", type=positive_int,
                       help="use only the first N training and N test examples: for quick runs")
    train.add_argument("--data", help=data_help)
    train.add_argument("--extra-data", type=Path, metavar="FILE",
                       help="more training digits (x, y) beside MNIST's, such as "
                       "`python -m drawn training-set` writes")
    train.add_argument("--out", type=Path, help="output path without suffix (default: runs/PRESET)")
    train.set_defaults(run=_train)

    fit_check = commands.add_parser(
        "fit-check", formatter_class=defaults,
        help="fit a model's not-a-digit check on its hidden layer and store it in its NAME.npz")
    fit_check.add_argument("--model", help=model_help)
    fit_check.add_argument("--extra-data", type=Path, required=True, metavar="FILE",
                           help="training data with digits (x, y) and non-digits (x_not_digits)")
    fit_check.add_argument("--data", help=data_help)
    fit_check.add_argument("--seed", type=int, default=0, help="random seed")
    fit_check.set_defaults(run=_fit_check)

    evaluate = commands.add_parser("evaluate", formatter_class=defaults,
                                   help="test accuracy, per-digit precision and recall, confusion matrix")
    evaluate.add_argument("--model", help=model_help)
    evaluate.add_argument("--data", help=data_help)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(run=_evaluate)

    predict = commands.add_parser("predict", formatter_class=defaults,
                                  help="read the digit in each image file")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--model", help=model_help)
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.set_defaults(run=_predict)

    models = commands.add_parser("models", formatter_class=defaults, help="list the shipped models")
    models.add_argument("--json", action="store_true", help="print their records as JSON")
    models.set_defaults(run=_models)
    add_class_parser(commands)
    return parser


def _train(args) -> int:
    from mlp.data import load_mnist
    from mlp.files import check_space, check_target
    from mlp.model import KERAS, WEIGHTS, save_model, saved_size
    from mlp.training import train, used_not_digits

    try:
        config = PRESETS[args.preset].with_changes(
            epochs=args.epochs, batch_size=args.batch_size, dropout=args.dropout,
            learning_rate=args.learning_rate, seed=args.seed, augment=args.augment,
            hidden=args.hidden, not_digit_weight=args.not_digit_weight)
    except ValueError as err:
        raise MLPError(str(err)) from None
    out = args.out or Path("runs") / args.preset
    for target in (out.with_suffix(KERAS), out.with_suffix(WEIGHTS)):
        check_target(target)  # before the work, not after it
    check_space(out.parent, saved_size(config), "the model")
    data = load_mnist(args.data).first(train=args.limit, test=args.limit)
    extra = None
    if args.extra_data is not None:
        from mlp.data import load_extra

        extra = load_extra(args.extra_data)
        extra = replace(extra, x=extra.x[: args.limit], y=extra.y[: args.limit],
                        x_not_digits=extra.x_not_digits[: args.limit])
    not_digits = used_not_digits(config, extra)
    outliers = f" (and {len(not_digits)} non-digits)" if not_digits is not None else ""
    if config.not_digit_weight > 0 and not_digits is None:
        print(f"note: no non-digits to train on (--extra-data gives them), so the non-digit "
              f"weight {config.not_digit_weight:g} does nothing", flush=True)
    if extra and extra.redrawn_from and data.sha256 and extra.redrawn_from != data.sha256:
        print(f"note: {extra.source} redraws the training digits of another MNIST file than "
              f"--data; if --data is a validation split, some of its test digits may be trained on",
              flush=True)
    print(f"training {args.preset} on {len(data.x_train)} images"
          f"{f' and {len(extra.x)} from {extra.source}{outliers}' if extra else ''}, "
          f"testing on {len(data.x_test)}", flush=True)
    started = time.perf_counter()

    def on_epoch(epoch, epochs, logs):
        print(f"{time.perf_counter() - started:6.0f} s  epoch {epoch:>2}/{epochs}"
              f"  loss {logs['loss']:.4f}  accuracy {logs['accuracy']:.4f}"
              f"  test loss {logs['test_loss']:.4f}  test accuracy {logs['test_accuracy']:.4f}",
              flush=True)

    result = train(config, data, on_epoch=on_epoch, extra=extra)
    record = result.record(out.name)
    keras_path, weights_path = save_model(result.keras_model, out, record)
    print(f"{record['architecture']}: test accuracy {result.test_accuracy:.4f} "
          f"after {result.seconds:.0f} s; saved {weights_path} "
          f"({weights_path.stat().st_size / 1024:.0f} KB) and {keras_path}")
    return 0


def _evaluate(args) -> int:
    from mlp.data import as_model_input, load_mnist
    from mlp.evaluation import evaluate
    from mlp.model import load_model

    model = load_model(args.model)
    data = load_mnist(args.data)
    from mlp.digit_check import looks_like_digit

    x_test = as_model_input(data.x_test)
    result = evaluate(model, x_test, data.y_test)
    verdicts = looks_like_digit(model, x_test)
    flagged = None if verdicts is None else float(np.mean(~verdicts))
    if args.json:
        print(json.dumps({"model": model.name, **result.to_dict(),
                          "flagged_not_digit": flagged}))
        return 0
    print(f"model {model.name}: test accuracy {result.accuracy:.4f} "
          f"({result.error_count} errors in {len(result.labels)})")
    if flagged is not None:
        print(f"flagged as not a digit: {flagged:.2%} of the test digits")
    print("\ndigit  precision  recall  count")
    for digit in range(10):
        print(f"{digit:>5}  {result.precision[digit]:>9.4f}  {result.recall[digit]:>6.4f}  "
              f"{result.confusion[digit].sum():>5}")
    print("\nconfusion (rows: true digit, columns: predicted)")
    print("     " + "".join(f"{d:>6}" for d in range(10)))
    for digit, row in enumerate(result.confusion):
        print(f"{digit:>5}" + "".join(f"{count:>6}" for count in row))
    return 0


def _fit_check(args) -> int:
    from mlp.model import load_model, save_check
    from mlp.quiet import import_keras_quietly

    model = load_model(args.model)  # a damaged model is said before seconds of importing
    if model.path is None:
        raise MLPError(f"model {model.name} has no NAME.npz to store its check in")
    import_keras_quietly()  # TensorFlow without its start-up chatter, before augment imports it
    from mlp.augment import distort_once
    from mlp.data import load_extra, load_mnist
    from mlp.digit_check import fit_digit_check
    extra = load_extra(args.extra_data)
    mnist = load_mnist(args.data)
    # Distorted once, as in training: the check learns digits as they vary, not MNIST's
    # training images the model has seen sixteen times over.
    digits = np.concatenate([distort_once(mnist.x_train, args.seed),
                             distort_once(extra.x, args.seed + 1)])
    not_digits = distort_once(extra.x_not_digits, args.seed + 2)
    print(f"fitting the check of {model.name} on {len(digits)} digits and {len(not_digits)} "
          "non-digits", flush=True)
    started = time.perf_counter()
    check, report = fit_digit_check(model.network, digits, not_digits, seed=args.seed)
    report |= {"seconds": round(time.perf_counter() - started, 1),
               "data": {"mnist_sha256": mnist.sha256, "extra": extra.source,
                        "extra_sha256": extra.sha256}}
    save_check(model.path, check, digit_check=report)
    print(f"threshold {check.threshold:.4f}: of the digits kept aside "
          f"{report['aside_digits_flagged']:.2%} flagged, of the non-digits kept aside "
          f"{report['aside_not_digits_flagged']:.2%}; saved in {model.path}")
    return 0


def _predict(args) -> int:
    from mlp.digit_check import digit_likeness
    from mlp.model import load_model
    from mlp.network import predict_proba
    from mlp.preprocessing import open_image, preprocess

    model = load_model(args.model)
    failed = 0
    for path in args.images:
        prediction = {"path": path, "label": None, "confidence": None, "probabilities": None,
                      "looks_like_digit": None, "digit_likeness": None}
        try:
            x = preprocess(open_image(path))
            if x is None:
                prediction["error"] = "no digit found: the image is blank or all one colour"
            else:
                probabilities = predict_proba(model, x)
                prediction.update(label=int(probabilities.argmax()),
                                  confidence=round(float(probabilities.max()), 6),
                                  probabilities=[round(float(p), 6) for p in probabilities])
                likeness = digit_likeness(model, x)
                if likeness is not None:  # the label stays: the page may still show it
                    prediction.update(digit_likeness=round(likeness, 6),
                                      looks_like_digit=likeness >= model.check.threshold)
        except MLPError as err:
            prediction["error"] = str(err)
        failed += "error" in prediction
        if args.json:
            print(json.dumps(prediction), flush=True)
        elif "error" in prediction:
            print(f"{path}: {prediction['error']}", file=sys.stderr, flush=True)
        else:
            doubt = ", does not look like a digit" if prediction["looks_like_digit"] is False else ""
            print(f"{path}: {prediction['label']} ({prediction['confidence']:.1%}{doubt})", flush=True)
    return 1 if failed else 0


def _models(args) -> int:
    from mlp.errors import ModelError
    from mlp.model import DEFAULT_MODEL, load_model, recorded_number, shipped_models

    shipped, listed = shipped_models(), {}
    for name, path in shipped.items():
        # A folder in its place is present, and damaged: loading it says what it is.
        entry = {"file": path.name, "default": name == DEFAULT_MODEL, "present": path.exists()}
        if entry["present"]:
            try:  # the weights too, not the record alone: a damaged model is said to be one
                entry |= load_model(name).record
            except ModelError as err:
                entry["damaged"] = str(err)
        listed[name] = entry
    if args.json:
        print(json.dumps(listed, indent=2))
        return 0
    for name, entry in listed.items():
        label = f"{name}{' (default)' if entry['default'] else ''}"
        path = shipped[name]
        if not entry["present"]:
            print(f"{label}: missing ({path.name} is not in the assets)")
        elif "damaged" in entry:
            print(f"{label}: {entry['damaged']}")
        else:
            accuracy = recorded_number(entry, "test_accuracy")
            seconds = recorded_number(entry, "train_seconds")
            architecture = entry.get("architecture")
            print(f"{label}: test accuracy {'?' if accuracy is None else f'{accuracy:.4f}'}")
            print(f"  {architecture if isinstance(architecture, str) else '?'}; "
                  f"{path.stat().st_size / 1024:.0f} KB; "
                  f"trained in {'?' if seconds is None else f'{seconds:g}'} s")
    return 0
