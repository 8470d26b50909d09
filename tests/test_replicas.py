"""The page behind the proxy of deploy/: two replicas, each browser kept on its own, opened by name.

Starts `python -m deploy.serve --replicas 2` on a free loopback port, asked to name the answering
replica in an X-Replica header ($MLP_EXPOSE_REPLICA=1), and talks to it as a browser does
(harness/streamlit_session.py: the page, then Streamlit's websocket protocol), and in chromium
by a host name. The load harness (benchmarks/load.py) gets a short run through it too.
tests/test_failover.py starts another with `serving` and kills a replica. nginx missing is a
failure: leave the system tier out (-m "not system") on a machine without it.
"""

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import OUTPUT, ROOT, need_chromium, need_nginx

from deploy.serve import answers
from harness.canvas_digits import canvas_digits, canvas_state, find_canvas
from harness.chromium import chromium, host_rule
from harness.servers import PageServer
from harness.streamlit_session import Session, load_page
from harness.strokes import SEVEN, draw

pytestmark = pytest.mark.system

START = 180  # s: two replicas start side by side on a busy 2-core machine
ANSWER = 30  # s: one run of the page
LOG = OUTPUT / "replicas"
HOST_NAME = "mlp.school.example"  # chromium resolves it to loopback (--host-resolver-rules)
PAGE_BY_NAME = 60  # s: the page by name, replicas already started (the model loads on first use)


@dataclass
class Served:
    """A running deploy.serve: where visitors go, its replicas' addresses, and the process."""

    url: str
    replicas: list[str]
    process: subprocess.Popen


@contextlib.contextmanager
def serving(logs: Path) -> Iterator[Served]:
    """deploy.serve with 2 replicas on a free loopback port, X-Replica on; stopped afterwards, and
    checked to have stopped cleanly, every replica with it."""
    need_nginx("replica tests")
    out = logs / "serve.log"
    with PageServer(out, replicas=2, start_timeout=START) as server:
        try:
            yield Served(server.url, server.replica_addresses, server.process)
        finally:
            server.stop(grace=60, sweep=False)  # what it left running is checked below, then swept
        assert server.process.returncode == 0, out.read_text()
        assert not any(answers(f"http://{replica}") for replica in server.replica_addresses), \
            "a replica outlived deploy.serve"


@pytest.fixture(scope="module")
def proxy():
    """(proxy URL, the replicas' addresses) of a running deploy.serve; stopped afterwards."""
    with serving(LOG) as served:
        yield served.url, served.replicas


def test_the_page_loads_through_the_proxy_and_sets_the_replica_cookie(proxy):
    url, replicas = proxy
    assert len(replicas) == 2
    cookie, replica = load_page(url)
    assert cookie and cookie.startswith("mlp_replica=")
    assert replica in replicas
    again, replica_again = load_page(url, cookie)
    assert again == cookie and replica_again == replica  # the cookie is set once and keeps its replica


def test_a_drawing_is_read_over_the_proxied_websocket(proxy):
    url, _ = proxy
    digit = canvas_digits()[7]

    async def visit():
        cookie, replica = load_page(url)
        session, run = await Session.open(url, cookie=cookie, timeout=ANSWER)
        try:
            assert session.replica == replica  # the websocket went where the page came from
            assert not run.problems()
            canvas = find_canvas(run)
            assert canvas is not None, "no canvas component in the page's first run"
            return await session.rerun([canvas_state(canvas, digit)], canvas.fragment_id, ANSWER)
        finally:
            await session.close()

    run = asyncio.run(visit())
    assert not run.problems()
    assert run.first("metric").proto.body == "7"


@pytest.mark.browser
def test_the_page_opened_by_a_host_name_reads_a_drawing_in_chromium(proxy):
    # As a class opens it: by a name, not 127.0.0.1. Streamlit refuses a websocket whose Origin
    # does not match the Host it is given, so this needs the proxy to pass the browser's Host on.
    from test_browser import HINT, wait_for_prediction

    need_chromium()
    url, _ = proxy
    named = url.replace("127.0.0.1", HOST_NAME) + "/"
    with chromium(host_rule(HOST_NAME)) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        started = time.perf_counter()
        page.goto(named)
        page.get_by_text(HINT).wait_for(timeout=PAGE_BY_NAME * 1000)  # rendered over the websocket
        page.locator("canvas.upper-canvas").wait_for(timeout=PAGE_BY_NAME * 1000)  # and the component
        loaded = time.perf_counter() - started
        answered = wait_for_prediction(page, "7", draw(page, SEVEN))
        assert page.url == named
    print(f"opened by name: the canvas after {loaded:.1f} s, a 7 read {answered:.2f} s after mouse-up")


def test_visitors_spread_over_replicas_and_each_keeps_its_own(proxy):
    url, replicas = proxy
    digits = canvas_digits()
    cookies = {}  # replica -> a browser's cookie that lands there
    for _ in range(40):  # a fresh cookie picks a replica at random: 2 of 2 within 40 tries but for 2^-39
        cookie, replica = load_page(url)
        cookies.setdefault(replica, cookie)
        if len(cookies) == len(replicas):
            break
    assert set(cookies) == set(replicas)

    async def draw_then_come_back(replica: str, cookie: str, digit) -> None:
        session, run = await Session.open(url, cookie=cookie, timeout=ANSWER)
        canvas = find_canvas(run)
        await session.rerun([canvas_state(canvas, digit)], canvas.fragment_id, ANSWER)
        first = session.session_id
        await session.close()
        for _ in range(3):  # a dropped connection comes back with the session's id, as the frontend does
            session, run = await Session.open(url, cookie=cookie, resume=first, timeout=ANSWER)
            await session.close()
            assert session.replica == replica
            assert session.session_id == first  # the same Streamlit session: it never left its replica
            assert run.first("metric").proto.body == str(digit.label)  # and it still holds the drawing

    async def both():
        await asyncio.gather(*(draw_then_come_back(replica, cookie, digits[label])
                               for (replica, cookie), label in zip(cookies.items(), (3, 8))))

    asyncio.run(both())


def test_the_load_harness_draws_through_the_proxy(proxy):
    url, _ = proxy
    command = [sys.executable, "-m", "benchmarks.load", "--url", url, "--replicas", "2", "--sessions", "4",
               "--seconds", "6", "--interval", "1"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("| 2 | 4 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    strokes, lost, errors = int(cells[2]), int(cells[7]), int(cells[8])
    assert strokes >= 4 and lost == 0 and errors == 0, done.stdout


def test_the_load_harness_checks_its_flags_before_starting_anything():
    for flags in (["--sessions", "0"], ["--url", "http://example.com"], ["--server-pid", "1"]):
        done = subprocess.run([sys.executable, "-m", "benchmarks.load", *flags], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "error:" in done.stderr, flags
