"""The class store: every class's students, drawings and labels in one database all replicas reach."""

from __future__ import annotations

import hmac
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import sqlalchemy as sa

from mlp.classroom import codes, export, schema, sent
from mlp.classroom.engine import READING, make_engine, shown, store_url
from mlp.classroom.limits import ClassLimits
from mlp.classroom.records import BASE_MODELS, ClassError, ClassInfo, Labelled, SendRefused, Student, Tile
from mlp.classroom.schema import classes, drawings, students
from mlp.i18n import _

_NEW_CODE_TRIES = 8  # a fresh code taken already is rare; eight in a row means something is wrong


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


class ClassStore:
    """Classes, students and drawings over SQLAlchemy: thread-safe, one per process."""

    def __init__(self, engine: sa.Engine, limits: ClassLimits = ClassLimits(),
                 clock: Callable[[], float] = time.time):
        """Use this engine (tables created on first use); `clock` is seconds since the epoch."""
        self.engine, self.limits, self.clock = engine, limits, clock
        self.where = shown(engine.url.render_as_string(hide_password=False))
        self._expiry_lock = threading.Lock()
        self._next_expiry = 0.0  # time.monotonic() of the next sweep of expired classes
        try:
            with self.engine.begin() as connection:
                schema.create(connection, self.where)
        except sa.exc.SQLAlchemyError as err:
            raise ClassError(f"cannot open the class store at {self.where}: {err.__class__.__name__}: "
                             f"{str(err).splitlines()[0]}") from None

    @classmethod
    def open(cls, url: str | None = None, limits: ClassLimits = ClassLimits(),
             clock: Callable[[], float] = time.time) -> ClassStore:
        """The store at `url` (an SQLAlchemy URL or an SQLite file), else $MLP_CLASS_DB, else
        classes.db in the data folder ($MLP_DATA_DIR, else ~/.local/share/mnist-mlp)."""
        url = store_url(url)
        try:
            engine = make_engine(url)
        except (ValueError, sa.exc.ArgumentError, ImportError, OSError) as err:
            raise ClassError(f"cannot open the class store at {shown(url)}: {err}") from None
        return cls(engine, limits, clock)

    def close(self) -> None:
        """Close the store's connections."""
        self.engine.dispose()

    # -- the teacher's class ---------------------------------------------------------------------

    def new_class(self, hours: float | None = None) -> ClassInfo:
        """Start a class that lasts `hours` (default: the limits' hours); ClassError if too many are open."""
        hours = self.limits.hours if hours is None else hours
        if not isinstance(hours, int | float) or not 0 < hours <= self.limits.max_hours:
            raise ClassError(f"a class lasts more than 0 and at most {self.limits.max_hours:g} hours, "
                             f"not {hours!r}")
        self.expire()
        for _try in range(_NEW_CODE_TRIES):
            now = self.clock()
            row = {"code": codes.new_code(self.limits.code_length), "teacher_key": codes.new_teacher_key(),
                   "created": now, "expires": now + hours * 3600, "paused": False, "send_all": False,
                   "base_model": BASE_MODELS[0], "model_run": None}
            try:
                with self._writing() as connection:
                    alive = connection.execute(sa.select(sa.func.count()).select_from(classes)
                                               .where(classes.c.expires > now)).scalar_one()
                    if alive >= self.limits.max_classes:
                        raise ClassError(_("{count} classes are open, the most this server keeps: end one, or wait "
                                           "until one expires").format(count=alive))
                    connection.execute(sa.insert(classes).values(row))
                return self._info(row)
            except sa.exc.IntegrityError:  # that code is taken: draw another
                continue
        raise ClassError(_("could not find a free class code; try again"))

    def find(self, code: str) -> ClassInfo | None:
        """The class with this code (any case), or None: no such class, or it ended or expired."""
        self._expire_now_and_then()
        with self._reading() as connection:
            row = self._class_row(connection, code)
        return None if row is None else self._info(row._mapping)

    def is_teacher(self, code: str, key: str) -> bool:
        """Whether `key` is this live class's teacher key (compared in constant time)."""
        info = self.find(code)
        if info is None or not isinstance(key, str):
            return False
        return hmac.compare_digest(info.teacher_key.encode(), key.encode("utf-8", "replace"))

    def set_paused(self, code: str, paused: bool) -> None:
        """Pause sending (True) or let students send again (False)."""
        self._set(code, paused=bool(paused))

    def set_send_all(self, code: str, send_all: bool) -> None:
        """Record whether the teacher asked every student to send."""
        self._set(code, send_all=bool(send_all))

    def set_base_model(self, code: str, name: str) -> None:
        """Start the class from another shipped model (BASE_MODELS); its pages read with it, not with a
        class model made from the former base."""
        if name not in BASE_MODELS:
            raise ClassError(f"a class starts from {' or '.join(BASE_MODELS)}, not {str(name)[:32]!r}")
        self._set(code, base_model=name, model_run=None)

    def use_model_run(self, code: str, run_id: str | None) -> None:
        """Have the class's pages read with the model the fine-tune run `run_id` made (the caller
        checked that it is the class's and done), or with the base model again (None)."""
        if run_id is not None and (not isinstance(run_id, str) or not 0 < len(run_id) <= 64):
            raise ClassError(f"not a training run's id: {run_id!r}")
        self._set(code, model_run=run_id)

    def end(self, code: str) -> bool:
        """Delete the class and every row it holds, at once; False if there was no such class."""
        code = codes.normal_code(code)
        if code is None:
            return False
        with self._writing() as connection:
            return self._delete(connection, [code]) > 0

    def expire(self, now: float | None = None) -> int:
        """Delete every class whose time is over; how many were deleted."""
        now = self.clock() if now is None else now
        with self._writing() as connection:
            over = connection.execute(sa.select(classes.c.code).where(classes.c.expires <= now)).scalars().all()
            return self._delete(connection, list(over)) if over else 0

    # -- students --------------------------------------------------------------------------------

    def join(self, code: str, token: str | None = None) -> Student:
        """The student with this token, or a new one (new token, new nickname) when it is None or unknown."""
        self._expire_now_and_then()
        with self._writing() as connection:
            row = self._class_row(connection, code, lock=True)
            if row is None:
                raise ClassError(_("no class with the code {code}: check it with your teacher (a class ends when "
                                   "the teacher ends it, or after a day)").format(code=repr(str(code)[:32])))
            code = row.code
            if isinstance(token, str) and 0 < len(token) <= codes.MAX_TOKEN_LENGTH:
                known = connection.execute(sa.select(students).where(
                    students.c.code == code, students.c.token == token)).first()
                if known is not None:
                    if known.removed:
                        raise ClassError(_("the teacher has removed you from this class"))
                    return Student(known.token, known.nickname)
            taken = set(connection.execute(sa.select(students.c.nickname).where(
                students.c.code == code)).scalars())
            if len(taken) >= self.limits.max_students:
                raise ClassError(_("this class is full: it has {count} students, the most it takes").format(
                    count=len(taken)))
            student = Student(codes.new_token(), codes.new_nickname(taken))
            connection.execute(sa.insert(students).values(
                code=code, token=student.token, nickname=student.nickname, joined=self.clock(),
                removed=False))
            return student

    def remove_student(self, code: str, token: str) -> None:
        """Take a student off the wall and refuse their token from now on (their drawings leave the export)."""
        self._update(code, students, {"removed": True}, students.c.token == str(token),
                     "no such student in this class")

    # -- drawings --------------------------------------------------------------------------------

    def send(self, code: str, token: str, image: np.ndarray, reading: int, confidence: float,
             not_digit: bool | None) -> int:
        """Store a student's drawing, (28, 28) model input, with its reading; its id.

        SendRefused (with a reason a student can read) when a field is wrong, the class ended or is
        paused, the student was removed or sent less than a second ago, or sent too many."""
        pixels = sent.as_stored_image(image)
        row = {"reading": sent.checked_digit(reading, "reading"),
               "confidence": sent.checked_confidence(confidence),
               "not_digit": sent.checked_not_digit(not_digit),
               "image": pixels.tobytes(), "png": sent.png_of(pixels, self.limits.max_png_bytes)}
        self._expire_now_and_then()
        now = self.clock()
        try:
            with self._writing() as connection:
                found = self._class_row(connection, code)
                if found is None:
                    raise SendRefused(_("this class has ended"))
                if found.paused:
                    raise SendRefused(_("the teacher has paused sending"))
                student = self._student(connection, found.code, token)
                if student is None:
                    raise SendRefused(_("you are not in this class: open the class link again"))
                if student.removed:
                    raise SendRefused(_("the teacher has removed you from this class"))
                # One conditional update, atomic on both databases: two sends at once cannot both pass.
                gap = self.limits.min_seconds_between_sends
                allowed = connection.execute(sa.update(students).where(
                    students.c.id == student.id,
                    sa.or_(students.c.last_sent.is_(None), students.c.last_sent <= now - gap,
                           students.c.last_sent > now)).values(last_sent=now))  # > now: the clock went back
                if allowed.rowcount == 0:
                    raise SendRefused(_("one drawing every {gap} s: wait a moment and send again").format(gap=f"{gap:g}"))
                count = connection.execute(sa.select(sa.func.count()).select_from(drawings).where(
                    drawings.c.student_id == student.id)).scalar_one()
                if count >= self.limits.max_drawings_per_student:
                    raise SendRefused(_("you have sent {count} drawings, the most a class keeps for one student")
                                      .format(count=count))
                return connection.execute(sa.insert(drawings).values(
                    code=found.code, student_id=student.id, label=None, hidden=False, sent=now,
                    **row)).inserted_primary_key[0]
        except sa.exc.IntegrityError:  # the class was ended between our read and our write
            raise SendRefused(_("this class has ended")) from None

    def label(self, code: str, token: str, drawing_id: int, label: int) -> None:
        """The student says what they meant ("I meant: 7"); only on their own drawing."""
        label = sent.checked_digit(label, "label")
        with self._writing() as connection:
            found = self._live(connection, code)
            owner = sa.select(students.c.id).where(students.c.code == found.code,
                                                   students.c.token == str(token),
                                                   students.c.removed.is_(False)).scalar_subquery()
            changed = connection.execute(sa.update(drawings).where(
                drawings.c.id == _drawing_id(drawing_id), drawings.c.code == found.code,
                drawings.c.student_id == owner).values(label=label))
            if changed.rowcount == 0:
                raise ClassError(_("that drawing is not yours, or is no longer in the class"))

    def hide(self, code: str, drawing_id: int) -> None:
        """Hide a drawing from the wall (kept for the numbers and the export)."""
        self._update(code, drawings, {"hidden": True}, drawings.c.id == _drawing_id(drawing_id),
                     "no such drawing in this class")

    def clear_wall(self, code: str) -> None:
        """Hide every drawing sent so far: the wall starts empty, the numbers and the export keep them."""
        self._update(code, drawings, {"hidden": True}, sa.true(), None)

    def drawings_of(self, code: str, token: str) -> list[Tile]:
        """A student's own drawings, hidden ones too, newest first."""
        with self._reading() as connection:
            found = self._live(connection, code)
            return self._tiles(connection, drawings.c.code == found.code, students.c.token == str(token),
                               order=[drawings.c.id.desc()])

    def wall(self, code: str) -> list[Tile]:
        """One tile per student not removed, their latest drawing not hidden, oldest student first."""
        with self._reading() as connection:
            found = self._live(connection, code)
            latest = (sa.select(sa.func.max(drawings.c.id)).where(
                drawings.c.code == found.code, drawings.c.hidden.is_(False))
                .group_by(drawings.c.student_id))
            return self._tiles(connection, drawings.c.id.in_(latest), students.c.removed.is_(False),
                               order=[students.c.id])

    def labelled(self, code: str) -> Labelled:
        """The class's labelled drawings, hidden ones included, of students not removed, oldest first."""
        with self._reading() as connection:
            found = self._live(connection, code)
            tiles = self._tiles(connection, drawings.c.code == found.code, drawings.c.label.is_not(None),
                                students.c.removed.is_(False), order=[drawings.c.id])
        return Labelled(
            x=np.array([tile.image for tile in tiles], dtype=np.uint8).reshape(-1, 28, 28),
            y=np.array([tile.label for tile in tiles], dtype=np.int64),
            reading=np.array([tile.reading for tile in tiles], dtype=np.int64),
            confidence=np.array([tile.confidence for tile in tiles], dtype=np.float32),
            sent=[tile.sent for tile in tiles], token=[tile.token for tile in tiles],
            nickname=[tile.nickname for tile in tiles])

    def contributors(self, code: str) -> int:
        """How many students (not removed) labelled at least one drawing."""
        with self._reading() as connection:
            found = self._live(connection, code)
            return connection.execute(
                sa.select(sa.func.count(sa.distinct(drawings.c.student_id)))
                .select_from(drawings.join(students, students.c.id == drawings.c.student_id))
                .where(drawings.c.code == found.code, drawings.c.label.is_not(None),
                       students.c.removed.is_(False))).scalar_one()

    def export(self, code: str, out: Path) -> tuple[Path, Path]:
        """Write the labelled drawings to OUT.npz (Keras layout: x, y) and OUT.csv; both paths."""
        return export.write(self.labelled(code), Path(out))

    # -- inside ----------------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except sa.exc.OperationalError as err:
            raise ClassError(f"the class store at {self.where} did not answer: "
                             f"{str(err.orig).splitlines()[0] if err.orig else err}") from None

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as connection:
                connection.execution_options(**{READING: True})
                yield connection
        except sa.exc.OperationalError as err:
            raise ClassError(f"the class store at {self.where} did not answer: "
                             f"{str(err.orig).splitlines()[0] if err.orig else err}") from None

    def _expire_now_and_then(self) -> None:
        """Delete expired classes at most once a minute per store: cheap on every call."""
        if time.monotonic() < self._next_expiry or not self._expiry_lock.acquire(blocking=False):
            return
        try:
            self._next_expiry = time.monotonic() + self.limits.expire_every_seconds
            self.expire()
        finally:
            self._expiry_lock.release()

    def _class_row(self, connection: sa.Connection, code: str, lock: bool = False) -> sa.Row | None:
        code = codes.normal_code(code)
        if code is None:
            return None
        query = sa.select(classes).where(classes.c.code == code, classes.c.expires > self.clock())
        # On PostgreSQL, joins and sends of one class wait for each other here (the class's bounds
        # hold under concurrency); SQLite's BEGIN IMMEDIATE already runs one writer at a time.
        return connection.execute(query.with_for_update() if lock else query).first()

    def _live(self, connection: sa.Connection, code: str) -> sa.Row:
        row = self._class_row(connection, code)
        if row is None:
            raise ClassError(_("no class with the code {code}: it has ended or expired").format(code=repr(str(code)[:32])))
        return row

    @staticmethod
    def _student(connection: sa.Connection, code: str, token: object) -> sa.Row | None:
        if not isinstance(token, str) or not 0 < len(token) <= codes.MAX_TOKEN_LENGTH:
            return None
        return connection.execute(sa.select(students).where(
            students.c.code == code, students.c.token == token)).first()

    def _set(self, code: str, **values: object) -> None:
        with self._writing() as connection:
            found = self._live(connection, code)
            connection.execute(sa.update(classes).where(classes.c.code == found.code).values(**values))

    def _update(self, code: str, table: sa.Table, values: dict, where, missing: str | None) -> None:
        with self._writing() as connection:
            found = self._live(connection, code)
            changed = connection.execute(sa.update(table).where(table.c.code == found.code, where).values(values))
            if missing and changed.rowcount == 0:
                raise ClassError(missing)

    @staticmethod
    def _delete(connection: sa.Connection, code_list: list[str]) -> int:
        """Delete these classes' rows from every table, children first; how many classes went."""
        deleted = 0
        for table in schema.CLASS_TABLES:
            deleted = connection.execute(sa.delete(table).where(table.c.code.in_(code_list))).rowcount
        return deleted  # the last table is classes

    @staticmethod
    def _tiles(connection: sa.Connection, *where, order) -> list[Tile]:
        rows = connection.execute(
            sa.select(drawings, students.c.token, students.c.nickname)
            .join(students, students.c.id == drawings.c.student_id).where(*where).order_by(*order))
        return [Tile(drawing_id=row.id, token=row.token, nickname=row.nickname, png=bytes(row.png),
                     image=np.frombuffer(bytes(row.image), dtype=np.uint8).reshape(28, 28).copy(),
                     reading=row.reading, confidence=row.confidence, not_digit=row.not_digit,
                     label=row.label, hidden=row.hidden, sent=_utc(row.sent)) for row in rows]

    @staticmethod
    def _info(row) -> ClassInfo:
        return ClassInfo(code=row["code"], teacher_key=row["teacher_key"], created=_utc(row["created"]),
                         expires=_utc(row["expires"]), paused=bool(row["paused"]),
                         send_all=bool(row["send_all"]), base_model=row["base_model"],
                         model_run=row["model_run"])


def _drawing_id(value: object) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ClassError(f"a drawing id is a whole number, got {value!r}")
    return int(value)
