"""The classroom's fixes in a real browser: the pen width after a click on the confusion matrix, a
misread digit corrected on the canvas, and the full-screen join code on a 1080p projector."""

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image
from streamlit import net_util
from test_browser import (ARTIFACTS, FIRST_RUN, HINT, UPDATE, assert_no_exception, browser, open_page,  # noqa: F401
                          running_app, server, settle)

import mlp
from harness.strokes import draw

pytestmark = [pytest.mark.system, pytest.mark.browser]

PEN = "[data-testid='stSlider'] input[type=range]"
# The drawing canvas's own pixels: the last of the component's lower canvases (the first holds the
# background image, which this page does not use), as the component itself encodes them to send.
CANVAS_PICTURE = """() => [...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")]
    .flatMap(host => host.shadowRoot ? [...host.shadowRoot.querySelectorAll("canvas.lower-canvas")] : [])
    .at(-1).toDataURL("image/png")"""


def open_tab(page, name: str, text: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.get_by_text(text).first.wait_for(timeout=UPDATE)
    settle(page)


def test_the_pen_width_survives_a_click_on_the_confusion_matrix(browser, server):
    """Before: 20 at first, 8 (the slider's minimum) after a click on a cell and back to Draw."""
    page = open_page(browser, server)
    assert page.locator(PEN).get_attribute("value") == "20"
    open_tab(page, "Mistakes", "(most confident first)")
    chart = page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first
    box = chart.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.55)  # a cell near the middle
    page.get_by_text(re.compile(r"mistakes?\*?\*?: true|mistakes?: true")).first.wait_for(timeout=UPDATE)
    settle(page)
    open_tab(page, "Draw", HINT)
    assert page.locator(PEN).get_attribute("value") == "20"
    assert_no_exception(page)


def picture(data_url: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGBA"))


def page_input(page) -> np.ndarray:
    """The 784 numbers the Inside panel says the model reads."""
    body = page.locator("[data-layer='input']").first.evaluate("e => e.outerHTML")
    found = re.search(r'data-values="([^"]*)"', body) or re.search(
        r'data-values="([^"]*)"', page.locator("[data-layer='input']").first.evaluate(
            "e => e.parentElement.outerHTML"))
    return np.array([float(v) for v in found.group(1).split(",")])


def test_look_inside_puts_the_digit_on_the_canvas_and_a_stroke_adds_to_it(browser, server, mnist):
    model = mlp.load_model()
    evaluation = mlp.evaluate(model, mlp.as_model_input(mnist.x_test), mnist.y_test)
    page = open_page(browser, server)
    open_tab(page, "Mistakes", "(most confident first)")
    card = page.get_by_role("button", name="Look inside").first
    card.click()
    page.get_by_text("Showing test digit").wait_for(timeout=UPDATE)
    settle(page)
    index = int(page.get_by_text("Showing test digit").inner_text().split("test digit ")[1].split(" ")[0]
                .replace(",", ""))
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(timeout=UPDATE)
    page.wait_for_timeout(300)  # the picture object loads asynchronously in the canvas
    shown = picture(page.evaluate(CANVAS_PICTURE))
    # The digit is on the canvas: read from the canvas's own pixels, it is the test digit.
    read = mlp.preprocess(shown)
    assert np.corrcoef(read.ravel(), mlp.as_model_input(mnist.x_test[index]).ravel())[0, 1] > 0.9
    assert np.argmax(mlp.predict_proba(model, mlp.preprocess(shown))) == evaluation.predicted[index]
    page.screenshot(path=ARTIFACTS / "look-inside-on-canvas.png")

    # A bar across the top: the drawing the page now reads is the digit and the bar together.
    draw(page, [[(40, 30), (240, 30)]])
    page.get_by_text("Showing test digit").wait_for(state="detached", timeout=UPDATE)
    settle(page)
    combined = picture(page.evaluate(CANVAS_PICTURE))
    expected = mlp.preprocess(combined)
    np.testing.assert_allclose(page_input(page), expected.reshape(-1), atol=1e-5)
    bar_alone = mlp.preprocess(np.where(np.arange(280)[:, None, None] < 60, combined, 0).astype(np.uint8))
    assert not np.allclose(expected, bar_alone, atol=0.1)  # the digit is part of what is read
    digit_region = combined[80:, :, 0].astype(float)  # under the bar: the digit's own pixels, unchanged
    assert np.corrcoef(digit_region.ravel(), shown[80:, :, 0].astype(float).ravel())[0, 1] > 0.99
    assert_no_exception(page)
    page.mouse.move(5, 5)
    page.screenshot(path=ARTIFACTS / "look-inside-corrected.png")


@pytest.fixture(scope="module")
def readme_server(mnist_path):
    """`streamlit run app.py` as the README starts it: on every interface, so phones can reach it."""
    with running_app(mnist_path, "readme-server.log", loopback_only=False) as url:
        yield url


def open_join_screen(browser, url: str):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(url + "?join=1&lang=fr&present=1")
    page.locator("[data-join] img").wait_for(timeout=FIRST_RUN)
    settle(page)
    return page


def test_the_full_screen_join_code_fills_half_a_1080p_screen_and_names_the_network_address(
        browser, readme_server):
    page = open_join_screen(browser, readme_server)
    code, link = page.locator("[data-join] img"), page.locator("[data-join] div").first
    assert code.bounding_box()["height"] >= 1080 / 2
    assert link.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 48
    assert inside(page, code.bounding_box()) and inside(page, link.bounding_box())
    port = readme_server.rstrip("/").rsplit(":", 1)[1]
    ip = net_util.get_internal_ip()  # Streamlit's "Network URL"; 127.0.0.1 on a machine with no network
    assert page.locator("[data-join]").get_attribute("data-join") == f"{ip}:{port}/?lang=fr&present=1"
    assert page.get_by_text("same network").count() == (ip != "127.0.0.1")
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "join-full-screen.png")
    page.get_by_role("button", name="Back to the page").click()
    page.locator("canvas.upper-canvas").wait_for(timeout=UPDATE)
    assert "join=" not in page.url and "lang=fr" in page.url
    page.close()


def test_a_server_listening_on_this_computer_alone_keeps_its_local_address_and_says_so(browser, server):
    page = open_join_screen(browser, server)  # the test server listens on 127.0.0.1 only
    port = server.rstrip("/").rsplit(":", 1)[1]
    assert page.locator("[data-join]").get_attribute("data-join") == f"127.0.0.1:{port}/?lang=fr&present=1"
    page.get_by_text("only works on this computer").wait_for(timeout=UPDATE)
    page.close()


def inside(page, box: dict) -> bool:
    size = page.viewport_size
    return box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] >= 0 and \
        box["x"] + box["width"] <= size["width"]
