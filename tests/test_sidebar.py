"""The sidebar's model chooser with models a disk, a copy or a hand edit damaged (AppTest)."""

import shutil

import pytest
from damaged_models import DAMAGE_MESSAGES, write_damaged, write_record_with
from streamlit.testing.v1 import AppTest
from test_app import APP, TIMEOUT, texts

from mlp import model as model_module

pytestmark = pytest.mark.app

DAMAGED = ["check-misfit", "nan-weights", "record-not-object", "truncated", "folder"]


@pytest.fixture
def page(mnist_path, monkeypatch, tmp_path) -> AppTest:
    """The page over an assets folder of the classic model, an edited record and damaged files."""
    for suffix in (".keras", ".npz"):
        shutil.copy(model_module.ASSETS / f"classic{suffix}", tmp_path / f"classic{suffix}")
    # Names of their own: the page caches each shipped model by name for the whole process.
    write_record_with(tmp_path, "sidebar-edited", test_accuracy="high", train_seconds="0.5 h",
                      epochs_run="ten")
    for kind in DAMAGED:
        write_damaged(kind, tmp_path, f"sidebar-{kind}")
    monkeypatch.setattr(model_module, "ASSETS", tmp_path)
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def test_a_record_with_text_for_figures_leaves_them_out(page):
    page.sidebar.selectbox(key="model_name").set_value("sidebar-edited").run()
    assert not page.exception and not page.error
    sidebar = [element.value for element in (*page.sidebar.markdown, *page.sidebar.caption)]
    assert any("Dense(128, relu)" in text for text in sidebar)  # what the record does hold
    assert not any("Test accuracy" in text for text in sidebar)
    assert any(text.startswith("Trained on ") and text.endswith(" images.") for text in sidebar)


@pytest.mark.parametrize("kind", DAMAGED)
def test_a_damaged_model_is_one_sentence_on_the_page(page, kind):
    chooser = page.sidebar.selectbox(key="model_name")
    assert f"sidebar-{kind} (damaged)" in chooser.options
    chooser.set_value(f"sidebar-{kind}").run()
    assert not page.exception
    errors = [error.value.replace("\\", "") for error in page.error]  # Markdown's escapes gone
    assert len(errors) == 1 and errors[0].startswith(f"The model sidebar-{kind} is damaged")
    assert DAMAGE_MESSAGES[kind] in errors[0] and errors[0].count("damaged") == 1
    assert "/" not in errors[0] and "Traceback" not in texts(page)
