"""Presenter mode: ?present=1 in the URL (a teacher can bookmark it) sizes the canvas and the
prediction to the screen, keeps the explanations short and starts with the sidebar folded."""

from __future__ import annotations

import streamlit as st

PARAM = "present"
STACKED_BELOW = 640  # CSS pixels: narrower windows stack Streamlit's columns
BELOW_CANVAS = 64  # the Clear button's row under the canvas
PREDICTION_ROW = 150  # when stacked, the prediction comes right under the canvas: keep it in view
SMALLEST, LARGEST, DEFAULT = 240, 900, 360  # canvas side bounds; DEFAULT until the browser reports
NORMAL_SIDE = 280  # the canvas side the pen width slider's values are meant for

# The block container's top padding (6rem) is room for a title; presenter mode starts at the tabs.
_STYLE = """<style>
[data-testid='stMainBlockContainer'] { padding-top: 3.25rem; padding-bottom: 2rem; }
</style>"""


def from_url() -> bool:
    """Whether the page is in presenter mode: ?present=1."""
    return st.query_params.get(PARAM) == "1"


def to_url() -> None:
    """Callback of the presenter toggle: write the choice into the URL, which decides from then on."""
    if st.session_state.present:
        st.query_params[PARAM] = "1"
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def compact_page() -> None:
    """Less padding above the tabs, so the canvas and the prediction fit a projector's screen."""
    st.html(_STYLE)


def canvas_side(space: dict[str, int] | None) -> int:
    """The canvas's side in CSS pixels: as large as the column and the window's height below it allow."""
    if not space:
        return DEFAULT
    below = BELOW_CANVAS + (PREDICTION_ROW if space["viewportWidth"] < STACKED_BELOW else 0)
    room = min(space["width"], space["viewportHeight"] - space["top"] - below)
    return int(max(SMALLEST, min(LARGEST, room)) // 10 * 10)


def digit_size(side: int) -> int:
    """Font size of the predicted digit in CSS pixels: about a third of the canvas, never small."""
    return int(max(110, min(300, side * 0.34)))
