"""The Test grid view: a page of test digits with the model's readings, mistakes framed in red."""

from __future__ import annotations

import random

import numpy as np
import streamlit as st

import mlp
from mlp import i18n
from mlp.i18n import _
from views import guards, pictures
from views.filters import digit_choice

GRID_SIDE = 10  # the grid shows GRID_SIDE x GRID_SIDE digits
PAGE = GRID_SIDE * GRID_SIDE
FIT_BELOW = 3  # rem kept under the sheet when it fits the window's height
_FIT = ("<style>.st-key-grid_sheet img{width:min(100%%,calc((100vh - " + str(FIT_BELOW) + "rem) * %.4f))"
        "!important;height:auto!important;max-width:100%%}</style>")


def reset_grid() -> None:
    st.session_state.grid_offset, st.session_state.grid_sample = 0, None


def move_grid(step: int) -> None:
    st.session_state.grid_offset += step
    st.session_state.grid_sample = None


def sample_grid() -> None:
    st.session_state.grid_sample = random.randrange(2**31)


def show(model: mlp.Classifier | None, data_path: str) -> None:
    """A page of test digits with the model's predictions, wrong ones marked."""
    if (scored := guards.scored_test_set(model, data_path)) is None:
        return
    evaluation, x_test = scored
    st.markdown(_("**{model}** reads **{accuracy}** of the {count} MNIST test digits correctly ({wrong} wrong, "
                  "framed in red below).").format(model=model.name, accuracy=i18n.percent(evaluation.accuracy, 2),
                                                  count=i18n.number(len(x_test)), wrong=evaluation.error_count))
    choose, back, forward, shuffle = st.columns([2, 1, 1, 1.3], vertical_alignment="bottom")
    with choose:
        true_digit = digit_choice(_("True digit"), "grid_digit", on_change=reset_grid)
    pool = np.arange(len(x_test)) if true_digit is None else np.flatnonzero(evaluation.labels == true_digit)
    offset = min(st.session_state.grid_offset, max(0, (len(pool) - 1) // PAGE * PAGE))
    back.button(_("Previous"), on_click=move_grid, args=(-PAGE,), disabled=offset == 0, width="stretch")
    forward.button(_("Next"), on_click=move_grid, args=(PAGE,), disabled=offset + PAGE >= len(pool),
                   width="stretch")
    shuffle.button(_("Random sample"), on_click=sample_grid, width="stretch")
    if st.session_state.grid_sample is not None:
        rng = np.random.default_rng(st.session_state.grid_sample)
        shown = rng.choice(pool, size=min(PAGE, len(pool)), replace=False)
    else:
        shown = pool[offset : offset + PAGE]
    shown_wrong = int((evaluation.predicted[shown] != evaluation.labels[shown]).sum())
    # Whole sentences, one per case: word order differs between languages.
    values = dict(first=i18n.number(offset + 1), last=i18n.number(offset + len(shown)), sample=len(shown),
                  total=i18n.number(len(pool)), digit=true_digit, wrong=shown_wrong)
    if st.session_state.grid_sample is not None:
        sentence = (_("Showing a random sample of {sample} of {total} test digits; {wrong} of them misread.")
                    if true_digit is None else
                    _("Showing a random sample of {sample} of {total} test digits {digit}; {wrong} of them misread."))
    else:
        sentence = (_("Showing {first}-{last} of {total} test digits; {wrong} of them misread.")
                    if true_digit is None else
                    _("Showing {first}-{last} of {total} test digits {digit}; {wrong} of them misread."))
    st.caption(sentence.format(**values) + " " + _("Each title is the model's reading."))
    sheet = pictures.contact_sheet(x_test[shown], evaluation.labels[shown], evaluation.predicted[shown],
                                   columns=GRID_SIDE)
    # As large as the window allows: the whole sheet in view under the buttons on a projector, no
    # wider than the column on a phone (never a fixed picture that the window crops or leaves small).
    st.html(_FIT % (sheet.width / sheet.height))
    with st.container(key="grid_sheet"):
        st.image(sheet, width="stretch")
