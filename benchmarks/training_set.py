"""How long drawing the world model's training set takes, in one process and in several.

    python -m benchmarks.training_set [--data mnist.npz] [--repeats 1] [--scale 1.0]

Draws the training set of `python -m drawn training-set` (20,000 stroke digits, 20,000 MNIST
training digits redrawn, 30,000 non-digits, times --scale) with drawn.training.training_set,
once with workers=1 and once with one worker per available core, interleaved over the repeats
so that a busy machine slows both alike, and checks that both give the same arrays. Loading
MNIST is not timed; writing the file is not done. Prints each run, then the median seconds and
the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from drawn.training import training_set
from mlp.data import load_mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="mnist.npz (default: $MNIST_NPZ)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full counts")
    args = parser.parse_args()
    data = load_mnist(args.data)
    counts = [round(n * args.scale) for n in (20_000, 30_000, 20_000)]
    cores = len(os.sched_getaffinity(0))
    seconds: dict[int, list[float]] = {1: [], cores: []}
    made = {}
    for repeat in range(args.repeats):
        for workers in seconds:
            started = time.perf_counter()
            made[workers] = training_set(counts[0], counts[1], 0, mnist=(data.x_train, data.y_train),
                                         mnist_digits=counts[2], workers=workers)
            seconds[workers].append(time.perf_counter() - started)
            print(f"repeat {repeat}: {workers} worker(s) {seconds[workers][-1]:.1f} s", flush=True)
    same = all(np.array_equal(made[1][key], made[cores][key]) for key in made[1])
    one, many = statistics.median(seconds[1]), statistics.median(seconds[cores])
    print(f"median: 1 worker {one:.1f} s, {cores} workers {many:.1f} s, {one / many:.2f}x; "
          f"same arrays: {same}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
