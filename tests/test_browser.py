"""The page in a real browser: draw on the canvas with the mouse and read the prediction.

Starts `streamlit run app.py` on a free port and drives Debian's chromium with Playwright
(never `playwright install`; harness/chromium.py). Screenshots and the stroke-to-prediction time
go to the tests' output folder (conftest.OUTPUT), under browser/. Chromium missing is a failure:
leave the system tier out (-m "not system") on a machine without it.
"""

import contextlib
import json
import time
import tomllib

import numpy as np
import pytest
from conftest import OUTPUT, ROOT, digit_png, need_chromium

from harness.chromium import chromium
from harness.servers import PageServer
from harness.strokes import ONE, SEVEN, draw, touch_stroke
from views import presenter

pytestmark = [pytest.mark.system, pytest.mark.browser]

ARTIFACTS = OUTPUT / "browser"
HINT = "Draw a digit on the black square"
FIRST_RUN = 120_000  # ms: the first page load imports TensorFlow and loads the model
UPDATE = 30_000  # ms: a stroke or click, on a busy 2-core machine

PREDICTION_IS = """want => [...document.querySelectorAll("[data-testid='stMetric']")].some(m =>
    m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === "Prediction" &&
    m.querySelector("[data-testid='stMetricValue']")?.innerText.trim() === want)"""
NOTHING_STALE = "document.querySelectorAll(\"[data-stale='true']\").length === 0"
IMAGES_LOADED = "[...document.images].every(image => image.complete && image.naturalWidth > 0)"


@pytest.fixture(scope="module")
def browser():
    """Headless chromium; fails when it is missing (CI has it)."""
    need_chromium()
    with chromium() as launched:
        yield launched


@contextlib.contextmanager
def running_app(mnist_path, log_name: str, loopback_only: bool = True):
    """`streamlit run app.py` on a free port until the block ends; yields its loopback URL.

    loopback_only=False starts it as the README does, on every interface, so phones can reach it.
    """
    with PageServer(ARTIFACTS / log_name, loopback_only=loopback_only,
                    environment={"MNIST_NPZ": str(mnist_path)}) as server:
        yield server.url + "/"


@pytest.fixture(scope="module")
def server(mnist_path):
    """`streamlit run app.py` on a free port; its URL. The process is ended afterwards."""
    with running_app(mnist_path, "server.log") as url:
        yield url


def open_page(browser, url: str, width: int = 1400, height: int = 1000, scale: float = 1, hint: str = HINT):
    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=scale)
    page.goto(url)
    page.get_by_text(hint).wait_for(timeout=FIRST_RUN)
    settle(page)
    return page


def settle(page) -> None:
    """Wait until Streamlit has replaced every element of the last run and its images have loaded."""
    page.wait_for_function(NOTHING_STALE, timeout=UPDATE)
    page.wait_for_function(IMAGES_LOADED, timeout=UPDATE)


def wait_for_prediction(page, digit: str, released: float) -> float:
    """Seconds from mouse-up until the page shows `digit` as the prediction."""
    page.wait_for_function(PREDICTION_IS, arg=digit, polling="raf", timeout=UPDATE)
    return time.perf_counter() - released


def wait_for_bars(page, digit: str) -> None:
    """Wait for the probability bars with `digit` highlighted (they come after the prediction), then settle."""
    page.locator(f"[data-top='true'][data-digit='{digit}']").wait_for(timeout=UPDATE)
    settle(page)


def assert_no_exception(page) -> None:
    assert page.get_by_test_id("stException").count() == 0


def test_drawing_a_digit_shows_its_prediction_and_probabilities(browser, server):
    page = open_page(browser, server)
    assert page.get_by_test_id("stMetric").count() == 0  # blank canvas: a hint, no prediction

    seconds = {}
    for name, strokes in (("7", SEVEN), ("1", ONE)):
        seconds[name] = wait_for_prediction(page, name, draw(page, strokes))
        wait_for_bars(page, name)
        bars = page.locator("[data-digit]")
        assert bars.count() == 10  # a bar per digit, the prediction's highlighted
        assert page.locator("[data-top='true']").get_attribute("data-digit") == name
        assert bars.nth(int(name)).locator("div").bounding_box()["height"] > 100  # a confident reading
        assert page.get_by_text(HINT).count() == 0
        assert_no_exception(page)
        page.mouse.move(5, 5)  # out of the canvas: its hover toolbar hides
        page.screenshot(path=ARTIFACTS / f"draw-{name}.png")
        page.get_by_role("button", name="Clear").click()
        page.get_by_text(HINT).wait_for(timeout=UPDATE)
        settle(page)
        assert page.get_by_test_id("stMetric").count() == 0

    timing = {"stroke_to_prediction_seconds": seconds,
              "measured": "mouse-up to the new digit shown, Playwright + headless chromium, same machine"}
    (ARTIFACTS / "timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    print(f"stroke to prediction: {seconds}")


def test_every_view_renders_and_the_phone_layout_reads_a_drawing(browser, server):
    page = open_page(browser, server)
    for view, text in (("Test grid", "MNIST test digits correctly"), ("Mistakes", "(most confident first)"),
                       ("Train", "Train a new MLP")):
        page.get_by_role("tab", name=view).click()
        page.get_by_text(text).first.wait_for(timeout=UPDATE)
        settle(page)
        assert_no_exception(page)
        page.screenshot(path=ARTIFACTS / f"{view.split()[0].lower()}.png")

    phone = open_page(browser, server, width=390, height=844)
    wait_for_prediction(phone, "7", draw(phone, SEVEN))
    wait_for_bars(phone, "7")
    phone.mouse.move(5, 5)
    phone.get_by_role("tablist").evaluate("tabs => tabs.scrollIntoView({block: 'start'})")  # canvas to top
    phone.screenshot(path=ARTIFACTS / "phone.png")


def test_uploads_read_a_photo_and_refuse_a_non_image(browser, server, mnist):
    page = open_page(browser, server)
    page.get_by_text("Or upload a photo or scan").click()
    upload = page.get_by_test_id("stFileUploaderDropzoneInput")
    upload.set_input_files(files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture"}])
    page.get_by_text("Cannot read this picture").wait_for(timeout=UPDATE)
    settle(page)
    assert_no_exception(page)
    assert page.get_by_text(HINT).count() == 1  # the canvas side is unaffected

    # Over the server's limit (the page, the uploader and the proxy share it): the uploader itself
    # refuses the file, with a sentence, and never sends it.
    limit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    big = b"\0" * ((limit + 1) * 2**20)  # the server counts megabytes of 2**20 bytes
    upload.set_input_files(files=[{"name": "big.png", "mimeType": "image/png", "buffer": big}])
    page.get_by_text("File must be").wait_for(timeout=UPDATE)
    settle(page)
    assert_no_exception(page)

    photo = digit_png(mnist.x_test[1], side=400, paper=True)  # a 2, dark ink on white
    upload.set_input_files(files=[{"name": "two.png", "mimeType": "image/png", "buffer": photo}])
    page.wait_for_function(PREDICTION_IS, arg=str(mnist.y_test[1]), timeout=UPDATE)
    settle(page)
    assert page.get_by_text("Cannot read this picture").count() == 0
    assert_no_exception(page)


def inside_the_window(page, box: dict) -> bool:
    """Whether a bounding box lies wholly inside the browser's window (CSS pixels)."""
    size = page.viewport_size
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"] + 0.5 and \
        box["y"] + box["height"] <= size["height"] + 0.5


# Presenter mode on a 1080p projector, at 200 % zoom (half the CSS pixels, each drawn twice), on a
# 1024x768 projector and on a phone: the canvas, its Clear button and the prediction all in view, and no
# control or label cut off. German (the longest words) and Japanese too, on the projector and the phone.
SCREENS = [(1920, 1080, 1, "en"), (960, 540, 2, "en"), (1024, 768, 1, "en"), (390, 844, 1, "en"),
           (1024, 768, 1, "de"), (390, 844, 1, "de"), (1024, 768, 1, "ja"), (390, 844, 1, "ja")]
# Written by hand from what the catalogs mean: the Draw view's hint and the Clear button, per language.
HINTS = {"en": HINT, "de": "Zeichne eine Ziffer auf das schwarze Quadrat", "ja": "黒い四角に数字を描いてください"}
CLEAR = {"en": "Clear", "de": "Löschen", "ja": "消す"}
# Controls, tab titles and labels in the main area whose text is cut off (wider than their box, with the
# overflow hidden or ellipsed) or that reach past the window's right edge: [testid or tag, text].
CLIPPED = """() => {
  const found = [];
  const main = document.querySelector("[data-testid='stMain']");
  for (const el of main.querySelectorAll("button, [role='tab'], label, [data-testid='stWidgetLabel'] p")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const cut = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible";
    if (cut || box.right > window.innerWidth + 0.5) found.push([el.dataset.testid || el.tagName, el.innerText]);
  }
  return found;
}"""


@pytest.mark.parametrize("width, height, scale, language", SCREENS,
                         ids=[f"{w}x{h}@{s}x-{lang}" for w, h, s, lang in SCREENS])
def test_presenter_mode_keeps_the_canvas_and_the_prediction_on_screen(browser, server, width, height, scale,
                                                                       language):
    page = open_page(browser, server + f"?present=1&lang={language}", width, height, scale, HINTS[language])
    canvas = page.locator("canvas.upper-canvas")
    reporter = page.locator("[data-reported]")  # where the canvas goes and the room it has, reported
    reporter.wait_for(state="attached", timeout=UPDATE)
    side = presenter.canvas_side(json.loads(reporter.get_attribute("data-reported")))
    canvas.wait_for(timeout=UPDATE)
    deadline = time.monotonic() + UPDATE / 1000
    while canvas.bounding_box()["width"] != side:  # resized to fit (it lives in a shadow root: polled here)
        assert time.monotonic() < deadline, f"the canvas is {canvas.bounding_box()['width']} px, not {side}"
        page.wait_for_timeout(50)
    settle(page)
    draw(page, SEVEN)
    prediction = page.locator("[data-prediction='7']")
    prediction.wait_for(timeout=UPDATE)
    settle(page)
    page.mouse.move(1, 1)
    assert_no_exception(page)
    main = page.get_by_test_id("stMain")
    assert main.evaluate("main => main.scrollTop") == 0  # nothing had to scroll
    for part in (canvas, page.get_by_role("button", name=CLEAR[language], exact=True), prediction):
        assert inside_the_window(page, part.bounding_box()), (part, part.bounding_box(), page.viewport_size)
    assert page.evaluate(CLIPPED) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the window
    assert canvas.bounding_box()["width"] >= min(280, width - 64)  # never smaller than the normal page's
    if (width, height, scale) == (1920, 1080, 1):
        assert canvas.bounding_box()["width"] >= 700  # sized to the screen
        glyph = prediction.locator("span").first.evaluate(
            "span => parseFloat(getComputedStyle(span).fontSize) * 0.7")  # a digit's height: ~0.7 em
        assert glyph >= 120
    page.screenshot(path=ARTIFACTS / f"present-{width}x{height}@{scale}x-{language}.png")
    page.close()


# What each panel beside the canvas waits for after a stroke: its own element, made from the drawing.
PANELS = {"Probabilities": "[data-top='true'][data-digit='7']", "Inside": "[data-layer='hidden-1']",
          "Hidden units": "[data-effect]", "No hidden layer": "[data-model='logistic'][data-prediction='7']"}


SHOWN_WITHIN = 2.0  # seconds from lifting the pen to the panel's reading of the drawing (median)
SETTLED_WITHIN = 4.0  # seconds to every element replaced and every picture loaded (median)


def test_each_panel_follows_the_drawing_and_how_fast(browser, server):
    page = open_page(browser, server)
    seconds = {}
    for lens, selector in [*PANELS.items()] * 3:  # three strokes per panel, in turn: the median is kept
        page.locator("[data-testid='stButtonGroup'] button", has_text=lens).first.click()
        settle(page)
        assert page.locator(selector).count() == 0  # a blank canvas: nothing to show yet
        released = draw(page, SEVEN)
        # Checked every animation frame: a locator's wait backs off to 500 ms between looks.
        page.wait_for_function("selector => document.querySelector(selector) !== null", arg=selector,
                               polling="raf", timeout=UPDATE)
        shown = time.perf_counter() - released
        settle(page)  # every element of the run replaced, every picture loaded
        seconds.setdefault(lens, []).append((shown, time.perf_counter() - released))
        assert_no_exception(page)
        page.mouse.move(5, 5)
        page.screenshot(path=ARTIFACTS / f"lens-{lens.split()[0].lower()}.png")
        page.get_by_role("button", name="Clear").click()
        page.get_by_text(HINT).wait_for(timeout=UPDATE)
        settle(page)
    seconds = {lens: {"panel_shown": round(float(np.median([s for s, _ in runs])), 3),
                      "settled": round(float(np.median([s for _, s in runs])), 3),
                      "each_shown": [round(s, 3) for s, _ in runs]}
               for lens, runs in seconds.items()}
    timing = {"panel_update_seconds": seconds,
              "measured": "median of three strokes per panel: mouse-up to the panel's element present "
                          "(panel_shown, checked every animation frame) and to nothing stale and every image "
                          "loaded (settled); Playwright + headless chromium, same machine as the server; "
                          "includes the canvas's fixed 200 ms debounce"}
    (ARTIFACTS / "panel-timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    print(f"panel update after a stroke: {seconds}")
    # How fast: a reading that lags the pen by seconds is what a user notices. Measured 0.27-0.34 s
    # to the panel and 0.30-0.46 s settled on a quiet machine, up to 0.49 and 0.66 s on a busy one.
    for lens, timing in seconds.items():
        assert timing["panel_shown"] <= SHOWN_WITHIN, (lens, timing)
        assert timing["settled"] <= SETTLED_WITHIN, (lens, timing)


def test_a_stroke_right_after_clear_is_read_and_strokes_may_start_at_the_edges(browser, server):
    """Clear empties the canvas in place: a stroke started at once is kept, not lost to a remount."""
    page = open_page(browser, server)
    for _ in range(3):
        wait_for_prediction(page, "7", draw(page, SEVEN))
        page.get_by_role("button", name="Clear").click()
        released = draw(page, ONE)  # no pause: as a quick hand would
        wait_for_prediction(page, "1", released)
        settle(page)
        page.get_by_role("button", name="Clear").click()
        page.get_by_text(HINT).wait_for(timeout=UPDATE)
    # A 1 drawn from the top edge to the bottom edge, and a 7 begun in the top-left corner.
    wait_for_prediction(page, "1", draw(page, [[(100, 0), (101, 279)]]))
    page.get_by_role("button", name="Clear").click()
    page.get_by_text(HINT).wait_for(timeout=UPDATE)
    wait_for_prediction(page, "7", draw(page, [[(1, 1), (230, 4), (110, 276)]]))
    assert_no_exception(page)


# A 1 down the right edge, begun in the top-right corner, where the component lays its toolbar.
CORNER_ONE = [(268, 4), (266, 140), (262, 275)]
TOOLBAR_MOVED = """() => [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
    .some(host => host.shadowRoot && host.shadowRoot.getElementById("mlp-toolbar"))"""


def test_a_stroke_begun_in_the_top_right_corner_is_drawn_and_the_toolbar_still_works(browser, server):
    """views.toolbar keeps the canvas's toolbar above it: before, a stroke begun under it as the
    pointer arrived (and any touch stroke begun there) drew nothing."""
    page = open_page(browser, server)
    page.wait_for_function(TOOLBAR_MOVED, timeout=UPDATE)
    canvas = page.locator("canvas.upper-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    scale = box["width"] / 280
    page.mouse.move(box["x"] - 50, box["y"] + box["height"] + 50)  # from outside the canvas,
    page.mouse.move(box["x"] + CORNER_ONE[0][0] * scale, box["y"] + CORNER_ONE[0][1] * scale)
    page.mouse.down()  # pressed at once, before the toolbar's 0.1 s slide
    for x, y in CORNER_ONE[1:]:
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=20)
    page.mouse.up()
    wait_for_prediction(page, "1", time.perf_counter())
    settle(page)
    # The toolbar shows above the canvas while the pointer is on it, and its reset still clears.
    toolbar = page.locator(".dc-toolbar")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert toolbar.bounding_box()["y"] + toolbar.bounding_box()["height"] <= box["y"] + 1
    page.get_by_role("button", name="Reset canvas & history").click()
    page.get_by_text(HINT).wait_for(timeout=UPDATE)
    assert_no_exception(page)

    # A finger on a phone: there is no hover, so the toolbar never moved out of the way.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        _touch_stroke_from_the_corner(phone, server)
    finally:
        phone.close()


def _touch_stroke_from_the_corner(phone, server) -> None:
    """The corner 1 again, by touch on a phone: read as 1."""
    touch = phone.new_page()
    touch.goto(server)
    touch.get_by_text(HINT).wait_for(timeout=FIRST_RUN)
    settle(touch)
    touch.wait_for_function(TOOLBAR_MOVED, timeout=UPDATE)
    path = [CORNER_ONE[0]] + [(268 - 6 * i / 20, 4 + 271 * i / 20) for i in range(1, 21)]
    wait_for_prediction(touch, "1", touch_stroke(touch, path))
    assert_no_exception(touch)


def test_the_browsers_language_and_the_corner_chooser_set_the_pages(browser, server):
    """A German browser gets the German page and a join link that carries it; presenter mode's chooser
    switches to Japanese and writes ?lang=ja into the address, where a bookmark keeps it."""
    german = browser.new_context(viewport={"width": 1024, "height": 768}, locale="de-DE")
    page = german.new_page()
    page.goto(server + "?join=1&present=1")
    page.locator("[data-join] img").wait_for(timeout=FIRST_RUN)
    assert "lang=de" in page.locator("[data-join]").get_attribute("data-join")
    page.get_by_role("button", name="Zurück zur Seite").click()  # the join screen's own words, in German
    page.get_by_text(HINTS["de"]).wait_for(timeout=UPDATE)
    settle(page)
    page.locator(".st-key-present_language").get_by_role("button", name="DE", exact=True).click()
    page.get_by_role("radio", name="日本語").click()
    page.get_by_text(HINTS["ja"]).wait_for(timeout=UPDATE)
    settle(page)
    # The address follows in the same run, applied by the page's script after the new elements: wait
    # for it rather than read it the moment the text has changed (read too soon once, on a busy machine).
    page.wait_for_url(lambda url: "lang=ja" in url, timeout=UPDATE)
    assert page.get_by_role("tab", name="描く").count() == 1
    page.reload()
    page.get_by_text(HINTS["ja"]).wait_for(timeout=FIRST_RUN)
    assert_no_exception(page)
    german.close()
