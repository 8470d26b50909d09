"""Presenter mode: ?present=1 in the URL (a teacher can bookmark it) sizes the canvas and the
prediction to the screen, keeps the explanations short and starts with the sidebar folded."""

from __future__ import annotations

import streamlit as st

import mlp
from mlp.i18n import _
from mlp.shapes import CANVAS

PARAM = "present"
STACKED_BELOW = 640  # CSS pixels: narrower windows stack Streamlit's columns
BELOW_CANVAS = 5.5  # rem, from the reporter's top: the gap down to the canvas, then the Clear button's row
PREDICTION_ROW = 150  # when stacked, the prediction comes right under the canvas: keep it in view
SMALLEST, LARGEST, DEFAULT = 240, 900, 360  # canvas side bounds; DEFAULT until the browser reports
MARGIN = 24  # pixels kept free beside the canvas: a scroll bar may narrow the column unreported
CANVAS_SHARE = 0.5  # at most this share of the row goes to the canvas: the lenses need room beside it
GAP = 16  # pixels between the canvas's column and the reading's (gap="medium")
NORMAL_GAP, NORMAL_SHARE = 48, 1 / 2.25  # outside presenter mode: gap="large", columns [1, 1.25]

# The block container's padding (6rem above, 5rem beside) is room for a title and margins; presenter
# mode gives it to the canvas. Text grows with the window (Streamlit sizes it in rem), so labels
# read from the back of a room on a projector and stay as they are on a laptop or a phone.
_STYLE = """<style>
html { font-size: clamp(16px, 1.05vw, 22px); }
[data-testid='stMainBlockContainer'] { padding: 3.75rem 2rem 0 2rem; }
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
    if not space:
        return CANVAS
    column = space["width"] if stacked(space) else (space["width"] - NORMAL_GAP) * NORMAL_SHARE
    return int(max(160, min(CANVAS, column - MARGIN)) // 10 * 10)


def canvas_side(space: dict[str, int] | None) -> int:
    """The canvas's side in CSS pixels: as large as the window's height below it and its share of the
    row allow (stacked on a phone: the whole row). `space` is the row's, reported above it: the
    canvas's column is then sized to the canvas (columns)."""
    if not space:
        return DEFAULT
    below = BELOW_CANVAS * space.get("rem", 16) + (PREDICTION_ROW if stacked(space) else 0)
    across = space["width"] if stacked(space) else CANVAS_SHARE * space["width"]
    room = min(across - MARGIN, space["viewportHeight"] - space["top"] - below)
    return int(max(SMALLEST, min(LARGEST, room)) // 10 * 10)


def columns(space: dict[str, int] | None, side: int) -> list[float]:
    """Widths of the canvas's column and the reading's: the canvas's just fits it, the reading gets the
    rest (the lenses need it); before the browser reports, a guess."""
    if not space:
        return [1.1, 1]
    pad = side + MARGIN + GAP
    return [pad, max(space["width"] - pad, pad / 2)]


def digit_size(side: int, under_canvas: bool = False) -> int:
    """Font size of the predicted digit in CSS pixels: about a third of the canvas beside it (at least
    170, a 120-pixel glyph), smaller when it has to fit under the canvas on a phone."""
    return 100 if under_canvas else int(max(170, min(300, side * 0.34)))


# The models a lesson switches between in front of the class: the default and the 128-unit one.
LESSON_MODELS = (mlp.DEFAULT_MODEL, "classic")


def follow_switch() -> None:
    """Callback of the model switch: the sidebar's chooser reads the same model_name."""
    if st.session_state.present_model is not None:
        st.session_state.model_name = st.session_state.present_model


def model_switch() -> None:
    """One click between the lesson's models, showing which one reads; bound to the sidebar's choice."""
    chosen = st.session_state.model_name
    options = list(dict.fromkeys([*LESSON_MODELS, chosen]))  # a model chosen in the sidebar shows too
    st.session_state.present_model = chosen  # the sidebar may have changed it since the last run
    st.caption(_("Model reading:"), width="content",
               help=_("Which model reads the drawing: the default, or the small 128-unit classic. The "
                      "sidebar's chooser holds every model."))
    st.segmented_control(_("Model reading"), options, key="present_model", on_change=follow_switch,
                         label_visibility="collapsed")


def placeholder() -> None:
    """Where the canvas will go, until the browser has said how large it may be: no stroke can begin
    on a canvas that is about to be resized (and lose it)."""
    st.html('<div data-canvas-placeholder style="width:min(45vw,calc(100vh - 16rem));aspect-ratio:1;'
            'background:#000;border-radius:4px;opacity:.85"></div>')
