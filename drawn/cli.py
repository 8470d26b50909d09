"""Command line: python -m drawn {write,score,training-set,hardest,validation-split,validate} ..."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drawn.conditions import CONDITIONS
from drawn.training import FONT_DIGITS, NOT_DIGITS, REDRAWN_DIGITS, STROKE_DIGITS
from drawn.versions import DRAWN_SET, NOT_DIGIT_SET
from mlp.cli import positive_int, run
from mlp.errors import MLPError
from mlp.limits import usable_cores


def main(argv: list[str] | None = None) -> int:
    """Run one command; an error is one `error: ...` line on stderr and exit status 1."""
    return run(_parser(), argv)


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
    common(score, per_condition=DRAWN_SET.per_condition)
    score.add_argument("--json", action="store_true", help="print one JSON object")
    score.add_argument("--record", action="store_true",
                       help="store the scores in the model's record (needs MNIST)")
    score.add_argument("--not-digits", action="store_true",
                       help="score the model's not-a-digit check instead: how many drawings "
                       "that are not digits it flags (per kind), and how many digits")
    score.add_argument("--fonts", action="store_true",
                       help="score digits in handwriting fonts instead (drawn.fonts, under "
                       "every condition; --per-condition drawings of each font), per font, "
                       "held-out fonts apart")
    score.add_argument("--per-kind", type=positive_int, default=NOT_DIGIT_SET.per_kind,
                       metavar="N", help="with --not-digits: drawings of each kind of non-digit "
                       "(default: %(default)s)")
    score.set_defaults(run=_score)

    training = commands.add_parser(
        "training-set", help="write training data: digits in the training styles and non-digits "
        "of the training kinds, as 28x28 arrays, from streams the test sets never use")
    training.add_argument("--out", required=True, type=Path, metavar="FILE",
                          help="the .npz file to write (x, y, x_not_digits)")
    training.add_argument("--digits", type=positive_int, default=STROKE_DIGITS, metavar="N",
                          help="digits to draw from stroke paths (default: %(default)s)")
    training.add_argument("--mnist-digits", type=seed_int, default=REDRAWN_DIGITS, metavar="N",
                          help="MNIST training digits to redraw under the conditions; 0 for "
                          "none (default: %(default)s)")
    training.add_argument("--data", metavar="FILE",
                          help="mnist.npz, whose training digits are redrawn (default: $MNIST_NPZ)")
    training.add_argument("--font-digits", type=seed_int, default=FONT_DIGITS, metavar="N",
                          help="digits to draw in the training handwriting fonts (never a "
                          "held-out one); 0 for none (default: %(default)s)")
    training.add_argument("--not-digits", type=positive_int, default=NOT_DIGITS, metavar="N",
                          help="non-digits to draw (default: %(default)s)")
    training.add_argument("--seed", type=seed_int, default=0, metavar="N",
                          help="seed: the same seed gives the same drawings (default: 0)")
    training.set_defaults(run=_training_set)

    split = commands.add_parser(
        "validation-split", help="write an mnist.npz of MNIST's first 50,000 training digits, "
        "with the last 10,000 as its test part: for comparing training recipes")
    split.add_argument("--out", required=True, type=Path, metavar="FILE", help="the .npz to write")
    split.add_argument("--data", metavar="FILE", help="mnist.npz (default: $MNIST_NPZ)")
    split.set_defaults(run=_validation_split)

    validate = commands.add_parser(
        "validate", help="a model trained on a validation split: its errors on the held-back "
        "digits, plain and redrawn, and on training-style strokes, summed")
    validate.add_argument("--model", required=True, metavar="NAME_OR_PATH",
                          help="the model, trained with --data on the validation split")
    validate.add_argument("--data", required=True, metavar="FILE",
                          help="the validation split (its test part is scored)")
    validate.add_argument("--seed", type=seed_int, default=1, metavar="N",
                          help="seed of the drawings; the test sets use 0 (default: 1)")
    validate.set_defaults(run=_validate)

    sheet = commands.add_parser("hardest", help="a contact sheet (PNG) of the drawings a model "
                                "and its not-a-digit check find hardest")
    sheet.add_argument("--out", required=True, type=Path, metavar="FILE", help="the PNG to write")
    sheet.add_argument("--model", metavar="NAME_OR_PATH",
                       help="a shipped model's name, or a .npz file (default: the default model)")
    common(sheet, per_condition=DRAWN_SET.per_condition)
    sheet.add_argument("--per-kind", type=positive_int, default=NOT_DIGIT_SET.per_kind,
                       metavar="N", help="drawings of each kind of non-digit (default: %(default)s)")
    sheet.add_argument("--styles", type=_style_names, metavar="NAME,...",
                       help="instead: a row for each of these styles, as written and its 10 "
                       "drawings read least surely")
    sheet.add_argument("--condition", choices=list(CONDITIONS), metavar="NAME",
                       help="instead: a row for each digit, its drawings under this condition "
                       "read least surely (the first also as handed in)")
    sheet.set_defaults(run=_hardest)
    return parser


def _hardest(args) -> int:
    from drawn.dataset import make_drawn_set
    from drawn.not_digits import make_not_digit_set
    from drawn.sheet import contact_sheet, hardest
    from mlp.files import check_target
    from mlp.model import load_model

    if args.out.suffix.lower() != ".png":  # the sheet is a PNG, whatever the name says
        raise MLPError(f"{args.out} does not end in .png; give the contact sheet a .png name")
    check_target(args.out)  # before the work, not after it
    mnist = _mnist(args)
    model = load_model(args.model)
    if args.styles:
        from drawn.dataset import strokes_as_drawn
        from drawn.sheet import hardest_of_styles

        rows = hardest_of_styles(model, strokes_as_drawn(args.per_condition, args.seed),
                                 args.styles)
        titles = [f"{model.name}: {name}, as written, then its drawings read least surely "
                  "(condition: read as, p(true digit))" for name in args.styles]
        print(f"wrote {contact_sheet(rows, titles, args.out)}")
        return 0
    if args.condition:
        from drawn.sheet import hardest_of_condition

        drawn = make_drawn_set(args.per_condition, args.seed, mnist=mnist, only=args.condition)
        rows = hardest_of_condition(model, drawn, args.condition)
        titles = [f"{model.name}, {digit}s drawn under the condition {args.condition}: the one read "
                  "least surely as handed in, then those read least surely as the model saw them "
                  "(style or source: read as, p(true digit))" for digit in sorted(set(drawn.labels.tolist()))]
        print(f"wrote {contact_sheet(rows, titles, args.out)}")
        return 0
    rows = hardest(model, make_drawn_set(args.per_condition, args.seed, mnist=mnist),
                   make_not_digit_set(args.per_kind, args.seed))
    titles = [f"{model.name}: digits read least surely (style or source: read as, p(true digit))",
              "not digits that look most like a digit (kind: digit-likeness)",
              "digits that look least like a digit (style or source: digit-likeness)"]
    print(f"wrote {contact_sheet(rows, titles[: len(rows)], args.out)}")
    return 0


def _style_names(text: str) -> list[str]:
    """argparse type: 'a,b' -> ['a', 'b'], each a style of drawn.strokes."""
    from drawn.strokes import digit_styles

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in digit_styles()]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"no style {', '.join(unknown) or repr(text)}: "
                                         f"one of {', '.join(digit_styles())}")
    return names


def _training_set(args) -> int:
    import numpy as np

    from drawn.dataset import MNIST_STYLE
    from drawn.training import FONT_STYLE, training_set

    out = _writable_npz(args.out)
    mnist = None
    if args.mnist_digits:
        from mlp.data import load_mnist

        data = load_mnist(args.data)
        mnist = data.x_train, data.y_train
    arrays = training_set(args.digits, args.not_digits, args.seed, mnist=mnist,
                          mnist_digits=args.mnist_digits, workers=usable_cores(),
                          font_digits=args.font_digits)
    if mnist is not None:
        arrays["mnist_sha256"] = np.array(data.sha256)
    _write_npz(out, arrays)
    redrawn = int((arrays["styles"] == MNIST_STYLE).sum())
    fonts = int(np.char.startswith(arrays["styles"].astype(str), FONT_STYLE).sum())
    print(f"wrote {out}: {len(arrays['x'])} digits ({redrawn} of them MNIST training digits "
          f"redrawn, {fonts} in handwriting fonts), {len(arrays['x_not_digits'])} non-digits")
    return 0


def _validation_split(args) -> int:
    from drawn.validation import validation_split
    from mlp.data import load_mnist

    out = _writable_npz(args.out)
    data = load_mnist(args.data)
    arrays = validation_split(data.x_train, data.y_train)
    _write_npz(out, arrays)
    print(f"wrote {out}: {len(arrays['x_train'])} training digits, {len(arrays['x_test'])} "
          "held back as its test part")
    return 0


def _writable_npz(path: Path) -> Path:
    """PATH.npz, once its folder is known to be writable: checked before the work, not after."""
    from mlp.files import check_target

    out = path.with_suffix(".npz")
    check_target(out)
    return out


def _write_npz(out: Path, arrays: dict) -> None:
    """Write arrays to `out` compressed, in one rename."""
    import numpy as np

    from mlp.files import atomic_write

    atomic_write(out, lambda temp: np.savez_compressed(temp, **arrays))


def _validate(args) -> int:
    from drawn.validation import trained_on_held_back, validate
    from mlp.data import load_mnist
    from mlp.model import load_model

    data = load_mnist(args.data)
    model = load_model(args.model)
    leak = trained_on_held_back(model.record, data.sha256)
    if leak:
        raise MLPError(f"{model.name} cannot be validated on {Path(args.data).name}: {leak}")
    print(json.dumps({"model": model.name, **validate(model, data.x_test, data.y_test, args.seed)}))
    return 0


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
    from mlp.files import check_writable

    check_writable(args.out)  # before the work, not after it
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

    if args.fonts and args.not_digits:
        raise MLPError("--fonts and --not-digits score different sets: give one of them")
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
    if args.fonts:
        return _score_fonts(model, args)
    drawn = make_drawn_set(args.per_condition, args.seed, mnist=mnist)
    if args.not_digits:
        from drawn.not_digits import make_not_digit_set
        from drawn.score import score_not_digits

        scores = score_not_digits(model, make_not_digit_set(args.per_kind, args.seed), drawn,
                                  mnist_test=None if mnist is None else mnist[0])
        scores |= {"per_condition": args.per_condition, "per_kind": args.per_kind}
        print_scores = _print_not_digits
    else:
        scores = score(model, drawn)
        print_scores = _print_table
    if args.record:
        record(model, scores, key="not_digits" if args.not_digits else "drawn")
    if args.json:
        print(json.dumps({"model": model.name, **scores}))
    else:
        print_scores(model.name, scores)
    _say_if_strokes_only(mnist)
    return 0


def _score_fonts(model, args) -> int:
    """`score --fonts`: the model's accuracy on each handwriting font's digits."""
    from drawn.fonts import make_font_set
    from drawn.score import record, score_fonts

    # The digit set's per-condition default is far more than a font needs: 20, two of each digit.
    per_condition = 20 if args.per_condition == DRAWN_SET.per_condition else args.per_condition
    scores = score_fonts(model, make_font_set(per_condition, args.seed))
    if args.record:
        record(model, scores, key="fonts")
    if args.json:
        print(json.dumps({"model": model.name, **scores}))
        return 0
    print(f"model {model.name}: digits in handwriting fonts, {scores['n']} drawings "
          f"({per_condition} of each font a condition; fonts {scores['font_version']}, "
          f"seed {scores['seed']})")
    if scores["missing"]:
        print(f"not installed, left out: {', '.join(scores['missing'])}", file=sys.stderr)
    print(f"\n{'font':<30}{'accuracy':>10}")
    for font, accuracy in scores["fonts"].items():
        marker = "  (held out)" if font in scores["held_out_fonts"] else ""
        print(f"{font:<30}{accuracy:>10.3f}{marker}")
    for title, key in (("held-out fonts", "held_out_digits"),
                       ("training fonts, new drawings", "training_font_digits")):
        if scores[key]:
            print(f"\nper digit, {title}: " + "  ".join(f"{d} {a:.3f}"
                                                      for d, a in scores[key].items()))
    return 0


def _print_not_digits(name: str, scores: dict) -> None:
    """The check's flag rates: non-digits per kind (held-out kinds marked), then digits."""
    print(f"model {name}: flagged {scores['not_digits_flagged']:.1%} of {scores['n']} drawings "
          f"that are not digits (kinds seen in training, new drawings: "
          f"{scores['seen_kinds_flagged']:.1%}; held-out kinds: "
          f"{scores['held_out_kinds_flagged']:.1%}; generator {scores['generator_version']}, "
          f"seed {scores['seed']})")
    print(f"\n{'kind':<16}{'flagged':>9}")
    for kind, rate in scores["kinds"].items():
        marker = "  (held out)" if kind in scores["held_out_kinds"] else ""
        print(f"{kind:<16}{rate:>9.3f}{marker}")
    print(f"\ndigits flagged: drawn set {scores['drawn_digits_flagged']:.2%} of "
          f"{scores['drawn_n']}" + "".join(
              f", {source} {scores[f'drawn_{source}_flagged']:.2%}" for source in ("strokes", "mnist")
              if f"drawn_{source}_flagged" in scores))
    if "mnist_test_flagged" in scores:
        print(f"               MNIST test {scores['mnist_test_flagged']:.2%} of {scores['mnist_n']}")


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
    if "styles" not in scores:
        return
    seen, held_out = (scores[key] for key in ("styles_seen_in_training", "styles_held_out"))
    print("\nstroke drawings per style: styles seen in training (other drawings) "
          + ("-" if seen is None else f"{seen:.4f}") + ", held-out styles "
          + ("-" if held_out is None else f"{held_out:.4f}"))
    print(f"\n{'style':<28}{'accuracy':>10}")
    for style, accuracy in scores["styles"].items():
        marker = "  (held out)" if style in scores["held_out_styles"] else ""
        print(f"{style:<28}{accuracy:>10.3f}{marker}")
