"""python -m mlp.worker: one visitor's training run for the run queue (mlp.runs), reported on stdout.

Each line it prints is one JSON object: {"progress": share}, {"epoch": scores},
then {"done": ""} once OUT/model.npz and OUT/model.keras are written, or {"failed": reason}.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from mlp.config import TrainConfig
from mlp.errors import MLPError
from mlp.files import DiskFullError
from mlp.i18n import N_
from mlp.processes import die_with_parent

NICENESS = 10  # under Linux's scheduler the page then gets about ten times the CPU share of a run
# What a visitor reads when a run fails, in English here and translated where the page shows it.
DISK_FULL = N_("The server's disk is full, so the trained model could not be saved. Try again later.")
OUT_OF_MEMORY = N_("The run ran out of memory.")


def report(kind: str, value) -> None:
    print(json.dumps({kind: value}), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlp.worker", description=__doc__)
    parser.add_argument("--config", required=True, help="a TrainConfig as JSON")
    parser.add_argument("--images", type=int, required=True, help="train on the first N images")
    parser.add_argument("--data", help="mnist.npz (default: $MNIST_NPZ, else Keras' download)")
    parser.add_argument("--extra-data", type=Path, metavar="FILE",
                        help="more training data beside MNIST's, as `mlp train --extra-data` takes")
    parser.add_argument("--out", required=True, type=Path, help="folder for model.npz and model.keras")
    parser.add_argument("--server", type=int, help="end when this process (the server) ends")
    args = parser.parse_args(argv)
    if args.server is not None:  # a run nobody can collect must not keep its CPU and memory
        die_with_parent(args.server)
    # Lower priority than the page: a run takes the CPU the visitors' strokes leave idle.
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    from mlp.data import load_extra, load_mnist
    from mlp.model import save_model
    from mlp.training import train

    def work() -> None:
        config = TrainConfig.from_dict(json.loads(args.config))
        data = load_mnist(args.data).first(train=args.images)
        extra = None if args.extra_data is None else load_extra(args.extra_data)
        result = train(config, data, extra=extra,
                       on_batch=lambda epoch, batch, batches: report(
                           "progress", (epoch + batch / batches) / config.epochs),
                       on_epoch=lambda epoch, epochs, logs: report("epoch", logs))
        save_model(result.keras_model, args.out / "model", result.record("model"))

    return reported(work, "The run failed")


def reported(work: Callable[[], None], failed: str) -> int:
    """Run a training process's work -> its exit code, its end reported: {"done": ""}, or {"failed":
    a sentence for the visitor} (the details of a surprise go to the log, not to the page)."""
    try:
        work()
    except DiskFullError:  # its own words speak to someone at a command line, not a visitor
        report("failed", DISK_FULL)
        return 1
    except MLPError as err:
        report("failed", str(err))
        return 1
    except MemoryError:
        report("failed", OUT_OF_MEMORY)
        return 1
    except Exception as err:
        logging.getLogger(__name__).exception("training run")
        report("failed", f"{failed} ({type(err).__name__}).")
        return 1
    report("done", "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
