"""Presenter mode on a projector, in a real browser: every lens beside the canvas without scrolling, the
confusion matrix and the test grid readable, and a window resized or a tab opened without a drawing
and its reading drifting apart.

Uses test_browser's server and browser, and harness/strokes.py to draw. What is asserted is what the
room sees: element boxes, font sizes and pixels in the browser, never the page's own arithmetic.
"""

import time

import pytest
from test_browser import (ARTIFACTS, FIRST_RUN, HINT, UPDATE, assert_no_exception, browser,  # noqa: F401
                          inside_the_window, open_page, server, settle)

from harness.strokes import ONE, SEVEN, draw

pytestmark = [pytest.mark.system, pytest.mark.browser]

PROJECTORS = [(1280, 720), (1920, 1080)]
IDS = [f"{w}x{h}" for w, h in PROJECTORS]
# Each lens and the element it draws from the drawing (a 7).
LENSES = {"Probabilities": "[data-top='true'][data-digit='7']", "Inside": "[data-layer='hidden-1']",
          "Hidden units": "[data-effect]", "No hidden layer": "[data-model='logistic'][data-prediction='7']",
          "Change its mind?": "[data-gradient-of]", "Pin and compare": "[data-testid='stButton']"}
GRID_TEXT = "MNIST test digits correctly"
READABLE = 16  # px: the smallest type a room reads on 1080p

# The reading's column (the second column of the Draw view): the lowest box of what it shows (elements
# without children: containers stretch to the canvas's column), and the smallest type of any text in
# it, in CSS pixels.
LENS_BOTTOM = """() => {
  const column = document.querySelectorAll("[data-testid='stColumn']")[1];
  let bottom = 0;
  for (const el of column.querySelectorAll("*")) {
    if (el.children.length) continue;
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) bottom = Math.max(bottom, box.bottom);
  }
  return bottom;
}"""
SMALLEST_TYPE = """() => {
  const column = document.querySelectorAll("[data-testid='stColumn']")[1];
  let smallest = [Infinity, ""];
  for (const el of column.querySelectorAll("*")) {
    const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join("");
    if (!text || el.getBoundingClientRect().height === 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest[0]) smallest = [size, text];
  }
  return smallest;
}"""
# The canvas's ink: (count of inked pixels, whether each given point, in CSS pixels of the canvas, is inked
# within 3 px). The drawing canvas (under the one that takes the pointer, over the background) holds it.
INK = """([points]) => {
  const canvas = [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
    .map(host => host.shadowRoot && host.shadowRoot.querySelector("canvas.dc-canvas.lower-canvas")).find(c => c);
  const scale = canvas.width / canvas.getBoundingClientRect().width;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const inked = (x, y) => pixels[4 * (y * canvas.width + x)] > 128;
  let count = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i] > 128) count++;
  const hit = points.map(([x, y]) => {
    for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++)
      if (inked(Math.round(x * scale) + dx, Math.round(y * scale) + dy)) return true;
    return false;
  });
  return [count, hit];
}"""


def open_presenter(browser, server, width, height, view: str = "", text: str = ""):  # noqa: F811
    """The page in presenter mode at this window size: the Draw view with the canvas at its settled size,
    or `view` once it shows `text`."""
    if not view:
        page = open_page(browser, server + "?present=1", width, height)
        page.locator("canvas.upper-canvas").wait_for(timeout=UPDATE)
    else:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{server}?present=1&view={view}")
        page.get_by_text(text).first.wait_for(timeout=FIRST_RUN)
    settle(page)
    return page


def canvas_box(page) -> dict:
    return page.locator("canvas.upper-canvas").bounding_box()


def along(stroke, box, every: float = 10) -> list[tuple[float, float]]:
    """Points every `every` canvas pixels along a stroke given on a 280-pixel canvas, in the shown canvas's
    CSS pixels."""
    scale = box["width"] / 280
    points = []
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
        steps = max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / every))
        points += [((x0 + (x1 - x0) * i / steps) * scale, (y0 + (y1 - y0) * i / steps) * scale)
                   for i in range(steps + 1)]
    return points


@pytest.mark.parametrize("width, height", PROJECTORS, ids=IDS)
def test_every_lens_fits_beside_the_canvas_in_type_a_room_reads(browser, server, width, height):  # noqa: F811
    page = open_presenter(browser, server, width, height)
    draw(page, SEVEN)
    page.locator("[data-prediction='7']").wait_for(timeout=UPDATE)
    settle(page)
    for lens, selector in LENSES.items():
        page.locator("[data-testid='stButtonGroup'] button", has_text=lens).first.click()
        page.locator(selector).first.wait_for(timeout=UPDATE)
        settle(page)
        page.mouse.move(1, 1)
        assert_no_exception(page)
        bottom = page.evaluate(LENS_BOTTOM)
        assert bottom <= height + 0.5, f"{lens}: the lens ends at {bottom:.0f} px in a {height} px window"
        main = page.get_by_test_id("stMain")  # the page's scroller
        assert main.evaluate("main => main.scrollTop") == 0
        overflow = main.evaluate("main => main.scrollHeight - main.clientHeight")
        assert overflow <= 4, f"{lens}: the page scrolls by {overflow} px"  # no scroll bar on the projector
        assert inside_the_window(page, canvas_box(page)), lens
        if height >= 1080:
            size, text = page.evaluate(SMALLEST_TYPE)
            assert size >= READABLE, f"{lens}: {text!r} at {size} px"
        page.screenshot(path=ARTIFACTS / f"present-{height}p-{lens.lower().replace(' ', '-')}.png")
    page.close()


# Each text of the matrix: what it says, whether it shows, and its type size as drawn (the chart's own
# size times any scaling of the picture).
MATRIX_TEXTS = """(texts) => texts.map(t => {
  const svg = t.ownerSVGElement;
  const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
  const shows = parseFloat(getComputedStyle(t).opacity) * parseFloat(t.getAttribute("opacity") ?? "1") > 0;
  return [t.textContent, shows, parseFloat(getComputedStyle(t).fontSize) * scale];
})"""


@pytest.mark.parametrize("width, height", PROJECTORS, ids=IDS)
def test_the_confusion_matrix_shows_every_label_and_readable_numbers(browser, server, width, height):  # noqa: F811
    page = open_presenter(browser, server, width, height, "Mistakes", "(most confident first)")
    chart = page.locator("[data-testid='stVegaLiteChart']")
    chart.locator(".role-axis-label text").first.wait_for(timeout=UPDATE)
    settle(page)
    labels = chart.locator(".role-axis-label text").evaluate_all(MATRIX_TEXTS)
    assert [text for text, shows, _ in labels if shows] == [str(d) for d in range(10)] * 2, labels  # both axes
    assert min(size for _, _, size in labels) >= 14
    counts = chart.locator(".role-mark text").evaluate_all(MATRIX_TEXTS)
    assert len(counts) >= 10 and min(size for _, _, size in counts) >= 14
    chart.screenshot(path=ARTIFACTS / f"present-{height}p-matrix.png")
    page.close()


def test_the_test_grid_scales_to_the_window(browser, server):  # noqa: F811
    widths = []
    for width, height in PROJECTORS:
        page = open_presenter(browser, server, width, height, "Test grid", GRID_TEXT)
        sheet = page.locator("[data-testid='stImage'] img").first  # the one picture of the view
        sheet.wait_for(timeout=UPDATE)
        settle(page)
        sheet.scroll_into_view_if_needed()
        box = sheet.bounding_box()
        assert box["width"] <= width and box["height"] <= height, (box, width, height)  # all of it in view
        widths.append(box["width"])
        page.close()
    assert widths[1] > widths[0] * 1.3  # larger on the larger window


def test_a_resized_window_keeps_the_drawing_and_its_reading_together(browser, server):  # noqa: F811
    page = open_presenter(browser, server, 1920, 1080)
    draw(page, SEVEN)
    page.locator("[data-prediction='7']").wait_for(timeout=UPDATE)
    settle(page)
    before = canvas_box(page)["width"]
    page.set_viewport_size({"width": 1280, "height": 720})  # the page moved to a smaller projector
    deadline = time.monotonic() + UPDATE / 1000
    while canvas_box(page)["width"] == before:
        assert time.monotonic() < deadline, "the canvas kept its size"
        page.wait_for_timeout(50)
    page.wait_for_timeout(500)  # the component's 200 ms debounce: an empty drawing would be on its way
    settle(page)
    ink, _ = page.evaluate(INK, [[]])
    # Both cleared together: a blank canvas with the old reading left over, or a cropped drawing read as
    # it was before the resize, is what this guards against.
    assert ink == 0, f"the canvas kept {ink} inked pixels after the resize"
    assert page.locator("[data-prediction]").count() == 0 and page.get_by_text(HINT).count() == 1
    assert inside_the_window(page, canvas_box(page))
    # The next stroke is read alone, not with what was left of the last.
    draw(page, [ONE[0]])
    page.locator("[data-prediction='1']").wait_for(timeout=UPDATE)
    assert_no_exception(page)
    page.close()


def test_a_stroke_begun_as_the_draw_tab_shows_is_kept_whole(browser, server):  # noqa: F811
    page = open_presenter(browser, server, 1920, 1080, "Test grid", GRID_TEXT)
    page.get_by_role("tab", name="Draw").click()
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(timeout=UPDATE)  # the first moment a stroke can begin
    box = canvas_box(page)
    draw(page, SEVEN)
    page.locator("[data-prediction='7']").wait_for(timeout=UPDATE)
    settle(page)
    assert canvas_box(page) == box  # not resized under the pen
    ink, hit = page.evaluate(INK, [along(SEVEN[0], box)])
    assert ink > 0 and all(hit), f"{hit.count(False)} of {len(hit)} points of the stroke missing on the canvas"
    page.close()


@pytest.mark.parametrize("width, height", PROJECTORS, ids=IDS)
def test_pin_and_compare_and_each_lesson_step_fit_beside_the_canvas(browser, server, width, height):  # noqa: F811
    """The pin lens at its tallest: two drawings compared layer by layer, then each step of the script."""
    page = open_presenter(browser, server, width, height)
    draw(page, SEVEN)
    page.locator("[data-prediction='7']").wait_for(timeout=UPDATE)
    page.locator("[data-testid='stButtonGroup'] button", has_text="Pin and compare").first.click()
    page.get_by_role("button", name="Pin this drawing").click()
    page.get_by_role("button", name="Unpin").wait_for(timeout=UPDATE)
    page.get_by_role("button", name="Clear").click()
    page.get_by_text(HINT).wait_for(timeout=UPDATE)
    settle(page)
    draw(page, ONE)
    page.locator("[data-compare-layer='2'] img").wait_for(timeout=UPDATE)
    settle(page)
    shown = ["compare"]
    for step in range(1, 6):
        bottom = page.evaluate(LENS_BOTTOM)
        assert bottom <= height + 0.5, f"{shown[-1]}: the lens ends at {bottom:.0f} px in a {height} px window"
        assert inside_the_window(page, canvas_box(page)), shown[-1]
        if step == 1:
            page.locator("[data-testid='stButtonGroup'] button", has_text="Step by step").first.click()
        else:
            page.get_by_role("button", name="Next step").click()
        page.wait_for_function("want => document.querySelector('[data-step]')?.dataset.step === want",
                               arg=str(step), timeout=UPDATE)
        settle(page)
        shown.append(f"step {step}")
    bottom = page.evaluate(LENS_BOTTOM)
    assert bottom <= height + 0.5, f"{shown[-1]}: the lens ends at {bottom:.0f} px in a {height} px window"
    assert_no_exception(page)
    page.close()
