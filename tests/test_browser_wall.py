"""The class wall in a real browser: a teacher starts a class from presenter mode and three phones
(separate browser contexts, as separate phones) join, draw and send; their tiles reach the wall by
themselves, the teacher hides one and opens another on the Draw view, the students label, the labels
reach the class's matrix once five students have labelled, and ending the class leaves no row of it.

Screenshots go to the run's output folder, browser/ (wall-1080p.png and student-phone.png are the ones
in docs/screenshots/).
"""

import json
import sqlite3
import time
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from test_browser import (ARTIFACTS, FIRST_RUN, ONE, SEVEN, UPDATE, assert_no_exception, browser, draw,  # noqa: F401
                          running_app, settle)

import mlp
from harness.strokes import touch_stroke
from mlp.classroom import ClassStore

pytestmark = [pytest.mark.system, pytest.mark.browser]

ZERO = [[(140 + 65 * np.sin(t), 140 - 95 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 24)]]
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
CLASS_SIZE = 30  # a class: its wall must fit one projector's screen
ON_THE_WALL = 4.0  # seconds from Send to the tile on the wall: the wall polls every second (the issue
# asks for 2 s); the slack is for a busy 2-core machine running the server, four browsers and the test
# The student's page must show these without scrolling on a 390x844 phone.
MUST_FIT = {"canvas": "canvas.upper-canvas", "Clear": ".stButton button:has-text('Clear')",
            "reading": "[data-prediction]", "Send": ".st-key-send button", "I meant": ".st-key-meant"}
CLASS_TABLES = ("classes", "class_students", "class_drawings")
# The page's rule that keeps the canvas's toolbar off the drawing is in the canvas's shadow root (views.toolbar).
TOOLBAR_KEPT_OFF = """[...document.querySelectorAll("[data-testid='stBidiComponentIsolated']")].some(
    host => host.shadowRoot && host.shadowRoot.getElementById("mlp-toolbar"))"""


@pytest.fixture(scope="module")
def class_db(tmp_path_factory):
    return tmp_path_factory.mktemp("class") / "classes.db"


@pytest.fixture(scope="module")
def server(mnist_path, class_db):
    """The app with a class store of its own in an SQLite file that the test reads too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLP_CLASS_DB", f"sqlite:///{class_db}")
        with running_app(mnist_path, "wall-server.log") as url:
            yield url


def tile(page, nickname: str, reading: str | None = None):
    """The wall's tile of this student (with this reading, if given)."""
    return page.locator(f"[data-tile='{nickname}']" + (f"[data-reading='{reading}']" if reading else ""))


def join(browser, url: str, code: str):
    """A phone of its own (a new browser context) opening the student link -> (page, nickname)."""
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2).new_page()
    phone.goto(f"{url}?class={code}")
    phone.get_by_text("you are").wait_for(timeout=FIRST_RUN)
    phone.locator("canvas.upper-canvas").wait_for(timeout=UPDATE)
    settle(phone)
    return phone, phone.get_by_text("you are").inner_text().split("you are ", 1)[1].strip()


def assert_fits_the_phone(phone) -> None:
    """Canvas, Clear, reading, Send and 'I meant' all on the first screen, nothing scrolled."""
    assert phone.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollTop + window.scrollY") == 0
    for name, selector in MUST_FIT.items():
        box = phone.locator(selector).first.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], name


def rows_of(class_db, code: str) -> dict[str, int]:
    """How many rows each of the store's tables holds for this class, read straight from the file."""
    with sqlite3.connect(class_db) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table} WHERE code = ?", (code,)).fetchone()[0]
                for table in CLASS_TABLES}


def test_a_teacher_and_three_phones(browser, server, class_db, mnist):
    teacher = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    teacher.goto(f"{server}?present=1")
    teacher.get_by_role("button", name="Start a class").click(timeout=FIRST_RUN)
    teacher.locator("[data-class-code]").wait_for(timeout=UPDATE)
    settle(teacher)
    query = parse_qs(urlsplit(teacher.url).query)  # the wall's link: a reload keeps the wall
    code, key = query["class"][0], query["teacher"][0]
    assert teacher.locator("[data-class-code]").get_attribute("data-class-code") == code
    assert key not in teacher.inner_text("body")  # the link shown to the room has no teacher key

    phones = []
    for strokes, digit in ((SEVEN, "7"), (ONE, "1"), (ZERO, "0")):
        phone, nickname = join(browser, server, code)
        assert "me=" in phone.url and key not in phone.url
        draw(phone, strokes)
        phone.locator(f"[data-prediction='{digit}']").wait_for(timeout=UPDATE)
        settle(phone)
        phone.mouse.move(5, 5)
        assert_fits_the_phone(phone)
        phones.append((phone, nickname, digit))
    assert len({nickname for _, nickname, _ in phones}) == 3

    seconds = {}
    for phone, nickname, digit in phones:  # the teacher touches nothing from here on
        phone.locator(".st-key-send button").click()
        sent = time.perf_counter()
        tile(teacher, nickname, digit).wait_for(timeout=UPDATE)
        seconds[nickname] = time.perf_counter() - sent
        phone.get_by_role("button", name="Sent to the wall").wait_for(timeout=UPDATE)
    (ARTIFACTS / "wall-timing.json").write_text(json.dumps(
        {"send_to_tile_seconds": seconds, "measured": "click on Send to the tile on the wall's page, "
         "three phones and the wall in headless chromium, one server, same machine"}, indent=2) + "\n")
    print(f"send to tile: {seconds}")
    assert max(seconds.values()) < ON_THE_WALL, seconds
    assert teacher.locator("[data-tile]").count() == 3
    assert_no_exception(teacher)

    # The teacher hides the 0; the students say what they meant: 7 and 1 right, the 0 "was a 6".
    hidden_phone, hidden, _ = phones[2]
    drawing = tile(teacher, hidden).get_attribute("data-drawing")
    settle(teacher)
    teacher.locator(f".st-key-hide_{drawing} button").first.click()  # the help's tooltip repeats the button
    tile(teacher, hidden).wait_for(state="detached", timeout=UPDATE)
    for (phone, nickname, digit), meant in zip(phones, ("7", "1", "6")):
        phone.locator(".st-key-meant").get_by_role("radio", name=meant, exact=True).click()
        phone.locator(f"[data-own] >> text=meant {meant}").wait_for(timeout=UPDATE)
    for _, nickname, digit in phones[:2]:
        teacher.locator(f"[data-tile='{nickname}'][data-verdict='right']").wait_for(timeout=UPDATE)
    assert tile(teacher, hidden).count() == 0
    phones[0][0].screenshot(path=ARTIFACTS / "student-phone.png")

    # Three students have labelled: the numbers are withheld, and the page says why.
    teacher.get_by_role("radio", name="The class's numbers").click()
    teacher.get_by_text("students so far").wait_for(timeout=UPDATE)
    assert "3 students so far" in teacher.inner_text("body") and teacher.locator("[data-confusion]").count() == 0
    teacher.get_by_role("radio", name="The wall").click()
    settle(teacher)

    # Two more students, through the store: a 7 they meant and the model read, a 9 read as 4.
    store = ClassStore.open(f"sqlite:///{class_db}")
    model = mlp.load_model()
    sevens, nines = np.flatnonzero(mnist.y_test == 7), np.flatnonzero(mnist.y_test == 9)
    for image, meant, read in ((mnist.x_test[sevens[0]], 7, 7), (mnist.x_test[nines[0]], 9, 4)):
        student = store.join(code)
        store.label(code, student.token, store.send(code, student.token, image, read, 0.9, False), meant)
    for index in range(8):  # and a few who sent without labelling, for a fuller wall
        student = store.join(code)
        x = mlp.as_model_input(mnist.x_test[100 + index])
        store.send(code, student.token, x, int(np.argmax(mlp.predict_proba(model, x))), 0.9, False)
    store.close()
    teacher.locator("[data-tile]").nth(10).wait_for(timeout=UPDATE)  # 12 students, one hidden
    settle(teacher)

    teacher.get_by_role("radio", name="The class's numbers").click()
    teacher.locator("[data-confusion]").wait_for(timeout=UPDATE)
    teacher.get_by_text("The class's hardest drawings").wait_for(timeout=FIRST_RUN)  # after scoring MNIST
    teacher.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=UPDATE)
    settle(teacher)
    teacher.wait_for_timeout(1000)  # the table and the contact sheet draw after the chart
    counts = np.array([int(n) for n in teacher.locator("[data-confusion]").get_attribute("data-confusion")
                       .split(",")]).reshape(10, 10)
    expected = np.zeros((10, 10), dtype=int)
    for meant, read in ((7, 7), (1, 1), (6, 0), (7, 7), (9, 4)):  # the hidden 0 counts: hiding is for the wall
        expected[meant, read] += 1
    assert (counts == expected).all()
    assert "5 labelled drawings from 5 students: the model read 60% right." in teacher.inner_text("body")
    teacher.screenshot(path=ARTIFACTS / "wall-numbers.png")
    teacher.get_by_role("radio", name="The wall").click()
    settle(teacher)

    # A tile opens on the Draw view's panels, Inside first; and back.
    first, nickname, _ = phones[0]
    teacher.locator(f".st-key-open_{tile(teacher, nickname).get_attribute('data-drawing')} button").first.click()
    teacher.get_by_text(f"Showing {nickname}'s drawing").wait_for(timeout=UPDATE)
    teacher.locator("[data-layer='input']").first.wait_for(timeout=UPDATE)
    settle(teacher)
    teacher.wait_for_timeout(500)  # the digit's picture object loads asynchronously in the canvas
    teacher.screenshot(path=ARTIFACTS / "wall-opened.png")
    teacher.get_by_role("button", name="Back to the wall").click()
    tile(teacher, nickname).wait_for(timeout=UPDATE)

    # Ending the class deletes every row of it; a student's reload finds no class.
    assert all(rows_of(class_db, code).values())
    teacher.get_by_role("button", name="End the class").click()
    teacher.get_by_role("button", name="End the class and delete its drawings").wait_for(timeout=UPDATE)
    teacher.screenshot(path=ARTIFACTS / "wall-end.png")
    teacher.get_by_role("button", name="End the class and delete its drawings").click()
    teacher.get_by_role("tab", name="Draw").wait_for(timeout=UPDATE)
    assert rows_of(class_db, code) == {table: 0 for table in CLASS_TABLES}
    first.reload()
    first.get_by_text("There is no class").wait_for(timeout=UPDATE)
    assert_no_exception(teacher)


def test_the_controls_share_a_row_and_a_row_of_tiles_fits_a_projector_at_200_percent(browser, server, class_db, mnist):
    store = ClassStore.open(f"sqlite:///{class_db}")
    info = store.new_class()
    model = mlp.load_model()
    for index in range(5):
        x = mlp.as_model_input(mnist.x_test[index])
        student = store.join(info.code)
        store.send(info.code, student.token, x, int(np.argmax(mlp.predict_proba(model, x))), 0.9, False)
    store.close()
    # A 1920x1080 projector at 200 %: 960x540 CSS pixels, where the header wraps under the code.
    wall = browser.new_page(viewport={"width": 960, "height": 540}, device_scale_factor=2)
    wall.goto(f"{server}?class={info.code}&teacher={info.teacher_key}")
    wall.locator("[data-tile]").first.wait_for(timeout=FIRST_RUN)
    settle(wall)
    clear = wall.get_by_role("button", name="Clear the wall").bounding_box()
    end = wall.get_by_role("button", name="End the class").bounding_box()
    assert abs(clear["y"] - end["y"]) < 2 and end["x"] > clear["x"] + clear["width"]  # side by side
    first = wall.locator("[class*='st-key-tile_']").first.bounding_box()
    assert first["y"] + first["height"] <= 540, first  # the whole first tile, buttons too, unscrolled
    wall.screenshot(path=ARTIFACTS / "wall-200-percent.png")
    assert_no_exception(wall)


def test_a_class_of_30_fits_a_1080p_projector_without_scrolling(browser, server, class_db, mnist):
    store = ClassStore.open(f"sqlite:///{class_db}")
    info = store.new_class()
    model = mlp.load_model()
    for index in range(CLASS_SIZE):  # every third says what they meant: right, or (every sixth) another digit
        x = mlp.as_model_input(mnist.x_test[index])
        read = int(np.argmax(mlp.predict_proba(model, x)))
        student = store.join(info.code)
        drawing = store.send(info.code, student.token, x, read, 0.9, False)
        if index % 3 == 0:
            store.label(info.code, student.token, drawing, read if index % 6 else (read + 1) % 10)
    store.close()
    wall = browser.new_page(viewport=PROJECTOR)
    wall.goto(f"{server}?class={info.code}&teacher={info.teacher_key}")
    wall.locator("[data-tile]").nth(CLASS_SIZE - 1).wait_for(timeout=FIRST_RUN)
    settle(wall)
    wall.mouse.move(5, 5)
    wall.screenshot(path=ARTIFACTS / "wall-1080p.png")
    assert wall.locator("[data-verdict='wrong']").count() == CLASS_SIZE // 6
    assert wall.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollTop + window.scrollY") == 0
    drawings = wall.eval_on_selector_all("[data-tile]", "tiles => tiles.map(tile => tile.dataset.drawing)")
    boxes = [wall.locator(f".st-key-tile_{drawing}").bounding_box() for drawing in drawings]
    assert len(boxes) == CLASS_SIZE
    for box in boxes:  # each whole tile, its three buttons included, on the screen
        assert box["x"] >= 0 and box["y"] >= 0, box
        assert box["x"] + box["width"] <= PROJECTOR["width"] and box["y"] + box["height"] <= PROJECTOR["height"], box
    last = boxes[-1]
    for action in ("open", "hide", "remove"):  # the last tile's three buttons inside it, so on the screen too
        button = wall.locator(f".st-key-{action}_{drawings[-1]} button").first.bounding_box()
        assert last["y"] <= button["y"] and button["y"] + button["height"] <= last["y"] + last["height"], action
    assert_no_exception(wall)


def test_a_finger_stroke_begun_in_the_canvas_corners_draws_on_a_students_phone(browser, server, class_db):
    store = ClassStore.open(f"sqlite:///{class_db}")
    code = store.new_class().code
    store.close()
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, has_touch=True, is_mobile=True).new_page()
    phone.goto(f"{server}?class={code}")
    phone.get_by_text("you are").wait_for(timeout=FIRST_RUN)
    phone.locator("canvas.upper-canvas").wait_for(timeout=UPDATE)
    settle(phone)
    # From the top-right corner (where the component keeps its hidden toolbar) down to the left: a 7's bar
    # and stem; each corner in turn, after Clear.
    for stroke in ([(272, 8), (200, 60), (150, 140), (120, 240)], [(8, 8), (140, 140), (150, 260)],
                   [(8, 272), (140, 140), (150, 20)], [(272, 272), (140, 140), (130, 20)]):
        phone.wait_for_function(TOOLBAR_KEPT_OFF, timeout=UPDATE)  # a person's finger comes later than 0.2 s
        touch_stroke(phone, stroke)
        phone.locator("[data-prediction]").wait_for(timeout=UPDATE)
        phone.get_by_role("button", name="Clear").click()
        phone.locator("[data-prediction]").wait_for(state="detached", timeout=UPDATE)
        settle(phone)
    assert_no_exception(phone)
