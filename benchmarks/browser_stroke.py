"""One stroke drawn in a real browser: does the page still read it, and how fast?

    python -m benchmarks.browser_stroke URL

Drives Debian's chromium through Playwright (never `playwright install`; MLP_CHROMIUM names
another binary): opens the page, draws a 7 on the canvas with the mouse and waits for the
prediction. The load harness calls this while its visitors draw (`--browser`), to check that
what it measures is what a person gets.
"""

from __future__ import annotations

import argparse
import os
import time

from harness.streamlit_session import check_loopback

CHROMIUM = os.environ.get("MLP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SEVEN = [(80, 70), (200, 70), (120, 230)]  # canvas pixels: the bar and the stem in one movement
# The prediction is the first metric on the page; wait for one, and for Streamlit to have
# replaced every element of the run (stale ones are marked data-stale).
PREDICTION = """() => {
    const value = document.querySelector("[data-testid='stMetricValue']");
    return value && document.querySelectorAll("[data-stale='true']").length === 0 ? value.innerText.trim() : null;
}"""


def stroke_in_browser(url: str, timeout: float = 60) -> tuple[str, float]:
    """Draw a 7 on the page at `url`: (the prediction shown, seconds from mouse-up to it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(check_loopback(url) + "/", timeout=timeout * 1000)
            canvas = page.locator("canvas.upper-canvas")
            canvas.wait_for(timeout=timeout * 1000)
            canvas.scroll_into_view_if_needed()
            page.wait_for_function("document.querySelectorAll(\"[data-stale='true']\").length === 0",
                                   timeout=timeout * 1000)
            box = canvas.bounding_box()
            (x, y), rest = SEVEN[0], SEVEN[1:]
            page.mouse.move(box["x"] + x, box["y"] + y)
            page.mouse.down()
            for x, y in rest:
                page.mouse.move(box["x"] + x, box["y"] + y, steps=20)
            page.mouse.up()
            released = time.perf_counter()
            shown = page.wait_for_function(PREDICTION, polling="raf", timeout=timeout * 1000).json_value()
            return shown, time.perf_counter() - released
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the page, on this machine (e.g. http://127.0.0.1:8501)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for each step")
    args = parser.parse_args()
    shown, seconds = stroke_in_browser(args.url, args.timeout)
    print(f"drew a 7; the page read {shown!r} {seconds:.2f} s after mouse-up")


if __name__ == "__main__":
    main()
