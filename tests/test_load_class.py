"""The load harness with a class (benchmarks.load --class): students who draw and Send, a teacher's
wall that polls, and the time from Send to the tile; a short run against a real page."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from harness.servers import ROOT

SESSIONS = 3


@pytest.mark.system  # a server, thirty protocol clients and the wall
def test_a_short_class_run_puts_every_students_drawings_on_the_wall(tmp_path):
    command = [sys.executable, "-m", "benchmarks.load", "--class", "--sessions", str(SESSIONS), "--seconds", "8",
               "--wall-seconds", "2", "--logs", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith(f"| 1 | {SESSIONS} |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    strokes, lost, errors, sends = int(cells[2]), int(cells[7]), int(cells[8]), int(cells[15])
    assert strokes >= SESSIONS and lost == 0 and errors == 0, done.stdout
    assert sends >= SESSIONS, done.stdout  # each student pressed Send at least once
    # The wall polls every second: a drawing is on it within a poll and a rerun, well under 3 s here.
    assert 0 < float(cells[16]) <= float(cells[18]) < 3, done.stdout
    # One tile per student: each kept their token (the ?me= the page wrote into the address).
    tiles = re.search(r"(\d+) students' tiles on it", done.stdout)
    assert tiles and int(tiles[1]) == SESSIONS, done.stdout
    seen = re.search(r"(\d+) drawings sent, (\d+) seen on the wall", done.stdout)
    assert seen and int(seen[2]) > 0, done.stdout
    assert "misread 0" in done.stdout, done.stdout


def test_class_flags_are_checked_before_starting_anything():
    for flags in (["--class-db", "sqlite:///x.db"], ["--postgres"], ["--class", "--url", "http://127.0.0.1:1"],
                  ["--class", "--postgres", "--class-db", "sqlite:///x.db"], ["--class", "--attackers", "1"]):
        done = subprocess.run([sys.executable, "-m", "benchmarks.load", *flags], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "error:" in done.stderr, flags


@pytest.mark.system  # a server of the page
def test_the_protocol_client_follows_the_address_and_the_walls_timer(tmp_path):
    """A student's page writes ?me=TOKEN into the address; the wall announces its timed fragment."""
    import asyncio

    from harness.servers import PageServer
    from harness.streamlit_session import Session, load_page
    from mlp.classroom import ClassStore

    url = f"sqlite:///{tmp_path / 'classes.db'}"
    store = ClassStore.open(url)
    info = store.new_class()

    async def visit(base: str) -> tuple[Session, Session]:
        cookie, _ = await asyncio.to_thread(load_page, base)
        student, _ = await Session.open(base, query=f"class={info.code}", cookie=cookie, timeout=60)
        wall, _ = await Session.open(base, query=f"class={info.code}&teacher={info.teacher_key}", cookie=cookie,
                                     timeout=60)
        await student.close()
        await wall.close()
        return student, wall

    with PageServer(tmp_path / "server.log", class_db=url) as server:
        student, wall = asyncio.run(visit(server.url))
    token = re.search(r"(?:^|&)me=([^&]+)", student.query)
    assert token, student.query
    assert store.join(info.code, token[1]).token == token[1]  # a token the store knows: an unknown one gets a new one
    # One timed fragment, the tiles, polled often enough to show a drawing within the 2 s.
    assert len(wall.auto_reruns) == 1 and 0 < min(wall.auto_reruns.values()) < 2, wall.auto_reruns
    assert not student.auto_reruns  # a student's page does not poll
    store.close()
