"""python -m mlp.runs.worker: take training runs from the shared queue and train them, on any machine.

    python -m mlp.runs.worker --db postgresql+psycopg://mlp:PASSWORD@db-host/mlp

is all a second machine needs (with this project installed and MNIST at $MNIST_NPZ): the store's
URL names the queue too. Without --db it uses $MLP_CLASS_DB, else the SQLite file in the data
folder, as the replicas on this host do.
"""

from __future__ import annotations

import argparse
import logging
import sys
from functools import partial

from huey.signals import SIGNAL_INTERRUPTED

from mlp.processes import die_with_parent
from mlp.runs.execute import run_one
from mlp.runs.records import FAILED
from mlp.runs.store import STOPPED_MACHINE, RunQueue


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlp.runs.worker", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="the store's SQLAlchemy URL or SQLite file (default: $MLP_CLASS_DB, "
                                     "else classes.db in $MLP_DATA_DIR)")
    parser.add_argument("--queue", help="the broker, if not the store's server: an SQLite file or a "
                                        "postgresql:// URL (default: $MLP_QUEUE, else beside the store)")
    parser.add_argument("--slots", type=positive_int,
                        help="runs training at once across every machine (default: $MLP_TRAIN_SLOTS, else 1); "
                             "give every worker and replica the same")
    parser.add_argument("--threads", type=positive_int,
                        help="runs this worker follows at once (default: the slots and 2 more, so that runs "
                             "waiting their turn are still asked about while the slots train)")
    parser.add_argument("--data", help="mnist.npz for visitors' runs (default: $MNIST_NPZ)")
    parser.add_argument("--server", type=int, help="end when this process ends (the page that started it)")
    args = parser.parse_args(argv)
    if args.server is not None:
        die_with_parent(args.server)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line a second for every run waiting its turn
    queue = RunQueue.open(args.db, queue=args.queue, slots=args.slots,
                          execute=partial(run_one, data_path=args.data))
    # Threads, not processes: each one only follows a training process of its own (mlp.runs.execute).
    @queue.huey.signal(SIGNAL_INTERRUPTED)
    def stopped(signal_name, task, *rest) -> None:
        """A worker told to stop (SIGTERM) ends its runs' processes with it: say so now, not when they go stale."""
        run_id = task.args[0] if task.args else None
        if run_id is not None:
            queue.finish(run_id, FAILED, STOPPED_MACHINE)

    consumer = queue.huey.create_consumer(workers=args.threads or queue.slots + 2, worker_type="thread", periodic=False,
                                          initial_delay=0.1, backoff=1.15, max_delay=1.0)
    consumer.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
