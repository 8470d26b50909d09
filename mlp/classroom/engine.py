"""Where the store lives: its URL, and an SQLAlchemy engine set up for it (SQLite in WAL mode)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

DB_VAR = "MLP_CLASS_DB"  # an SQLAlchemy URL (postgresql+psycopg://...) or an SQLite file's path
DATA_DIR_VAR = "MLP_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.local/share/mnist-mlp")
DB_FILE = "classes.db"
READING = "class_store_reading"  # execution option: a transaction that only reads
CONNECT_SECONDS = 10  # how long to wait for a PostgreSQL server to answer
BUSY_SECONDS = 30  # how long an SQLite writer waits for another replica's write to finish


def data_dir() -> Path:
    """The folder the store's SQLite file lives in: $MLP_DATA_DIR, else ~/.local/share/mnist-mlp."""
    return Path(os.environ.get(DATA_DIR_VAR) or DEFAULT_DATA_DIR).expanduser()


def store_url(url: str | os.PathLike | None = None) -> str:
    """The store's SQLAlchemy URL: `url`, else $MLP_CLASS_DB, else data_dir()/classes.db.

    A plain path (no `://`) names an SQLite file."""
    url = url if url is not None else os.environ.get(DB_VAR) or data_dir() / DB_FILE
    url = os.fspath(url)
    if "://" in url:
        return url
    return f"sqlite:///{Path(url).expanduser().resolve()}"


def make_engine(url: str) -> sa.Engine:
    """An engine for this URL; for SQLite, a file in WAL mode shared safely by several processes."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # pre_ping: a replica outlives a PostgreSQL restart without one failed call per pooled connection;
        # a timeout: a server out of reach is said in seconds, not after TCP's minutes.
        connect_args = {"connect_timeout": CONNECT_SECONDS} if parsed.get_backend_name() == "postgresql" else {}
        return sa.create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    if not parsed.database or parsed.database == ":memory:":
        raise ValueError("the class store needs an SQLite file, not an in-memory database: "
                         "each connection would see a store of its own")
    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _set_up(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer, nor it for them
        cursor.execute("PRAGMA synchronous=NORMAL")  # in WAL mode, safe against a killed process
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        # A write takes SQLite's write lock up front: a deferred transaction that reads, then writes,
        # fails at once with "database is locked" when another process wrote in between.
        reading = connection.get_execution_options().get(READING, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "an unreadable URL"
