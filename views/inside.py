"""The Inside panel: the drawing as 784 numbers, each hidden layer's activations, ten logits beside
ten probabilities, and why softmax sounds so sure.

Redrawn after every stroke, so it is one small image and plain HTML (no chart library). The
numbers ride along as data attributes, for a test (or a curious visitor's inspector) to read.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import mlp
from mlp.inside import active_count, look_inside, most_active, share_of_gap, top_two_gap
from views import pictures
from views.text import percent

SHOW_EVERY_UNIT = 128  # layers up to this wide show every unit; wider ones their most active
MOST_ACTIVE = 64  # how many units a wider layer shows
ACTIVE, RESTING = "#e4572e", "#c8cdd2"  # a unit above zero; a unit at zero (a sliver, so it still shows)

_STYLE = """<style>
.mlp-bars{display:flex;align-items:flex-end;gap:1px;height:72px;border-bottom:1px solid rgba(128,128,128,.5)}
.mlp-bars>div{flex:1;min-width:1px;background:#e4572e}
.mlp-bars>div.z{background:#c8cdd2;height:2px}
.mlp-out{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
.mlp-out td,.mlp-out th{padding:1px 6px;text-align:right;border:none;white-space:nowrap}
.mlp-out .bar{width:45%;text-align:left}
.mlp-out .bar div{height:.8em;background:#9aa5b1;border-radius:2px}
.mlp-out tr.top .bar div{background:#e4572e}
.mlp-out tr.top td{font-weight:700}
.mlp-out .neg{display:inline-block;height:.8em;background:#1f77b4;border-radius:2px}
.mlp-out .pos{display:inline-block;height:.8em;background:#e4572e;border-radius:2px}
</style>"""


def numbers(values: np.ndarray, digits: int = 8) -> str:
    """Values as a comma-separated attribute value, precise enough to check to 1e-5."""
    return ",".join(f"{float(v):.{digits}g}" for v in values)


def layer_bars(index: int, activations: np.ndarray) -> str:
    """One hidden layer as HTML bars: every unit, or the most active ones of a wide layer."""
    total = len(activations)
    shown = np.arange(total) if total <= SHOW_EVERY_UNIT else most_active(activations, MOST_ACTIVE)
    values = activations[shown]
    top = max(float(values.max()), 1e-9)
    bars = "".join(f'<div style="height:{v / top * 100:.1f}%" title="unit {u}: {v:.2f}"></div>' if v > 0
                   else f'<div class="z" title="unit {u}: 0"></div>' for u, v in zip(shown, values))
    return (f'<div class="mlp-bars" data-layer="hidden-{index}" data-total="{total}" '
            f'data-units="{",".join(str(u) for u in shown)}" data-values="{numbers(values)}" '
            f'role="img" aria-label="Activations of hidden layer {index}">{bars}</div>')


def output_table(logits: np.ndarray, probabilities: np.ndarray) -> str:
    """Ten rows: the digit, its logit (a signed bar) and its probability after softmax (a bar)."""
    best = int(np.argmax(probabilities))
    reach = max(float(np.abs(logits).max()), 1e-9)
    rows = []
    for digit, (logit, p) in enumerate(zip(logits, probabilities)):
        width = abs(float(logit)) / reach * 50
        signed = (f'<span class="neg" style="width:{width:.1f}%;margin-left:{50 - width:.1f}%"></span>'
                  if logit < 0 else f'<span class="pos" style="width:{width:.1f}%;margin-left:50%"></span>')
        rows.append(f'<tr data-output-digit="{digit}" data-logit="{float(logit):.8g}" '
                    f'data-probability="{float(p):.8g}"{" class=top" if digit == best else ""}>'
                    f'<td>{digit}</td><td>{float(logit):+.2f}</td><td class="bar" style="width:30%">{signed}</td>'
                    f'<td>{percent(float(p))}</td><td class="bar"><div style="width:{float(p) * 100:.1f}%">'
                    '</div></td></tr>')
    return ('<table class="mlp-out"><thead><tr><th>digit</th><th>logit</th><th></th><th>softmax</th><th></th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def confidence_note(logits: np.ndarray, brief: bool) -> str:
    """Why softmax sounds so sure: what this drawing's logit gap alone makes of the top digit."""
    gap = top_two_gap(logits)
    share = share_of_gap(gap)
    alone = "over 99.9%" if share > 0.999 else f"{share:.1%}"
    if brief:
        return (f"Top logit {gap:.1f} above the next: that gap alone means {alone}. "
                "A scribble gets a digit too.")
    return (f"**Why so sure?** The top logit is {gap:.1f} above the next one. Softmax turns a gap *g* "
            f"into odds of e^*g* to 1 between those two digits, so this gap alone means {alone} "
            "(a gap of 3 is 95 %, 4.6 is 99 %). A few units of logit are enough for a near-certain "
            "answer. And the model always answers with one of the ten digits: it never saw anything "
            "else, so a scribble, a letter or a face also gets a digit, often at over 90 %. Telling "
            "\"not a digit\" apart is a separate question the model was not trained for.")


def show(model: mlp.Classifier, digit: np.ndarray, brief: bool = False) -> None:
    """The drawing's way through the network, layer by layer."""
    inside = look_inside(model, digit)
    widths = " → ".join([str(len(inside.pixels)), *(str(len(h)) for h in inside.hidden), "10"])
    st.html(_STYLE)
    st.markdown(f"**{model.name}**: {widths} numbers, layer by layer")
    inked = active_count(inside.pixels)
    st.html(f'<div data-layer="input" data-values="{numbers(inside.pixels, 6)}"><b>In: 784 numbers</b>, '
            f'{inked} of them inked</div>')
    st.image(pictures.strip(inside.pixels), width="stretch")
    if not brief:
        st.caption("The 28x28 picture read row by row, the 28 rows end to end: 0 is black, 1 is white. "
                   "The network sees only this list: nothing tells it which pixels are neighbours.")
    for index, activations in enumerate(inside.hidden, start=1):
        total = len(activations)
        which = "every unit" if total <= SHOW_EVERY_UNIT else f"the {MOST_ACTIVE} most active"
        st.markdown(f"**Hidden layer {index}: {total:,} units**, {active_count(activations):,} active "
                    f"(above 0); {which} shown")
        st.html(layer_bars(index, activations))
        if not brief and index == 1:
            st.caption("Each unit adds up all 784 numbers, each times its own weight, plus a bias, and "
                       "passes the sum on only when it is above zero (ReLU). Hover a bar for its value.")
    if not inside.hidden:
        st.caption("This model has no hidden layer: the 784 numbers go straight to the ten outputs.")
    st.markdown("**Out: ten logits → softmax → ten probabilities**")
    st.html(output_table(inside.logits, inside.probabilities))
    st.caption(confidence_note(inside.logits, brief))
