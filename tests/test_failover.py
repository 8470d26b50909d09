"""A replica killed while a class draws: the others never notice, its own visitors are back at once.

Starts deploy.serve with two replicas (test_replicas.serving), puts visitors that speak
Streamlit's websocket protocol on each (harness/streamlit_session.py), and SIGKILLs one
replica while they draw a digit a second. A visitor whose stream breaks reconnects as the
browser does (the same cookie, asking to resume its session) and draws on.
"""

import asyncio
import json
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import OUTPUT
from test_replicas import serving

from deploy.serve import answers
from harness.canvas_digits import CanvasDigit, canvas_digits, canvas_state, find_canvas
from harness.streamlit_session import ProtocolError, Session, load_page

pytestmark = pytest.mark.system

EACH = 3  # visitors per replica
INTERVAL = 1.0  # s between strokes
BEFORE = 3.0  # s of drawing before the kill
AFTER = 15.0  # s of drawing after it
BACK_WITHIN = 10.0  # s: the dead replica's visitors answered again by then
STROKE = 8.0  # s: a stroke unanswered by then is lost
RESTART = 60.0  # s: the killed replica answers its health check again (Streamlit starting on a busy machine)
LOG = OUTPUT / "failover"


@pytest.fixture(scope="module")
def served():
    """A deploy.serve of its own: this module kills one of its replicas."""
    with serving(LOG) as running:
        yield running


@dataclass
class Visitor:
    """One student's tab, and what they saw."""

    replica: str  # where the first page load put them
    session: Session
    canvas: object
    sessions: list[str] = field(default_factory=list)  # every Streamlit session they had, in order
    strokes: int = 0  # strokes answered with the digit drawn
    after: int = 0  # of which after the kill
    trouble: list[str] = field(default_factory=list)  # what a student would notice: errors, lost or misread strokes
    broke: float | None = None  # s after the kill when their stream broke
    reopened: float | None = None  # s after the kill when the page was back (a new session's first run)
    back: float | None = None  # s after the kill when a stroke was answered again


def replica_pid(address: str) -> int:
    """The pid of the local replica listening on this address (its `--server.port`)."""
    port = address.rpartition(":")[2].encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        if b"streamlit" in argv and b"--server.port" in argv and argv[argv.index(b"--server.port") + 1] == port:
            found.append(int(entry.name))
    assert len(found) == 1, f"processes serving {address}: {found}"
    return found[0]


async def arrive(url: str, replicas: list[str]) -> list[Visitor]:
    """Fresh visitors until each replica has EACH (a fresh browser's replica is the proxy's choice)."""
    visitors: list[Visitor] = []
    for _ in range(20 * EACH * len(replicas)):
        cookie, replica = await asyncio.to_thread(load_page, url)
        if sum(visitor.replica == replica for visitor in visitors) >= EACH:
            continue
        session, run = await Session.open(url, cookie=cookie, timeout=30)
        assert session.replica == replica and not run.problems()
        visitors.append(Visitor(replica, session, find_canvas(run), [session.session_id]))
        if len(visitors) == EACH * len(replicas):
            return visitors
    pytest.fail(f"fresh visitors did not reach every replica: {[visitor.replica for visitor in visitors]}")


async def reconnect(url: str, visitor: Visitor, killed: list[float], stop: float) -> bool:
    """Open the page again as the browser does after a broken stream; False if it never came back."""
    await close_quietly(visitor.session)
    while time.monotonic() < stop:
        try:
            visitor.session, run = await Session.open(url, cookie=visitor.session.cookie,
                                                      resume=visitor.session.session_id, timeout=STROKE)
            visitor.canvas = find_canvas(run)
            visitor.sessions.append(visitor.session.session_id)
            if killed and visitor.reopened is None:
                visitor.reopened = time.monotonic() - killed[0]
            return True
        except (ProtocolError, TimeoutError, OSError):
            await asyncio.sleep(0.25)
    return False


async def close_quietly(session: Session) -> None:
    try:
        await session.close()
    except Exception:  # already broken: nothing to close politely
        pass


async def draw(url: str, visitor: Visitor, digits: list[CanvasDigit], killed: list[float], stop: float) -> None:
    """A stroke a second until `stop`; a broken stream is reopened, and everything noticed is noted."""
    number = 0
    while time.monotonic() < stop:
        digit = digits[number % len(digits)]
        number += 1
        started = time.monotonic()
        try:
            run = await visitor.session.rerun([canvas_state(visitor.canvas, digit)], visitor.canvas.fragment_id,
                                              STROKE)
        except (ProtocolError, TimeoutError, OSError) as err:
            visitor.trouble.append(f"{type(err).__name__}: {err}"[:200])
            if killed and visitor.broke is None:
                visitor.broke = time.monotonic() - killed[0]
            if not await reconnect(url, visitor, killed, stop):
                visitor.trouble.append("never came back")
            continue
        answer = run.first("metric")
        if answer is None or answer.proto.body != str(digit.label) or run.problems():
            visitor.trouble.append(f"drew a {digit.label}, saw {answer and answer.proto.body}; {run.problems()}")
        else:
            visitor.strokes += 1
            visitor.after += bool(killed)
            if killed and visitor.broke is not None and visitor.back is None:
                visitor.back = time.monotonic() - killed[0]
        await asyncio.sleep(max(0.0, started + INTERVAL - time.monotonic()))


async def class_with_a_dead_replica(url: str, replicas: list[str],
                                    victim: str) -> tuple[list[Visitor], int, float | None]:
    """Visitors on every replica draw; the victim is SIGKILLed BEFORE s in.

    Returns the visitors, the killed pid, and the seconds until the replica answered again (None: not
    within RESTART).
    """
    digits = canvas_digits()
    visitors = await arrive(url, replicas)
    killed: list[float] = []
    stop = time.monotonic() + BEFORE + AFTER
    drawing = asyncio.gather(*(draw(url, visitor, digits, killed, stop) for visitor in visitors))
    await asyncio.sleep(BEFORE)
    pid = replica_pid(victim)
    killed.append(time.monotonic())
    os.kill(pid, signal.SIGKILL)
    restarted = asyncio.create_task(answers_again(victim, killed[0] + RESTART))
    await asyncio.wait_for(drawing, AFTER + 4 * STROKE + 30)  # each visitor stops by itself
    back = await restarted
    return visitors, pid, None if back is None else back - killed[0]


async def answers_again(replica: str, deadline: float) -> float | None:
    """When the replica first answers its health check again (the monotonic clock), or None by the deadline."""
    await asyncio.sleep(0.5)  # past the kill, which a health check in flight might straddle
    while time.monotonic() < deadline:
        if await asyncio.to_thread(answers, f"http://{replica}"):
            return time.monotonic()
        await asyncio.sleep(0.2)
    return None


def test_a_killed_replica_is_restarted_and_only_its_own_visitors_notice(served):
    url, replicas = served.url, served.replicas
    victim = replicas[0]
    visitors, pid, restart = asyncio.run(class_with_a_dead_replica(url, replicas, victim))
    healthy = [visitor for visitor in visitors if visitor.replica != victim]
    orphans = [visitor for visitor in visitors if visitor.replica == victim]
    figures = {"restarted_s": restart,
               "healthy": [{"strokes": v.strokes, "after_kill": v.after, "sessions": len(v.sessions),
                            "broke_s": v.broke, "trouble": v.trouble[:3]} for v in healthy],
               "orphans": [{"strokes": v.strokes, "after_kill": v.after, "sessions": len(v.sessions),
                            "broke_s": v.broke, "page_back_s": v.reopened, "answered_again_s": v.back,
                            "trouble": v.trouble[:3]} for v in orphans]}
    LOG.mkdir(parents=True, exist_ok=True)
    (LOG / "kill.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))

    assert served.process.poll() is None, "deploy.serve exited when a replica died"
    for visitor in healthy:  # never noticed: every stroke read, one session throughout
        assert visitor.trouble == [] and len(visitor.sessions) == 1, figures
        assert visitor.after >= AFTER / INTERVAL / 2, figures  # and drew on while the other replica was down
    for visitor in orphans:  # their stream broke with the replica, and they drew again within BACK_WITHIN
        assert visitor.broke is not None, "the kill did not reach this visitor's replica"
        assert visitor.back is not None and visitor.back <= BACK_WITHIN, figures
        assert visitor.sessions[-1] != visitor.sessions[0]  # a new session: the old one died with its replica

    assert restart is not None, f"{victim} was not restarted within {RESTART:.0f} s"
    assert replica_pid(victim) != pid  # a new process: supervisord's
    asyncio.run(after_the_restart(url, victim, orphans))


async def after_the_restart(url: str, victim: str, orphans: list[Visitor]) -> None:
    """The moved visitors stay with the replica that holds their session; new ones reach the restarted one."""
    for visitor in orphans:
        now_on, held = visitor.session.replica, visitor.session.session_id
        await close_quietly(visitor.session)
        session, run = await Session.open(url, cookie=visitor.session.cookie, resume=held, timeout=30)
        await close_quietly(session)
        assert (session.replica, session.session_id) == (now_on, held), "sent away from its session"
        assert not run.problems()
    digit = canvas_digits()[4]
    for _ in range(20):
        cookie, replica = await asyncio.to_thread(load_page, url)
        if replica == victim:
            session, run = await Session.open(url, cookie=cookie, timeout=30)
            try:
                canvas = find_canvas(run)
                run = await session.rerun([canvas_state(canvas, digit)], canvas.fragment_id, 30)
            finally:
                await close_quietly(session)
            assert run.first("metric").proto.body == "4"
            return
    pytest.fail("no new visitor reached the restarted replica in 20 page loads")
