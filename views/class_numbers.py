"""The class's numbers on the wall: over its labelled drawings, the confusion matrix, accuracy per digit
beside the model's on MNIST, and a contact sheet of the hardest drawings; withheld in a small group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import mlp
from mlp import i18n
from mlp.i18n import _, ngettext
from mlp import class_numbers as numbers
from mlp.classroom import ClassStore
from views import guards, pictures
from views.text import percent

HARDEST = 12  # drawings on the contact sheet


def show(model: mlp.Classifier | None, store: ClassStore, code: str, data_path: str) -> None:
    """The class's numbers, or why they are withheld."""
    contributors = store.contributors(code)
    if not numbers.shown(contributors):
        st.info(ngettext("The class's numbers appear once at least {least} students have said what they meant in a "
                         "drawing ({count} student so far): in a smaller group they would point at people.",
                         "The class's numbers appear once at least {least} students have said what they meant in a "
                         "drawing ({count} students so far): in a smaller group they would point at people.",
                         contributors).format(least=numbers.MIN_CONTRIBUTORS, count=contributors))
        return
    if model is None:
        guards.no_model()
        return
    labelled = store.labelled(code)
    counts = numbers.confusion(labelled.y, labelled.reading)
    ours = numbers.accuracy_per_digit(counts)
    scored = guards.scored_test_set(model, data_path)
    mnist = None if scored is None else numbers.accuracy_per_digit(scored[0].confusion)
    right = int(np.trace(counts))
    # The counts ride along as data, as the Inside panel's numbers do: a reader of the page (or a
    # browser test) gets the matrix without decoding the chart's picture.
    st.html(f'<p data-confusion="{",".join(str(n) for n in counts.ravel())}" style="font-weight:700">'
            + ngettext("{drawings} labelled drawing from {students} students: the model read {percent} right.",
                       "{drawings} labelled drawings from {students} students: the model read {percent} right.",
                       len(labelled)).format(drawings=i18n.number(len(labelled)), students=contributors,
                                             percent=percent(right / len(labelled))) + "</p>")
    if mnist is not None:
        for digit in numbers.worse_than_mnist(ours, counts, mnist):
            # MNIST's share to one decimal, as the table beside has it: 99.6% rounded to '100%' would
            # claim a model that never misreads that digit.
            st.markdown(_("Our {digit}s are read worse than MNIST's: {ours} against {mnist}.").format(
                digit=digit, ours=percent(ours[digit]), mnist=i18n.percent(mnist[digit], 1)))
    matrix, scores = st.columns([1, 1], gap="large")
    with matrix:
        from views import charts  # Altair: only once this view is shown

        st.altair_chart(charts.confusion_chart(counts, None, None, presenting=True), width="content")
    with scores:
        table = per_digit_table(counts, ours, mnist)
        # Percentages as the page's language writes them; a Styler keeps the numbers for sorting.
        shown = table.style.format(lambda v: i18n.percent(v / 100), subset=["ours"]).format(
            lambda v: i18n.percent(v / 100, 1), subset=[c for c in ("MNIST",) if c in table])
        st.dataframe(shown, hide_index=True, width="stretch", column_config={
            "digit": st.column_config.NumberColumn(_("digit")),
            "ours": st.column_config.NumberColumn(_("read right, ours"),
                                                  help=_("Of the class's drawings of this digit, the share "
                                                         "the model read as what their student meant")),
            "MNIST": st.column_config.NumberColumn(_("read right, MNIST"),
                                                   help=_("Of MNIST's 10,000 test digits of this digit, the "
                                                          "share the same model reads right")),
            "drawings": st.column_config.NumberColumn(_("labelled drawings"))})
    hardest_drawings(model, labelled)


def per_digit_table(counts: np.ndarray, ours: np.ndarray, mnist: np.ndarray | None) -> pd.DataFrame:
    """Digit, how many labelled, the class's accuracy and the model's on MNIST's test digits (percent)."""
    table = pd.DataFrame({"digit": np.arange(10), "drawings": counts.sum(axis=1), "ours": ours * 100})
    if mnist is not None:
        table["MNIST"] = mnist * 100
    return table.round(1)


def hardest_drawings(model: mlp.Classifier, labelled) -> None:
    """The labelled drawings whose meant digit the model found least likely, framed red when misread."""
    probabilities = mlp.predict_proba(model, mlp.as_model_input(labelled.x))
    chosen = numbers.hardest(probabilities, labelled.y, HARDEST)
    st.markdown(_("**The class's hardest drawings** (least likely to be what their student meant; "
                  "each title is the model's reading, the meant digit in brackets):"))
    st.image(pictures.contact_sheet(labelled.x[chosen], labelled.y[chosen], labelled.reading[chosen],
                                    columns=HARDEST, scale=4), width="content")
