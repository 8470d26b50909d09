"""python -m mlp.runs.class_run: one class fine-tune for the run queue, reported on stdout.

Reads the class's labelled drawings from the class store, holds out a third of the students
(split_by_student), fine-tunes the base on the rest with MNIST replay (mlp.class_model), and
scores base and tuned model on the held-out students and MNIST's test digits. Writes
OUT/model.npz, OUT/model.keras and OUT/result.json; prints lines as python -m mlp.worker does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from mlp.processes import die_with_parent
from mlp.worker import NICENESS, report, reported

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlp.runs.class_run", description=__doc__)
    parser.add_argument("--request", required=True, help="a ClassRequest as JSON")
    parser.add_argument("--db", required=True, help="the class store's SQLAlchemy URL")
    parser.add_argument("--data", help="mnist.npz (default: $MNIST_NPZ, else Keras' download)")
    parser.add_argument("--out", required=True, type=Path, help="folder for model.npz, model.keras, result.json")
    parser.add_argument("--server", type=int, help="end when this process (the worker) ends")
    args = parser.parse_args(argv)
    if args.server is not None:
        die_with_parent(args.server)
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    from mlp.class_model import train_class
    from mlp.classroom import ClassStore
    from mlp.data import load_mnist
    from mlp.runs.records import CLASS, request_from

    def work() -> None:
        request = request_from(CLASS, json.loads(args.request))
        store = ClassStore.open(args.db)
        try:
            labelled = store.labelled(request.code)
        finally:
            store.close()
        mnist = load_mnist(args.data)
        report("progress", 0.0)  # the data are in: from here on the run trains
        _, result = train_class(labelled, request.base, out=args.out / "model", mnist=mnist, config=request.config,
                                on_epoch=lambda epoch, epochs, logs: (report("progress", epoch / epochs),
                                                                      report("epoch", logs)))
        (args.out / "result.json").write_text(json.dumps(result))

    return reported(work, "The class fine-tune failed")


if __name__ == "__main__":
    sys.exit(main())
