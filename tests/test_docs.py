"""The docs: every link between them leads somewhere, and the lesson plans quote the page as it is.

The plans put the page's own labels in bold and nothing else, so each bold span must be text the
page's code shows (a number in it may be a field the code fills in, as in "Hidden layer 1").
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
PLANS = [ROOT / "docs" / name for name in ("lesson-plan.md", "lesson-plan.de.md", "lesson-plan.ja.md")]
LINK = re.compile(r"\]\(([^)\s]+)\)")  # a Markdown link or image: ](target)
BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
STEP_ROW = re.compile(r"^\| ?(\d)\. .*?\| *(\d+) *\| *(\d+):(\d\d) *\|", re.M)  # | 1. ... | 7 | 0:00 |


def page_source() -> str:
    """The text of every module the page runs: the frame, its views and mlp."""
    files = [ROOT / "app.py", *(ROOT / "views").glob("*.py"), *(ROOT / "mlp").rglob("*.py")]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def shown_by(label: str, source: str) -> bool:
    """Whether `label` is in `source` as whole words, a run of digits in it also matching an f-string field."""
    pattern = "".join(r"(?:\d+|\{[^}]*\})" if part.isdigit() else re.escape(part)
                      for part in re.split(r"(\d+)", label))
    return re.search(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])", source) is not None  # whole words: "Pause" is not "Paused"


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


@pytest.mark.parametrize("plan", PLANS, ids=lambda path: path.name)
def test_every_label_a_plan_quotes_is_one_the_page_shows(plan):
    source = page_source()
    labels = {" ".join(span.split()) for span in BOLD.findall(plan.read_text(encoding="utf-8"))}
    assert len(labels) > 20  # the plan quotes the page throughout, not in a line or two
    missing = sorted(label for label in labels if not shown_by(label, source))
    assert not missing, f"{plan.name} quotes labels the page does not show: {missing}"


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
