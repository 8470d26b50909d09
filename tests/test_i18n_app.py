"""The page in German, Japanese and English under AppTest: every view and lens runs in each language and
shows its own words there, a drawn 7 is read and shown, the not-a-digit warning appears, numbers are
written the language's way, and the chooser and the address keep the language.

The expected words are written by hand from what each catalog entry means, not read from the catalog.
"""

import re

import pytest
from conftest import digit_png
from streamlit.testing.v1 import AppTest
from test_app import APP, TIMEOUT, draw, metric, scribble_png, texts
from test_lesson import app, html  # noqa: F401 (app: a fixture)
from test_wall_app import page as wall_page
from test_wall_app import store  # noqa: F401 (a fixture: a class store of its own)

import mlp
from mlp import i18n
from views import join

pytestmark = pytest.mark.app

LANGUAGES = ["en", "de", "ja"]
TABS = {"en": ["Draw", "Test grid", "Mistakes", "Train"], "de": ["Zeichnen", "Testraster", "Fehler", "Trainieren"],
        "ja": ["描く", "テスト一覧", "間違い", "学習"]}
HINT = {"en": "Draw a digit on the black square", "de": "Zeichne eine Ziffer auf das schwarze Quadrat",
        "ja": "黒い四角に数字を描いてください"}
PREDICTION = {"en": "Prediction", "de": "Vorhersage", "ja": "予測"}
CONFIDENCE = {"en": "Confidence", "de": "Sicherheit", "ja": "確信度"}
NOT_A_DIGIT = {"en": "This does not look like a digit to the model",
               "de": "Für das Modell sieht das nicht wie eine Ziffer aus", "ja": "モデルにはこれが数字に見えません"}
# A few words each view shows once it has MNIST (its own caption, a form field).
VIEW_WORDS = {"Test grid": {"en": "test digits", "de": "Testziffern", "ja": "テスト画像"},
              "Mistakes": {"en": "(most confident first)", "de": "(die sichersten zuerst)", "ja": "(確信度の高い順)"},
              "Train": {"en": "Train a new MLP on MNIST", "de": "Trainiere hier ein neues MLP", "ja": "新しい MLP を学習"}}
# Each lens's button, and words it shows for a drawing.
LENS_BUTTONS = {"en": ["Probabilities", "Inside", "Hidden units", "No hidden layer", "Change its mind?",
                       "Pin and compare"],
                "de": ["Wahrscheinlichkeiten", "Innen", "Verborgene Neuronen", "Ohne verborgene Schicht", "Umstimmen?",
                       "Anheften & vergleichen"],
                "ja": ["確率", "内部", "隠れニューロン", "隠れ層なし", "考えを変える?", "固定して比べる"]}
LENS_WORDS = {"Probabilities": {"en": "Probability of each digit", "de": "Wahrscheinlichkeit jeder Ziffer",
                                "ja": "各数字の確率"},
              "Inside": {"en": "layer by layer", "de": "Schicht für Schicht", "ja": "層ごとに"},
              "Hidden units": {"en": "units of the first hidden layer", "de": "Neuronen der ersten verborgenen Schicht",
                               "ja": "第 1 隠れ層"},
              "No hidden layer": {"en": "Without a hidden layer", "de": "Ohne verborgene Schicht", "ja": "隠れ層なし"},
              "Change its mind?": {"en": "Try it:", "de": "Probier es:", "ja": "やってみよう:"},
              "Pin and compare": {"en": "Pin this drawing", "de": "Hefte diese Zeichnung an", "ja": "この絵を固定"}}
PERCENT = {"en": r"^\d{1,3}%$", "de": r"^\d{1,3}\u00a0%$", "ja": r"^\d{1,3}%$"}  # "99 %" with a no-break space


def in_language(at, code: str):
    at.query_params["lang"] = code
    return at


def everything(at) -> str:
    """Every text the page shows: Markdown, captions, notices, HTML, buttons and metrics."""
    return "\n".join([texts(at), html(at), *(b.label for b in at.button), *(m.label for m in at.metric)])


@pytest.fixture(scope="module")
def a_drawn_seven(mnist, default_model) -> bytes:
    """A test 7 as the canvas sends it, that the default model reads as 7 surely."""
    for image in mnist.x_test[mnist.y_test == 7]:
        png = digit_png(image)
        reading = mlp.read(default_model, mlp.preprocess(mlp.open_image(png)))
        if reading.digit == 7 and reading.confidence > 0.95 and reading.looks_like_digit is not False:
            return png
    pytest.fail("no test 7 read surely")


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_tabs_and_the_hint_are_in_the_language(app, code):
    at = in_language(app, code).run()
    assert not at.exception
    assert [tab.label for tab in at.tabs] == TABS[code]
    assert any(HINT[code] in info.value for info in at.info)


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize("view", list(VIEW_WORDS))
def test_each_view_runs_and_speaks_the_language(app, code, view):
    at = in_language(app, code)
    at.session_state["view"] = TABS[code][TABS["en"].index(view)]
    at.run()
    assert not at.exception
    assert VIEW_WORDS[view][code] in everything(at)
    if code != "en":
        assert VIEW_WORDS[view]["en"] not in everything(at)


def test_the_test_grid_writes_its_numbers_the_german_way(app):
    at = in_language(app, "de")
    at.session_state["view"] = "Testraster"
    at.run()
    said = next(m.value for m in at.markdown if "MNIST-Testziffern" in m.value)
    assert re.search(r"\*\*\d{2},\d{2}\u00a0%\*\*", said), said  # "**99,36 %**"
    assert re.search(r"\b\d{1,2}\.\d{3}\b", said), said  # "2.000" or "10.000" test digits


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_drawn_seven_is_read_and_shown(app, a_drawn_seven, code):
    at = draw(in_language(app, code).run(), a_drawn_seven)
    assert not at.exception
    assert metric(at, PREDICTION[code]) == "7"
    assert re.match(PERCENT[code], metric(at, CONFIDENCE[code])), metric(at, CONFIDENCE[code])
    assert not at.warning


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_not_a_digit_warning_appears(app, code):
    at = draw(in_language(app, code).run(), scribble_png())
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and warnings[0].startswith(NOT_A_DIGIT[code]), warnings


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_lens_runs_and_speaks_the_language(app, a_drawn_seven, code):
    at = draw(in_language(app, code).run(), a_drawn_seven)
    lenses = at.get("button_group")[0]
    for lens, words in LENS_WORDS.items():
        with i18n.language(code):  # AppTest formats the choice here, outside the page's thread
            at = lenses.set_value(lens).run()
        lenses = at.get("button_group")[0]
        assert not at.exception, lens
        assert words[code] in everything(at), (lens, code)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_lens_buttons_are_titled_in_the_language(app, code):
    at = in_language(app, code).run()
    lenses = at.get("button_group")[0]
    shown = [option.content for option in lenses.proto.options]
    assert shown == LENS_BUTTONS[code]


def test_the_sidebar_chooser_switches_the_page_and_writes_the_address(app):
    at = app.run()
    at.session_state["view"] = "Mistakes"
    at.run()
    at = at.sidebar.selectbox(key="lang_sidebar").set_value("de").run()
    assert not at.exception
    assert at.query_params["lang"] == ["de"] or at.query_params["lang"] == "de"
    assert [tab.label for tab in at.tabs] == TABS["de"]
    assert at.session_state["view"] == "Fehler"  # the same tab, titled in German
    assert "(die sichersten zuerst)" in everything(at)


def test_an_old_bookmark_of_a_tab_opens_it_in_the_language(app):
    at = in_language(app, "de")
    at.query_params["view"] = "Mistakes"
    at.run()
    assert not at.exception
    assert at.session_state["view"] == "Fehler"
    assert "(die sichersten zuerst)" in everything(at)


def test_an_unknown_language_falls_back_to_english(app):
    at = in_language(app, "fr").run()
    assert not at.exception
    assert [tab.label for tab in at.tabs] == TABS["en"]


def test_presenter_mode_has_a_language_chooser(app):
    at = in_language(app, "ja")
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    chooser = next(group for group in at.get("button_group") if group.key == "lang_present")
    assert chooser.value == "ja"
    with i18n.language("ja"):  # AppTest formats the choice here, outside the page's thread
        at = chooser.set_value("de").run()
    assert [tab.label for tab in at.tabs] == TABS["de"]


@pytest.mark.parametrize(("params", "language", "expected"), [
    ({}, "en", {}),
    ({}, "de", {"lang": "de"}),  # from the browser: the students' link carries it all the same
    ({"lang": "ja", "present": "1"}, "ja", {"lang": "ja", "present": "1"}),
    ({"class": "ABCD"}, "ja", {"class": "ABCD", "lang": "ja"}),
])
def test_the_students_link_carries_the_teachers_language(params, language, expected):
    assert join.with_language(params, language) == expected
    address = join.page_address(None, "http://192.0.2.7:8501/", None, None, join.with_language(params, language))
    assert ("lang=" + language in address) == (language != "en" or "lang" in params)


def test_a_student_in_a_japanese_class_gets_the_page_in_japanese(store, a_drawn_seven):
    info = store.new_class()
    at = wall_page(**{"class": info.code, "lang": "ja"})
    assert not at.exception
    assert any("あなたは" in caption.value for caption in at.caption)  # "Class ABCD · you are **Otter 17**"
    at = draw(at, a_drawn_seven)
    assert not at.exception
    assert [b.label for b in at.button if b.key == "send"] == ["ウォールに送る"]
    assert "data-prediction=\"7\"" in html(at)


def test_a_class_started_in_german_keeps_german_on_its_wall(store):
    at = in_language(AppTest.from_file(APP, default_timeout=TIMEOUT), "de")
    at.query_params["present"] = "1"
    at = at.run()
    at = next(b for b in at.button if b.label == "Klasse starten").click().run()
    assert not at.exception
    assert at.query_params["lang"] in ("de", ["de"]) and at.query_params["teacher"]
    labels = [b.label for b in at.button]
    assert "Wand leeren" in labels and "Klasse beenden und ihre Zeichnungen löschen" in labels
    assert any("Noch keine Zeichnung" in info.value for info in at.info)


def test_the_confusion_matrix_writes_its_numbers_the_german_way(app):
    import json

    at = in_language(app, "de")
    at.session_state["view"] = "Fehler"
    at.run()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"]["number"]["thousands"] == "."
    titles = {layer["encoding"]["x"]["title"] for layer in spec["layer"] if "x" in layer.get("encoding", {})}
    assert titles == {"Gelesene Ziffer"}
