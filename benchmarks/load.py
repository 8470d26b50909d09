"""A class at once: N visitors drawing on the page together, and how long each stroke waits.

    python -m benchmarks.load [--sessions 1,10,30,60] [--seconds 40] [--replicas 1,2 [--proxy]]
                              [--url URL [--server-pid PID]] [--trainers 0] [--browser]
                              [--attackers 0 [--attack-interval 3] [--attack-side 13000]]
                              [--profile PATH.prof]
                              [--class [--class-db URL | --postgres] [--wall-seconds 10] [--fine-tune]]

For each N (and each number of replicas, interleaved so that both meet the same machine) it
starts the page on a free loopback port (`streamlit run app.py`, or for more than one replica,
or with --proxy, the nginx proxy and replicas of deploy/), warms it up, and lets N
websocket-level visitors (benchmarks/visitors.py) draw a real MNIST digit every 2 s (jittered)
for --seconds. It prints a Markdown table: strokes, answered strokes per second, the time from
sending a stroke to the prediction (p50, p95, max), lost strokes (no answer within --timeout),
errors (exceptions or error alerts on the page, broken connections), CPU and peak memory of the
server's whole process tree, its CPU seconds per answered stroke (over the whole step, page loads
included, and "once loaded": from the moment every visitor has loaded the page), and the machine's
load average. MNIST_NPZ is passed to the server; the digits come from it too, or from Keras'
cached download. With --attackers, that many more visitors send, every --attack-interval
seconds, a stroke carrying a --attack-side pixels square RGBA PNG (13000: a 0.88 MB message, 676
MB of pixels); the table's times, losses and errors stay the students', and a note says how the
attackers' strokes were answered and what the page told them.

With --profile (one replica, no proxy) the server runs under cProfile, every thread of it (the
event loop and each script run), from the end of the warm-up to the end of each step; the stats
go to PATH.prof (one file per step: PATH-N.prof) and the top entries, per answered stroke, are printed.

With --class the visitors are a class (benchmarks/class_visitors.py): each step starts a class in
the store the server uses (--class-db, passed to the server; default a fresh SQLite file in a
temporary folder; --postgres starts a throwaway PostgreSQL cluster for the run), the N students
open its link, draw, wait for the reading and press Send, and one teacher opens the wall and polls
it as the browser does. The table gains the drawings sent, the time from Send to the drawing's
tile on the wall (p50, p95, max) and the wall's own CPU: after the students stop, the server's CPU
while the wall alone polls (their tiles on it) for --wall-seconds, less its CPU while nothing
runs for half as long. The strokes' columns stay the students' strokes (to the reading shown);
the CPU columns count the Send presses and the wall's polls too. The class is ended after its step.
With --fine-tune, FINE_TUNE_DELAY seconds into the step the class gets the labelled drawings of a
simulated class (drawn.simulated_class: 30 students, 15 drawings each, in the drawn set's held-out
styles; 300 of them train, a third of the students are held out) and the teacher's fine-tune of
`world` is queued, as the wall's Train button queues it; the page's own training worker trains it
while the students draw. A note says how long it took from Train to the model, and its figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pstats
import resource
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks import process_tree
from benchmarks.class_visitors import Invitation, Teacher, WallTally, student
from benchmarks.visitors import HOSTILE, Tally, Visit, draw, train
from deploy.serve import replica_command
from harness import hostile
from harness.canvas_digits import CanvasDigit, canvas_digits, canvas_state, find_canvas
from harness.servers import ROOT, PageServer
from harness.streamlit_session import Session, check_loopback, load_page

LOGS = ROOT / "artifacts" / "load"
WARM_UP_TIMEOUT = 120.0  # s: the first run of a fresh server loads the model

# `streamlit run` under cProfile: SIGUSR1 starts a profiler in the event loop's thread and in each
# thread started after it (every script run has its own), SIGUSR2 writes their merged stats.
# A cProfile.Profile follows one thread's calls, so each thread gets its own; it counts the thread's
# CPU time, so that waiting (for the GIL, a lock, the network) is not charged to whatever waited.
PROFILED_SERVER = """
import cProfile, gc, json, pstats, signal, sys, threading, time
profiles = []
collections = {}  # generation -> [count, CPU seconds]: the collector runs outside any profiled call
def collected(phase, info, began=[0.0]):
    if phase == "start":
        began[0] = time.thread_time()
    elif profiles:
        tally = collections.setdefault(info["generation"], [0, 0.0])
        tally[0] += 1
        tally[1] += time.thread_time() - began[0]
gc.callbacks.append(collected)
def profile_thread(*_):
    profile = cProfile.Profile(time.thread_time)
    profiles.append(profile)
    profile.enable()
def start(*_):
    threading.setprofile(profile_thread)
    profile_thread()
def dump(*_):
    threading.setprofile(None)
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    path = sys.argv.pop(-1)
    stats.dump_stats(path)
    with open(path + ".gc.json", "w") as file:
        json.dump(collections, file)
signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, dump)
from streamlit.web.cli import main
main()
"""
PROFILE_WAIT = 60.0  # s: writing the stats of a busy server


@dataclass
class Step:
    """The outcome of one step: N visitors for a while, on some number of replicas."""

    replicas: int
    sessions: int
    tally: Tally
    seconds: float  # wall time of the step, arrivals to last answer
    server_cpu: float | None  # percent of one core, whole process tree
    server_rss: int | None  # bytes, peak of the tree's sum
    client_cpu: float  # percent of one core used by this harness
    load: tuple[float, float, float]
    browser: str = ""
    fine_tune: str = ""  # --fine-tune: what the class's fine-tune did during the step, in words
    attackers: int = 0
    attacks: Tally | None = None  # what the attackers saw
    drawing_cpu: float | None = None  # server CPU seconds per answered stroke once every visitor had loaded
    wall: WallTally | None = None  # with --class: the sends and what the wall showed
    wall_cpu: float | None = None  # percent of one core: the wall polling alone, less the idle server
    wall_alone: tuple[float, float] | None = None  # (percent while the wall alone polls, percent idle)
    polls_under_load: int = 0  # how many of wall.polls came while the students drew


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


async def warm_up(url: str, replicas: int, digit: CanvasDigit) -> set[str]:
    """Load the page and draw once, until each replica has served a visitor (the model loads then)."""
    seen: set[str] = set()
    for _ in range(4 * replicas):
        cookie, _ = await asyncio.to_thread(load_page, url)
        session, run = await Session.open(url, cookie=cookie, timeout=WARM_UP_TIMEOUT)
        try:
            canvas = find_canvas(run)
            if canvas is not None:
                await session.rerun([canvas_state(canvas, digit)], canvas.fragment_id, WARM_UP_TIMEOUT)
        finally:
            await session.close()
        seen.add(session.replica or "direct")
        if len(seen) >= replicas:
            break
    return seen


async def cpu_while_drawing(pid: int, sessions: int, tally: Tally, result: list[float], every: float = 0.1) -> None:
    """From the moment each visitor has loaded the page (arrivals over, only strokes left), keep
    result at [server CPU seconds, answered strokes] since then; runs until cancelled.

    The step's own CPU s/stroke counts the page loads too (a full run of the page each, against a
    fragment's rerun for a stroke): this one is what a stroke costs."""
    while len(tally.page_loads) + tally.failed_loads < sessions:
        await asyncio.sleep(every)
    cpu, answers = process_tree.cpu_seconds(pid), len(tally.answers)
    while True:
        await asyncio.sleep(every)
        result[:] = [process_tree.cpu_seconds(pid) - cpu, len(tally.answers) - answers]


async def sample_memory(pid: int, peak: list[int], every: float = 0.5) -> None:
    """Keep peak[0] at the largest resident size of the tree seen; runs until cancelled."""
    while True:
        peak[0] = max(peak[0], process_tree.rss_bytes(pid))
        await asyncio.sleep(every)


def hostile_stroke(side: int) -> CanvasDigit:
    """An attacker's drawing: a side x side RGBA PNG data URL as the canvas's widget value."""
    url = hostile.stroke_url(side)
    return CanvasDigit(HOSTILE, json.dumps(hostile.stroke_value(url)), len(url))


async def run_step(args, url: str, pid: int | None, replicas: int, sessions: int,
                   digits: list[CanvasDigit], browser: bool, attack: CanvasDigit | None = None,
                   invitation: Invitation | None = None) -> Step:
    """N drawing visitors (and the trainers and attackers) against `url` for args.seconds; with an
    invitation, N students of that class and its wall."""
    visit = Visit(url, args.seconds, args.interval, args.jitter, args.timeout, args.load_timeout, args.seed)
    tally, attacks = Tally(), Tally()
    wall = WallTally() if invitation else None
    teacher = Teacher(visit, invitation, wall) if invitation else None
    if teacher and not await teacher.open():
        teacher = None
    peak = [0]
    memory = asyncio.create_task(sample_memory(pid, peak)) if pid else None
    drawing: list[float] = []
    drawing_cpu = asyncio.create_task(cpu_while_drawing(pid, sessions, tally, drawing)) if pid else None
    cpu_before = process_tree.cpu_seconds(pid) if pid else None
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    stop = started + args.seconds
    if invitation:
        visitors = [student(number, visit, invitation, digits, tally, wall, stop) for number in range(sessions)]
    else:
        visitors = [draw(number, visit, digits, tally, stop) for number in range(sessions)]
    visitors += [train(number, visit, args.train_query, tally, stop) for number in range(args.trainers)]
    if attack is not None:
        attacking = Visit(url, args.seconds, args.attack_interval, args.jitter, args.timeout, args.load_timeout,
                          args.seed + 1)  # streams of their own: the students' pauses stay as they were
        visitors += [draw(number, attacking, [attack], attacks, stop) for number in range(args.attackers)]
    check = asyncio.create_task(browser_stroke_midway(url, args.seconds / 2)) if browser else None
    tuning = asyncio.create_task(fine_tune_midway(args.class_db, invitation, stop, tally)) \
        if invitation and args.fine_tune else None
    drawn = [False]
    polling = asyncio.create_task(teacher.poll(lambda: drawn[0])) if teacher else None
    try:
        # Each visitor stops by itself at `stop`, but for one page load or stroke in flight.
        bound = args.seconds + args.load_timeout + 2 * args.timeout + 30
        await asyncio.wait_for(asyncio.gather(*visitors), bound)
    except asyncio.TimeoutError:
        tally.error("the step overran its time bound: visitors were cancelled")
    drawn[0] = True
    if polling:
        await polling
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    server_cpu = None if pid is None else (process_tree.cpu_seconds(pid) - cpu_before) / seconds * 100
    if memory:
        memory.cancel()
    if drawing_cpu:
        drawing_cpu.cancel()
    own_seconds = own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime
    step = Step(replicas, sessions, tally, seconds, server_cpu, peak[0] if pid else None, own_seconds / seconds * 100,
                process_tree.load_average(), attackers=args.attackers, attacks=attacks,
                drawing_cpu=drawing[0] / drawing[1] if drawing and drawing[1] else None)
    if check:
        step.browser = await check
    if tuning:
        step.fine_tune = await tuning
    if wall is not None:
        step.wall, step.polls_under_load = wall, len(wall.polls)
    if teacher:
        if pid:
            alone, idle = await wall_alone(pid, teacher, args.wall_seconds)
            step.wall_cpu, step.wall_alone = alone - idle, (alone, idle)
        await teacher.close()
    return step


async def wall_alone(pid: int, teacher: Teacher, seconds: float) -> tuple[float, float]:
    """(server CPU while the wall alone polls for `seconds`, server CPU while nothing runs for half as
    long before), in percent of one core; the students have stopped, their tiles are on the wall."""
    await asyncio.sleep(1.0)  # closed sessions are cleaned up
    cpu, began = process_tree.cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(max(seconds / 2, 2.0))
    idle = (process_tree.cpu_seconds(pid) - cpu) / (time.perf_counter() - began) * 100
    cpu, began = process_tree.cpu_seconds(pid), time.perf_counter()
    await teacher.poll(lambda: time.perf_counter() - began >= seconds)
    alone = (process_tree.cpu_seconds(pid) - cpu) / (time.perf_counter() - began) * 100
    return alone, idle


FINE_TUNE_DELAY = 5.0  # seconds into the step: the students have loaded the page and draw


async def fine_tune_midway(class_db: str, invitation: Invitation, stop: float, tally: Tally) -> str:
    """FINE_TUNE_DELAY seconds in: a simulated class's labelled drawings into the class, the teacher's
    fine-tune queued; followed until it ends (or the step with its time bound) -> what happened, in words."""
    from drawn.simulated_class import simulated_class
    from mlp.classroom import ClassLimits, ClassStore, class_owner
    from mlp.runs import FINISHED, ClassRequest, RunQueue

    await asyncio.sleep(FINE_TUNE_DELAY)

    def queue_it() -> tuple[RunQueue, str, float]:
        drawings = simulated_class(students=30, per_student=15, seed=0)
        store = ClassStore.open(class_db, limits=ClassLimits(min_seconds_between_sends=0, max_students=200))
        try:
            tokens = {token: store.join(invitation.code).token for token in sorted(set(drawings.token))}
            for image, label, token in zip(drawings.x, drawings.y, drawings.token):
                drawing = store.send(invitation.code, tokens[token], image, int(label), 0.9, False)
                store.label(invitation.code, tokens[token], drawing, int(label))
        finally:
            store.close()
        queue = RunQueue.open(class_db)
        submitted = time.perf_counter()
        return queue, queue.submit(ClassRequest(invitation.code), owner=class_owner(invitation.code)).id, submitted

    try:
        queue, run_id, submitted = await asyncio.to_thread(queue_it)
    except Exception as err:  # whatever went wrong is the finding
        return f"the class's fine-tune could not be queued: {type(err).__name__}: {err}"
    while True:
        run = await asyncio.to_thread(queue.get, run_id)
        await asyncio.to_thread(queue.seen, run_id)
        if run is None or run.state in FINISHED or time.perf_counter() > stop + 120:
            break
        await asyncio.sleep(0.5)
    ended_at = time.perf_counter()
    took = ended_at - submitted
    queue.close()
    during = sorted(seconds for seconds, at in zip(tally.answers, tally.answered_at) if submitted <= at <= ended_at)
    strokes = (f"; the {len(during)} strokes answered meanwhile: p50 {during[len(during) // 2]:.2f} s, p95 "
               f"{during[min(len(during) - 1, int(0.95 * len(during)))]:.2f} s, max {during[-1]:.2f} s"
               if during else "; no stroke was answered meanwhile")
    if run is None or run.state != "done":
        return f"the class's fine-tune did not finish: {run.state if run else 'gone'} {run.message if run else ''}"
    result = run.result
    errors = {which: result[which]["held_out"]["errors"] for which in ("base", "tuned")}
    mnist = {which: result[which]["mnist"]["accuracy"] for which in ("base", "tuned")}
    ended = "within" if submitted + took <= stop else "after"
    return (f"the class's fine-tune of {result['base_model']} on {result['train_drawings']} drawings (with "
            f"{result['replayed']:,} MNIST digits replayed) took {took:.1f} s from Train to the model "
            f"({result['seconds']:.1f} s training), ended {ended} the students' drawing; held-out students' "
            f"errors {errors['base']} -> {errors['tuned']} of {result['held_out_drawings']}, MNIST "
            f"{mnist['base']:.2%} -> {mnist['tuned']:.2%}{strokes}")


async def browser_stroke_midway(url: str, delay: float) -> str:
    """One real browser draws a stroke halfway through the step; what it saw, in words."""
    from benchmarks.browser_stroke import stroke_in_browser

    await asyncio.sleep(delay)
    try:
        shown, seconds = await asyncio.to_thread(stroke_in_browser, url)
    except Exception as err:  # whatever went wrong is the finding: report it, do not crash the run
        return f"a real browser's stroke failed: {type(err).__name__}: {err}"
    return f"a real browser drew a 7 mid-step: the page read {shown!r} {seconds:.2f} s after mouse-up"


class ProfiledServer(PageServer):
    """The page as one `streamlit run`, under the profiler of PROFILED_SERVER, writing to `stats`."""

    def __init__(self, log: Path, stats: Path, class_db: str | None = None):
        super().__init__(log, class_db=class_db)
        self.stats = stats

    def command(self) -> list[str]:
        # `python -c` keeps the rest of the line in sys.argv: streamlit's own arguments, then the path.
        return [sys.executable, "-c", PROFILED_SERVER, *replica_command(self.port)[3:], str(self.stats)]


def profile_path(args, sessions: int) -> Path:
    """Where one step's stats go: --profile itself for one step, else with the step's N in its name."""
    path = Path(args.profile)
    return path if len(args.sessions) == 1 else path.with_name(f"{path.stem}-{sessions}{path.suffix}")


@contextlib.contextmanager
def target(args, replicas: int, sessions: int):
    """(url, pid to measure) of the server for one step: a fresh one, or the one given by --url."""
    if args.url:
        yield args.url, args.server_pid
        return
    name = f"server-{replicas}x{'-proxy' if args.proxy or replicas > 1 else ''}-{sessions}.log"
    if args.profile:
        with ProfiledServer(args.logs / name, profile_path(args, sessions), args.class_db) as server:
            yield server.url, server.pid
        return
    with PageServer(args.logs / name, replicas, args.proxy, class_db=args.class_db) as server:
        yield server.url, server.pid


@contextlib.contextmanager
def class_store(args):
    """The class store of the run (a ClassStore), at args.class_db; sets args.class_db when the run
    makes one: a fresh SQLite file in a temporary folder, or with --postgres a throwaway cluster."""
    from mlp.classroom import ClassStore

    with tempfile.TemporaryDirectory(prefix="load-class-") as folder:
        stop = None
        if args.postgres:
            from harness.postgres import start_postgres, stop_postgres

            cluster = Path(folder) / "postgres"
            os.chmod(folder, 0o755)  # the cluster may run as another user (PostgreSQL refuses root)
            args.class_db, stop = start_postgres(cluster), lambda: stop_postgres(cluster)
        elif args.class_db is None:
            args.class_db = f"sqlite:///{Path(folder) / 'classes.db'}"
        store = ClassStore.open(args.class_db)
        try:
            yield store
        finally:
            store.close()
            if stop:
                stop()


def write_profile(pid: int, path: Path) -> None:
    """Have the profiled server write its stats to `path`; wait until they are there."""
    path.unlink(missing_ok=True)
    Path(f"{path}.gc.json").unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + PROFILE_WAIT
    while not Path(f"{path}.gc.json").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # the file appears before it is complete
    if not Path(f"{path}.gc.json").exists():
        raise RuntimeError(f"the profiled server wrote no stats to {path} in {PROFILE_WAIT:g} s")


def profile_summary(path: Path, strokes: int, top: int = 25) -> str:
    """The profile's top functions by own time and by cumulative time, in ms per answered stroke."""
    stats = pstats.Stats(str(path)).stats  # (file, line, name) -> (calls, primitive, own, cumulative, callers)
    per = 1000 / max(strokes, 1)
    rows = [(own * per, cumulative * per, calls / max(strokes, 1), f"{Path(file).name}:{line}({name})")
            for (file, line, name), (_, calls, own, cumulative, _) in stats.items()]
    total = sum(row[0] for row in rows)
    collected = json.loads(Path(f"{path}.gc.json").read_text())
    lines = [f"profile {path}: {total:.1f} ms of profiled CPU time per stroke over {strokes} strokes "
             "(cProfile slows calls down: compare entries, not totals with the CPU column)",
             "automatic garbage collections per stroke, by generation: " + ", ".join(
                 f"{generation}: {count / max(strokes, 1):.2f} taking {seconds * per:.2f} ms"
                 for generation, (count, seconds) in sorted(collected.items()))]
    for title, key in (("own time", 0), ("cumulative time", 1)):
        lines += [f"\n| ms/stroke {title} | ms/stroke {'cumulative' if key == 0 else 'own'} | calls/stroke | function |",
                  "|---:|---:|---:|---|"]
        for own, cumulative, calls, name in sorted(rows, key=lambda row: -row[key])[:top]:
            first, second = (own, cumulative) if key == 0 else (cumulative, own)
            lines.append(f"| {first:.2f} | {second:.2f} | {calls:.1f} | {name} |")
    return "\n".join(lines)


def megabytes(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:,.0f} MB"


def seconds_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(steps: list[Step]) -> str:
    """The Markdown table of all steps (with a class: the sends, the time to the wall, the wall's CPU)."""
    walls = any(step.wall is not None for step in steps)
    lines = ["| replicas | sessions | strokes | answered/s | p50 (s) | p95 (s) | max (s) | lost | errors "
             "| server CPU | CPU s/stroke | once loaded | server RSS (max) | load avg 1/5 min | attackers |"
             + (" sends | to the wall p50 (s) | p95 (s) | max (s) | wall CPU |" if walls else ""),
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
             + ("---:|---:|---:|---:|---:|" if walls else "")]
    for step in steps:
        tally = step.tally
        cpu = "n/a" if step.server_cpu is None else f"{step.server_cpu:.0f} %"
        per_stroke = ("n/a" if step.server_cpu is None or not tally.answers
                      else f"{step.server_cpu / 100 * step.seconds / len(tally.answers):.4f}")
        lines.append(
            f"| {step.replicas} | {step.sessions} | {tally.sent} | {len(tally.answers) / step.seconds:.1f} "
            f"| {seconds_text(percentile(tally.answers, 50))} | {seconds_text(percentile(tally.answers, 95))} "
            f"| {seconds_text(max(tally.answers, default=None))} | {tally.lost} | {len(tally.errors)} "
            f"| {cpu} | {per_stroke} | {'n/a' if step.drawing_cpu is None else f'{step.drawing_cpu:.4f}'} "
            f"| {megabytes(step.server_rss)} | {step.load[0]:.1f} / {step.load[1]:.1f} "
            f"| {step.attackers} |" + (wall_columns(step) if walls else ""))
    return "\n".join(lines)


def wall_columns(step: Step) -> str:
    """A step's sends, time to the wall (p50, p95, max) and the wall's own CPU, as table cells."""
    if step.wall is None:
        return " - | - | - | - | - |"
    times = step.wall.to_the_wall()
    cpu = "n/a" if step.wall_cpu is None else f"{step.wall_cpu:.1f} %"
    return (f" {len(step.wall.sends)} | {seconds_text(percentile(times, 50))} | {seconds_text(percentile(times, 95))} "
            f"| {seconds_text(max(times, default=None))} | {cpu} |")


def wall_notes(name: str, step: Step) -> list[str]:
    """What the wall's columns leave out: unseen drawings, refusals, the polls, the CPU's two parts."""
    wall = step.wall
    seen = len(wall.to_the_wall())
    polls = wall.polls[:step.polls_under_load]
    refused = "; ".join(f"{count} x {text!r}" for text, count in wall.refused.items()) or "none"
    found = [f"{name}: the wall: {len(wall.sends)} drawings sent, {seen} seen on the wall, "
             f"{len(wall.sends) - seen} replaced by the student's next one before a poll showed them; "
             f"Send answered p50 / p95 {seconds_text(percentile(wall.send_answers, 50))} / "
             f"{seconds_text(percentile(wall.send_answers, 95))} s; not sent: {refused}; no Send button "
             f"{wall.no_button} times; {len(polls)} polls under load, p50 / p95 / max "
             f"{seconds_text(percentile(polls, 50))} / {seconds_text(percentile(polls, 95))} / "
             f"{seconds_text(max(polls, default=None))} s; lost polls {wall.lost_polls}"]
    if step.wall_alone:
        alone, idle = step.wall_alone
        found.append(f"{name}: the wall's CPU: {alone:.1f} % of a core while it alone polled "
                     f"({len(wall.polls) - step.polls_under_load} polls, {wall.tiles} students' tiles on it), "
                     f"{idle:.1f} % idle before")
    found += [f"{name}: wall error: {text}" for text in dict.fromkeys(wall.errors)][:5]
    return found


def notes(step: Step) -> list[str]:
    """What the table has no column for, one line each."""
    tally = step.tally
    name = f"{step.replicas}x N={step.sessions}"
    found = [f"{name}: page load p95 {seconds_text(percentile(tally.page_loads, 95))} s "
             f"({len(tally.page_loads)} loads, {tally.failed_loads} not answered in time); script_finished p95 "
             f"{seconds_text(percentile(tally.finishes, 95))} s; misread {tally.misread}, no prediction "
             f"shown {tally.unread}; sessions per replica {tally.replicas}; harness CPU {step.client_cpu:.1f} %"]
    found += [f"{name}: error: {text}" for text in dict.fromkeys(tally.errors)][:5]
    found += [f"{name}: {line}" for line in tally.trainers]
    if step.browser:
        found.append(f"{name}: {step.browser}")
    if step.fine_tune:
        found.append(f"{name}: {step.fine_tune}")
    if step.wall is not None:
        found += wall_notes(name, step)
    if step.attackers:
        attacks = step.attacks
        said = "; ".join(f"{count} x {text!r}" for text, count in attacks.said.items()) or "no error shown"
        found.append(f"{name}: {step.attackers} attacker(s) sent {attacks.sent} oversized strokes: answered "
                     f"{len(attacks.answers)} (p50 {seconds_text(percentile(attacks.answers, 50))} s, max "
                     f"{seconds_text(max(attacks.answers, default=None))} s), lost {attacks.lost}, errors "
                     f"{len(attacks.errors)}; the page said: {said[:300]}")
    return found


def positive_int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"give whole numbers separated by commas, not {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give at least one number of sessions, each 1 or more")
    return values


def positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value
    return parse


def loopback_url(text: str) -> str:
    try:
        return check_loopback(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--sessions", type=positive_int_list, default=[1, 10, 30, 60],
                        help="numbers of visitors drawing at once, one step each")
    parser.add_argument("--seconds", type=positive(float), default=40.0, help="how long each step draws")
    parser.add_argument("--logs", type=Path, default=LOGS, help="where the servers' logs go (default artifacts/load in the checkout)")
    parser.add_argument("--interval", type=positive(float), default=2.0, help="seconds between a visitor's strokes")
    parser.add_argument("--jitter", type=float, default=0.5, help="each pause is interval x uniform(1-j, 1+j)")
    parser.add_argument("--timeout", type=positive(float), default=10.0, help="a stroke unanswered this long is lost")
    parser.add_argument("--load-timeout", type=positive(float), default=30.0,
                        help="a page load unanswered this long is given up (and tried again)")
    parser.add_argument("--replicas", type=positive_int_list, default=[1],
                        help="Streamlit processes, one step each per N; more than 1 starts them behind "
                             "the nginx proxy (deploy/)")
    parser.add_argument("--proxy", action="store_true", help="go through the proxy even with one replica")
    parser.add_argument("--url", type=loopback_url, default=None,
                        help="test a server already running on this machine instead of starting one")
    parser.add_argument("--server-pid", type=positive(int), default=None,
                        help="with --url: the server's (or deploy.serve's) process, to measure its CPU and memory")
    parser.add_argument("--trainers", type=int, default=0,
                        help="visitors who also submit the Train view's form once per step")
    parser.add_argument("--train-query", default="view=Train", help="query string of the Train view")
    parser.add_argument("--attackers", type=int, default=0,
                        help="visitors who send an oversized stroke every --attack-interval seconds")
    parser.add_argument("--attack-interval", type=positive(float), default=3.0,
                        help="seconds between an attacker's strokes")
    parser.add_argument("--attack-side", type=positive(int), default=13_000,
                        help="side in pixels of the attackers' RGBA PNG")
    parser.add_argument("--browser", action="store_true",
                        help="halfway through the last step, draw one stroke in a real browser (Playwright + chromium)")
    parser.add_argument("--digits", default=os.environ.get("MNIST_NPZ") or None,
                        help="mnist.npz to take the digits from (default $MNIST_NPZ, else Keras' cached download)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the visitors' digits and pauses")
    parser.add_argument("--profile", default=None, metavar="PATH.prof",
                        help="run the server under cProfile (one replica, no proxy) and write each step's stats here")
    parser.add_argument("--class", dest="classroom", action="store_true",
                        help="the visitors are a class: students draw and Send, a teacher's wall polls")
    parser.add_argument("--class-db", default=None, metavar="URL",
                        help="with --class: the class store (SQLAlchemy URL) the server is given "
                             "(default: a fresh SQLite file in a temporary folder)")
    parser.add_argument("--postgres", action="store_true",
                        help="with --class: start a throwaway PostgreSQL cluster as the class store")
    parser.add_argument("--fine-tune", action="store_true",
                        help="with --class: queue the class's fine-tune on a simulated class's 450 labelled "
                             "drawings during the step, trained by the page's own worker")
    parser.add_argument("--wall-seconds", type=positive(float), default=10.0,
                        help="with --class: after each step, how long the wall's CPU is measured polling alone")
    args = parser.parse_args(argv)
    if not 0 <= args.jitter < 1:
        parser.error("--jitter must be in [0, 1)")
    if args.trainers < 0:
        parser.error("--trainers must be 0 or more")
    if args.attackers < 0:
        parser.error("--attackers must be 0 or more")
    if args.server_pid and not args.url:
        parser.error("--server-pid goes with --url (a server this run starts is measured anyway)")
    if args.url and len(args.replicas) > 1:
        parser.error("--url tests one server as it is: give no list of --replicas with it")
    if args.profile and (args.url or args.proxy or args.replicas != [1]):
        parser.error("--profile starts one server of its own: no --url, --proxy or --replicas with it")
    if (args.class_db or args.postgres) and not args.classroom:
        parser.error("--class-db and --postgres go with --class")
    if args.class_db and args.postgres:
        parser.error("give --class-db or --postgres, not both")
    if args.classroom and args.url and not args.class_db:
        parser.error("--class with --url needs --class-db: the store that server uses")
    if args.fine_tune and not args.classroom:
        parser.error("--fine-tune needs --class")
    if args.classroom and (args.trainers or args.attackers):
        parser.error("--class replaces the drawing visitors: no --trainers or --attackers with it")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    with class_store(args) if args.classroom else contextlib.nullcontext() as store:
        steps, profiles = run_plan(args, store)
    where = args.url or "a fresh server per step (behind deploy/'s nginx for more than one replica, or --proxy)"
    if args.classroom:
        where += f"; a class in {args.class_db.partition('://')[0]}, its wall polled by one teacher"
    print(f"\n{where}; a stroke every {args.interval:g} s per visitor for {args.seconds:g} s; "
          f"{os.cpu_count()} CPUs\n")
    print(table(steps))
    print()
    for step in steps:
        for line in notes(step):
            print(f"- {line}")
    for summary in profiles:
        print(f"\n{summary}")


def run_plan(args, store=None) -> tuple[list[Step], list[str]]:
    """Every step of the plan, in order: (the steps, their profile summaries); with a store, each
    step a class of its own in it, ended after the step."""
    digits = canvas_digits(args.digits, per_digit=3 if store else 1)
    attack = hostile_stroke(args.attack_side) if args.attackers else None
    plan = [(replicas, sessions) for sessions in args.sessions for replicas in args.replicas]
    steps, profiles = [], []
    for index, (replicas, sessions) in enumerate(plan):
        with target(args, replicas, sessions) as (url, pid):
            seen = asyncio.run(warm_up(url, replicas, digits[0]))
            if args.profile:
                os.kill(pid, signal.SIGUSR1)
            browser = args.browser and index == len(plan) - 1
            info = store.new_class() if store else None
            invitation = Invitation(info.code, info.teacher_key) if info else None
            try:
                step = asyncio.run(run_step(args, url, pid, replicas, sessions, digits, browser, attack, invitation))
            finally:
                if info:
                    store.end(info.code)
            if args.profile:
                write_profile(pid, profile_path(args, sessions))
                profiles.append(profile_summary(profile_path(args, sessions), len(step.tally.answers)))
        steps.append(step)
        to_wall = f", to the wall p95 {seconds_text(percentile(step.wall.to_the_wall(), 95))} s" if step.wall else ""
        print(f"{replicas} replica(s), N={sessions}: {len(step.tally.answers)} strokes answered, p95 "
              f"{seconds_text(percentile(step.tally.answers, 95))} s{to_wall}, warmed {sorted(seen)}", flush=True)
    return steps, profiles


if __name__ == "__main__":
    main()
