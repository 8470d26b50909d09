"""The run store's tables, beside the class store's in the same database (own metadata, own version)."""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_VERSION = 1
_LOCK_ID = 0x6D6C7072  # PostgreSQL advisory lock: creating the tables, and claiming a slot

metadata = sa.MetaData()

schema = sa.Table(
    "run_schema", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),  # "train" or "class"
    sa.Column("owner", sa.String(80), nullable=False, index=True),
    sa.Column("number", sa.Integer, nullable=False),  # the owner's n-th run: its model's name
    sa.Column("address", sa.String(64)),  # the visitor's network address, where known
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("state", sa.String(12), nullable=False, index=True),
    # Seconds since the epoch: the replicas and workers on several machines share no other clock.
    sa.Column("submitted", sa.Double, nullable=False),
    sa.Column("started", sa.Double),
    sa.Column("training_since", sa.Double),
    sa.Column("heartbeat", sa.Double, nullable=False),  # the worker (or its task, waiting) was alive
    sa.Column("seen", sa.Double, nullable=False),  # its owner last looked
    sa.Column("progress", sa.Float, nullable=False, default=0.0),
    sa.Column("history", sa.JSON, nullable=False),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("estimate", sa.JSON, nullable=False),  # mlp.limits.Estimate's fields
    sa.Column("memory_mb", sa.Float, nullable=False),  # the estimate's memory: what a slot claims
    sa.Column("peak_mb", sa.Float, nullable=False, default=0.0),
    sa.Column("worker", sa.String(128)),  # host:pid of the worker that claimed it
    sa.Column("result", sa.JSON),
)

run_models = sa.Table(
    "run_models", metadata,
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("owner", sa.String(80), nullable=False, index=True),
    sa.Column("finished", sa.Double, nullable=False),
    sa.Column("npz", sa.LargeBinary, nullable=False),
    sa.Column("keras", sa.LargeBinary, nullable=False),
    sa.Column("record", sa.JSON, nullable=False),
)


def lock(connection: sa.Connection) -> None:
    """Serialise writers for this transaction: on SQLite the engine's BEGIN IMMEDIATE already does."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})


def create(connection: sa.Connection, where: str) -> None:
    """Create the tables if missing; refuse a store written by newer code."""
    from mlp.runs.records import TrainingUnavailable

    lock(connection)  # two replicas starting at once create them once
    if sa.inspect(connection).has_table(schema.name):
        found = connection.execute(sa.select(sa.func.max(schema.c.version))).scalar()
        if found is not None and found > SCHEMA_VERSION:
            raise TrainingUnavailable(f"Training is unavailable: the run store at {where} has schema "
                                      f"version {found}, newer than this code's {SCHEMA_VERSION}.")
        if found == SCHEMA_VERSION:
            return
    metadata.create_all(connection)
    connection.execute(sa.delete(schema))
    connection.execute(sa.insert(schema).values(version=SCHEMA_VERSION))
