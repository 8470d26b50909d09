"""The class wall through two replicas behind nginx and a class store on PostgreSQL.

Starts a throwaway PostgreSQL server (harness/postgres.py) and `deploy.serve --replicas 2
--class-db URL`. Each browser context is put on a replica by the proxy's own sticky cookie
(`mlp_replica=r1` or `r2`), and the X-Replica header of its page says where it landed. The wall is
on one replica, students on both: every student's tile reaches the wall by itself. Then the
replica of two students is SIGKILLed mid-lesson: they reconnect to the other replica as the same
students, their tiles stay, and they send again. Ending the class leaves no row of it in PostgreSQL.
"""

import json
import os
import signal
import time

import pytest
import sqlalchemy as sa
from conftest import OUTPUT, need_nginx
from test_browser import FIRST_RUN, HINT, ONE, SEVEN, UPDATE, assert_no_exception, browser, draw, settle  # noqa: F401
from test_browser_wall import CLASS_TABLES, ON_THE_WALL, PHONE, ZERO, tile
from test_failover import replica_pid

from harness.servers import PageServer
from mlp.classroom import ClassStore

pytestmark = [pytest.mark.system, pytest.mark.browser]

LOG = OUTPUT / "wall-replicas"
START = 180  # s: two replicas start side by side on a busy 2-core machine
COOKIE = "mlp_replica"  # the proxy's sticky cookie: r1, r2, ... in the order deploy.serve lists the replicas
BACK_WITHIN = 15.0  # s from the kill until a student's browser is answered by the other replica
WALL = {"width": 1920, "height": 1080}
# (replica index, strokes, the digit they read as): one student beside the wall, two on the other replica
STUDENTS = ((0, SEVEN, "7"), (1, ONE, "1"), (1, ZERO, "0"))


@pytest.fixture(scope="module")
def served(postgres_url):  # noqa: F811  (the fixture imported above)
    """deploy.serve with two replicas sharing the class store on PostgreSQL; stopped afterwards."""
    need_nginx("class wall's replica tests")
    with PageServer(LOG / "serve.log", replicas=2, start_timeout=START, class_db=postgres_url) as server:
        assert len(server.replica_addresses) == 2
        yield server


def on_replica(browser, server: PageServer, replica: int, viewport: dict):
    """A new browser context (a phone, a projector) whose requests the proxy sends to this replica."""
    context = browser.new_context(viewport=viewport)
    context.add_cookies([{"name": COOKIE, "value": f"r{replica + 1}", "url": server.url}])
    return context.new_page()


def open_on(page, server: PageServer, replica: int, address: str) -> None:
    """Open the page's `address` and check that this replica answered it."""
    response = page.goto(server.url + "/" + address)
    assert response.header_value("x-replica") == server.replica_addresses[replica], "not the replica asked for"


def cookie_of(page) -> str | None:
    """The replica the proxy last named in this browser's cookie (r1, r2, ...)."""
    return next((cookie["value"] for cookie in page.context.cookies() if cookie["name"] == COOKIE), None)


def join(browser, server: PageServer, replica: int, code: str):
    """A phone on this replica opening the student link -> (page, nickname)."""
    phone = on_replica(browser, server, replica, PHONE)
    open_on(phone, server, replica, f"?class={code}")
    phone.get_by_text("you are").wait_for(timeout=FIRST_RUN)
    phone.locator("canvas.upper-canvas").wait_for(timeout=UPDATE)
    settle(phone)
    return phone, phone.get_by_text("you are").inner_text().split("you are ", 1)[1].strip()


def send(phone, wall, nickname: str, strokes, digit: str) -> float:
    """Draw, wait for the reading, Send; seconds from Send until the wall shows the tile with that reading."""
    draw(phone, strokes)
    phone.locator(f"[data-prediction='{digit}']").wait_for(timeout=UPDATE)
    settle(phone)
    phone.locator(".st-key-send button").click()
    sent = time.perf_counter()
    tile(wall, nickname, digit).wait_for(timeout=UPDATE)
    seconds = time.perf_counter() - sent
    phone.get_by_role("button", name="Sent to the wall").wait_for(timeout=UPDATE)
    return seconds


def rows_of(url: str, code: str) -> dict[str, int]:
    """How many rows each of the store's tables holds for this class, asked of PostgreSQL itself."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(sa.text(f"SELECT count(*) FROM {table} WHERE code = :code"),
                                              {"code": code}).scalar_one() for table in CLASS_TABLES}
    finally:
        engine.dispose()


def wait_for_cookie(page, replica: str, within: float) -> float | None:
    """Seconds until the proxy names `replica` in this browser's cookie, or None after `within`."""
    started = time.perf_counter()
    while time.perf_counter() - started < within:
        if cookie_of(page) == replica:
            return time.perf_counter() - started
        page.wait_for_timeout(100)  # lets the page's own events run meanwhile
    return None


def test_students_on_two_replicas_fill_one_wall_and_outlive_a_kill(browser, served, postgres_url):  # noqa: F811
    store = ClassStore.open(postgres_url)
    info = store.new_class()
    store.close()
    code, key = info.code, info.teacher_key

    wall = on_replica(browser, served, 0, WALL)
    open_on(wall, served, 0, f"?class={code}&teacher={key}")
    wall.locator("[data-class-code]").wait_for(timeout=FIRST_RUN)
    settle(wall)

    students = []
    for replica, _, _ in STUDENTS:
        phone, nickname = join(browser, served, replica, code)
        students.append((replica, phone, nickname))
    assert len({nickname for _, _, nickname in students}) == len(STUDENTS)

    seconds = {}
    for (_, phone, nickname), (_, strokes, digit) in zip(students, STUDENTS):  # the teacher touches nothing
        seconds[nickname] = send(phone, wall, nickname, strokes, digit)
    assert wall.locator("[data-tile]").count() == len(STUDENTS)
    assert_no_exception(wall)

    # The wall opened on the other replica shows the same tiles: both read the one store.
    other = on_replica(browser, served, 1, WALL)
    open_on(other, served, 1, f"?class={code}&teacher={key}")
    for (_, _, nickname), (_, _, digit) in zip(students, STUDENTS):
        tile(other, nickname, digit).wait_for(timeout=FIRST_RUN)
    assert other.locator("[data-tile]").count() == len(STUDENTS)
    other.context.close()  # a wall polls: one is enough from here on

    held = rows_of(postgres_url, code)
    assert held == {"classes": 1, "class_students": len(STUDENTS), "class_drawings": len(STUDENTS)}, held

    # The second replica dies mid-lesson. Its students' browsers reconnect through the proxy, which
    # sends them to the first replica (a new Streamlit session there) and names it in their cookie.
    victim = served.replica_addresses[1]
    moved = [(phone, nickname) for replica, phone, nickname in students if replica == 1]
    os.kill(replica_pid(victim), signal.SIGKILL)
    back = {nickname: wait_for_cookie(phone, "r1", BACK_WITHIN) for phone, nickname in moved}
    assert all(value is not None for value in back.values()), f"not moved to the other replica: {back}"
    for (_, _, nickname), (_, _, digit) in zip(students, STUDENTS):  # the tiles stayed, readings and all
        tile(wall, nickname, digit).wait_for(timeout=UPDATE)
    assert wall.locator("[data-tile]").count() == len(STUDENTS)

    again = {}
    for (phone, nickname), (strokes, digit) in zip(moved, ((SEVEN, "7"), (ONE, "1"))):
        phone.get_by_text(f"you are {nickname}").wait_for(timeout=UPDATE)  # the same student, by their token
        phone.get_by_role("button", name="Clear").click()
        phone.get_by_text(HINT).wait_for(timeout=UPDATE)
        settle(phone)
        again[nickname] = send(phone, wall, nickname, strokes, digit)
        phone.locator("[data-own]").nth(1).wait_for(timeout=UPDATE)  # their drawing from before the kill, too
        assert phone.locator("[data-own]").count() == 2
        assert cookie_of(phone) == "r1"
        assert_no_exception(phone)
    assert wall.locator("[data-tile]").count() == len(STUDENTS)  # a tile per student, none new
    assert rows_of(postgres_url, code)["class_drawings"] == len(STUDENTS) + len(moved)

    LOG.mkdir(parents=True, exist_ok=True)
    (LOG / "wall-replicas-timing.json").write_text(json.dumps(
        {"send_to_tile_seconds": seconds, "after_the_kill": again, "cookie_moved_seconds": back,
         "measured": "click on Send to the tile on the wall's page; the wall on replica r1, students on r1 "
         "and r2, store on PostgreSQL; headless chromium, two replicas behind nginx, same machine"},
        indent=2) + "\n")
    print(f"send to tile: {seconds}; after the kill: {again}; moved after: {back}")
    assert max(seconds.values()) < ON_THE_WALL, seconds
    assert max(again.values()) < ON_THE_WALL, again

    # The teacher ends the class on the wall: nothing of it is left in PostgreSQL.
    wall.get_by_role("button", name="End the class").click()
    wall.get_by_role("button", name="End the class and delete its drawings").click()
    wall.get_by_role("tab", name="Draw").wait_for(timeout=UPDATE)
    assert rows_of(postgres_url, code) == {table: 0 for table in CLASS_TABLES}
    assert_no_exception(wall)
