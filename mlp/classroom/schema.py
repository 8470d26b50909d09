"""The store's tables, created on first use and versioned, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from mlp.classroom.records import ClassError

# Raise when a table or column changes, and teach `create` to bring an older store up to it.
SCHEMA_VERSION = 2  # 2: a class's base model and the class model its students' pages read
IMAGE_BYTES = 28 * 28  # a drawing's model input, uint8
_LOCK_ID = 0x6D6C7063  # PostgreSQL advisory lock held while one replica creates the tables

metadata = sa.MetaData()

schema = sa.Table(
    "class_schema", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
)

classes = sa.Table(
    "classes", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("teacher_key", sa.String(64), nullable=False),
    sa.Column("created", sa.Double, nullable=False),  # seconds since the epoch, UTC
    sa.Column("expires", sa.Double, nullable=False, index=True),
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
    sa.Column("send_all", sa.Boolean, nullable=False, default=False),
    # The model the class's pages read: a shipped model's name, or the class's own model (the id of
    # the fine-tune run that made it, in the training queue's store) when the teacher chose it.
    sa.Column("base_model", sa.String(32), nullable=False, server_default="world"),
    sa.Column("model_run", sa.String(64)),
)

# What each version added to the tables of the one before, for `create` to bring an older store up.
_UPGRADES = {
    2: ("ALTER TABLE classes ADD COLUMN base_model VARCHAR(32) NOT NULL DEFAULT 'world'",
        "ALTER TABLE classes ADD COLUMN model_run VARCHAR(64)"),
}

students = sa.Table(
    "class_students", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(32), sa.ForeignKey("classes.code", ondelete="CASCADE"), nullable=False),
    sa.Column("token", sa.String(64), nullable=False),
    sa.Column("nickname", sa.String(32), nullable=False),
    sa.Column("joined", sa.Double, nullable=False),
    sa.Column("removed", sa.Boolean, nullable=False, default=False),
    sa.Column("last_sent", sa.Double),  # the rate limit's memory
    sa.UniqueConstraint("code", "token"),
    sa.UniqueConstraint("code", "nickname"),
)

drawings = sa.Table(
    "class_drawings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(32), sa.ForeignKey("classes.code", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("student_id", sa.Integer, sa.ForeignKey("class_students.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("image", sa.LargeBinary(IMAGE_BYTES), nullable=False),  # (28, 28) uint8, row by row
    sa.Column("png", sa.LargeBinary, nullable=False),
    sa.Column("reading", sa.SmallInteger, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("not_digit", sa.Boolean),
    sa.Column("label", sa.SmallInteger),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
    sa.Column("sent", sa.Double, nullable=False),
)

CLASS_TABLES = (drawings, students, classes)  # children first: the order to delete a class in


def create(connection: sa.Connection, where: str) -> None:
    """Create the tables if missing and record the version; refuse a store written by newer code."""
    if connection.dialect.name == "postgresql":  # two replicas starting at once create them once
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
    if sa.inspect(connection).has_table(schema.name):
        found = connection.execute(sa.select(sa.func.max(schema.c.version))).scalar()
        if found is not None and found > SCHEMA_VERSION:
            raise ClassError(f"the class store at {where} has schema version {found}, newer than this "
                             f"code's {SCHEMA_VERSION}: update mnist-mlp, or point MLP_CLASS_DB elsewhere")
        if found == SCHEMA_VERSION:
            return
        if found is not None:  # an older store: add what each version since added, data kept
            for version in range(found + 1, SCHEMA_VERSION + 1):
                for statement in _UPGRADES[version]:
                    connection.execute(sa.text(statement))
    metadata.create_all(connection)
    connection.execute(sa.delete(schema))
    connection.execute(sa.insert(schema).values(version=SCHEMA_VERSION))
