"""The class store, the same tests on SQLite and on a real PostgreSQL server (harness/postgres.py)."""

import csv
import string
import threading
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from mlp.classroom import ClassError, ClassLimits, ClassStore, SendRefused
from mlp.data import load_extra

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.system)]
READ_ALOUD_CONFUSIONS = set("0O1IL")


class Clock:
    """A clock the test moves: seconds since the epoch, starting now."""

    def __init__(self):
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    """A fresh, empty database: an SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'classes.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def open_store(url, clock):
    """ClassStore.open on the test database, with these limits; every store is closed after the test."""
    opened = []

    def open_one(limits=ClassLimits()):
        opened.append(ClassStore.open(url, limits=limits, clock=clock))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store):
    return open_store()


def digit(seed: int) -> np.ndarray:
    """A (28, 28) float32 model input in [0, 1], different for each seed."""
    return np.random.default_rng(seed).random((28, 28), dtype=np.float32)


def rows_of(url: str, code: str) -> dict[str, int]:
    """Rows that mention this class, per table, read straight from the database (not through the store)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            counts = {}
            for name in sa.inspect(connection).get_table_names():
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                if "code" in table.c:
                    counts[name] = connection.execute(
                        sa.select(sa.func.count()).select_from(table).where(table.c.code == code)).scalar()
            return counts
    finally:
        engine.dispose()


def test_codes_are_easy_to_read_aloud_and_found_in_any_case(store):
    infos = [store.new_class() for _ in range(20)]
    assert len({info.code for info in infos}) == 20
    for info in infos:
        assert len(info.code) == ClassLimits().code_length >= 6
        assert set(info.code) <= set(string.ascii_uppercase + string.digits)
        assert not set(info.code) & READ_ALOUD_CONFUSIONS
        assert store.find(info.code.lower()) == info
    assert store.find("NOSUCH99") is None
    assert store.find("") is None and store.find("x" * 10_000) is None


def test_a_class_lasts_the_hours_asked(store):
    info = store.new_class(hours=2)
    assert (info.expires - info.created).total_seconds() == pytest.approx(7200)
    assert store.new_class().expires - store.new_class().created > info.expires - info.created
    with pytest.raises(ClassError):
        store.new_class(hours=0)
    with pytest.raises(ClassError):
        store.new_class(hours=24 * 365)


def test_a_student_keeps_their_nickname_through_a_reload(store):
    code = store.new_class().code
    otter = store.join(code)
    assert store.join(code, otter.token) == otter
    assert store.join(code.lower(), otter.token) == otter
    others = [store.join(code) for _ in range(30)]
    assert len({student.nickname for student in [otter, *others]}) == 31  # unique in the class
    assert len({student.token for student in [otter, *others]}) == 31
    animal, number = otter.nickname.rsplit(" ", 1)
    assert animal.isalpha() and number.isdigit()
    stranger = store.join(code, "a-token-the-store-never-gave")
    assert stranger.token != "a-token-the-store-never-gave"  # a new student, never a chosen token
    with pytest.raises(ClassError):
        store.join("NOSUCH99")


def test_a_student_sends_at_most_one_drawing_a_second(store, clock):
    code = store.new_class().code
    first, second = store.join(code), store.join(code)
    store.send(code, first.token, digit(1), 3, 0.9, False)
    with pytest.raises(SendRefused, match="wait"):
        store.send(code, first.token, digit(2), 3, 0.9, False)
    store.send(code, second.token, digit(3), 5, 0.5, None)  # the limit is each student's own
    clock.advance(0.5)
    with pytest.raises(SendRefused):
        store.send(code, first.token, digit(4), 3, 0.9, False)
    clock.advance(0.5)
    store.send(code, first.token, digit(5), 3, 0.9, False)
    assert len(store.drawings_of(code, first.token)) == 2


def test_sends_at_the_same_moment_pass_the_rate_limit_once(store):
    code = store.new_class().code
    student = store.join(code)
    outcomes, start = [], threading.Barrier(6)

    def send():
        start.wait()
        try:
            outcomes.append(store.send(code, student.token, digit(0), 1, 0.5, None))
        except SendRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("refused") == 5
    assert len(store.drawings_of(code, student.token)) == 1


def test_a_paused_class_refuses_drawings(store):
    code = store.new_class().code
    student = store.join(code)
    store.set_paused(code, True)
    assert store.find(code).paused
    with pytest.raises(SendRefused, match="paused"):
        store.send(code, student.token, digit(1), 1, 0.5, None)
    store.set_paused(code, False)
    store.send(code, student.token, digit(1), 1, 0.5, None)
    store.set_send_all(code, True)
    assert store.find(code).send_all and not store.find(code).paused


def test_a_removed_student_is_refused_and_leaves_the_wall(store, clock):
    code = store.new_class().code
    kept, removed = store.join(code), store.join(code)
    store.send(code, kept.token, digit(1), 1, 0.5, None)
    drawing = store.send(code, removed.token, digit(2), 2, 0.5, None)
    store.label(code, removed.token, drawing, 2)
    store.remove_student(code, removed.token)
    clock.advance(5)
    with pytest.raises(ClassError):
        store.join(code, removed.token)
    with pytest.raises(SendRefused, match="removed"):
        store.send(code, removed.token, digit(3), 3, 0.5, None)
    assert [tile.token for tile in store.wall(code)] == [kept.token]
    assert len(store.labelled(code)) == 0 and store.contributors(code) == 0
    with pytest.raises(ClassError):
        store.remove_student(code, "never-joined")


def test_the_wall_shows_each_students_latest_drawing_not_hidden(store, clock):
    code = store.new_class().code
    first, second, silent = store.join(code), store.join(code), store.join(code)
    old = store.send(code, first.token, digit(1), 1, 0.5, None)
    other = store.send(code, second.token, digit(2), 2, 0.6, True)
    clock.advance(1)
    new = store.send(code, first.token, digit(3), 3, 0.7, False)
    wall = store.wall(code)
    assert [tile.nickname for tile in wall] == [first.nickname, second.nickname]  # oldest student first
    assert [tile.drawing_id for tile in wall] == [new, other]
    assert np.array_equal(wall[0].image, np.round(digit(3) * 255).astype(np.uint8))
    assert wall[0].image.dtype == np.uint8 and wall[0].reading == 3 and wall[0].not_digit is False
    assert wall[1].not_digit is True and wall[1].confidence == pytest.approx(0.6)
    assert wall[0].png.startswith(b"\x89PNG") and silent.token not in [tile.token for tile in wall]

    store.hide(code, new)
    assert [tile.drawing_id for tile in store.wall(code)] == [old, other]
    store.clear_wall(code)
    assert store.wall(code) == []
    assert [tile.drawing_id for tile in store.drawings_of(code, first.token)] == [new, old]  # newest first
    assert all(tile.hidden for tile in store.drawings_of(code, first.token))
    clock.advance(1)
    newest = store.send(code, second.token, digit(4), 4, 0.8, None)
    assert [tile.drawing_id for tile in store.wall(code)] == [newest]
    with pytest.raises(ClassError):
        store.hide(store.new_class().code, newest)  # a drawing of another class


def test_a_student_labels_only_their_own_drawings(store):
    code = store.new_class().code
    owner, other = store.join(code), store.join(code)
    drawing = store.send(code, owner.token, digit(1), 1, 0.9, None)
    assert store.wall(code)[0].label is None and store.wall(code)[0].right is None
    store.label(code, owner.token, drawing, 7)
    assert store.wall(code)[0].label == 7 and store.wall(code)[0].right is False
    store.label(code, owner.token, drawing, 1)
    assert store.wall(code)[0].right is True
    with pytest.raises(ClassError):
        store.label(code, other.token, drawing, 3)
    with pytest.raises(ClassError):
        store.label(code, owner.token, drawing, 10)
    with pytest.raises(ClassError):
        store.label(code, owner.token, drawing + 1000, 3)
    assert store.wall(code)[0].label == 1


def test_the_export_is_the_labelled_drawings_in_the_keras_layout(store, clock, tmp_path):
    code = store.new_class().code
    students = [store.join(code) for _ in range(3)]
    sent = {}
    for i, student in enumerate(students):
        for j in range(2):
            drawing = store.send(code, student.token, digit(10 * i + j), reading=i, confidence=0.5,
                                 not_digit=None)
            if j == 0:  # one drawing each labelled, one not
                store.label(code, student.token, drawing, (i + 5) % 10)
                sent[drawing] = (student, i, (i + 5) % 10, digit(10 * i + j))
            clock.advance(1)
    store.hide(code, next(iter(sent)))  # hidden from the wall, still exported
    assert store.contributors(code) == 3
    npz_path, csv_path = store.export(code, tmp_path / "class")
    assert (npz_path.name, csv_path.name) == ("class.npz", "class.csv")
    with np.load(npz_path) as npz:
        x, y = npz["x"], npz["y"]
    assert x.shape == (3, 28, 28) and x.dtype == np.uint8 and y.dtype == np.uint8  # as MNIST's
    expected = list(sent.values())
    assert y.tolist() == [label for _, _, label, _ in expected]
    for image, (_, _, _, original) in zip(x, expected):
        assert np.abs(image.astype(int) - original * 255).max() <= 1
    assert len(load_extra(npz_path).x) == 3  # `mlp train --extra-data` takes it as it is
    with open(csv_path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["nickname"] for row in rows] == [student.nickname for student, _, _, _ in expected]
    assert [int(row["label"]) for row in rows] == y.tolist()
    assert [int(row["reading"]) for row in rows] == [reading for _, reading, _, _ in expected]
    text = csv_path.read_text()
    assert not any(student.token in text for student in students)


def test_the_export_of_a_class_without_labels_is_empty_files(store, tmp_path):
    npz_path, csv_path = store.export(store.new_class().code, tmp_path / "empty.npz")
    with np.load(npz_path) as npz:
        assert npz["x"].shape == (0, 28, 28) and npz["y"].shape == (0,)
    assert csv_path.read_text().splitlines() == ["nickname,label,reading,confidence,sent"]


def fill(store, clock, code):
    """Two students, drawings, a label: a class with a row in every table."""
    for student in [store.join(code), store.join(code)]:
        drawing = store.send(code, student.token, digit(1), 1, 0.5, None)
        store.label(code, student.token, drawing, 1)
        clock.advance(1)


def test_ending_a_class_leaves_no_row_of_it_in_any_table(store, clock, url):
    ended, kept = store.new_class().code, store.new_class().code
    fill(store, clock, ended)
    fill(store, clock, kept)
    assert all(rows_of(url, ended).values()) and len(rows_of(url, ended)) == 3
    assert store.end(ended.lower()) is True
    assert sum(rows_of(url, ended).values()) == 0
    assert all(rows_of(url, kept).values())
    assert store.find(ended) is None and store.find(kept) is not None
    with pytest.raises(ClassError):
        store.wall(ended)
    assert store.end(ended) is False


def test_an_expired_class_is_gone_and_then_deleted(store, clock, url):
    short, long = store.new_class(hours=1).code, store.new_class(hours=3).code
    fill(store, clock, short)
    fill(store, clock, long)
    student = store.join(short)
    clock.advance(3600 - 2)  # fill took two seconds
    assert store.find(short) is None and store.find(long) is not None
    assert not store.is_teacher(short, "any")
    with pytest.raises(SendRefused, match="ended"):
        store.send(short, student.token, digit(1), 1, 0.5, None)
    assert store.expire() == 1
    assert sum(rows_of(url, short).values()) == 0 and all(rows_of(url, long).values())
    assert store.expire(now=clock.now + 2 * 3600) == 1
    assert store.find(long) is None


def test_two_stores_on_one_database_see_each_others_writes(open_store, clock):
    # Two replicas, each with its own ClassStore on the same database.
    teacher_side, student_side = open_store(), open_store()
    info = teacher_side.new_class()
    student = student_side.join(info.code)
    student_side.send(info.code, student.token, digit(1), 4, 0.8, None)
    assert [tile.reading for tile in teacher_side.wall(info.code)] == [4]
    teacher_side.set_paused(info.code, True)
    with pytest.raises(SendRefused, match="paused"):
        clock.advance(1)
        student_side.send(info.code, student.token, digit(2), 4, 0.8, None)
    assert teacher_side.join(info.code, student.token) == student  # a reconnect to the other replica
    teacher_side.end(info.code)
    assert student_side.find(info.code) is None


def test_only_the_teacher_key_opens_the_wall(store):
    info, other = store.new_class(), store.new_class()
    student = store.join(info.code)
    assert store.is_teacher(info.code, info.teacher_key)
    assert store.is_teacher(info.code.lower(), info.teacher_key)
    assert len(info.teacher_key) >= 32 and info.teacher_key != other.teacher_key
    for wrong in ["", info.teacher_key[:-1], info.teacher_key.upper() if info.teacher_key.upper() !=
                  info.teacher_key else "x", student.token, other.teacher_key, None, "é" * 40]:
        assert not store.is_teacher(info.code, wrong)
    assert not store.is_teacher("NOSUCH99", info.teacher_key)


@pytest.mark.parametrize("image, reading, confidence, not_digit", [
    (np.zeros((28, 29), np.float32), 1, 0.5, None),
    (np.zeros((784,), np.uint8), 1, 0.5, None),
    (np.full((28, 28), 1.5, np.float32), 1, 0.5, None),
    (np.full((28, 28), np.nan, np.float32), 1, 0.5, None),
    (np.zeros((28, 28), np.int64), 1, 0.5, None),
    ([[0] * 28] * 28, 1, 0.5, None),
    (np.zeros((28, 28), np.uint8), 10, 0.5, None),
    (np.zeros((28, 28), np.uint8), True, 0.5, None),
    (np.zeros((28, 28), np.uint8), "7", 0.5, None),
    (np.zeros((28, 28), np.uint8), 1, 1.5, None),
    (np.zeros((28, 28), np.uint8), 1, float("nan"), None),
    (np.zeros((28, 28), np.uint8), 1, 0.5, "no"),
])
def test_every_field_of_a_drawing_is_checked(store, image, reading, confidence, not_digit):
    code = store.new_class().code
    student = store.join(code)
    with pytest.raises(SendRefused):
        store.send(code, student.token, image, reading, confidence, not_digit)
    assert store.drawings_of(code, student.token) == []


def test_a_stored_drawing_is_784_bytes_and_a_small_png(store, url):
    code = store.new_class().code
    student = store.join(code)
    store.send(code, student.token, np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8),
               1, 0.5, None)  # noise: the largest PNG a drawing can make
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        image, png = connection.execute(sa.text("SELECT image, png FROM class_drawings")).one()
    engine.dispose()
    assert len(image) == 784 and len(png) <= ClassLimits().max_png_bytes


def test_a_class_bounds_its_students_drawings_and_count(open_store, clock):
    store = open_store(replace(ClassLimits(), max_students=3, max_drawings_per_student=2, max_classes=2))
    code = store.new_class().code
    students = [store.join(code) for _ in range(3)]
    with pytest.raises(ClassError, match="full"):
        store.join(code)
    assert store.join(code, students[0].token) == students[0]  # those in the class still come back
    for _ in range(2):
        store.send(code, students[0].token, digit(1), 1, 0.5, None)
        clock.advance(1)
    with pytest.raises(SendRefused, match="most"):
        store.send(code, students[0].token, digit(1), 1, 0.5, None)
    store.new_class()
    with pytest.raises(ClassError, match="open"):
        store.new_class()
    tiny = open_store(replace(ClassLimits(), max_png_bytes=50))
    with pytest.raises(SendRefused):
        tiny.send(code, students[1].token, digit(2), 1, 0.5, None)


def test_a_store_written_by_newer_code_is_refused(store, url):
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE class_schema SET version = 99"))
    engine.dispose()
    with pytest.raises(ClassError, match="schema version 99"):
        ClassStore.open(url)


def test_a_class_starts_from_world_and_the_teacher_picks_its_model(store):
    code = store.new_class().code
    assert (store.find(code).base_model, store.find(code).model_run) == ("world", None)
    store.use_model_run(code, "run-1")
    assert store.find(code).model_run == "run-1"
    store.set_base_model(code, "classic")  # a class model made from world is not classic's
    assert (store.find(code).base_model, store.find(code).model_run) == ("classic", None)
    store.use_model_run(code, "run-2")
    store.use_model_run(code, None)  # back to the base
    assert store.find(code).model_run is None
    with pytest.raises(ClassError, match="world or classic"):
        store.set_base_model(code, "robust")
    with pytest.raises(ClassError, match="run's id"):
        store.use_model_run(code, "")
    store.end(code)
    with pytest.raises(ClassError, match="ended"):
        store.use_model_run(code, "run-3")


def test_a_store_of_the_first_version_is_brought_up_with_its_classes_kept(url):
    """A store written before classes had a model: its tables are as version 1 made them."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE class_schema (version INTEGER PRIMARY KEY)"))
        connection.execute(sa.text("INSERT INTO class_schema VALUES (1)"))
        connection.execute(sa.text(
            "CREATE TABLE classes (code VARCHAR(32) PRIMARY KEY, teacher_key VARCHAR(64) NOT NULL, "
            "created FLOAT NOT NULL, expires FLOAT NOT NULL, paused BOOLEAN NOT NULL, "
            "send_all BOOLEAN NOT NULL)"))
        connection.execute(sa.text("INSERT INTO classes VALUES ('ABCD2345', 'key', 0, 4e9, false, true)"))
    engine.dispose()
    store = ClassStore.open(url)
    try:
        old = store.find("ABCD2345")
        assert (old.send_all, old.base_model, old.model_run) == (True, "world", None)
        store.use_model_run("ABCD2345", "run-1")
        assert store.find("ABCD2345").model_run == "run-1"
        assert store.join("ABCD2345").nickname  # the tables version 1 lacked were created
    finally:
        store.close()


def test_the_default_store_is_a_sqlite_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MLP_CLASS_DB", raising=False)
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path / "data"))
    store = ClassStore.open()
    try:
        code = store.new_class().code
    finally:
        store.close()
    assert (tmp_path / "data" / "classes.db").is_file()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'classes.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("SELECT code FROM classes").scalar() == code
    engine.dispose()


def test_every_replica_deploy_serve_starts_opens_the_same_store(tmp_path):
    from supervisor.datatypes import dict_of_key_value_pairs

    from deploy.configs import Layout, supervisor_config

    url = "postgresql+psycopg://teacher:p%40ss,word@db.school:5432/classes"
    layout = Layout(local=(8501, 8502), remote=(), listen="127.0.0.1", port=8080, run_dir=tmp_path,
                    logs=tmp_path, nginx="nginx", python="python", upload_mb=5, class_db=url)
    sections = supervisor_config(layout).split("[program:")[1:]
    replicas = [section for section in sections if section.startswith("replica-")]
    assert len(replicas) == 2
    for section in replicas:
        line = next(line for line in section.splitlines() if line.startswith("environment="))
        # supervisord reads %% as %, then splits the pairs with its own parser
        # ...and a replica starts no training worker of its own: deploy.serve starts the workers
        assert dict_of_key_value_pairs(line.split("=", 1)[1].replace("%%", "%")) == {"MLP_CLASS_DB": url,
                                                                                  "MLP_PAGE_WORKER": "0"}


def test_joins_at_the_same_moment_never_overfill_a_class(open_store):
    store = open_store(replace(ClassLimits(), max_students=5))
    code = store.new_class().code
    outcomes, start = [], threading.Barrier(12)

    def join():
        start.wait()
        try:
            outcomes.append(store.join(code).nickname)
        except ClassError as err:
            outcomes.append(f"refused: {err}")

    threads = [threading.Thread(target=join) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    joined = [outcome for outcome in outcomes if not outcome.startswith("refused")]
    assert len(joined) == 5 and len(set(joined)) == 5
    assert all("full" in outcome for outcome in outcomes if outcome.startswith("refused"))


SENDER = """
import sys, numpy as np
from mlp.classroom import ClassLimits, ClassStore
store = ClassStore.open(sys.argv[1], limits=ClassLimits(min_seconds_between_sends=0))
for i in range(10_000):
    print(store.send(sys.argv[2], sys.argv[3], np.full((28, 28), i % 256, np.uint8), i % 10, 0.5, None), flush=True)
"""


def test_a_replica_killed_mid_lesson_loses_no_drawing_it_sent(open_store, url):
    import signal
    import subprocess
    import sys

    store = open_store(ClassLimits(min_seconds_between_sends=0))
    code = store.new_class().code
    student, neighbour = store.join(code), store.join(code)
    replica = subprocess.Popen([sys.executable, "-c", SENDER, url, code, student.token],
                               stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        sent = []
        for i in range(30):  # this replica writes too, at the same time: neither waits the other out
            sent.append(int(replica.stdout.readline()))
            store.send(code, neighbour.token, digit(i), 1, 0.5, None)
    finally:
        replica.send_signal(signal.SIGKILL)  # as the kernel or a crash ends it: no clean-up
        replica.wait(timeout=30)
    stored = {tile.drawing_id for tile in store.drawings_of(code, student.token)}
    assert set(sent) <= stored  # every drawing the student saw sent is there, from the other replica
    assert store.join(code, student.token) == student
    assert store.wall(code)[0].drawing_id == max(stored)
    assert len(store.drawings_of(code, neighbour.token)) == 30
