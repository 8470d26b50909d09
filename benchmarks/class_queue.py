"""A simulated class's fine-tune through the training queue, as the wall starts one: seconds and figures.

    python -m benchmarks.class_queue [--base world] [--db URL] [--data mnist.npz] [--json]

The class is drawn.simulated_class (30 students, 15 drawings each, in the drawn set's held-out
styles), sent to a class store and labelled as the wall keeps them. A worker (python -m
mlp.runs.worker, the command a second machine runs) is started on the store; the class's
fine-tune (ClassRequest, the default FineTuneConfig) is submitted and followed as the wall follows
it. The worker holds out a third of the students (split_by_student) and tunes on the other 20
students' 300 drawings with MNIST replay. Prints the time from Train to the model in the store,
its parts (waiting for a slot, the training process reading the class and MNIST, training, and the
rest: importing TensorFlow, scoring and saving), and the
before/after table on the held-out students and MNIST's test digits.

Without --db the store is an SQLite file in a fresh folder (the embedded default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from drawn.simulated_class import simulated_class
from mlp.classroom import ClassLimits, ClassStore, class_owner
from mlp.limits import usable_cores
from mlp.runs import FINISHED, ClassRequest, RunQueue

STUDENTS, PER_STUDENT = 30, 15  # 20 training students label 300 drawings
ROOT = Path(__file__).resolve().parent.parent


def seat_class(store: ClassStore) -> tuple[str, int]:
    """A class in `store` whose students sent and labelled the simulated class's drawings -> (code, drawings)."""
    drawings = simulated_class(STUDENTS, PER_STUDENT, seed=0)
    code = store.new_class().code
    tokens = {name: store.join(code).token for name in dict.fromkeys(drawings.token)}
    for image, label, name in zip(drawings.x, drawings.y, drawings.token):
        drawing = store.send(code, tokens[name], image, reading=0, confidence=0.5, not_digit=None)
        store.label(code, tokens[name], drawing, int(label))
    return code, len(drawings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="world", help="the model the class fine-tunes (default: world)")
    parser.add_argument("--db", help="the store's URL (default: an SQLite file in a fresh folder)")
    parser.add_argument("--data", help="mnist.npz (default: $MNIST_NPZ)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlp-class-queue-") as folder:
        url = args.db or str(Path(folder) / "classes.db")
        store = ClassStore.open(url, limits=ClassLimits(min_seconds_between_sends=0))
        code, sent = seat_class(store)
        command = [sys.executable, "-m", "mlp.runs.worker", "--db", url] + (["--data", args.data] if args.data else [])
        worker = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**os.environ, **({"MNIST_NPZ": args.data} if args.data else {})})
        try:
            queue = RunQueue.open(url)
            submitted = time.time()
            run = queue.submit(ClassRequest(code, base=args.base), owner=class_owner(code))
            while run.state not in FINISHED:
                time.sleep(0.5)
                queue.seen(run.id)
                run = queue.get(run.id)
            ended = time.time()
        finally:
            worker.kill()
            worker.wait(timeout=10)
    if run.state != "done":
        sys.exit(f"the fine-tune {run.state}: {run.message}")
    result = run.result
    figures = {f"{which}_{part}_{key}": result[which][part][key] for which in ("base", "tuned")
               for part in ("held_out", "mnist") for key in ("errors", "n", "accuracy")}
    timing = {"seconds_train_to_model": round(ended - submitted, 1),
              "seconds_waiting": round(run.started - run.submitted, 1),
              "seconds_reading_data": round(run.training_since - run.started, 1) if run.training_since else None,
              "seconds_training": result["seconds"], "cores": usable_cores(), "drawings_sent": sent,
              "backend": "postgresql" if "postgresql" in url else "sqlite"}
    summary = {**{key: result[key] for key in ("base_model", "train_drawings", "train_students",
                                               "held_out_drawings", "held_out_students")}, **timing, **figures}
    if args.json:
        print(json.dumps(summary))
        return
    print(f"{result['base_model']} fine-tuned through the queue ({timing['backend']}) on {result['train_drawings']} "
          f"drawings by {result['train_students']} students, scored on {result['held_out_drawings']} drawings by "
          f"{result['held_out_students']} other students; {usable_cores()} cores")
    print(f"  Train to model in the store: {timing['seconds_train_to_model']} s (waiting {timing['seconds_waiting']} s, "
          f"reading the data {timing['seconds_reading_data']} s, training {timing['seconds_training']} s, the rest "
          "importing TensorFlow, scoring and saving)")
    print("                 held-out students        MNIST test")
    for which in ("base", "tuned"):
        own, digits = result[which]["held_out"], result[which]["mnist"]
        print(f"  {which:>5}: {own['errors']:>4} errors of {own['n']} ({own['accuracy']:.2%})   "
              f"{digits['accuracy']:.2%}")


if __name__ == "__main__":
    main()
