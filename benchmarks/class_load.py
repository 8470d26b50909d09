"""A class wall under load: N students sending drawings to the class store while a teacher polls the wall.

    python -m benchmarks.class_load [--students 10,30,100] [--seconds 20] [--replicas 2]
                                    [--class-db URL] [--interval 2] [--poll 2]

The store side of a lesson, without the page: --replicas processes each open their own ClassStore
(as the page's replicas do) and run their share of the students as threads (as Streamlit runs
sessions). Each student reads a real MNIST test digit with the default model (the time to
prediction: the forward pass the page runs for a stroke) and sends it to the store every
--interval seconds (jittered, never faster than the store's one a second). A teacher process polls
the wall every --poll seconds. It prints a Markdown table: drawings sent and refused, the time to
the prediction, to the store (send), one wall poll, and to the wall (from a send's commit to the
first poll that shows it: about half the poll interval plus a poll when the store keeps up).
The store is --class-db (default: a fresh SQLite file in a temporary folder); the class is ended
at the end of each step, so nothing is left in it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.load import percentile, positive, positive_int_list
from benchmarks.process_tree import load_average


@dataclass
class Tally:
    """What one replica's students (or the teacher) saw."""

    sent: dict[int, float] = field(default_factory=dict)  # drawing id -> time.time() once committed
    predictions: list[float] = field(default_factory=list)  # s
    sends: list[float] = field(default_factory=list)  # s
    refused: dict[str, int] = field(default_factory=dict)
    polls: list[float] = field(default_factory=list)  # s
    first_seen: dict[int, float] = field(default_factory=dict)  # drawing id -> time.time() of the poll's end


def test_digits(count: int = 200):
    """(count, 28, 28) float32 MNIST test digits in [0, 1]: $MNIST_NPZ, else the tests' sample."""
    import os

    import mlp
    from mlp.data import as_model_input

    path = os.environ.get("MNIST_NPZ") or Path(__file__).resolve().parent.parent / "tests/data/mnist-sample.npz"
    return as_model_input(mlp.load_mnist(path).x_test[:count])


def replica(url: str, code: str, tokens: list[str], args, stop: float, results) -> None:
    """One replica: its own store, one thread per student, until `stop`."""
    from threadpoolctl import threadpool_limits

    import mlp
    from mlp.classroom import ClassStore, SendRefused
    from mlp.network import predict_proba

    threadpool_limits(limits=1, user_api="blas")  # as the page's process does (views/server.py)
    store, model, digits = ClassStore.open(url), mlp.load_model(), test_digits()
    tally, lock = Tally(), threading.Lock()
    time.sleep(max(0.0, stop - args.seconds - time.time()))  # every replica starts its students together

    def student(number: int, token: str) -> None:
        rng = random.Random(f"{args.seed}-{token}")  # each student's own stream
        time.sleep(rng.uniform(0, args.interval))  # they do not all start at once
        while time.time() < stop:
            x = digits[rng.randrange(len(digits))]
            started = time.perf_counter()
            probabilities = predict_proba(model, x)
            predicted = time.perf_counter()
            try:
                drawing = store.send(code, token, x, int(probabilities.argmax()), float(probabilities.max()), None)
                with lock:
                    tally.sent[drawing] = time.time()
            except SendRefused as err:
                with lock:
                    tally.refused[err.reason] = tally.refused.get(err.reason, 0) + 1
            sent = time.perf_counter()
            with lock:
                tally.predictions.append(predicted - started)
                tally.sends.append(sent - predicted)
            time.sleep(max(1.05, args.interval * rng.uniform(1 - args.jitter, 1 + args.jitter)))

    threads = [threading.Thread(target=student, args=(number, token)) for number, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    results.put(tally)


def teacher(url: str, code: str, args, stop: float, results) -> None:
    """The wall: one poll every args.poll seconds until `stop` (and one more, to see the last sends)."""
    from mlp.classroom import ClassStore

    store, tally = ClassStore.open(url), Tally()
    while True:
        started = time.perf_counter()
        tiles = store.wall(code)
        tally.polls.append(time.perf_counter() - started)
        now = time.time()
        for tile in tiles:
            tally.first_seen.setdefault(tile.drawing_id, now)
        if now > stop + args.poll:
            break
        time.sleep(max(0.0, args.poll - (time.perf_counter() - started)))
    store.close()
    results.put(tally)


@dataclass
class Step:
    students: int
    seconds: float
    replicas: list[Tally]
    wall: Tally
    load: tuple[float, float, float]

    def row(self) -> str:
        """One line of the Markdown table."""
        sent = {k: v for tally in self.replicas for k, v in tally.sent.items()}
        predictions = [s for tally in self.replicas for s in tally.predictions]
        sends = [s for tally in self.replicas for s in tally.sends]
        refused = sum(sum(tally.refused.values()) for tally in self.replicas)
        to_wall = [self.wall.first_seen[i] - t for i, t in sent.items() if i in self.wall.first_seen]

        def ms(values, q):
            value = percentile(values, q)
            return "-" if value is None else f"{value * 1000:.1f}"

        return (f"| {self.students} | {len(self.replicas)} | {len(sent)} | {len(sent) / self.seconds:.1f} "
                f"| {refused} | {ms(predictions, 50)} / {ms(predictions, 95)} | {ms(sends, 50)} / {ms(sends, 95)} "
                f"/ {max(sends, default=0) * 1000:.0f} | {ms(self.wall.polls, 50)} / {ms(self.wall.polls, 95)} "
                f"| {ms(to_wall, 50)} / {ms(to_wall, 95)} | {len(sent) - len(to_wall)} "
                f"| {self.load[0]:.1f} |")


HEADER = ("| students | replicas | drawings | per s | refused | prediction p50/p95 (ms) "
          "| send p50/p95/max (ms) | wall poll p50/p95 (ms) | to the wall p50/p95 (ms) | replaced before a poll "
          "| load avg 1 min |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def run_step(url: str, students: int, args) -> Step:
    """One class of `students` for args.seconds."""
    from mlp.classroom import ClassStore

    store = ClassStore.open(url)
    code = store.new_class().code
    tokens = [store.join(code).token for _ in range(students)]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter per replica, as deploy.serve starts them
    results = context.Queue()
    stop = time.time() + 5 + args.seconds  # 5 s for the processes to start and load the model
    processes = [context.Process(target=replica, args=(url, code, tokens[number::args.replicas], args, stop,
                                                       results)) for number in range(args.replicas)]
    processes.append(context.Process(target=teacher, args=(url, code, args, stop, results)))
    for process in processes:
        process.start()
    tallies = [results.get(timeout=args.seconds + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    store.end(code)
    store.close()
    wall = next(tally for tally in tallies if tally.polls)
    return Step(students, args.seconds, [tally for tally in tallies if tally is not wall], wall, load_average())


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--students", type=positive_int_list, default=[10, 30, 100],
                        help="students per step, comma-separated")
    parser.add_argument("--seconds", type=positive(float), default=20.0, help="length of each step")
    parser.add_argument("--replicas", type=positive(int), default=2, help="processes, each with its own store")
    parser.add_argument("--class-db", metavar="URL",
                        help="the class store (default: a fresh SQLite file in a temporary folder)")
    parser.add_argument("--interval", type=positive(float), default=2.0, help="seconds between a student's sends")
    parser.add_argument("--jitter", type=float, default=0.3, help="each pause is interval x (1 +- jitter)")
    parser.add_argument("--poll", type=positive(float), default=2.0, help="seconds between the wall's polls")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Run every step and print the table."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="class-load-") as folder:
        url = args.class_db or str(Path(folder) / "classes.db")
        steps = []
        for students in args.students:
            steps.append(run_step(url, students, args))
            print(f"{students} students done", flush=True)
    print(HEADER)
    for step in steps:
        print(step.row())


if __name__ == "__main__":
    main()
