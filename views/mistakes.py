"""The Mistakes view: every misread test digit, filtered by a confusion-matrix cell, each one a click
away from the Draw view's look inside the network; per-digit precision and recall beside the matrix."""

from __future__ import annotations

import streamlit as st

import mlp
from mlp import i18n
from mlp.i18n import _, ngettext
from views import canvas_content, guards, pictures
from views.filters import digit_choice
from views.state import ANY
from views.text import percent

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
    """'12 mistakes: true 3, read as 5' and the like: one whole sentence per case (word order differs)."""
    if true_digit is not None and predicted is not None:
        sentence = ngettext("**{count} mistake**: true {digit}, read as {read} (most confident first)",
                            "**{count} mistakes**: true {digit}, read as {read} (most confident first)", count)
    elif true_digit is not None:
        sentence = ngettext("**{count} mistake**: true {digit} (most confident first)",
                            "**{count} mistakes**: true {digit} (most confident first)", count)
    elif predicted is not None:
        sentence = ngettext("**{count} mistake**: read as {read} (most confident first)",
                            "**{count} mistakes**: read as {read} (most confident first)", count)
    else:
        sentence = ngettext("**{count} mistake** in all (most confident first)",
                            "**{count} mistakes** in all (most confident first)", count)
    return sentence.format(count=i18n.number(count), digit=true_digit, read=predicted)


def per_digit_table(evaluation: mlp.Evaluation):
    """Per digit: its test images, precision (of those read as it, how many were it) and recall."""
    import pandas as pd  # here, not at the top: see views/charts.py

    return pd.DataFrame({"digit": range(10), "images": evaluation.confusion.sum(axis=1),
                         "precision": evaluation.precision * 100, "recall": evaluation.recall * 100})


def one_decimal_percent(value: float) -> str:
    """99.35 (a percentage) -> '99.4%' ('99,4 %' in German): a per-digit table's cell."""
    return i18n.percent(value / 100, 1)


def pager(page: int, pages: int, where: str) -> None:
    """Previous / page n of m / Next; `where` tells the top and the bottom pager's keys apart."""
    back, middle, forward = st.columns([1, 1.2, 1], vertical_alignment="center")
    back.button(_("Previous"), key=f"mistakes_back{where}", on_click=move_page, args=(-1,),
                disabled=page == 0, width="stretch")
    middle.markdown(_("Page {page} of {pages}").format(page=page + 1, pages=pages), text_alignment="center")
    forward.button(_("Next"), key=f"mistakes_next{where}", on_click=move_page, args=(1,),
                   disabled=page + 1 >= pages, width="stretch")


def show(model: mlp.Classifier | None, data_path: str) -> None:
    """Every misread test digit, filtered by a confusion-matrix cell, most confident first."""
    if (scored := guards.scored_test_set(model, data_path)) is None:
        return
    evaluation, x_test = scored
    st.markdown(_("**{model}** misreads **{wrong}** of the {count} test digits. Click a cell of the matrix "
                  "(row: true digit, column: the model's reading) or pick digits to see those mistakes.").format(
        model=model.name, wrong=i18n.number(evaluation.error_count), count=i18n.number(len(x_test))))
    matrix, scores, filters = st.columns([1.25, 0.85, 1], gap="medium")
    with filters:
        true_digit = digit_choice(_("True digit"), "mistake_true", on_change=reset_page)
        predicted = digit_choice(_("Predicted digit"), "mistake_predicted", on_change=reset_page)
    with matrix:
        rows = st.toggle(_("Rows as percentages"), key="confusion_rows", persist_state="page",
                         help=_("Each row as shares of that digit's test images, so rows compare fairly."))
        shares = evaluation.confusion_shares if rows else None
        from views import charts  # Altair: only once this view is shown

        st.altair_chart(charts.confusion_chart(evaluation.confusion, true_digit, predicted, shares,
                                              presenting=st.session_state.present),
                        width="content", on_select=pick_confusion_cell, selection_mode="cell", key="confusion")
    with scores:
        # Percentages as the page's language writes them ("99,4 %"): a Styler shows them so and keeps the
        # numbers for sorting (a column format would write them the English way whatever the language).
        table = per_digit_table(evaluation).style.format(one_decimal_percent, subset=["precision", "recall"])
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "digit": st.column_config.NumberColumn(_("digit")),
            "images": st.column_config.NumberColumn(_("images")),
            "precision": st.column_config.NumberColumn(_("precision"), help=_(
                "Of the images read as this digit, the share that were this digit")),
            "recall": st.column_config.NumberColumn(_("recall"), help=_(
                "Of this digit's images, the share read as this digit")),
        })
        st.caption(_("Precision: when the model says 3, how often it is a 3. Recall: of the 3s, how many "
                     "it reads as 3."))
    chosen = evaluation.misclassified(true=true_digit, predicted=predicted)
    pages = max(1, -(-len(chosen) // PER_PAGE))
    page = min(st.session_state.mistake_page, pages - 1)
    with filters:
        st.markdown(describe(len(chosen), true_digit, predicted))
        if pages > 1:
            pager(page, pages, "")
    if not len(chosen):
        st.info(_("No mistakes here: the model reads every one of these test digits correctly."))
        return
    with st.container(horizontal=True, gap="small"):
        for index in chosen[page * PER_PAGE : (page + 1) * PER_PAGE]:
            with st.container(width=140, border=True, gap="xxsmall"):
                st.image(pictures.enlarged(x_test[index], 84), width=84)
                true, read = evaluation.labels[index], evaluation.predicted[index]
                st.markdown(_("true **{digit}**, read **:red[{read}]**").format(digit=true, read=read))
                top3 = mlp.top_k(evaluation.probabilities[index], k=3)
                st.caption("  \n".join(f"{digit}: {percent(p)}" for digit, p in top3))
                about = _("test digit {index} (true {digit}, read as {read} by {model})").format(
                    index=i18n.number(index), digit=true, read=read, model=model.name)
                st.button(_("Look inside"), key=f"open-{index}", on_click=canvas_content.open_digit,
                          width="stretch", args=(x_test[index], about),
                          help=_("Open this digit in the Draw view: its input, hidden layer and logits"))
    if pages > 1:
        pager(page, pages, "_bottom")
