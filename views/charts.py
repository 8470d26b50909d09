"""The page's Altair charts: ten probabilities, the confusion matrix, training curves."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def probability_chart(probabilities: np.ndarray) -> alt.Chart:
    """Bars of the ten class probabilities, the most likely digit highlighted."""
    table = pd.DataFrame({"digit": [str(d) for d in range(10)], "probability": probabilities,
                          "top": probabilities == probabilities.max()})
    return alt.Chart(table, height=220).mark_bar().encode(
        x=alt.X("digit:N", sort=None, title="Digit", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("probability:Q", title="Probability", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%", tickCount=5)),
        color=alt.condition("datum.top", alt.value("#e4572e"), alt.value("#9aa5b1")),
        tooltip=["digit", alt.Tooltip("probability:Q", format=".1%")],
    )


def confusion_chart(confusion: np.ndarray, true_digit: int | None, predicted: int | None) -> alt.LayerChart:
    """Heat map of the 10x10 confusion counts; off-diagonal cells coloured by mistakes, clickable."""
    true_idx, pred_idx = np.indices(confusion.shape)
    table = pd.DataFrame({"true": true_idx.ravel(), "predicted": pred_idx.ravel(),
                          "count": confusion.ravel()})
    table["mistakes"] = np.where(table["true"] == table["predicted"], 0, table["count"])
    table["chosen"] = ((true_digit is None or table["true"] == true_digit)
                       & (predicted is None or table["predicted"] == predicted)
                       & (true_digit is not None or predicted is not None))
    cell = alt.selection_point(name="cell", fields=["true", "predicted"], on="click")
    base = alt.Chart(table, width=340, height=340).encode(
        x=alt.X("predicted:O", title="Predicted digit", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("true:O", title="True digit"),
    )
    top = max(int(table["mistakes"].max()), 1)
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.condition("datum.true == datum.predicted", alt.value("#e8ecef"),
                            alt.Color("mistakes:Q", legend=None,
                                      scale=alt.Scale(domain=[0, top], range=["#fff5f0", "#a50f15"]))),
        tooltip=[alt.Tooltip("true:O", title="true"), alt.Tooltip("predicted:O", title="predicted"),
                 alt.Tooltip("count:Q", title="images")],
    ).add_params(cell)
    chosen = base.mark_rect(fill=None, stroke="#1f77b4", strokeWidth=2.5).transform_filter("datum.chosen")
    counts = base.mark_text(fontSize=11).encode(
        text=alt.Text("count:Q"),
        color=alt.condition(f"datum.mistakes > {top / 2}", alt.value("white"), alt.value("#333333")),
    ).transform_filter("datum.count > 0")
    return cells + counts + chosen


def curves_chart(history: dict[str, list[float]], metric: str) -> alt.Chart:
    """Train and test `metric` (loss or accuracy) per epoch."""
    rows = [{"epoch": epoch + 1, "set": name, metric: value}
            for key, name in ((metric, "train"), (f"test_{metric}", "test"))
            for epoch, value in enumerate(history.get(key, []))]
    return alt.Chart(pd.DataFrame(rows), height=260).mark_line(point=True).encode(
        x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1), title="Epoch"),
        y=alt.Y(f"{metric}:Q", scale=alt.Scale(zero=False)),
        color=alt.Color("set:N", title=None, legend=alt.Legend(orient="top-right")),
        tooltip=["epoch", "set", alt.Tooltip(f"{metric}:Q", format=".4f")],
    )
