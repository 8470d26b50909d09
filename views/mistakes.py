"""The Mistakes view: every misread test digit, filtered by a confusion-matrix cell."""

from __future__ import annotations

import streamlit as st

import mlp
from views import charts, guards, pictures
from views.filters import digit_choice
from views.state import ANY
from views.text import percent, plural

PER_PAGE = 24


def pick_confusion_cell() -> None:
    """A click on the heat map sets both digit filters (a diagonal cell: every mistake on that digit)."""
    chosen = st.session_state.confusion.selection.get("cell") or []
    if chosen:
        true_digit, predicted = int(chosen[0]["true"]), int(chosen[0]["predicted"])
        st.session_state.mistake_true = true_digit
        st.session_state.mistake_predicted = ANY if predicted == true_digit else predicted
    else:
        st.session_state.mistake_true = st.session_state.mistake_predicted = ANY
    st.session_state.mistake_page = 0


def reset_page() -> None:
    st.session_state.mistake_page = 0


def move_page(step: int) -> None:
    st.session_state.mistake_page += step


def describe(count: int, true_digit: int | None, predicted: int | None) -> str:
    """'12 mistakes: true 3, read as 5' and the like."""
    parts = ([] if true_digit is None else [f"true {true_digit}"]) + \
            ([] if predicted is None else [f"read as {predicted}"])
    return f"**{plural(count, 'mistake')}**" + (f": {', '.join(parts)}" if parts else " in all") + \
           " (most confident first)"


def show(model: mlp.Classifier | None, data_path: str) -> None:
    """Every misread test digit, filtered by a confusion-matrix cell, most confident first."""
    if (scored := guards.scored_test_set(model, data_path)) is None:
        return
    evaluation, x_test = scored
    st.markdown(f"**{model.name}** misreads **{evaluation.error_count}** of the {len(x_test):,} test "
                "digits. Click a cell of the matrix (row: true digit, column: the model's reading) or "
                "pick digits to see those mistakes.")
    matrix, filters = st.columns([1, 1], gap="large")
    with filters:
        true_digit = digit_choice("True digit", "mistake_true", on_change=reset_page)
        predicted = digit_choice("Predicted digit", "mistake_predicted", on_change=reset_page)
    with matrix:
        st.altair_chart(charts.confusion_chart(evaluation.confusion, true_digit, predicted), width="content",
                        on_select=pick_confusion_cell, selection_mode="cell", key="confusion")
    chosen = evaluation.misclassified(true=true_digit, predicted=predicted)
    pages = max(1, -(-len(chosen) // PER_PAGE))
    page = min(st.session_state.mistake_page, pages - 1)
    with filters:
        st.markdown(describe(len(chosen), true_digit, predicted))
        if pages > 1:
            back, where, forward = st.columns([1, 1.2, 1], vertical_alignment="center")
            back.button("Previous", key="mistakes_back", on_click=move_page, args=(-1,),
                        disabled=page == 0, width="stretch")
            where.markdown(f"Page {page + 1} of {pages}", text_alignment="center")
            forward.button("Next", key="mistakes_next", on_click=move_page, args=(1,),
                           disabled=page + 1 >= pages, width="stretch")
    if not len(chosen):
        st.info("No mistakes here: the model reads every one of these test digits correctly.")
        return
    with st.container(horizontal=True, gap="small"):
        for index in chosen[page * PER_PAGE : (page + 1) * PER_PAGE]:
            with st.container(width=140, border=True, gap="xxsmall"):
                st.image(pictures.enlarged(x_test[index], 84), width=84)
                true, read = evaluation.labels[index], evaluation.predicted[index]
                st.markdown(f"true **{true}**, read **:red[{read}]**")
                top3 = mlp.top_k(evaluation.probabilities[index], k=3)
                st.caption("  \n".join(f"{digit}: {percent(p)}" for digit, p in top3))
