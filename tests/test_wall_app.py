"""The class wall's pages with Streamlit's AppTest, on a real class store in an SQLite file: a student
joins and sends, the wall shows their tile, a wrong teacher key shows nothing of the wall, stored text
is escaped, and the class's numbers wait for five contributors.

A student and the wall are two AppTests (two sessions) sharing the store, as two browsers would.
"""

import io

import numpy as np
import pytest
import sqlalchemy as sa
from conftest import digit_png
from streamlit.testing.v1 import AppTest
from test_app import APP, TIMEOUT, clear_readings, draw
from test_lesson import html

from mlp.classroom import ClassStore
from views import class_start

pytestmark = pytest.mark.app


@pytest.fixture
def store(tmp_path, monkeypatch, mnist_path) -> ClassStore:
    """A class store of its own in an SQLite file, which the page opens too (MLP_CLASS_DB)."""
    url = f"sqlite:///{tmp_path / 'classes.db'}"
    monkeypatch.setenv("MLP_CLASS_DB", url)
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    opened = ClassStore.open(url)
    yield opened
    opened.close()
    class_start.store_at.clear()


def page(**params: str) -> AppTest:
    """The page at an address with these query parameters, run once."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def nickname_shown(at: AppTest) -> str:
    """The student's nickname, as the line over the canvas says it ('... you are **Otter 17**')."""
    line = next(c.value for c in at.caption if "you are" in c.value)
    return line.split("you are ", 1)[1].strip("*").replace("\\", "")


def sure_digit(mnist, default_model) -> tuple[np.ndarray, int]:
    """A test digit the model reads right and surely, and its true label."""
    index = clear_readings(mnist, default_model, 1)[0]
    return mnist.x_test[index], int(mnist.y_test[index])


def test_a_student_joins_with_a_nickname_and_a_token_that_keeps_them_across_a_reload(store):
    info = store.new_class()
    at = page(**{"class": info.code.lower()})  # typed in lower case
    assert not at.exception
    token = at.query_params.get("me")
    assert token and token not in info.teacher_key
    nickname = nickname_shown(at)
    assert store.join(info.code, token).nickname == nickname  # the store knows this token by that name
    assert not at.tabs and not at.title  # no title, no tabs: the canvas comes first on a phone
    again = page(**{"class": info.code, "me": token})  # a reload: a new session, the same link
    assert nickname_shown(again) == nickname and again.query_params["me"] == token
    other = page(**{"class": info.code})  # another phone
    assert nickname_shown(other) != nickname


def test_a_sent_drawing_is_a_tile_on_the_wall_and_its_label_says_right(store, mnist, default_model):
    info = store.new_class()
    image, label = sure_digit(mnist, default_model)
    student = draw(page(**{"class": info.code}), digit_png(image))
    assert not student.exception
    nickname = nickname_shown(student)
    assert f'data-prediction="{label}"' in html(student)
    assert student.pills(key="meant").disabled  # opt-in: nothing to label before it is sent
    student.button(key="send").click().run()
    assert not student.exception and student.button(key="send").disabled  # sent once
    wall = page(**{"class": info.code, "teacher": info.teacher_key})
    assert not wall.exception
    assert f'data-tile="{nickname}" data-reading="{label}" data-verdict="" ' in html(wall)
    student.pills(key="meant").set_value((label + 1) % 10).run()  # the student meant another digit
    wall.run()
    assert f'data-tile="{nickname}" data-reading="{label}" data-verdict="wrong" ' in html(wall)
    assert store.drawings_of(info.code, student.query_params["me"])[0].label == (label + 1) % 10


def test_a_student_link_with_a_wrong_teacher_key_never_shows_the_wall(store, mnist, default_model):
    info, other = store.new_class(), store.new_class()
    image, _ = sure_digit(mnist, default_model)
    student = draw(page(**{"class": info.code}), digit_png(image))
    student.button(key="send").click().run()
    for key in ("wrong", other.teacher_key, info.teacher_key[:-1], " "):
        at = page(**{"class": info.code, "teacher": key})
        assert not at.exception
        assert "data-tile" not in html(at)
        assert not at.toggle and not [b for b in at.button if "End the class" in b.label]
        assert at.error and info.teacher_key not in html(at)
    assert "data-tile" in html(page(**{"class": info.code, "teacher": info.teacher_key}))


def test_the_wall_escapes_a_nickname_that_holds_html_or_markdown(store, mnist, default_model):
    info = store.new_class()
    image, _ = sure_digit(mnist, default_model)
    student = draw(page(**{"class": info.code}), digit_png(image))
    student.button(key="send").click().run()
    hostile = '<img src=x onerror="alert(1)">**bold**'
    with store.engine.begin() as connection:  # as if the store had been written by something else
        connection.execute(sa.text("UPDATE class_students SET nickname = :n"), {"n": hostile})
    wall = page(**{"class": info.code, "teacher": info.teacher_key})
    body = html(wall)
    assert "<img src=x" not in body and 'data-tile="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;**bold**"' in body
    reload = page(**{"class": info.code, "me": student.query_params["me"]})
    shown = 'you are **\\<img src\\=x onerror\\=\\"alert\\(1\\)\\"\\>\\*\\*bold\\*\\***'  # Markdown-escaped
    assert any(c.value.endswith(shown) for c in reload.caption)


def label_as(store: ClassStore, code: str, image: np.ndarray, meant: int, read: int) -> None:
    """A new student sends one drawing and says what they meant."""
    student = store.join(code)
    drawing_id = store.send(code, student.token, image, read, 0.9, False)
    store.label(code, student.token, drawing_id, meant)


def test_the_class_numbers_wait_for_five_contributors(store, mnist):
    info = store.new_class()
    wall = page(**{"class": info.code, "teacher": info.teacher_key})
    wall.segmented_control(key="wall_part").set_value("The class's numbers").run()
    for n in range(4):
        label_as(store, info.code, mnist.x_test[n], int(mnist.y_test[n]), int(mnist.y_test[n]))
    wall.run()
    assert not wall.exception
    assert any("at least 5 students" in i.value and "4 students so far" in i.value for i in wall.info)
    assert not wall.get("vega_lite_chart") and not wall.dataframe
    label_as(store, info.code, mnist.x_test[4], 7, 1)  # a fifth student: a 7 read as 1
    wall.run()
    assert not wall.exception and not any("at least 5" in i.value for i in wall.info)
    assert wall.get("vega_lite_chart") and wall.dataframe
    table = wall.dataframe[0].value.set_index("digit")
    assert table.loc[7, "drawings"] == 1 + int((mnist.y_test[:4] == 7).sum())
    assert "5 labelled drawings from 5 students: the model read 80% right." in html(wall)


def test_when_the_class_sends_every_drawing_clear_sends_it_and_a_pause_stops_sending(store, mnist, default_model):
    info = store.new_class()
    store.set_send_all(info.code, True)
    image, label = sure_digit(mnist, default_model)
    student = draw(page(**{"class": info.code}), digit_png(image))
    token = student.query_params["me"]
    assert not student.pills(key="meant").disabled  # labelling sends it too
    assert store.drawings_of(info.code, token) == []  # not finished yet
    next(b for b in student.button if b.label == "Clear").click().run()
    assert not student.exception
    sent = store.drawings_of(info.code, token)
    assert len(sent) == 1 and sent[0].reading == label and sent[0].label is None
    store.set_paused(info.code, True)
    student = draw(student, digit_png(255 - image))  # another drawing (the one cleared reads as blank)
    assert student.button(key="send").disabled and student.pills(key="meant").disabled
    assert any("paused" in c.value for c in student.caption)
    next(b for b in student.button if b.label == "Clear").click().run()
    assert len(store.drawings_of(info.code, token)) == 1  # a pause holds back finished drawings too


def test_the_wall_offers_the_labelled_drawings_before_the_class_ends(store, mnist):
    from views import wall

    info = store.new_class()
    label_as(store, info.code, mnist.x_test[0], 3, 7)
    wall_page = page(**{"class": info.code, "teacher": info.teacher_key})
    assert [b.label for b in wall_page.get("download_button")] == ["Labelled drawings (.npz)",
                                                                   "Labelled drawings (.csv)"]
    with np.load(io.BytesIO(wall.exported(store, info.code, ".npz")())) as saved:
        assert (saved["x"] == mnist.x_test[:1]).all() and saved["y"].tolist() == [3]
    assert wall.exported(store, info.code, ".csv")().decode().count("\n") == 2  # a header, one drawing


def test_a_code_typed_in_lower_case_or_with_a_dash_goes_on_as_the_class_spells_it(store, mnist, default_model):
    info = store.new_class()
    wall = page(**{"class": info.code.lower(), "teacher": info.teacher_key})
    assert not wall.exception and "data-tile" not in html(wall) and not wall.error
    assert wall.query_params["class"] == info.code  # so the students' link and QR code spell it so too
    student = page(**{"class": f"{info.code[:4]}-{info.code[4:]}"})
    assert not student.exception and student.query_params["class"] == info.code


def test_a_refused_send_says_why_in_a_sentence(store, mnist, default_model):
    info = store.new_class()
    image, _ = sure_digit(mnist, default_model)
    student = draw(page(**{"class": info.code}), digit_png(image))
    store.remove_student(info.code, student.query_params["me"])
    student.button(key="send").click().run()
    assert not student.exception
    shown = [w.value.replace("\\", "") for w in student.warning]  # as read: without Markdown's escapes
    assert shown == ["The teacher has removed you from this class."]


def test_the_class_numbers_give_mnist_accuracy_as_the_table_does(store, mnist):
    info = store.new_class()
    sevens = np.flatnonzero(mnist.y_test == 7)
    for n in range(3):  # three 7s read as 1: the class's 7s are read far worse than MNIST's
        label_as(store, info.code, mnist.x_test[sevens[n]], 7, 1)
    for n in np.flatnonzero(mnist.y_test != 7)[:2]:  # and two other students, read right
        label_as(store, info.code, mnist.x_test[n], int(mnist.y_test[n]), int(mnist.y_test[n]))
    wall = page(**{"class": info.code, "teacher": info.teacher_key})
    wall.segmented_control(key="wall_part").set_value("The class's numbers").run()
    assert not wall.exception
    on_mnist = wall.dataframe[0].value.set_index("digit").loc[7, "MNIST"]
    assert 0 < on_mnist < 100
    said = next(m.value for m in wall.markdown if m.value.startswith("Our 7s are read worse"))
    assert said == f"Our 7s are read worse than MNIST's: 0% against {on_mnist:.1f}%."
