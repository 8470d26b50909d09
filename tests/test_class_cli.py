"""`python -m mlp class new/end/export`, run as a teacher would, on a store in a temporary folder."""

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from mlp.classroom import ClassStore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def db(tmp_path, monkeypatch):
    """The SQLite file the commands and the test share, through MLP_CLASS_DB."""
    path = tmp_path / "store" / "classes.db"
    monkeypatch.setenv("MLP_CLASS_DB", str(path))
    monkeypatch.setenv("MLP_PUBLIC_URL", "https://school.example/mlp")
    return path


def mlp_class(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlp", "class", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_new_prints_one_json_line_with_the_code_and_both_links(db):
    done = mlp_class("new", "--json")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    made = json.loads(done.stdout)
    student, wall = urlsplit(made["student_url"]), urlsplit(made["wall_url"])
    assert (student.scheme, student.netloc, student.path) == ("https", "school.example", "/mlp/")
    assert parse_qs(student.query) == {"class": [made["code"]]}
    assert parse_qs(wall.query)["class"] == [made["code"]] and wall.path == "/mlp/"
    store = ClassStore.open()
    try:
        assert store.find(made["code"]) is not None
        assert store.is_teacher(made["code"], parse_qs(wall.query)["teacher"][0])
    finally:
        store.close()
    other = json.loads(mlp_class("new", "--json", "--url", "http://10.0.0.5:8080").stdout)
    assert other["student_url"] == f"http://10.0.0.5:8080/?class={other['code']}"


def test_export_then_end_deletes_the_class(db, tmp_path):
    code = json.loads(mlp_class("new", "--json").stdout)["code"]
    store = ClassStore.open()
    try:
        student = store.join(code)
        image = np.zeros((28, 28), np.uint8)
        image[10:18, 13:15] = 255
        store.label(code, student.token, store.send(code, student.token, image, 1, 0.9, False), 1)
    finally:
        store.close()

    exported = mlp_class("export", code.lower(), "--out", str(tmp_path / "lesson"))
    assert exported.returncode == 0, exported.stderr
    with np.load(tmp_path / "lesson.npz") as npz:
        assert npz["y"].tolist() == [1] and np.array_equal(npz["x"][0], image)
    assert (tmp_path / "lesson.csv").read_text().splitlines()[1].split(",")[:3] == \
        [student.nickname, "1", "1"]

    assert mlp_class("end", code).returncode == 0
    store = ClassStore.open()
    try:
        assert store.find(code) is None
    finally:
        store.close()
    again = mlp_class("end", code)
    assert again.returncode == 1 and again.stderr.startswith("error: no class") and \
        len(again.stderr.splitlines()) == 1
    missing = mlp_class("export", code, "--out", str(tmp_path / "none"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
