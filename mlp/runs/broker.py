"""The task queue that carries runs to workers: Huey, on the same database server as the run store.

Why Huey: it is one small pure-Python package whose storage can be an SQLite file (the embedded
default: the replicas and a worker on one host share a file, no server to run) or PostgreSQL
through psycopg 3 (Huey's PostgresStorage), the very server the class store already needs across
machines, so several machines need one server, not two. Dramatiq and Celery need a broker
(Redis, RabbitMQ) beside the database, and neither has a file-backed broker for one host.

Huey only carries a run's id. What a run is, its place in line, its state, its slot and its model
live in the run store (mlp.runs.store), so a page can follow a run without the broker's help.
The broker's URL follows the store's: PostgreSQL for PostgreSQL, else an SQLite file beside the
store's file; $MLP_QUEUE (an SQLite path, or a postgresql:// URL) names another.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

QUEUE_VAR = "MLP_QUEUE"
QUEUE_NAME = "mlp-runs"
QUEUE_FILE = "runs-queue.db"  # beside the store's SQLite file
TASK = "mlp.runs.run"  # the one task: "run this run id"; its name is what producer and worker share
CONNECT_SECONDS = 10


def queue_url(store: str, url: str | None = None) -> str:
    """The broker's URL: `url`, else $MLP_QUEUE, else the store's server (PostgreSQL) or a file beside it."""
    url = url or os.environ.get(QUEUE_VAR)
    if url:
        return url if "://" in url else f"sqlite:///{Path(url).expanduser().resolve()}"
    parsed = sa.make_url(store)
    if parsed.get_backend_name() == "postgresql":
        return store
    return f"sqlite:///{Path(parsed.database).parent / QUEUE_FILE}"


def make_huey(url: str, execute: Callable[[str], None] | None = None):
    """A Huey instance on `url`, with the run task registered: `execute(run_id)` in a worker, or a
    stand-in body where runs are only submitted (the producer sends the task's name and arguments)."""
    from huey import PostgresHuey, SqliteHuey

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        huey = PostgresHuey(QUEUE_NAME, dsn=dsn, results=False, connect_timeout=CONNECT_SECONDS)
    elif parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(QUEUE_NAME, filename=parsed.database, results=False, timeout=30)
    else:
        raise ValueError(f"the run queue needs an SQLite file or PostgreSQL, not {parsed.get_backend_name()}")
    body = execute or _submitted_only

    def run(run_id: str) -> None:  # defined here, so that its registry key is the same everywhere
        body(run_id)

    return huey, huey.task(name=TASK)(run)


def _submitted_only(run_id: str) -> None:
    raise RuntimeError("this process only submits runs; a worker (python -m mlp.runs.worker) runs them")
