"""The visitors of a load test: students drawing a digit every few seconds, some who train, and
attackers who send, as their stroke, a picture far larger than any canvas.

A drawing visitor loads the page, then draws: each stroke is a rerun of the canvas's fragment
carrying the whole drawing (a PNG data URL), and its time is from sending it to the first
`metric` element of the answer (the prediction) and to `script_finished`. The visitor waits for
the answer, as a student looks at the reading, and draws again `interval` seconds (jittered)
after the last stroke, or at once if the answer took longer. A stroke not answered within
`timeout` is lost; the visitor then reloads the page (a new session), as a student would.
A page load gets longer (`load_timeout`): a student waits for a page before reloading it.
An attacker is a drawing visitor whose drawing is hostile (label HOSTILE): its answers are timed
the same way, and what the page said to it is counted, not taken for an error.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from streamlit.proto.WidgetStates_pb2 import WidgetState

from harness.canvas_digits import CanvasDigit, canvas_state, find_canvas
from harness.streamlit_session import ProtocolError, Run, Session, load_page

CONNECTION_ERRORS = (OSError, ProtocolError, asyncio.IncompleteReadError)
MAX_PAGE_LOADS = 5  # per visitor and step: past that a visitor gives up (counted as an error)
HOSTILE = -1  # the label of an attacker's drawing: there is no digit to read in it


@dataclass(frozen=True)
class Visit:
    """How visitors behave in one step of the test."""

    url: str
    seconds: float  # how long they keep drawing
    interval: float = 2.0  # seconds between strokes, on average
    jitter: float = 0.5  # each pause is interval * uniform(1 - jitter, 1 + jitter)
    timeout: float = 10.0  # a stroke not answered within this is lost
    load_timeout: float = 30.0  # a page load (GET / and the first run) given up after this
    seed: int = 0


@dataclass
class Tally:
    """What all visitors of one step saw."""

    answers: list[float] = field(default_factory=list)  # stroke -> prediction shown, seconds
    answered_at: list[float] = field(default_factory=list)  # when each answer was counted (perf_counter)
    finishes: list[float] = field(default_factory=list)  # stroke -> script_finished, seconds
    page_loads: list[float] = field(default_factory=list)  # GET / + first run, seconds
    sent: int = 0
    lost: int = 0  # strokes not answered within the timeout
    failed_loads: int = 0  # page loads not answered within the timeout
    unread: int = 0  # answered, but the run showed no metric element
    misread: int = 0  # the prediction shown differs from the digit drawn
    errors: list[str] = field(default_factory=list)
    replicas: dict[str, int] = field(default_factory=dict)  # replica -> sessions it served
    trainers: list[str] = field(default_factory=list)  # one line per training visitor
    said: dict[str, int] = field(default_factory=dict)  # to attackers: each error alert, how often

    def error(self, text: str) -> None:
        self.errors.append(text[:300])


async def open_visit(visit: Visit, tally: Tally, query: str = "") -> tuple[Session, Run] | None:
    """Load the page as a new tab does; None (and a counted error or loss) if that fails."""
    started = time.perf_counter()

    async def load() -> tuple[Session, Run]:
        cookie, _ = await asyncio.to_thread(load_page, visit.url, None, visit.load_timeout)
        return await Session.open(visit.url, query=query, cookie=cookie, timeout=visit.load_timeout)

    try:
        session, run = await asyncio.wait_for(load(), visit.load_timeout)  # the whole load, not each part
    except (TimeoutError, asyncio.TimeoutError):
        tally.failed_loads += 1
        return None
    except CONNECTION_ERRORS as err:
        tally.error(f"page load: {type(err).__name__}: {err}")
        return None
    tally.page_loads.append(time.perf_counter() - started)
    tally.replicas[session.replica or "direct"] = tally.replicas.get(session.replica or "direct", 0) + 1
    for problem in run.problems():
        tally.error(f"page load shows: {problem}")
    return session, run


async def draw(number: int, visit: Visit, digits: list[CanvasDigit], tally: Tally, stop: float) -> None:
    """One student: load the page, then draw a digit every `interval` seconds until `stop`."""
    rng = random.Random(visit.seed * 1000 + number)
    await asyncio.sleep(rng.uniform(0, visit.interval))  # students arrive spread over one interval
    await revisit(f"visitor {number}", visit, tally, stop, "stroke",
                  lambda session, run: keep_drawing(session, run, visit, digits, tally, stop, rng))


async def revisit(who: str, visit: Visit, tally: Tally, stop: float, what: str, act, query: str = "") -> None:
    """Open the page and `act(session, run)` on it until `stop`, reloading when a stroke is lost or
    the connection breaks (at most MAX_PAGE_LOADS times). `act` returns True when `stop` is reached.

    A reload keeps the address the page last had (`session.query`), as a browser's does: a class's
    student keeps the ?me= token the page wrote into it."""
    for _ in range(MAX_PAGE_LOADS):
        if time.perf_counter() >= stop:
            return
        opened = await open_visit(visit, tally, query)
        if opened is None:
            await asyncio.sleep(min(1.0, max(0.0, stop - time.perf_counter())))
            continue
        session, run = opened
        query = session.query
        try:
            if await act(session, run):
                return
        except CONNECTION_ERRORS as err:
            tally.error(f"{what}: {type(err).__name__}: {err}")
        finally:
            await session.close()
    tally.error(f"{who} gave up after {MAX_PAGE_LOADS} page loads")


async def keep_drawing(session: Session, run: Run, visit: Visit, digits: list[CanvasDigit], tally: Tally,
                       stop: float, rng: random.Random) -> bool:
    """Draw on an open page until `stop` (True), or until a stroke is lost (False: reload)."""
    canvas = find_canvas(run)
    if canvas is None:
        tally.error("the page has no canvas component (bidi_component element)")
        return True
    while time.perf_counter() < stop:
        digit = rng.choice(digits)
        tally.sent += 1
        sent = time.perf_counter()
        try:
            run = await session.rerun([canvas_state(canvas, digit)], canvas.fragment_id, visit.timeout)
        except TimeoutError:
            tally.lost += 1
            return False
        record(run, digit, tally)
        canvas = find_canvas(run) or canvas  # a full rerun, or a new widget key, may move it
        pause = visit.interval * rng.uniform(1 - visit.jitter, 1 + visit.jitter)
        await asyncio.sleep(max(0.0, sent + pause - time.perf_counter()))
    return True


def record(run: Run, digit: CanvasDigit, tally: Tally) -> None:
    """Count one answered stroke."""
    tally.finishes.append(run.finished)
    tally.answered_at.append(time.perf_counter())
    if digit.label == HOSTILE:  # the whole run is the answer; a refusal on the page is expected
        tally.answers.append(run.finished)
        for problem in run.problems():
            tally.said[problem] = tally.said.get(problem, 0) + 1
        return
    answer = run.first("metric")
    if answer is None:
        tally.unread += 1
        tally.answers.append(run.finished)
    else:
        tally.answers.append(answer.seconds)
        if answer.proto.body.strip() != str(digit.label):
            tally.misread += 1
    for problem in run.problems():
        tally.error(f"stroke shows: {problem}")


async def train(number: int, visit: Visit, query: str, tally: Tally, stop: float) -> None:
    """One visitor on the Train view: submit its form once, watch until `stop`, then leave.

    The form is found by type (the button that submits a form); its fields keep the page's
    defaults. Leaving (closing the websocket) is how a closed tab ends a run.
    """
    opened = await open_visit(visit, tally, query)
    if opened is None:
        tally.trainers.append(f"trainer {number}: the page did not load")
        return
    session, run = opened
    try:
        submit = next((e for e in run.elements if e.kind == "button" and e.proto.is_form_submitter), None)
        if submit is None:
            tally.trainers.append(f"trainer {number}: no form on the page at ?{query}")
            return
        left = stop - time.perf_counter()
        trigger = WidgetState(id=submit.proto.id, trigger_value=True)
        try:
            run = await session.rerun([trigger], submit.fragment_id, timeout=max(1.0, left))
            ended = f"its run ended after {run.finished:.1f} s"
        except TimeoutError:
            run, ended = session.last_run, f"still running after {left:.0f} s, then left"
        progress = run.first("progress")
        shown = f"first progress after {progress.seconds:.1f} s" if progress else "no progress bar"
        problems = "; ".join(run.problems()) or "no error"
        tally.trainers.append(f"trainer {number}: submitted; {shown}; {ended}; {problems}")
    except CONNECTION_ERRORS as err:
        tally.trainers.append(f"trainer {number}: {type(err).__name__}: {err}")
    finally:
        await session.close()
