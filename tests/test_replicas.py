"""The page behind the proxy of deploy/: two replicas, and each browser kept on its own.

Starts `python -m deploy.serve --replicas 2` on a free loopback port and talks to it as a browser
does (benchmarks/streamlit_session.py: the page, then Streamlit's websocket protocol); the load
harness (benchmarks/load.py) gets a short run through it too. nginx missing is a failure, not a
skip, unless MLP_SKIP_REPLICAS=1.
"""

import asyncio
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import ROOT

from benchmarks.canvas_digits import canvas_digits
from benchmarks.streamlit_session import Session, load_page
from benchmarks.visitors import canvas_state, find_canvas
from deploy.serve import answers, find_nginx, free_port, stop

START = 180  # s: two replicas start side by side on a busy 2-core machine
ANSWER = 30  # s: one run of the page
LOG = ROOT / "artifacts" / "replicas"


@pytest.fixture(scope="module")
def proxy():
    """(proxy URL, the replicas' addresses) of a running deploy.serve; stopped afterwards."""
    if os.environ.get("MLP_SKIP_REPLICAS") == "1":
        pytest.skip("MLP_SKIP_REPLICAS=1")
    try:
        find_nginx()
    except FileNotFoundError as err:
        pytest.fail(f"{err}; or set MLP_SKIP_REPLICAS=1 to skip the replica tests", pytrace=False)
    LOG.mkdir(parents=True, exist_ok=True)
    out = LOG / "serve.log"
    port = free_port()
    with open(out, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "deploy.serve", "--replicas", "2", "--port", str(port),
             "--listen", "127.0.0.1", "--logs", str(LOG)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    replicas = []
    try:
        deadline = time.monotonic() + START
        while not replicas:
            assert process.poll() is None, f"deploy.serve exited with {process.returncode}: {out.read_text()}"
            assert time.monotonic() < deadline, f"deploy.serve not ready within {START} s: {out.read_text()}"
            ready = re.search(r"^ready: \S+ -> replicas on (.+)$", out.read_text(), re.M)
            replicas = re.findall(r"127\.0\.0\.1:\d+", ready[1]) if ready else []
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", replicas
    finally:
        stop([process], grace=30)
    assert process.returncode == 0, out.read_text()
    assert not any(answers(f"http://{replica}") for replica in replicas), "a replica outlived deploy.serve"


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
