"""How the page feels: start-up, memory, stroke to prediction, Clear, first visits, collection stalls.

Starts `streamlit run app.py` from each given checkout (this one, and optionally an older one
as the baseline, measured in the same run, interleaved) and drives Debian's chromium with
Playwright. Times inside the browser come from performance.now(): mouse-up, the websocket
message the canvas sends (after its fixed 200 ms debounce), the first message back, and the
moment the new prediction is on screen.

    python -m benchmarks.page_speed [--baseline OLD_CHECKOUT] [--strokes 30] [--rounds 2]
    python -m benchmarks.page_speed --gc-runs 200     # collection pauses after script runs
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.process_tree import rss_bytes
from harness.chromium import chromium
from harness.servers import PageServer
from harness.strokes import ONE, SEVEN
from harness.strokes import draw as draw_strokes

ROOT = Path(__file__).resolve().parent.parent
HINT = "Draw a digit on the black square"

# Timestamps in the page, on the browser's own clock.
INSTRUMENT = """
window.__t = {sends: [], recvs: [], ups: []};
const Native = window.WebSocket;
const send = Native.prototype.send;
Native.prototype.send = function (data) { window.__t.sends.push(performance.now()); return send.call(this, data); };
window.WebSocket = function (...args) {
  const socket = new Native(...args);
  socket.addEventListener('message', () => window.__t.recvs.push(performance.now()));
  return socket;
};
window.WebSocket.prototype = Native.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
document.addEventListener('mouseup', () => window.__t.ups.push(performance.now()), true);
"""
SHOWS = """want => {
  const shown = [...document.querySelectorAll("[data-testid='stMetric']")].some(m =>
    m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === "Prediction" &&
    m.querySelector("[data-testid='stMetricValue']")?.innerText.trim() === want);
  if (shown) window.__shown = performance.now();
  return shown;
}"""
HINT_SHOWN = f"""() => {{
  const shown = document.body.innerText.includes({HINT!r});
  if (shown) window.__shown = performance.now();
  return shown;
}}"""


def draw(page, strokes) -> None:
    canvas = page.locator("canvas.upper-canvas")
    deadline = time.monotonic() + 10
    while canvas.count() != 1 and time.monotonic() < deadline:  # Clear remounts the component
        time.sleep(0.05)
    draw_strokes(page, strokes, steps=12)


def stroke_breakdown(page, digit: str, strokes) -> dict[str, float] | None:
    """Draw one stroke and split its latency: component delay, server, render (ms); None: lost."""
    from playwright.sync_api import TimeoutError as Timeout

    before = page.evaluate("window.__t.ups.length")
    draw(page, strokes)
    try:
        page.wait_for_function(SHOWS, arg=digit, polling="raf", timeout=15_000)
    except Timeout:
        return None  # the page never showed it: a lost stroke
    t = page.evaluate("[window.__t, window.__shown]")
    marks, shown = t
    up = marks["ups"][before]
    sent = min((s for s in marks["sends"] if s >= up), default=float("nan"))
    back = min((r for r in marks["recvs"] if r >= sent), default=float("nan"))
    return {"total": shown - up, "component": sent - up, "server": back - sent, "render": shown - back}


def clear_ms(page) -> float:
    """Click Clear; ms until the hint for an empty canvas is on screen."""
    started = page.evaluate("performance.now()")
    page.get_by_role("button", name="Clear").click()
    page.wait_for_function(HINT_SHOWN, polling="raf", timeout=30_000)
    return page.evaluate("window.__shown") - started


def first_visit_ms(page, tab: str, text: str) -> float:
    started = page.evaluate("performance.now()")
    page.get_by_role("tab", name=tab).click()
    page.wait_for_function(f"() => {{ if (document.body.innerText.includes({text!r})) "
                           "{ window.__shown = performance.now(); return true; } return false; }",
                           polling="raf", timeout=60_000)
    return page.evaluate("window.__shown") - started


def measure(browser, checkout: Path, strokes: int) -> dict[str, object]:
    """One server from `checkout` ($MNIST_NPZ passed on), one browser session: every figure."""
    launched = time.perf_counter()
    with PageServer(ROOT / "artifacts" / "page_speed" / "server.log", checkout=checkout) as server:
        healthy = time.perf_counter() - launched
        idle_mb = rss_mb(server.pid)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(INSTRUMENT)
        page.goto(server.url)
        page.get_by_text(HINT).wait_for(timeout=120_000)
        page.locator("canvas.upper-canvas").wait_for(timeout=60_000)
        canvas_ready = time.perf_counter() - launched
        first = stroke_breakdown(page, "7", SEVEN) or {"total": float("nan")}
        results, lost = [], 0
        clears = [clear_ms(page)]
        for i in range(strokes):
            time.sleep(0.8)  # a person looks at the empty canvas before drawing again
            digit, drawing = ("1", ONE) if i % 2 else ("7", SEVEN)
            result = stroke_breakdown(page, digit, drawing)
            if result is None:
                lost += 1
                page.get_by_role("button", name="Clear").click()
                page.get_by_text(HINT).wait_for(timeout=30_000)
                continue
            results.append(result)
            clears.append(clear_ms(page))
        drawing_mb = rss_mb(server.pid)
        grid = first_visit_ms(page, "Test grid", "MNIST test digits correctly")
        mistakes = first_visit_ms(page, "Mistakes", "most confident first")
        page.close()
        return {
            "start to health (s)": healthy, "start to canvas (s)": canvas_ready,
            "first stroke (ms)": first["total"],
            "strokes lost": lost,
            "stroke median (ms)": statistics.median(r["total"] for r in results),
            "stroke p95 (ms)": percentile([r["total"] for r in results], 95),
            "component (ms)": statistics.median(r["component"] for r in results),
            "server (ms)": statistics.median(r["server"] for r in results),
            "render (ms)": statistics.median(r["render"] for r in results),
            "Clear median (ms)": statistics.median(clears),
            "first Test grid (ms)": grid, "first Mistakes (ms)": mistakes,
            "RSS idle (MB)": idle_mb, "RSS drawing (MB)": drawing_mb, "RSS all views (MB)": rss_mb(server.pid),
            "tensorflow in server": "yes" if tensorflow_loaded(server.pid) else "no",
        }


def rss_mb(pid: int) -> float:
    """Resident memory of the server (and anything it started), in MB."""
    return rss_bytes(pid) / 2**20


def tensorflow_loaded(pid: int) -> bool:
    """Whether TensorFlow's shared library is mapped into the process."""
    try:
        return "_pywrap_tensorflow" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def gc_pauses(checkout: Path, runs: int, data: str) -> dict[str, float]:
    """Run the page `runs` times in AppTest (a subprocess) and time a full collection after each."""
    code = GC_PROBE.format(runs=runs)
    result = subprocess.run([sys.executable, "-c", code], cwd=checkout, capture_output=True, text=True,
                            env={**os.environ, "MNIST_NPZ": data}, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    *_, line = result.stdout.strip().splitlines()
    p50, p99, worst, count = map(float, line.split())
    return {"full collection after a run, p50 (ms)": p50, "p99 (ms)": p99, "max (ms)": worst,
            "runs": count}


GC_PROBE = """
import base64, gc, io, statistics, time
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=120).run()
image = Image.new("RGB", (280, 280)); ImageDraw.Draw(image).line([(80, 70), (200, 70), (120, 230)], fill="white", width=20)
buffer = io.BytesIO(); image.save(buffer, format="PNG")
drawing = {{"drawing": {{"raw": {{"objects": [{{"type": "path"}}]}}, "data": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()}}, "backgroundFit": None}}
key = "canvas" if "canvas_cleared" in at.session_state else "canvas-0"  # older pages: canvas-<round>
pauses = []
for _ in range({runs}):
    at.session_state[key] = drawing
    at.run()
    started = time.perf_counter()
    gc.collect(2)  # what Streamlit's runner does after each script run (runner.postScriptGC)
    pauses.append((time.perf_counter() - started) * 1000)
pauses.sort()
print(statistics.median(pauses), pauses[int(0.99 * (len(pauses) - 1))], pauses[-1], len(pauses))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, help="an older checkout to measure side by side")
    parser.add_argument("--strokes", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=1, help="servers started per checkout")
    parser.add_argument("--gc-runs", type=int, default=0, help="also time collections over N runs")
    parser.add_argument("--data", default=os.environ.get("MNIST_NPZ", ""))
    args = parser.parse_args()
    if args.data:
        os.environ["MNIST_NPZ"] = args.data  # for the servers it starts
    checkouts = {"this": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    rows: dict[str, list[dict]] = {name: [] for name in checkouts}
    with chromium() as browser:
        for _ in range(args.rounds):
            for name, checkout in checkouts.items():  # interleaved: the load shifts for both
                rows[name].append(measure(browser, checkout, args.strokes))
    if args.gc_runs:
        for name, checkout in checkouts.items():
            rows[name][0].update(gc_pauses(checkout, args.gc_runs, args.data))
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; {args.strokes} strokes, "
          f"{args.rounds} round(s)\n")
    names = list(checkouts)
    print("| measure | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for key in rows[names[0]][0]:
        cells = []
        for name in names:
            values = [row[key] for row in rows[name] if key in row]
            if not values:
                cells.append("")
            elif isinstance(values[0], str):
                cells.append(values[0])
            else:
                cells.append(" / ".join(f"{v:.2f}" if v < 10 else f"{v:.0f}" for v in values))
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
