"""Our class's model in a real browser: three phones label drawings, the teacher trains the class's model on
the wall, waits, sees before and after, and chooses it; a student's page then reads with it.

The page runs as the README starts it, alone, so the training worker is the page's own
(views.server.page_worker). Screenshots go to the run's output folder, browser/ (class-model.png is the one in
docs/screenshots/).
"""

import time
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from test_browser import ARTIFACTS, FIRST_RUN, ONE, SEVEN, UPDATE, assert_no_exception, browser, draw, settle  # noqa: F401
from test_browser_wall import ZERO, join

from drawn.simulated_class import simulated_class
from harness.servers import PageServer
from mlp.classroom import ClassLimits, ClassStore

pytestmark = [pytest.mark.system, pytest.mark.browser]

TRAINED = 240_000  # ms: the page's worker starts, imports TensorFlow, fine-tunes and scores, on a busy 2-core machine
PER_STUDENT = 9  # drawings each student labelled before the lesson's step, sent through the store


@pytest.fixture(scope="module")
def class_db(tmp_path_factory):
    return tmp_path_factory.mktemp("class") / "classes.db"


@pytest.fixture(scope="module")
def server(mnist_path, class_db):
    """The page alone, with a training worker of its own, on a class store the test reads too."""
    with PageServer(ARTIFACTS / "class-model-server.log", class_db=f"sqlite:///{class_db}",
                    environment={"MNIST_NPZ": str(mnist_path), "MLP_PAGE_WORKER": "1"}) as page:
        yield page.url + "/"


def test_three_students_label_the_teacher_trains_and_their_pages_read_with_the_class_model(browser, server, class_db):
    store = ClassStore.open(f"sqlite:///{class_db}", limits=ClassLimits(min_seconds_between_sends=0))
    info = store.new_class()
    teacher = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    teacher.goto(f"{server}?class={info.code}&teacher={info.teacher_key}")
    teacher.locator("[data-class-code]").wait_for(timeout=FIRST_RUN)

    # Three phones draw, send and say what they meant.
    phones = []
    for strokes, meant in ((SEVEN, "7"), (ONE, "1"), (ZERO, "0")):
        phone, nickname = join(browser, server, info.code)
        draw(phone, strokes)
        phone.locator("[data-prediction]").wait_for(timeout=UPDATE)
        phone.locator(".st-key-send button").click()
        phone.get_by_role("button", name="Sent to the wall").wait_for(timeout=UPDATE)
        phone.locator(".st-key-meant").get_by_role("radio", name=meant, exact=True).click()
        phone.locator(f"[data-own] >> text=meant {meant}").wait_for(timeout=UPDATE)
        phones.append((phone, parse_qs(urlsplit(phone.url).query)["me"][0]))
    # Their earlier drawings, labelled: the held-out styles of the drawn set (the slashed 0, the continental 7...),
    # in one hand a student, as the simulated class writes them.
    earlier = simulated_class(students=3, per_student=PER_STUDENT, seed=5)
    tokens = sorted(set(earlier.token))
    for (_, token), theirs in zip(phones, tokens):
        for index in np.flatnonzero(np.asarray(list(earlier.token)) == theirs):
            drawing = store.send(info.code, token, earlier.x[index], 0, 0.5, False)
            store.label(info.code, token, drawing, int(earlier.y[index]))

    # The teacher: the class's model, from classic, trained on the queue.
    teacher.get_by_role("radio", name="Our class's model").click()
    teacher.get_by_text(f"{3 * PER_STUDENT + 3} labelled drawings by 3 students").wait_for(timeout=UPDATE)
    teacher.get_by_role("radio", name="classic (the seed article's)").click()
    settle(teacher)
    teacher.get_by_role("button", name="Train our class's model").click()
    table = teacher.locator("[data-before-after]")
    table.wait_for(timeout=TRAINED)
    settle(teacher)
    held_out, mnist = table.locator("[data-row='held_out'] td"), table.locator("[data-row='mnist'] td")
    before, after = (int(held_out.nth(n).get_attribute(f"data-{side}-errors")) for n, side in ((0, "before"), (1, "after")))
    assert after <= before, (before, after)
    for n, side in ((0, "before"), (1, "after")):
        assert 0.8 < float(mnist.nth(n).get_attribute(f"data-{side}-accuracy")) <= 1
    teacher.locator("[data-testid='stVegaLiteChart']").nth(1).wait_for(timeout=UPDATE)  # before's and after's confusions
    assert teacher.locator("[data-testid='stVegaLiteChart']").count() == 2
    teacher.get_by_role("button", name="Our class's model (.keras)").wait_for(timeout=UPDATE)
    # Trained, the class's model is what the students' pages read.
    assert teacher.get_by_role("radio", name="our class's model", exact=True).get_attribute("aria-checked") == "true"
    assert store.find(info.code).model_run is not None
    teacher.wait_for_timeout(800)  # the charts draw after the table
    teacher.screenshot(path=ARTIFACTS / "class-model.png")
    assert_no_exception(teacher)

    # A student's page reads with it now: its name on the page, a drawing read.
    phone, _ = phones[0]
    phone.reload()
    phone.get_by_text("read by our class's model").wait_for(timeout=FIRST_RUN)
    phone.locator("canvas.upper-canvas").wait_for(timeout=UPDATE)
    settle(phone)
    draw(phone, ONE)
    phone.locator("[data-prediction]").wait_for(timeout=UPDATE)
    assert_no_exception(phone)
    phone.screenshot(path=ARTIFACTS / "student-class-model.png")

    # Back to the base: the students' pages read with classic again.
    teacher.get_by_role("radio", name="the base model (classic)", exact=True).click()
    deadline = time.monotonic() + UPDATE / 1000
    while store.find(info.code).model_run is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert store.find(info.code).model_run is None
    phone.reload()
    phone.get_by_text("read by classic").wait_for(timeout=FIRST_RUN)
    store.close()
