"""How fast the MLP trains: the seed article's script, mlp.train (classic, fast) and scikit-learn.

    python -m benchmarks.train_speed [--data mnist.npz] [--repeats 2] [--epochs 10]

Each run is a fresh Python process, so that none profits from another's compiled graphs, and the
runs are interleaved (article, classic, fast, sklearn, article, ...) so that a busy machine slows
them all alike; repeat r trains with seed r. Times are wall-clock from building the model to the
trained model (importing TensorFlow or scikit-learn comes before the clock starts; the article's
script runs silent, without its progress bar). Loading the data is not counted, nor is the
benchmark's own scoring of the test set
after each epoch of the article's script and of scikit-learn; mlp.train scores the test set after
each epoch itself, and that is counted. The article's script and the classic preset train for
--epochs, the fast preset for its own epochs, and scikit-learn's MLPClassifier(hidden_layer_sizes=
(128,)) one iteration (epoch) at a time with partial_fit on pixels / 255 in float32, for --epochs
iterations or until it reaches the target accuracy, if that takes longer.

Prints each run as it ends, then the medians over repeats: seconds per epoch, total seconds,
CPU seconds, seconds until the test accuracy first reaches 97.5 %, the final test accuracy, and
how many times faster than the article's script each run is (per epoch, in all, in CPU time),
and the load average. On a machine others share, read the wall times beside the CPU times:
scikit-learn's BLAS threads in particular slow down far more than the work grows when the
cores are oversubscribed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import mlp
from mlp.cli import positive_int

TARGET = 0.975  # test accuracy that "time to target" waits for
RUNS = ("article", "classic", "fast", "sklearn")
MAX_SKLEARN_EPOCHS = 40  # scikit-learn goes on past --epochs until TARGET, up to this many


class Stopwatch:
    """Wall and CPU time since it started, less the pauses the benchmark takes to score the test set.

    CPU time (all of the process's threads) is the second opinion on a busy machine: other
    people's processes stretch the wall time far more than the work done.
    """

    def __init__(self):
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        self.paused = self.cpu_paused = 0.0

    def elapsed(self) -> float:
        return time.perf_counter() - self.started - self.paused

    def cpu(self) -> float:
        return time.process_time() - self.cpu_started - self.cpu_paused

    @contextmanager
    def pause(self):
        began, cpu_began = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.paused += time.perf_counter() - began
            self.cpu_paused += time.process_time() - cpu_began


def run_article(data: mlp.Mnist, epochs: int, seed: int) -> dict:
    """The seed article's script (benchmarks/article_mlp.py), silent, scored after each epoch."""
    from benchmarks.article_mlp import fit_article
    from mlp.quiet import import_keras_quietly

    import_keras_quietly().utils.set_random_seed(seed)
    x_test = data.x_test / 255
    marks = []
    clock = Stopwatch()

    def score(model, epoch, seconds):
        at = clock.elapsed()
        with clock.pause():
            accuracy = model.evaluate(x_test, data.y_test, batch_size=len(x_test), verbose=0)[1]
        marks.append((at, float(accuracy)))

    fit_article(data, epochs, verbose=0, on_epoch=score)
    return {"seconds": clock.elapsed(), "cpu_seconds": clock.cpu(), "marks": marks}


def run_preset(name: str, data: mlp.Mnist, epochs: int | None, seed: int) -> dict:
    """mlp.train with a preset, as the page and the CLI call it."""
    from mlp.quiet import import_keras_quietly

    import_keras_quietly()  # importing TensorFlow is not training; the article's run imports it before its clock too
    config = mlp.PRESETS[name].with_changes(epochs=epochs, seed=seed)
    marks = []
    clock = Stopwatch()
    mlp.train(config, data, on_epoch=lambda epoch, total, logs: marks.append(
        (clock.elapsed(), logs["test_accuracy"])))
    return {"seconds": clock.elapsed(), "cpu_seconds": clock.cpu(), "marks": marks}


def run_sklearn(data: mlp.Mnist, epochs: int, seed: int) -> dict:
    """scikit-learn's MLPClassifier(128), one partial_fit pass per epoch, as its fit() would train."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x = data.x_train.reshape(len(data.x_train), -1).astype(np.float32) / 255
    x_test = data.x_test.reshape(len(data.x_test), -1).astype(np.float32) / 255
    # random_state=None: each partial_fit then draws from NumPy's global generator, so every epoch
    # gets a new shuffle as in fit(); an int would replay the first epoch's order every epoch.
    np.random.seed(seed)
    marks = []
    clock = Stopwatch()
    model = MLPClassifier(hidden_layer_sizes=(128,), random_state=None)
    classes = np.arange(10)
    while len(marks) < epochs or (marks[-1][1] < TARGET and len(marks) < MAX_SKLEARN_EPOCHS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.partial_fit(x, data.y_train, classes=classes)
        at = clock.elapsed()
        with clock.pause():
            marks.append((at, float(model.score(x_test, data.y_test))))
    return {"seconds": clock.elapsed(), "cpu_seconds": clock.cpu(), "marks": marks}


def run_one(name: str, data: mlp.Mnist, epochs: int, seed: int) -> dict:
    """One run in this process: {seconds, cpu_seconds, marks: [(seconds so far, test accuracy)] per epoch}."""
    if name == "article":
        return run_article(data, epochs, seed)
    if name == "classic":
        return run_preset("classic", data, epochs, seed)
    if name == "fast":
        return run_preset("fast", data, None, seed)
    return run_sklearn(data, epochs, seed)


def summarise(result: dict) -> dict:
    """Seconds per epoch, total, CPU, time to TARGET (None if never), final accuracy of one run."""
    marks = result["marks"]
    reached = [at for at, accuracy in marks if accuracy >= TARGET]
    return {"epochs": len(marks), "per_epoch": result["seconds"] / len(marks),
            "total": result["seconds"], "cpu": result["cpu_seconds"],
            "to_target": reached[0] if reached else None, "accuracy": marks[-1][1]}


def in_child(name: str, args, seed: int) -> dict:
    """Run `name` in a fresh Python process and read back its result."""
    command = [sys.executable, "-m", "benchmarks.train_speed", "--one", name, "--seed", str(seed),
               "--epochs", str(args.epochs)] + (["--data", args.data] if args.data else [])
    done = subprocess.run(command, cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.exit(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def print_table(rows: dict[str, list[dict]]) -> None:
    """Medians over the repeats; ratios are article / run (how many times faster)."""
    article = {key: median([row[key] for row in rows["article"]]) for key in ("per_epoch", "total", "cpu")}
    print(f"\n{'run':<9}{'epochs':>7}{'s/epoch':>9}{'total s':>9}{'CPU s':>8}{'to 97.5% s':>12}"
          f"{'test acc':>10}{'x faster/epoch':>16}{'x faster total':>16}{'x less CPU':>12}")
    for name, runs in rows.items():
        m = {key: median([row[key] for row in runs]) for key in runs[0]}
        to_target = f"{m['to_target']:.1f}" if m["to_target"] is not None else "never"
        print(f"{name:<9}{m['epochs']:>7g}{m['per_epoch']:>9.2f}{m['total']:>9.1f}{m['cpu']:>8.1f}"
              f"{to_target:>12}{m['accuracy']:>10.4f}{article['per_epoch'] / m['per_epoch']:>16.2f}"
              f"{article['total'] / m['total']:>16.2f}{article['cpu'] / m['cpu']:>12.2f}")


def load_text() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="mnist.npz in the Keras layout (default: $MNIST_NPZ)")
    parser.add_argument("--repeats", type=positive_int, default=2, help="rounds of all runs (default: 2)")
    parser.add_argument("--epochs", type=positive_int, default=10,
                        help="epochs of the article's script and the classic preset (default: 10)")
    parser.add_argument("--runs", default=",".join(RUNS), help="which runs, comma-separated (default: all)")
    parser.add_argument("--one", choices=RUNS, help=argparse.SUPPRESS)  # a child process: one run, as JSON
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        data = mlp.load_mnist(args.data)
        print(json.dumps(run_one(args.one, data, args.epochs, args.seed)))
        return
    names = [name.strip() for name in args.runs.split(",") if name.strip()]
    if unknown := set(names) - set(RUNS):
        parser.error(f"unknown runs {sorted(unknown)}; choose from {', '.join(RUNS)}")
    if "article" not in names:
        names.insert(0, "article")  # the ratios are to it
    data = mlp.load_mnist(args.data)  # fail here, once, if the data is missing
    print(f"{len(data.x_train)} training and {len(data.x_test)} test digits; {args.repeats} repeats; "
          f"{os.cpu_count()} CPUs; load average {load_text()}", flush=True)
    rows: dict[str, list[dict]] = {name: [] for name in names}
    for seed in range(args.repeats):
        for name in names:
            row = summarise(in_child(name, args, seed))
            rows[name].append(row)
            to_target = f"{row['to_target']:.1f} s" if row["to_target"] is not None else "never"
            print(f"  seed {seed} {name:<8} {row['epochs']:>2} epochs {row['total']:6.1f} s "
                  f"({row['cpu']:.1f} s CPU), "
                  f"97.5 % after {to_target}, test accuracy {row['accuracy']:.4f}; "
                  f"load average {load_text()}", flush=True)
    print_table(rows)
    if {"fast", "sklearn"} <= set(rows):
        fast, sklearn = (median([row["to_target"] for row in rows[name]]) for name in ("fast", "sklearn"))
        if fast is not None and sklearn is not None:
            print(f"\nto {TARGET:.1%}: fast {fast:.1f} s, scikit-learn {sklearn:.1f} s "
                  f"(scikit-learn / fast = {sklearn / fast:.2f})")
    print(f"\nload average at the end: {load_text()} (1, 5, 15 minutes)")


if __name__ == "__main__":
    main()
