"""The wall's "Our class's model" with Streamlit's AppTest, on a real class store and run queue in an SQLite
file: what a class too small to train is told, a finished fine-tune's before and after in each language,
the teacher's choice of the model students' pages read, and training unavailable while the wall goes on.

No worker trains here: the test plays the worker's part through the queue's own calls (claim, finish),
with real models and figures (classic, and the logistic model as its "tuned" stand-in, scored by
mlp.class_model.before_after); tests/test_browser_class_model.py trains for real.
"""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, TIMEOUT
from test_lesson import html

import mlp
from mlp.class_model import before_after
from mlp.classroom import ClassLimits, ClassStore, class_owner
from mlp.runs import DONE, ClassRequest, RunQueue
from mlp.runs.store import CLAIMED
from views import class_start, loaders

pytestmark = pytest.mark.app


@pytest.fixture
def store(tmp_path, monkeypatch, mnist_path) -> ClassStore:
    """A class store (and the run queue beside it) of its own in an SQLite file, which the page opens too."""
    url = f"sqlite:///{tmp_path / 'classes.db'}"
    monkeypatch.setenv("MLP_CLASS_DB", url)
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    opened = ClassStore.open(url, limits=ClassLimits(min_seconds_between_sends=0))
    yield opened
    opened.close()
    class_start.store_at.clear()
    loaders.run_queue.clear()
    loaders.trained_model.clear()


MODEL_PART = {"en": "Our class's model", "de": "Modell unserer Klasse", "ja": "クラスのモデル"}  # the wall's third part


def wall(info, lang: str | None = None) -> AppTest:
    """The wall's model part, as the teacher opens it."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"class": info.code, "teacher": info.teacher_key, **({"lang": lang} if lang else {})})
    at.run()
    at.segmented_control(key="wall_part").set_value(MODEL_PART[lang or "en"]).run()
    assert not at.exception
    return at


def label_drawings(store: ClassStore, code: str, mnist, students: int, each: int) -> None:
    for number in range(students):
        student = store.join(code)
        for index in range(number * each, (number + 1) * each):
            drawing = store.send(code, student.token, mnist.x_test[index], 0, 0.5, False)
            store.label(code, student.token, drawing, int(mnist.y_test[index]))


def finished_run(store: ClassStore, code: str, mnist) -> str:
    """A class fine-tune run done as a worker finishes it: a model's files and before/after figures."""
    queue = RunQueue.open()
    run = queue.submit(ClassRequest(code, base="classic"), owner=class_owner(code))
    assert queue.claim(run.id) == CLAIMED
    base, tuned = mlp.load_model("classic"), mlp.load_model("logistic")
    held_out = (mnist.x_test[:30], mnist.y_test[:30])
    result = {**before_after(base, tuned, held_out, (mnist.x_test, mnist.y_test)), "base_model": "classic",
              "train_drawings": 20, "train_students": 2, "held_out_drawings": 30, "held_out_students": 1,
              "replayed": 400, "seconds": 1.5}
    files = tuple(tuned.path.with_suffix(suffix).read_bytes() for suffix in (".npz", ".keras"))
    queue.finish(run.id, DONE, files=files, record=tuned.record, result=result)
    queue.close()
    return run.id, result


def test_a_class_too_small_is_told_what_it_lacks_and_cannot_train_yet(store, mnist):
    info = store.new_class()
    label_drawings(store, info.code, mnist, students=2, each=5)
    at = wall(info)
    assert any("10 labelled drawings by 2 students" in block.value for block in at.markdown)
    told = " ".join(block.value for block in at.info).replace("\\", "")  # Markdown escapes dropped
    assert "at least 20 labelled drawings (10 so far)" in told and "at least 3 students (2 so far)" in told
    assert at.button(key="class_train").disabled
    label_drawings(store, info.code, mnist, students=1, each=10)  # a third student, ten more drawings
    at.run()
    assert not at.button(key="class_train").disabled
    assert not any("To train" in block.value for block in at.info)


def percent_in(lang: str, share: float) -> str:
    """A share with two decimals as each language writes it (German: a decimal comma and a space)."""
    shown = f"{share * 100:.2f}"
    return f"{shown.replace('.', ',')}\u00a0%" if lang == "de" else f"{shown}%"


@pytest.mark.parametrize("lang, table_head, ours", [
    ("en", "before: the base model", "our class's model"),
    ("de", "vorher: das Ausgangsmodell", "Modell unserer Klasse"),
    ("ja", "前: 元のモデル", "クラスのモデル"),
])
def test_a_finished_fine_tune_shows_before_and_after_and_becomes_the_class_model(store, mnist, lang, table_head,
                                                                                   ours):
    info = store.new_class()
    label_drawings(store, info.code, mnist, students=3, each=7)
    run_id, result = finished_run(store, info.code, mnist)
    assert store.find(info.code).model_run == run_id  # a finished class run is the class's model
    at = wall(info, lang)
    page = html(at)
    assert table_head in page
    for side, which in (("before", "base"), ("after", "tuned")):
        scores = result[which]["mnist"]
        assert f'data-{side}-errors="{scores["errors"]}"' in page
        assert percent_in(lang, scores["accuracy"]) in page
    choice = at.segmented_control(key=f"class_model_choice_{run_id}")
    assert choice.value == "ours" and ours in choice.format_func("ours")
    choice.set_value("base").run()
    assert not at.exception and store.find(info.code).model_run is None


def test_a_students_page_reads_with_the_class_model_and_says_so(store, mnist):
    info = store.new_class()
    label_drawings(store, info.code, mnist, students=3, each=7)
    finished_run(store, info.code, mnist)
    student = AppTest.from_file(APP, default_timeout=TIMEOUT)
    student.query_params.update({"class": info.code})
    student.run()
    assert not student.exception
    assert any("read by our class's model" in caption.value.replace("\\", "") for caption in student.caption)
    store.use_model_run(info.code, None)
    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.query_params.update({"class": info.code})
    again.run()
    assert any("read by world" in caption.value for caption in again.caption)  # the class's base


def test_an_unreachable_queue_says_training_is_unavailable_and_the_wall_goes_on(store, mnist, monkeypatch):
    monkeypatch.setenv("MLP_QUEUE", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    loaders.run_queue.clear()
    info = store.new_class()
    label_drawings(store, info.code, mnist, students=1, each=1)
    at = wall(info)
    assert any("Training is unavailable right now" in block.value for block in at.warning)
    at.segmented_control(key="wall_part").set_value("The wall").run()
    assert not at.exception and "data-tile" in html(at)
