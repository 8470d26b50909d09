"""The docs: every link between them leads somewhere, and the lesson plans quote the page as it is.

The plans put the page's own labels in bold and nothing else, so each bold span must be text the
page's code shows (a number in it may be a field the code fills in, as in "Hidden layer 1"). The
German and Japanese plans quote the page in their own language: a bold span there must be in that
language's catalog as translated (a {placeholder} standing for a name or a number), or be a name or
number the code shows that is no English label the catalog translates.
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
PLANS = [ROOT / "docs" / name for name in ("lesson-plan.md", "lesson-plan.de.md", "lesson-plan.ja.md")]
LINK = re.compile(r"\]\(([^)\s]+)\)")  # a Markdown link or image: ](target)
BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
STEP_ROW = re.compile(r"^\| ?(\d)\. .*?\| *(\d+) *\| *(\d+):(\d\d) *\|", re.M)  # | 1. ... | 7 | 0:00 |
PLAN_LANGUAGE = {"lesson-plan.de.md": "de", "lesson-plan.ja.md": "ja"}
PLACEHOLDER = re.compile(r"(\{[^{}]*\})")
MARKUP = re.compile(r"\*\*|</?b>")  # the page shows "**x**" and "<b>x</b>" as x, in bold
LETTER = "A-Za-zÀ-ÖØ-öø-ÿ"  # a label ends where a word does ("Pause" is not "Paused"); Japanese has no spaces to end at


def page_source() -> str:
    """The text of every module the page runs: the frame, its views and mlp."""
    files = [ROOT / "app.py", *(ROOT / "views").glob("*.py"), *(ROOT / "mlp").rglob("*.py")]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def shown_by(label: str, source: str) -> bool:
    """Whether `label` is in `source` as whole words, a run of digits in it also matching an f-string field."""
    pattern = "".join(r"(?:\d+|\{[^}]*\})" if part.isdigit() else re.escape(part)
                      for part in re.split(r"(\d+)", label))
    return re.search(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])", source) is not None  # whole words: "Pause" is not "Paused"


def translations(language: str) -> list[tuple[str, str]]:
    """(English, translated) for every translated message of a catalog, each plural form its own pair."""
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    pairs = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(MARKUP.sub("", ids[min(form, len(ids) - 1)]), MARKUP.sub("", string))
                  for form, string in enumerate(strings) if message.id and string]
    return pairs


def quoted_from(label: str, message: str) -> bool:
    """Whether `label` is a stretch of `message` as the page shows it, whole words, with each {placeholder}
    standing for any text, though for less than half of the label (a name or a number, not the label)."""
    parts = PLACEHOLDER.split(message)  # literal, placeholder, literal, ...
    literals = parts[::2]

    def at_word_edge(text: str, index: int) -> bool:
        return not (0 < index < len(text) and re.match(f"[{LETTER}]", text[index - 1])
                    and re.match(f"[{LETTER}]", text[index]))

    for first, literal in enumerate(literals):
        if any(literal[start:start + len(label)] == label and at_word_edge(literal, start)
               and at_word_edge(literal, start + len(label)) for start in range(len(literal) - len(label) + 1)):
            return True
        for last in range(first + 1, len(literals)):  # the label runs over placeholders first..last
            head = "|".join(re.escape(literal[start:]) for start in range(len(literal) + 1)
                            if at_word_edge(literal, start))
            tail = "|".join(re.escape(literals[last][:end]) for end in range(len(literals[last]), -1, -1)
                            if at_word_edge(literals[last], end))
            pieces = [f"(?:{head})", *(re.escape(text) for text in literals[first + 1:last]), f"(?:{tail})"]
            match = re.fullmatch("(.*)".join(pieces), label, re.S)
            if match and 2 * sum(len(field) for field in match.groups()) < len(label):
                return True
    return False


def test_the_plans_exist_and_are_linked_from_the_lesson_and_the_readme():
    lesson = (ROOT / "docs" / "lesson.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for plan in PLANS:
        assert plan.is_file(), plan
        assert f"]({plan.name})" in lesson, f"docs/lesson.md does not link {plan.name}"
        assert f"](docs/{plan.name})" in readme, f"the README does not link {plan.name}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_relative_link_leads_to_a_file(doc):
    text = doc.read_text(encoding="utf-8")
    broken = [target for target in LINK.findall(text)
              if "://" not in target and not target.startswith(("#", "mailto:"))
              and not (doc.parent / target.split("#")[0]).exists()]
    assert not broken, f"{doc.name} links to missing files: {broken}"


def plan_labels(plan: Path) -> set[str]:
    """The bold spans of a plan, each on one line."""
    return {" ".join(span.split()) for span in BOLD.findall(plan.read_text(encoding="utf-8"))}


def test_every_label_the_english_plan_quotes_is_one_the_page_shows():
    source = page_source()
    labels = plan_labels(PLANS[0])
    assert len(labels) > 20  # the plan quotes the page throughout, not in a line or two
    missing = sorted(label for label in labels if not shown_by(label, source))
    assert not missing, f"lesson-plan.md quotes labels the page does not show: {missing}"


def shown_in(label: str, pairs: list[tuple[str, str]], source: str) -> bool:
    """Whether the page in a catalog's language shows `label`: a translation has it, or it is a name or
    number of the code's that no translated English message holds (an untranslated English label fails)."""
    if any(quoted_from(label, translated) for _english, translated in pairs):
        return True
    return shown_by(label, source) and not any(shown_by(label, english) for english, _translated in pairs)


@pytest.mark.parametrize("plan", PLANS[1:], ids=lambda path: path.name)
def test_every_label_a_translated_plan_quotes_is_the_page_in_its_language(plan):
    pairs, source = translations(PLAN_LANGUAGE[plan.name]), page_source()
    labels = plan_labels(plan)
    assert len(labels) > 20
    missing = sorted(label for label in labels if not shown_in(label, pairs, source))
    assert not missing, f"{plan.name} quotes labels the page does not show in its language: {missing}"


@pytest.mark.parametrize("plan", PLANS[1:], ids=lambda path: path.name)
def test_a_translated_plan_tells_the_teacher_to_open_the_page_in_its_language(plan):
    assert f"?lang={PLAN_LANGUAGE[plan.name]}" in plan.read_text(encoding="utf-8")


def test_quoted_from_lets_a_placeholder_stand_for_a_name_but_not_for_the_label():
    assert quoted_from("Verborgene Schicht 1", "Verborgene Schicht {index}: {total} Neuronen")
    assert quoted_from("das Ausgangsmodell (world)", "das Ausgangsmodell ({name})")
    assert quoted_from("Zeichnungen der 10 zurückgehaltenen Schüler (150)",
                       "Zeichnungen der {students} zurückgehaltenen Schüler ({drawings})")
    assert quoted_from("Wand leeren", "Wand leeren")
    assert quoted_from("隠れ層", "隠れ層 {index}")
    assert not quoted_from("Klasse beenden und alles", "{first} und {second}")  # the fields would be the label
    assert not quoted_from("Wand leere", "Wand leeren")  # whole words
    assert not quoted_from("Verborgene Schicht 1", "Verborgene Schichten {index}")
    assert not quoted_from("Klasse beendn", "Klasse beenden")


def test_an_english_label_in_a_translated_plan_is_not_taken_for_a_name_of_the_code():
    pairs = [("Pause sending", "Senden pausieren"), ("Start from", "Ausgehend von")]
    source = 'st.toggle(_("Pause sending")); MODELS = ("world", "classic")'
    assert shown_in("Senden pausieren", pairs, source)
    assert shown_in("world", pairs, source)
    assert not shown_in("Pause sending", pairs, source)
    assert not shown_in("Senden pausiert", pairs, source)


def test_shown_by_matches_a_label_with_a_number_in_an_f_string_and_nothing_looser():
    source = 'f"<b>Hidden layer {index}</b>: {total:,} units" "Pause sending"'
    assert shown_by("Hidden layer 1", source)
    assert shown_by("Pause sending", source)
    assert not shown_by("Hidden layers", source)
    assert not shown_by("Pause", 'st.toggle("Resume")')
    assert not shown_by("Pause sendin", source)


@pytest.mark.parametrize("plan", PLANS, ids=lambda path: path.name)
def test_a_plans_steps_fill_45_minutes_back_to_back_as_in_the_english_one(plan):
    rows = [tuple(map(int, row)) for row in STEP_ROW.findall(plan.read_text(encoding="utf-8"))]
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5, 6]
    starts = [hours * 60 + minutes for _, _, hours, minutes in rows]
    lengths = [row[1] for row in rows]
    assert starts == [sum(lengths[:index]) for index in range(len(rows))]  # each step starts as the last ends
    assert sum(lengths) == 45
    english = [row[1] for row in STEP_ROW.findall(PLANS[0].read_text(encoding="utf-8"))]
    assert [str(length) for length in lengths] == english
