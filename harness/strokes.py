"""Drawing on the page's canvas as a person does: with the mouse, or a finger on a phone.

Strokes are given in pixels of a 280-pixel canvas and scaled to the canvas shown (presenter mode
draws it larger). Mouse events go to `canvas.upper-canvas`, the top of the component's three
stacked canvases, which lives in an open shadow root that Playwright's CSS selectors pierce.
"""

from __future__ import annotations

import time

SIDE = 280  # the canvas the strokes are given on, in pixels
CANVAS = "canvas.upper-canvas"  # the canvas that takes the pointer

# Strokes as a person would draw them: lists of strokes, each a list of (x, y) points.
SEVEN = [[(80, 70), (200, 70), (120, 230)]]  # the bar and the stem in one movement
ONE = [[(140, 40), (144, 240)]]


def canvas_box(page) -> dict:
    """The canvas scrolled into view: its bounding box in CSS pixels (x, y, width, height)."""
    canvas = page.locator(CANVAS)
    canvas.scroll_into_view_if_needed()
    return canvas.bounding_box()


def on_page(box: dict, x: float, y: float) -> tuple[float, float]:
    """A point given on the 280-pixel canvas -> the page's CSS pixels, on the canvas in `box`."""
    scale = box["width"] / SIDE
    return box["x"] + x * scale, box["y"] + y * scale


def draw(page, strokes, steps: int = 20) -> float:
    """Draw `strokes` with the mouse (each pressed, moved in `steps` through its points, released);
    returns the perf_counter time of the last mouse-up."""
    box = canvas_box(page)
    for stroke in strokes:
        page.mouse.move(*on_page(box, *stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*on_page(box, *point), steps=steps)
        page.mouse.up()
        released = time.perf_counter()
    return released


def touch_stroke(page, stroke) -> float:
    """Draw one stroke with a finger (touch events through the DevTools protocol: a page of a
    context made with has_touch=True); returns the perf_counter time the finger is lifted."""
    box = canvas_box(page)
    devtools = page.context.new_cdp_session(page)
    for index, point in enumerate(stroke):
        x, y = on_page(box, *point)
        devtools.send("Input.dispatchTouchEvent", {"type": "touchMove" if index else "touchStart",
                                                   "touchPoints": [{"x": x, "y": y}]})
    devtools.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    return time.perf_counter()
