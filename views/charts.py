"""The confusion matrix and the training curves, in Altair.

Altair and pandas cost the server about 140 MB: only the views that chart import this module,
when they are first shown (the Draw view's bars are plain HTML, views/bars.py).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
from babel.numbers import get_decimal_symbol, get_group_symbol

from mlp import i18n
from mlp.i18n import N_, _


# Chart sizes and type in pixels (Vega draws in pixels, not rem): the page's, and presenter mode's,
# where every number must read from the back of a room.
MATRIX_SIDE, MATRIX_FONT, AXIS_FONT = 340, 11, 11
PRESENT_SIDE, PRESENT_FONT, PRESENT_AXIS_FONT = 400, 15, 18
METRICS = {"loss": N_("loss"), "accuracy": N_("accuracy")}  # a curve's metric -> its axis title


def confusion_chart(confusion: np.ndarray, true_digit: int | None, predicted: int | None,
                    shares: np.ndarray | None = None, presenting: bool = False) -> alt.LayerChart:
    """Heat map of the 10x10 confusion counts; off-diagonal cells coloured by mistakes, clickable.

    With `shares` (each row as shares of that true digit's images) the cells show and are coloured
    by percentages of their row instead of counts: a rare digit's mistakes weigh as much. With
    `presenting`, larger cells and type.
    """
    side, font, axis_font = (PRESENT_SIDE, PRESENT_FONT, PRESENT_AXIS_FONT) if presenting else \
        (MATRIX_SIDE, MATRIX_FONT, AXIS_FONT)
    # Vega drops labels it thinks overlap (every other row, once the type grows): a digit's row
    # without its label cannot be read, and ten labels always fit in ten cells.
    axis = dict(labelOverlap=False, labelFontSize=axis_font, titleFontSize=axis_font, labelPadding=6)
    true_idx, pred_idx = np.indices(confusion.shape)
    table = pd.DataFrame({"true": true_idx.ravel(), "predicted": pred_idx.ravel(),
                          "count": confusion.ravel()})
    table["share"] = 0.0 if shares is None else shares.ravel() * 100
    shown = "count" if shares is None else "share"
    table["mistakes"] = np.where(table["true"] == table["predicted"], 0, table[shown])
    table["chosen"] = ((true_digit is None or table["true"] == true_digit)
                       & (predicted is None or table["predicted"] == predicted)
                       & (true_digit is not None or predicted is not None))
    cell = alt.selection_point(name="cell", fields=["true", "predicted"], on="click")
    base = alt.Chart(table, width=side, height=side).encode(
        x=alt.X("predicted:O", title=_("Predicted digit"), axis=alt.Axis(labelAngle=0, orient="top", **axis)),
        y=alt.Y("true:O", title=_("True digit"), axis=alt.Axis(**axis)),
    )
    top = max(float(table["mistakes"].max()), 1e-9)
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.condition("datum.true == datum.predicted", alt.value("#e8ecef"),
                            alt.Color("mistakes:Q", legend=None,
                                      scale=alt.Scale(domain=[0, top], range=["#fff5f0", "#a50f15"]))),
        tooltip=[alt.Tooltip("true:O", title=_("true")), alt.Tooltip("predicted:O", title=_("predicted")),
                 alt.Tooltip("count:Q", title=_("images")),
                 alt.Tooltip("share:Q", title=_("% of row"), format=".1f")],
    ).add_params(cell)
    chosen = base.mark_rect(fill=None, stroke="#1f77b4", strokeWidth=2.5).transform_filter("datum.chosen")
    counts = base.mark_text(fontSize=font).encode(
        text=alt.Text("count:Q") if shares is None else alt.Text("share:Q", format=".1f"),
        color=alt.condition(f"datum.mistakes > {top / 2}", alt.value("white"), alt.value("#333333")),
    ).transform_filter("datum.count > 0")
    return localised(cells + counts + chosen)


def localised(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart with its numbers (axes, cells, tooltips) written the page's language's way: '12,5' in German."""
    code = i18n.current()
    return chart.configure(locale={"number": {"decimal": get_decimal_symbol(code), "thousands": get_group_symbol(code),
                                              "grouping": [3], "currency": ["", ""]}})


def curves_chart(history: dict[str, list[float]], metric: str,
                 previous: dict[str, list[float]] | None = None, previous_label: str | None = None) -> alt.Chart:
    """Train and test `metric` (loss or accuracy) per epoch; a previous run's beside it, dashed.

    Training still improving while the test curve turns back is over-fitting; both flat and
    poor is under-fitting: the comparison is what makes that visible.
    """
    this_run, previous_label = _("this run"), previous_label or _("previous")
    runs = [(this_run, history)] + ([(previous_label, previous)] if previous else [])
    # Every line named up front, so that each keeps its colour whichever have points yet.
    line = _("{set} ({run})")  # e.g. "train (this run)"
    sets = ((metric, _("train")), (f"test_{metric}", _("test")))
    names = [line.format(set=name, run=run) for run in (this_run, previous_label) for _key, name in sets]
    rows = [{"epoch": epoch + 1, "set": line.format(set=name, run=run), "run": run, metric: value}
            for run, values in runs
            for key, name in sets
            for epoch, value in enumerate(values.get(key, []))]
    return localised(alt.Chart(pd.DataFrame(rows, columns=["epoch", "set", "run", metric]), height=260).mark_line(
        point=True).encode(
        x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1), title=_("Epoch")),
        y=alt.Y(f"{metric}:Q", scale=alt.Scale(zero=False), title=_(METRICS.get(metric, metric))),
        color=alt.Color("set:N", title=None, legend=alt.Legend(orient="top", columns=2, labelLimit=0),
                        scale=alt.Scale(domain=names, range=["#1f77b4", "#e4572e", "#9ecae1", "#f4a582"])),
        strokeDash=alt.StrokeDash("run:N", legend=None,
                                  scale=alt.Scale(domain=[this_run, previous_label], range=[[1, 0], [4, 3]])),
        tooltip=[alt.Tooltip("epoch:Q", title=_("Epoch")), alt.Tooltip("set:N", title=_("curve")),
                 alt.Tooltip(f"{metric}:Q", title=_(METRICS.get(metric, metric)), format=".4f")],
    ))
