"""The visitors of a class under load: students who draw and send to the wall, and the teacher's wall.

A student opens `?class=CODE` (the page adds `&me=TOKEN` to the address, and the session keeps
it), reports the room a phone's screen has (the page's viewport component: the canvas waits for
it, and every later rerun carries it, as a browser sends every widget's state), then, every
`interval` seconds (jittered), draws a digit (a rerun of the pad's fragment
carrying the drawing), waits for the reading (the `data-prediction` the page shows) and presses
Send (a rerun of the same fragment, the drawing and the button's trigger, as a browser sends every
widget's state). The id of the drawing sent is the newest in the student's own strip
(`data-own`), which the answer to Send carries. The teacher opens `?class=CODE&teacher=KEY` and
asks for the wall's fragment every interval its `auto_rerun` names, as the browser's timer does
(ticks that fall while a poll is still running become one poll at once after it: the server folds
the browser's requests into one). A drawing is on the wall when a tile with its `data-drawing` first arrives: its
time to the wall runs from the moment Send was pressed. The wall shows each student's latest
drawing only, so a drawing replaced before the next poll is never seen: counted, not timed.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from dataclasses import dataclass, field

from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks.visitors import CONNECTION_ERRORS, Tally, Visit, open_visit, revisit
from harness.canvas_digits import CanvasDigit, canvas_state, find_canvas
from harness.streamlit_session import Run, Session

PREDICTION = re.compile(r'data-prediction="([^"]*)"')  # the digit read, on the student's page
OWN = re.compile(r'data-own="(\d+)"')  # a drawing in the student's own strip
TILE = re.compile(r'data-drawing="(\d+)"')  # a drawing on the wall
SEND_KEY = "send"  # views.student's Send button
DISABLED = "the Send button was disabled"
VIEWPORT = "viewport"  # in the name of the component that reports the room the canvas has (views.viewport)
# A phone held upright, its column 304 CSS pixels wide: the page then draws a 280-pixel canvas, the
# size the digits are drawn at (harness.canvas_digits).
PHONE = {"width": 304, "top": 80, "viewportWidth": 390, "viewportHeight": 844, "rem": 16}


@dataclass(frozen=True)
class Invitation:
    """A class to open: its code (the students' link) and the teacher key (the wall's)."""

    code: str
    teacher_key: str

    def student_query(self) -> str:
        return f"class={self.code}"

    def wall_query(self) -> str:
        return f"class={self.code}&teacher={self.teacher_key}"


@dataclass
class WallTally:
    """What the students' Send presses and the teacher's wall saw in one step."""

    sends: dict[int, float] = field(default_factory=dict)  # drawing id -> perf_counter when Send was pressed
    send_answers: list[float] = field(default_factory=list)  # Send pressed -> its run finished, s
    refused: dict[str, int] = field(default_factory=dict)  # what the page said instead of sending, how often
    no_button: int = 0  # a reading without a Send button to press
    seen: dict[int, float] = field(default_factory=dict)  # drawing id -> perf_counter its tile first arrived
    polls: list[float] = field(default_factory=list)  # one poll of the wall, request -> script_finished, s
    lost_polls: int = 0  # polls not answered within the timeout
    tiles: int = 0  # tiles the latest poll showed: one per student who sent
    errors: list[str] = field(default_factory=list)  # the teacher's: broken connections, errors on the wall
    visit: Tally = field(default_factory=Tally)  # the teacher's page loads, kept apart from the students'

    def to_the_wall(self) -> list[float]:
        """Seconds from Send to the tile, for each drawing sent and seen on the wall."""
        return [self.seen[drawing] - pressed for drawing, pressed in self.sends.items() if drawing in self.seen]

    def error(self, text: str) -> None:
        self.errors.append(text[:300])


def html_matches(run: Run, pattern: re.Pattern) -> list[str]:
    """Every match of `pattern` in the run's st.html elements."""
    return [found for element in run.elements if element.kind == "html"
            for found in pattern.findall(element.proto.body)]


def viewport(run: Run):
    """The component that reports the canvas's room, in a run, or None."""
    return next((element for element in run.elements
                 if element.kind == "bidi_component" and VIEWPORT in element.proto.component_name), None)


def drawing_canvas(run: Run):
    """The drawing canvas in a run, or None (while the page waits for the viewport's report)."""
    canvas = find_canvas(run)
    return None if canvas is None or VIEWPORT in canvas.proto.component_name else canvas


def send_button(run: Run):
    """The Send button of the student's pad in a run, or None (its widget id ends with its key)."""
    return next((element for element in run.elements
                 if element.kind == "button" and element.proto.id.endswith(f"-{SEND_KEY}")), None)


async def student(number: int, visit: Visit, invitation: Invitation, digits: list[CanvasDigit], tally: Tally,
                  wall: WallTally, stop: float) -> None:
    """One student: open the class, then draw and send a digit every `interval` seconds until `stop`."""
    rng = random.Random(visit.seed * 1000 + number)
    await asyncio.sleep(rng.uniform(0, visit.interval))  # students arrive spread over one interval
    await revisit(f"student {number}", visit, tally, stop, "stroke or send",
                  lambda session, run: keep_sending(session, run, visit, digits, tally, wall, stop, rng),
                  invitation.student_query())


async def keep_sending(session: Session, run: Run, visit: Visit, digits: list[CanvasDigit], tally: Tally,
                       wall: WallTally, stop: float, rng: random.Random) -> bool:
    """Draw and send on an open page until `stop` (True), or until a stroke or send is lost (False: reload)."""
    room = viewport(run)
    screen = [] if room is None else [WidgetState(id=room.proto.id, json_value=json.dumps({"space": PHONE}))]
    if room is not None:
        try:
            run = await session.rerun(screen, room.fragment_id, visit.timeout)
        except TimeoutError:  # the page never showed its canvas: a load that failed, not a lost stroke
            tally.failed_loads += 1
            return False
    canvas = drawing_canvas(run)
    if canvas is None:
        tally.error("the class page has no canvas component (bidi_component element)")
        return True
    digit = None
    while time.perf_counter() < stop:
        # Another digit each time: the same drawing again is one the page has already sent.
        digit = rng.choice([other for other in digits if other is not digit])
        tally.sent += 1
        drawn = time.perf_counter()
        try:
            run = await session.rerun([*screen, canvas_state(canvas, digit)], canvas.fragment_id, visit.timeout)
        except TimeoutError:
            tally.lost += 1
            return False
        record_reading(run, digit, tally)
        canvas = drawing_canvas(run) or canvas
        button = send_button(run)
        if button is None:
            wall.no_button += 1
        elif button.proto.disabled:  # paused, or this drawing went already: a student cannot press it
            wall.refused[DISABLED] = wall.refused.get(DISABLED, 0) + 1
        else:
            pressed = time.perf_counter()
            trigger = WidgetState(id=button.proto.id, trigger_value=True)
            try:
                run = await session.rerun([*screen, canvas_state(canvas, digit), trigger], button.fragment_id,
                                          visit.timeout)
            except TimeoutError:
                tally.lost += 1
                return False
            record_send(run, pressed, wall)
            canvas = drawing_canvas(run) or canvas
        pause = visit.interval * rng.uniform(1 - visit.jitter, 1 + visit.jitter)
        await asyncio.sleep(max(0.0, drawn + pause - time.perf_counter()))
    return True


def record_reading(run: Run, digit: CanvasDigit, tally: Tally) -> None:
    """Count one answered stroke: its time is the reading's arrival (the page's data-prediction)."""
    tally.finishes.append(run.finished)
    tally.answered_at.append(time.perf_counter())
    reading = next((element for element in run.elements
                    if element.kind == "html" and PREDICTION.search(element.proto.body)), None)
    if reading is None:
        tally.unread += 1
        tally.answers.append(run.finished)
    else:
        tally.answers.append(reading.seconds)
        if PREDICTION.search(reading.proto.body)[1] != str(digit.label):
            tally.misread += 1
    for problem in run.problems():
        tally.error(f"stroke shows: {problem}")


def record_send(run: Run, pressed: float, wall: WallTally) -> None:
    """Count one Send: the drawing it stored (the newest in the own strip), or what the page said."""
    wall.send_answers.append(run.finished)
    said = [element.proto.body for element in run.elements
            if element.kind == "alert" and element.proto.format == element.proto.WARNING]
    newest = max((int(found) for found in html_matches(run, OWN)), default=None)
    if newest is not None and newest not in wall.sends:
        wall.sends[newest] = pressed
    else:
        reason = (said or ["no new drawing in the student's own list"])[0][:200]
        wall.refused[reason] = wall.refused.get(reason, 0) + 1
    for problem in run.problems():
        wall.error(f"send shows: {problem}")


class Teacher:
    """The wall on the projector: one session that polls the wall's fragment as the browser's timer does."""

    def __init__(self, visit: Visit, invitation: Invitation, wall: WallTally):
        self.visit, self.invitation, self.wall = visit, invitation, wall
        self.session: Session | None = None

    async def open(self) -> bool:
        """Load the wall's page; False (and a counted error) if it did not load or has no polling fragment."""
        opened = await open_visit(self.visit, self.wall.visit, self.invitation.wall_query())
        if opened is None:
            self.wall.error("the wall's page did not load")
            return False
        self.session, run = opened
        self.saw(run, time.perf_counter() - (run.finished or 0.0))
        if not self.session.auto_reruns:
            self.wall.error("the wall's page asks for no timed rerun (no auto_rerun message)")
            await self.close()
            return False
        return True

    def saw(self, run: Run, started: float) -> None:
        """Note the first arrival of each tile in a run that began at perf_counter `started`."""
        tiles = 0
        for element in run.elements:
            if element.kind == "html":
                for drawing in TILE.findall(element.proto.body):
                    self.wall.seen.setdefault(int(drawing), started + element.seconds)
                    tiles += 1
        self.wall.tiles = tiles

    async def poll(self, until) -> None:
        """Ask for each timed fragment's rerun every interval until `until()` is true; reopen on a lost poll."""
        interval = min(self.session.auto_reruns.values())
        tick = time.perf_counter() + interval
        while not until():
            await asyncio.sleep(max(0.0, min(tick - time.perf_counter(), 0.05)))
            if time.perf_counter() < tick:
                continue
            for fragment_id in list(self.session.auto_reruns):
                started = time.perf_counter()
                try:
                    run = await self.session.rerun(fragment_id=fragment_id, timeout=self.visit.timeout, auto=True)
                except TimeoutError:
                    self.wall.lost_polls += 1
                    await self.close()
                    if not await self.open():
                        return
                    break
                except CONNECTION_ERRORS as err:
                    self.wall.error(f"poll: {type(err).__name__}: {err}")
                    return
                self.wall.polls.append(run.finished)
                self.saw(run, started)
                for problem in run.problems():
                    self.wall.error(f"the wall shows: {problem}")
            tick += interval
            tick = max(tick, time.perf_counter())  # ticks that fell during a poll: one poll, at once

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None
