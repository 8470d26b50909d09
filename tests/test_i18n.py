"""The catalogs against the code: every string the page marks is in each catalog, translated (German,
Japanese), none left over, placeholders kept; and the language is per thread, numbers the language's way."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from mlp import i18n

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = ("de", "ja")  # English may leave msgstr empty: the msgid is the English text
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([A-Za-z_]+\))?[sdfr]")


def code_messages() -> dict[str, tuple[str, ...]]:
    """Every message the code marks, extracted as `pybabel extract -F babel.cfg` does: msgid -> all its ids."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        ids = message if isinstance(message, tuple) else (message,)
        found[ids[0]] = ids
    return found


def catalog(code: str):
    with (ROOT / "locales" / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


@pytest.fixture(scope="module")
def marked() -> dict[str, tuple[str, ...]]:
    found = code_messages()
    assert len(found) > 300, "the extraction found almost nothing: babel.cfg no longer matches the code"
    return found


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_every_marked_string_is_in_the_catalog_and_none_is_stale(code, marked):
    entries = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog(code) if message.id}
    missing, stale = sorted(set(marked) - entries), sorted(entries - set(marked))
    assert not missing, f"{code}: in the code, not in the catalog (pybabel extract, then update): {missing[:10]}"
    assert not stale, f"{code}: in the catalog, gone from the code (pybabel update --ignore-obsolete): {stale[:10]}"
    assert not list(catalog(code).obsolete), f"{code}: obsolete (#~) entries left: run update with --ignore-obsolete"


@pytest.mark.parametrize("code", TRANSLATED)
def test_german_and_japanese_translate_every_string(code):
    untranslated = [message.id for message in catalog(code) if message.id and (
        message.fuzzy or not all(message.string if isinstance(message.string, tuple) else (message.string,)))]
    assert not untranslated, f"{code}: untranslated or fuzzy: {untranslated[:10]}"


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_translations_keep_their_placeholders(code):
    for message in catalog(code):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # Each placeholder kept, none added (format() would fail on it); one may be said twice or once.
        expected = [set(PLACEHOLDER.findall(message_id)) for message_id in ids]  # a plural's forms may differ
        for string in strings:
            if string:  # English: empty is the msgid itself
                assert set(PLACEHOLDER.findall(string)) in expected, \
                    f"{code}: placeholders differ in {ids[0]!r} -> {string!r}"


def test_a_german_catalog_entry_is_used_and_english_is_the_msgid():
    with i18n.language("de"):
        assert i18n._("Draw") == "Zeichnen"
    with i18n.language("en"):
        assert i18n._("Draw") == "Draw"
    with i18n.language("xx"):  # not spoken: English
        assert i18n.current() == "en"


def test_numbers_and_percentages_are_written_the_languages_way():
    with i18n.language("de"):
        assert i18n.percent(0.994, 1) == "99,4\u00a0%"
        assert i18n.number(10000) == "10.000"
    with i18n.language("en"):
        assert i18n.percent(0.994, 1) == "99.4%"
        assert i18n.number(10000) == "10,000"
    with i18n.language("ja"):
        assert i18n.percent(0.5) == "50%"


def test_the_language_is_per_thread_not_per_process():
    """Two sessions at once, each in its own script thread, each keeps its own language."""
    seen = {}
    ready = threading.Barrier(2)

    def session(code: str) -> None:
        i18n.activate(code)
        ready.wait()  # both have set theirs before either reads
        seen[code] = i18n._("Draw")

    threads = [threading.Thread(target=session, args=(code,)) for code in ("de", "ja")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"de": "Zeichnen", "ja": "描く"}


def test_a_thread_where_nothing_was_set_asks_the_lookup():
    """A fragment's rerun runs in a new thread: the page's lookup (the session's language) decides there."""
    seen = []
    previous = i18n.follow(lambda: "de")
    try:
        thread = threading.Thread(target=lambda: seen.append(i18n.current()))
        thread.start()
        thread.join()
    finally:
        i18n.follow(previous)
    assert seen == ["de"]


@pytest.mark.parametrize(("asked", "spoken"), [("de-AT", "de"), ("ja_JP", "ja"), ("EN-us", "en"),
                                               ("fr-FR", None), ("", None), (None, None)])
def test_supported_reads_a_browser_locale(asked, spoken):
    assert i18n.supported(asked) == spoken


def glyphs_differ(font, first: str, second: str) -> bool:
    """Whether two characters draw differently in `font` (a font without them draws the same empty box)."""
    return bytes(font.getmask(first)) != bytes(font.getmask(second))


@pytest.mark.system  # needs Debian's fonts-ipafont-gothic, which .ci/run installs
def test_japanese_labels_in_pictures_are_drawn_in_a_font_that_has_them():
    from views import pictures

    assert not glyphs_differ(pictures.label_font(14, "en"), "正", "解")  # Pillow's own font: the same box
    assert glyphs_differ(pictures.label_font(14, "ja"), "正", "解")
