"""Presenter mode: ?present=1 in the URL (a teacher can bookmark it) sizes the canvas and the
prediction to the screen, keeps the explanations short and starts with the sidebar folded."""

from __future__ import annotations

import streamlit as st

from mlp.shapes import CANVAS

PARAM = "present"
STACKED_BELOW = 640  # CSS pixels: narrower windows stack Streamlit's columns
BELOW_CANVAS = 5.5  # rem, from the reporter's top: the gap down to the canvas, then the Clear button's row
PREDICTION_ROW = 150  # when stacked, the prediction comes right under the canvas: keep it in view
SMALLEST, LARGEST, DEFAULT = 240, 900, 360  # canvas side bounds; DEFAULT until the browser reports
MARGIN = 24  # pixels kept free beside the canvas: a scroll bar may narrow the column unreported

# The block container's padding (6rem above, 5rem beside) is room for a title and margins; presenter
# mode gives it to the canvas. Text grows with the window (Streamlit sizes it in rem), so labels
# read from the back of a room on a projector and stay as they are on a laptop or a phone.
_STYLE = """<style>
html { font-size: clamp(16px, 1.05vw, 22px); }
[data-testid='stMainBlockContainer'] { padding: 3.75rem 2rem 2rem 2rem; }
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


def stacked(space: dict[str, int] | None) -> bool:
    """Whether the window is so narrow that the prediction comes under the canvas, not beside it."""
    return bool(space) and space["viewportWidth"] < STACKED_BELOW


def normal_side(space: dict[str, int] | None) -> int:
    """The canvas's side outside presenter mode: 280 pixels, less when its column is narrower (a
    sidebar open on a small screen, browser zoom), so that it is never cut off."""
    return CANVAS if not space else int(max(160, min(CANVAS, space["width"] - MARGIN)) // 10 * 10)


def canvas_side(space: dict[str, int] | None) -> int:
    """The canvas's side in CSS pixels: as large as the column and the window's height below it allow."""
    if not space:
        return DEFAULT
    below = BELOW_CANVAS * space.get("rem", 16) + (PREDICTION_ROW if stacked(space) else 0)
    room = min(space["width"] - MARGIN, space["viewportHeight"] - space["top"] - below)
    return int(max(SMALLEST, min(LARGEST, room)) // 10 * 10)


def digit_size(side: int, under_canvas: bool = False) -> int:
    """Font size of the predicted digit in CSS pixels: about a third of the canvas beside it (at least
    170, a 120-pixel glyph), smaller when it has to fit under the canvas on a phone."""
    return 100 if under_canvas else int(max(170, min(300, side * 0.34)))
