"""Command line: python -m mlp {train,evaluate,predict,models} ..."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from mlp.config import PRESETS
from mlp.errors import MLPError


def main(argv: list[str] | None = None) -> int:
    """Run one command; errors are one line on stderr and a non-zero exit."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out
    try:
        return args.run(args)
    except MLPError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was saved", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mlp", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train a model and save NAME.keras + NAME.json")
    train.add_argument("--preset", choices=sorted(PRESETS), default="classic",
                       help="starting hyperparameters (default: classic, the seed article's MLP)")
    train.add_argument("--epochs", type=int, help="passes over the training set")
    train.add_argument("--batch-size", type=int, help="examples per gradient step")
    train.add_argument("--hidden", type=int, nargs="+", metavar="UNITS",
                       help="hidden layer sizes, e.g. --hidden 256 128")
    train.add_argument("--dropout", type=float, help="dropout rate after each hidden layer")
    train.add_argument("--lr", type=float, dest="learning_rate", help="Adam learning rate")
    train.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                       help="distort training digits as drawings differ (default: the preset's)")
    train.add_argument("--seed", type=int, help="random seed (same seed, same model)")
    train.add_argument("--limit", type=int, help="use only the first N training examples "
                       "(and test on the first N test examples): for quick runs")
    train.add_argument("--data", help="path to mnist.npz (default: $MNIST_NPZ, else download)")
    train.add_argument("--out", help="output path without suffix (default: runs/PRESET)")
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="accuracy, per-class table, confusion matrix")
    evaluate.add_argument("--model", help="shipped model name or .keras path (default: the default model)")
    evaluate.add_argument("--data", help="path to mnist.npz (default: $MNIST_NPZ, else download)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--drawn", action="store_true",
                          help="score the project's drawn-digit set instead, per condition")
    evaluate.add_argument("--per-condition", type=int, default=100,
                          help="drawings per condition and source for --drawn (default 100)")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the drawn set (default 0)")
    evaluate.add_argument("--record", action="store_true",
                          help="with --drawn: store the scores in the model's NAME.json")
    evaluate.set_defaults(run=_evaluate)

    drawn = commands.add_parser("drawn", help="write the drawn-digit set as PNG files + labels.csv")
    drawn.add_argument("--out", required=True, help="folder to write to")
    drawn.add_argument("--per-condition", type=int, default=30, help="drawings per condition")
    drawn.add_argument("--seed", type=int, default=0, help="seed (same seed, same drawings)")
    drawn.add_argument("--data", help="mnist.npz, to include MNIST digits drawn the same ways")
    drawn.set_defaults(run=_drawn)

    predict = commands.add_parser("predict", help="read the digit in each image file")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--model", help="shipped model name or .keras path")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.set_defaults(run=_predict)

    models = commands.add_parser("models", help="list the shipped models")
    models.add_argument("--json", action="store_true", help="print the metadata as JSON")
    models.set_defaults(run=_models)
    return parser


def _train(args) -> int:
    from mlp.data import load_mnist
    from mlp.model import save_model
    from mlp.training import describe, train

    _positive(epochs=args.epochs, batch_size=args.batch_size, limit=args.limit)
    try:
        config = PRESETS[args.preset].with_changes(
            epochs=args.epochs, batch_size=args.batch_size, dropout=args.dropout,
            learning_rate=args.learning_rate, seed=args.seed, augment=args.augment,
            hidden=tuple(args.hidden) if args.hidden else None)
    except ValueError as err:
        raise MLPError(str(err)) from None
    out = Path(args.out or f"runs/{args.preset}")
    data = load_mnist(args.data).first(train=args.limit, test=args.limit)
    print(f"training {args.preset} on {len(data.x_train)} images, testing on {len(data.x_test)}: "
          f"{describe(config)}", flush=True)

    started = time.perf_counter()

    def on_epoch(epoch, epochs, logs):
        print(f"{time.perf_counter() - started:6.0f} s  epoch {epoch:>2}/{epochs}"
              f"  loss {logs['loss']:.4f}  accuracy {logs['accuracy']:.4f}"
              f"  test loss {logs['test_loss']:.4f}  test accuracy {logs['test_accuracy']:.4f}",
              flush=True)

    result = train(config, data, on_epoch=on_epoch)
    model_path, meta_path = save_model(result.keras_model, out, result.metadata(out.name, data))
    size_kb = model_path.stat().st_size / 1024
    print(f"test accuracy {result.test_accuracy:.4f} after {result.seconds:.0f} s; "
          f"saved {model_path} ({size_kb:.0f} KB) and {meta_path}")
    return 0


def _evaluate(args) -> int:
    from mlp.data import as_model_input, load_mnist
    from mlp.evaluation import evaluate
    from mlp.model import load_model

    model = load_model(args.model)
    if args.drawn:
        return _evaluate_drawn(model, args)
    data = load_mnist(args.data)
    result = evaluate(model, as_model_input(data.x_test), data.y_test)
    if args.json:
        print(json.dumps({"model": model.name, **result.to_dict()}))
        return 0
    print(f"model {model.name}: test accuracy {result.accuracy:.4f} "
          f"({len(result.labels) - int(result.confusion.trace())} errors in {len(result.labels)})")
    print("\ndigit  precision  recall  count")
    for digit in range(10):
        print(f"{digit:>5}  {result.precision[digit]:>9.4f}  {result.recall[digit]:>6.4f}  "
              f"{result.confusion[digit].sum():>5}")
    print("\nconfusion (rows: true digit, columns: predicted)")
    print("     " + "".join(f"{d:>6}" for d in range(10)))
    for digit, row in enumerate(result.confusion):
        print(f"{digit:>5}" + "".join(f"{count:>6}" for count in row))
    return 0


def _evaluate_drawn(model, args) -> int:
    from mlp.data import load_mnist
    from mlp.drawn import make_drawn_set
    from mlp.evaluation import score_drawn

    _positive(per_condition=args.per_condition)
    data = load_mnist(args.data)
    drawn = make_drawn_set(args.per_condition, args.seed, mnist=(data.x_test, data.y_test))
    scores = score_drawn(model, drawn)
    if args.record:
        from mlp.model import update_meta

        if model.path is None:
            raise MLPError("--record needs a model file")
        update_meta(model.path, drawn={"per_condition": args.per_condition, "seed": args.seed,
                                       **scores})
    if args.json:
        print(json.dumps({"model": model.name, "per_condition": args.per_condition,
                          "seed": args.seed, **scores}))
        return 0
    sources = [key for key in scores if key not in ("n", "blank", "all")]
    print(f"model {model.name}: drawn-digit accuracy {scores['all']['all']:.4f} on {scores['n']} "
          f"drawings ({scores['blank']} found blank)")
    print(f"\n{'condition':<14}" + "".join(f"{name:>10}" for name in sources + ["both"]))
    for condition in scores["all"]:
        cells = [scores[source].get(condition) for source in sources] + [scores["all"][condition]]
        print(f"{condition:<14}" + "".join(f"{v:>10.3f}" if v is not None else f"{'-':>10}"
                                             for v in cells))
    return 0


def _drawn(args) -> int:
    from mlp.data import load_mnist
    from mlp.drawn import make_drawn_set, write_pngs

    _positive(per_condition=args.per_condition)
    mnist = None
    if args.data:
        data = load_mnist(args.data)
        mnist = (data.x_test, data.y_test)
    labels = write_pngs(make_drawn_set(args.per_condition, args.seed, mnist=mnist), Path(args.out))
    print(f"wrote {labels}")
    return 0


def _predict(args) -> int:
    from mlp.model import load_model
    from mlp.predict import predict_proba
    from mlp.preprocessing import open_image, preprocess

    model = load_model(args.model)
    failed = 0
    for path in args.images:
        record = {"path": path, "label": None, "confidence": None, "probabilities": None}
        try:
            x = preprocess(open_image(path))
            if x is None:
                record["error"] = "no digit found: the image is blank or all one colour"
            else:
                probabilities = predict_proba(model, x)
                record.update(label=int(probabilities.argmax()),
                              confidence=round(float(probabilities.max()), 6),
                              probabilities=[round(float(p), 6) for p in probabilities])
        except MLPError as err:
            record["error"] = str(err)
        failed += "error" in record
        if args.json:
            print(json.dumps(record), flush=True)
        elif "error" in record:
            print(f"{path}: {record['error']}", file=sys.stderr, flush=True)
        else:
            print(f"{path}: {record['label']} ({record['confidence']:.1%})", flush=True)
    return 1 if failed else 0


def _models(args) -> int:
    from mlp.model import DEFAULT_MODEL, read_meta, shipped_models

    shipped = shipped_models()
    if args.json:
        print(json.dumps({name: {"path": str(path), "default": name == DEFAULT_MODEL,
                                 "size_bytes": path.stat().st_size, **read_meta(path)}
                          for name, path in shipped.items()}, indent=2))
        return 0
    for name, path in shipped.items():
        meta = read_meta(path)
        accuracy = meta.get("test_accuracy")
        print(f"{name}{' (default)' if name == DEFAULT_MODEL else ''}: "
              f"test accuracy {accuracy:.4f}" if accuracy is not None else f"{name}: no metadata")
        print(f"  {meta.get('architecture', '')}; {path.stat().st_size / 1024:.0f} KB; "
              f"trained in {meta.get('train_seconds', '?')} s")
    return 0


def _positive(**values) -> None:
    for name, value in values.items():
        if value is not None and value < 1:
            raise MLPError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
