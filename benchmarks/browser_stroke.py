"""One stroke drawn in a real browser: does the page still read it, and how fast?

    python -m benchmarks.browser_stroke URL

Drives Debian's chromium through Playwright (harness/chromium.py): opens the page, draws a 7
on the canvas with the mouse (harness/strokes.py) and waits for the prediction. The load
harness calls this while its visitors draw (`--browser`), to check that what it measures is
what a person gets.
"""

from __future__ import annotations

import argparse
import time

from harness.chromium import chromium
from harness.streamlit_session import check_loopback
from harness.strokes import SEVEN, draw

NOTHING_STALE = "document.querySelectorAll(\"[data-stale='true']\").length === 0"
# The prediction is the first metric on the page; wait for one, and for Streamlit to have
# replaced every element of the run (stale ones are marked data-stale).
PREDICTION = """() => {
    const value = document.querySelector("[data-testid='stMetricValue']");
    return value && document.querySelectorAll("[data-stale='true']").length === 0 ? value.innerText.trim() : null;
}"""


def stroke_in_browser(url: str, timeout: float = 60) -> tuple[str, float]:
    """Draw a 7 on the page at `url`: (the prediction shown, seconds from mouse-up to it)."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(check_loopback(url) + "/", timeout=timeout * 1000)
        page.locator("canvas.upper-canvas").wait_for(timeout=timeout * 1000)
        page.wait_for_function(NOTHING_STALE, timeout=timeout * 1000)
        released = draw(page, SEVEN)
        shown = page.wait_for_function(PREDICTION, polling="raf", timeout=timeout * 1000).json_value()
        return shown, time.perf_counter() - released


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the page, on this machine (e.g. http://127.0.0.1:8501)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for each step")
    args = parser.parse_args()
    shown, seconds = stroke_in_browser(args.url, args.timeout)
    print(f"drew a 7; the page read {shown!r} {seconds:.2f} s after mouse-up")


if __name__ == "__main__":
    main()
