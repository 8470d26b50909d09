"""How honest the training queue's estimate is: real runs through the worker against mlp.limits.

    python -m benchmarks.training_estimate [--data mnist.npz] [--only NAME ...]

Each case runs `python -m mlp.worker` as the queue does (a fresh process, niced, its report on
stdout) and is timed from starting the process to its exit, so that importing TensorFlow,
reading MNIST, compiling and saving the model all count, as they do against the queue's time
limit. The worker's resident memory (its whole process tree) is read every 0.1 s for the
peak. Prints one row per case: the estimate, the measurement and their ratios, then the largest
time ratio, which mlp.limits.ESTIMATE_MARGIN must cover, and the load average before and after
(the machine may be shared: a busy one makes every run slower alike).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from benchmarks.process_tree import rss_bytes
from mlp.config import PRESETS, TrainConfig
from mlp.limits import estimate


@dataclass(frozen=True)
class Case:
    """One calibration run: a configuration and how many training images."""

    name: str
    config: TrainConfig
    images: int


CASES = [
    Case("start only (8 units, 100 images)", TrainConfig(hidden=(8,), epochs=1, batch_size=64), 100),
    Case("fast preset, 1 epoch", PRESETS["fast"].with_changes(epochs=1), 60_000),
    Case("classic preset, 1 epoch", PRESETS["classic"].with_changes(epochs=1), 60_000),
    Case("logistic, 2 epochs, 30,000", PRESETS["logistic"].with_changes(epochs=2), 30_000),
    Case("robust (2x1024, augment), 1 epoch, 20,000", PRESETS["robust"].with_changes(epochs=1), 20_000),
    Case("robust, 3 epochs, 60,000", PRESETS["robust"].with_changes(epochs=3), 60_000),
    Case("classic preset, 4 epochs", PRESETS["classic"].with_changes(epochs=4), 60_000),
    Case("2x2048 batch 512, 2 epochs, 20,000", TrainConfig(hidden=(2048, 2048), epochs=2, batch_size=512),
         20_000),
    Case("4x2048 batch 4096, 1 epoch, 10,000", TrainConfig(hidden=(2048,) * 4, epochs=1, batch_size=4096),
         10_000),
]


def measure(case: Case, data: str | None) -> tuple[float, float, str]:
    """(wall seconds, peak MB of the worker's process tree, 'done' or the failure) for one case."""
    with tempfile.TemporaryDirectory(prefix="mlp-bench-") as folder:
        command = [sys.executable, "-m", "mlp.worker", "--config", json.dumps(case.config.to_dict()),
                   "--images", str(case.images), "--out", folder]
        if data:
            command += ["--data", data]
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
        reader.start()
        peak = 0
        while process.poll() is None:
            peak = max(peak, rss_bytes(process.pid))
            time.sleep(0.1)
        seconds = time.monotonic() - started
        reader.join(timeout=5)
    last = lines[-1].strip() if lines else "no report"
    return seconds, peak / 2**20, "done" if last.startswith('{"done"') else last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("MNIST_NPZ"), help="mnist.npz (default: $MNIST_NPZ)")
    parser.add_argument("--only", nargs="*", help="run only the cases whose name contains one of these")
    args = parser.parse_args()
    cases = [case for case in CASES if not args.only or any(word in case.name for word in args.only)]
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print("| run | estimate s | measured s | measured / estimate | estimate MB | peak MB | peak / estimate |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for case in cases:
        cost = estimate(case.config, case.images)
        seconds, peak_mb, outcome = measure(case, args.data)
        worst = max(worst, seconds / cost.seconds)
        note = "" if outcome == "done" else f" ({outcome})"
        print(f"| {case.name}{note} | {cost.seconds:.1f} | {seconds:.1f} | {seconds / cost.seconds:.2f} | "
              f"{cost.memory_mb:.0f} | {peak_mb:.0f} | {peak_mb / cost.memory_mb:.2f} |", flush=True)
    print(f"largest measured / estimate: {worst:.2f}; load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
