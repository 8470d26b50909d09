"""`mlp class {new,end,export}`: start a class before the lesson, end it, keep its labelled drawings."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mlp.errors import MLPError

PUBLIC_URL_VAR = "MLP_PUBLIC_URL"  # the address students use (the page's join panel reads it too)
LOCAL_BASE = "http://localhost:8501"  # Streamlit's own default address: only this computer reaches it


def class_link(base: str, **params: str) -> str:
    """BASE/?class=CODE[&teacher=KEY]: BASE's own path and query kept."""
    parts = urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MLPError(f"the page's address must start with http:// or https://, not {base!r}")
    query = dict(parse_qsl(parts.query)) | params
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of hours, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return value


def add_parser(commands) -> None:
    """Add `class` and its subcommands to the `mlp` command line's subparsers."""
    defaults = argparse.ArgumentDefaultsHelpFormatter
    parser = commands.add_parser("class", formatter_class=defaults,
                                 help="start a class (its code and links), end it, export its drawings")
    parser.add_argument("--db", metavar="URL", help="the class store: an SQLAlchemy URL or an SQLite file "
                        "(default: $MLP_CLASS_DB, else classes.db in $MLP_DATA_DIR or ~/.local/share/mnist-mlp)")
    actions = parser.add_subparsers(required=True, metavar="ACTION", title="actions")

    new = actions.add_parser("new", formatter_class=defaults,
                             help="start a class: print its code, the student link and the wall link")
    new.add_argument("--url", metavar="BASE", default=os.environ.get(PUBLIC_URL_VAR),
                     help=f"the page's address as students reach it (default: ${PUBLIC_URL_VAR}, "
                     f"else {LOCAL_BASE})")
    new.add_argument("--hours", type=_hours, help="delete the class after this many hours (default: 24)")
    new.add_argument("--json", action="store_true", help="print one JSON line: code, student_url, wall_url")
    new.set_defaults(run=_new)

    end = actions.add_parser("end", formatter_class=defaults,
                             help="end a class now: delete it and everything it holds")
    end.add_argument("code", metavar="CODE")
    end.set_defaults(run=_end)

    export = actions.add_parser("export", formatter_class=defaults,
                                help="write a class's labelled drawings to OUT.npz (x, y) and OUT.csv")
    export.add_argument("code", metavar="CODE")
    export.add_argument("--out", type=Path, required=True, metavar="OUT", help="output path, without suffix")
    export.set_defaults(run=_export)


def _store(args):
    from mlp.classroom import ClassStore

    return ClassStore.open(args.db)


def _new(args) -> int:
    base = args.url or LOCAL_BASE
    class_link(base)  # a wrong address is said before a class is made for nothing
    store = _store(args)
    try:
        info = store.new_class(args.hours)
    finally:
        store.close()
    student_url = class_link(base, **{"class": info.code})
    wall_url = class_link(base, **{"class": info.code, "teacher": info.teacher_key})
    if args.json:
        print(json.dumps({"code": info.code, "student_url": student_url, "wall_url": wall_url}))
    else:
        print(f"class {info.code}, until {info.expires:%Y-%m-%d %H:%M} UTC")
        print(f"students: {student_url}")
        print(f"wall (teacher only, keep it to yourself): {wall_url}")
    if not args.url:
        print(f"note: {LOCAL_BASE} reaches this computer only; give --url or set {PUBLIC_URL_VAR} "
              "to the address phones in the room use", file=sys.stderr)
    return 0


def _end(args) -> int:
    store = _store(args)
    try:
        if not store.end(args.code):
            raise MLPError(f"no class with the code {args.code!r} (it may have ended or expired already)")
    finally:
        store.close()
    print(f"class {args.code.upper()} ended: it and everything it held are deleted")
    return 0


def _export(args) -> int:
    store = _store(args)
    try:
        labelled = store.labelled(args.code)
        npz_path, csv_path = store.export(args.code, args.out)
    finally:
        store.close()
    print(f"{len(labelled)} labelled drawings of class {args.code.upper()}: {npz_path} and {csv_path}")
    return 0
