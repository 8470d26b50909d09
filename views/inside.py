"""The Inside panel: the drawing as 784 numbers, each hidden layer's activations at fixed places, ten
logits beside ten probabilities, and why softmax sounds so sure.

Redrawn after every stroke, so it is one small image and plain HTML (no chart library). The
numbers ride along as data attributes, for a test (or a curious visitor's inspector) to read.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import mlp
from mlp.inside import active_count, grid_shape, layer_grid, look_inside, share_of_gap, top_two_gap
from views import pictures
from views.text import percent

WIDTH, BRIEF_WIDTH = 256, 224  # pixels across a layer's picture (presenter mode: less height to spare)

_STYLE = """<style>
.mlp-layers{display:flex;flex-wrap:wrap;gap:.6rem 1.5rem;align-items:flex-start}
.mlp-layers figure{margin:0}
.mlp-layers img{display:block;image-rendering:pixelated;max-width:100%;height:auto;border-radius:2px}
.mlp-layers figcaption{font-size:.85em;margin-bottom:.25rem}
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


def layer_picture(index: int, activations: np.ndarray, width: int) -> str:
    """One hidden layer as a picture with every unit at a fixed place (unit k: row k // columns,
    column k % columns), dark at 0 and brighter the more active, with its size and active count."""
    total = len(activations)
    rows, columns = grid_shape(total)
    cell = max(1, width // columns)  # whole pixels per unit: every square the same size
    picture = pictures.glow(layer_grid(activations))
    return (f'<figure data-layer="hidden-{index}" data-total="{total}" data-shape="{rows},{columns}" '
            f'data-values="{numbers(activations)}"><figcaption><b>Hidden layer {index}</b>: {total:,} units, '
            f'{active_count(activations):,} active</figcaption>'
            f'<img src="{pictures.data_url(picture)}" width="{columns * cell}" height="{rows * cell}" '
            f'alt="Hidden layer {index}: {total:,} units in {rows} rows of {columns}, the active ones lit">'
            '</figure>')


def layer_pictures(hidden: tuple[np.ndarray, ...], width: int) -> str:
    """Every hidden layer's picture, side by side where the column is wide enough."""
    figures = "".join(layer_picture(index, activations, width) for index, activations in enumerate(hidden, 1))
    return f'<div class="mlp-layers">{figures}</div>'


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
    if inside.hidden:
        st.html(layer_pictures(inside.hidden, BRIEF_WIDTH if brief else WIDTH))
        if not brief:
            st.caption("One square per unit, always at the same place: dark at 0, brighter the more "
                       "active (the brightest is this layer's most active unit). Each unit adds up all "
                       "784 numbers, each times its own weight, plus a bias, and passes the sum on only "
                       "when it is above zero (ReLU). Different digits light different units.")
    else:
        st.caption("This model has no hidden layer: the 784 numbers go straight to the ten outputs.")
    st.markdown("**Out: ten logits → softmax → ten probabilities**")
    st.html(output_table(inside.logits, inside.probabilities))
    st.caption(confidence_note(inside.logits, brief))
