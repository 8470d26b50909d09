"""How long drawing the world model's training set takes, in one process and in several.

    python -m benchmarks.training_set [--data mnist.npz] [--repeats 1] [--scale 1.0]

Draws the training set of `python -m drawn training-set` (its default sizes, times --scale:
20,000 stroke digits, 20,000 MNIST training digits redrawn, 30,000 non-digits) with
drawn.training.training_set, once with workers=1 and once with one worker per available core,
interleaved over the repeats so that a busy machine slows both alike, and checks that both give
the same arrays. Loading MNIST is not timed; writing the file is not done. Prints each run,
then the median seconds and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from drawn.training import NOT_DIGITS, REDRAWN_DIGITS, STROKE_DIGITS, training_set
from mlp.data import load_mnist
from mlp.limits import usable_cores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="mnist.npz (default: $MNIST_NPZ)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full counts")
    args = parser.parse_args()
    data = load_mnist(args.data)
    digits, not_digits, redrawn = (round(n * args.scale)
                                   for n in (STROKE_DIGITS, NOT_DIGITS, REDRAWN_DIGITS))
    cores = usable_cores()
    seconds: dict[int, list[float]] = {1: [], cores: []}
    made = {}
    for repeat in range(args.repeats):
        for workers in seconds:
            started = time.perf_counter()
            made[workers] = training_set(digits, not_digits, 0, mnist=(data.x_train, data.y_train),
                                         mnist_digits=redrawn, workers=workers)
            seconds[workers].append(time.perf_counter() - started)
            print(f"repeat {repeat}: {workers} worker(s) {seconds[workers][-1]:.1f} s", flush=True)
    same = all(np.array_equal(made[1][key], made[cores][key]) for key in made[1])
    one, many = statistics.median(seconds[1]), statistics.median(seconds[cores])
    print(f"median: 1 worker {one:.1f} s, {cores} workers {many:.1f} s, {one / many:.2f}x; "
          f"same arrays: {same}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
