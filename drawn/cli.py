"""Command line: python -m drawn {write,score} ..."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

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


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seed_int(text: str) -> int:
    """argparse type: an integer of at least 0 (NumPy seeds cannot be negative)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m drawn", description=(
        "The drawn-digit test set: digits painted from stroke paths, and MNIST test digits "
        "drawn the same ways, under conditions people draw in."))
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def common(command: argparse.ArgumentParser, per_condition: int) -> None:
        command.add_argument("--per-condition", type=positive_int, default=per_condition,
                             metavar="N", help="drawings per condition and source "
                             f"(default: {per_condition})")
        command.add_argument("--seed", type=seed_int, default=0, metavar="N",
                             help="seed: the same seed gives the same drawings (default: 0)")
        command.add_argument("--data", metavar="FILE",
                             help="mnist.npz, to add MNIST test digits drawn the same ways "
                             "(default: $MNIST_NPZ; without either, stroke drawings only)")

    write = commands.add_parser("write", help="write the set as PNG files + labels.csv")
    write.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write to")
    common(write, per_condition=30)
    write.set_defaults(run=_write)

    score = commands.add_parser("score", help="a model's accuracy on the set, per condition")
    score.add_argument("--model", metavar="NAME_OR_PATH",
                       help="a shipped model's name, or a .npz or .keras file (default: the default model)")
    common(score, per_condition=100)
    score.add_argument("--json", action="store_true", help="print one JSON object")
    score.add_argument("--record", action="store_true",
                       help="store the scores in the model's record (needs MNIST)")
    score.set_defaults(run=_score)
    return parser


def _mnist(args):
    """(x_test, y_test) from --data or $MNIST_NPZ, or None: the stroke drawings need no MNIST."""
    from mlp.data import load_mnist, resolve_path

    path = resolve_path(args.data)
    if path is None:  # no download: MNIST is only one of the two sources
        return None
    data = load_mnist(path)
    return data.x_test, data.y_test


def _write(args) -> int:
    from drawn.dataset import make_drawn_set, write_pngs

    mnist = _mnist(args)
    drawn = make_drawn_set(args.per_condition, args.seed, mnist=mnist)
    print(f"wrote {write_pngs(drawn, args.out)}")
    _say_if_strokes_only(mnist)
    return 0


def _say_if_strokes_only(mnist) -> None:
    if mnist is None:
        print("no MNIST file (--data or $MNIST_NPZ): stroke drawings only", file=sys.stderr)


def _score(args) -> int:
    from drawn.dataset import make_drawn_set
    from drawn.score import record, score
    from mlp.model import load_model

    mnist = _mnist(args)  # before the model, which takes seconds to load: fail fast
    if args.record and mnist is None:
        raise MLPError("--record needs MNIST (--data or $MNIST_NPZ): a model's record holds "
                       "the score on both sources")
    model = load_model(args.model)
    if args.record:
        from mlp.files import check_writable

        if model.path is None:
            raise MLPError(f"model {model.name} has no record file to store the scores in")
        check_writable(model.path.parent)  # before the work, not after it
    scores = score(model, make_drawn_set(args.per_condition, args.seed, mnist=mnist))
    if args.record:
        record(model, scores)
    if args.json:
        print(json.dumps({"model": model.name, **scores}))
    else:
        _print_table(model.name, scores)
    _say_if_strokes_only(mnist)
    return 0


def _print_table(name: str, scores: dict) -> None:
    """The per-condition accuracy table, a column per source and one for all."""
    from drawn.dataset import SOURCES

    sources = [source for source in SOURCES if source in scores]
    print(f"model {name}: drawn-digit accuracy {scores['all']['all']:.4f} on {scores['n']} "
          f"drawings ({scores['blank']} found blank; generator {scores['generator_version']}, "
          f"seed {scores['seed']})")
    print(f"\n{'condition':<14}" + "".join(f"{column:>10}" for column in sources + ["all"]))
    for condition in scores["all"]:
        cells = [scores[source].get(condition) for source in sources] + [scores["all"][condition]]
        print(f"{condition:<14}" + "".join(f"{v:>10.3f}" if v is not None else f"{'-':>10}"
                                             for v in cells))
