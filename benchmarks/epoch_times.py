"""How long an epoch of the shipped `world` recipe takes, and what two fixes of its speed are worth.

    python -m benchmarks.epoch_times --extra-data runs/drawn-train.npz [--data mnist.npz]
                                     [--epochs 6] [--repeats 1]

Three ways of training the same preset on the same data, each in a fresh Python process, run
in turn (repeat r trains with seed r):

- `shipped`: as `mlp train` runs it;
- `distortions uncompiled`: the training distortions (mlp/augment.py) run op by op in tf.data,
  as before they were compiled by XLA;
- `short last call`: Keras runs steps // 50 steps a call, so an epoch whose steps that does not
  divide ends on a shorter call, as before mlp.training.steps_per_call.

Prints each epoch's seconds (from the end of one to the end of the next, the test set's scoring
counted), then for each way the median epoch after the first two (the first compiles), the total
and how many times slower than `shipped` it is, and the load average. On a shared machine read
the per-epoch times: another process's burst shows as one slow epoch, the short call as every
other one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import mlp
from mlp.cli import positive_int

WAYS = ("shipped", "distortions uncompiled", "short last call")


def one_run(way: str, data_path: str | None, extra_path: str, epochs: int, seed: int) -> dict:
    """Train the world preset `epochs` epochs one `way` -> each epoch's end, in seconds from the start."""
    from mlp.quiet import import_keras_quietly

    import_keras_quietly()  # importing TensorFlow is not training
    import mlp.augment
    import mlp.training

    if way == "distortions uncompiled":
        import tensorflow as tf

        mlp.augment._warp = tf.function(mlp.augment._warp.python_function, jit_compile=False)
    elif way == "short last call":
        mlp.training.steps_per_call = lambda steps, calls=50: max(1, steps // calls)
    config = mlp.PRESETS["world"].with_changes(epochs=epochs, seed=seed)
    from mlp.data import load_extra

    data, extra = mlp.load_mnist(data_path), load_extra(extra_path)
    ends = []
    started = time.perf_counter()
    mlp.train(config, data, extra=extra,
              on_epoch=lambda epoch, total, logs: ends.append(time.perf_counter() - started))
    return {"ends": ends}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.epoch_times", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="mnist.npz (default: $MNIST_NPZ)")
    parser.add_argument("--extra-data", required=True, help="the drawn training set, as `mlp train` takes")
    parser.add_argument("--epochs", type=positive_int, default=6, help="epochs a run (default: 6)")
    parser.add_argument("--repeats", type=positive_int, default=1, help="rounds of the three (default: 1)")
    parser.add_argument("--one", choices=WAYS, help=argparse.SUPPRESS)  # a child process, as JSON
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_run(args.one, args.data, args.extra_data, args.epochs, args.seed)))
        return 0
    epochs: dict[str, list[float]] = {way: [] for way in WAYS}
    totals: dict[str, list[float]] = {way: [] for way in WAYS}
    for repeat in range(args.repeats):
        for way in WAYS:
            command = [sys.executable, "-m", "benchmarks.epoch_times", "--one", way, "--seed",
                       str(repeat), "--epochs", str(args.epochs), "--extra-data", args.extra_data]
            if args.data:
                command += ["--data", args.data]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            ends = json.loads(done.stdout.strip().splitlines()[-1])["ends"]
            each = [b - a for a, b in zip([0.0] + ends, ends)]
            print(f"{way:24} seed {repeat}: " + " ".join(f"{s:5.1f}" for s in each) + " s", flush=True)
            epochs[way] += each[2:]
            totals[way].append(ends[-1])
    base = statistics.median(epochs["shipped"])
    print(f"\nmedian epoch after the first two, and the total for {args.epochs} epochs:")
    for way in WAYS:
        median = statistics.median(epochs[way])
        print(f"  {way:24} {median:5.1f} s an epoch ({median / base:.2f}x shipped), "
              f"{statistics.median(totals[way]):6.1f} s in all")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
