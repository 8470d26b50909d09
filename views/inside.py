"""The Inside panel: the drawing as 784 numbers, each hidden layer's activations at fixed places, ten
logits beside ten probabilities, and why the answer is as sure as it is.

Redrawn after every stroke, so it is one small image and plain HTML (no chart library). The
numbers ride along as data attributes, for a test (or a curious visitor's inspector) to read.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import mlp
from mlp.confidence import Confidence, NotDigitKnowledge, SURE, UNSURE, confidence, not_digit_knowledge
from mlp.inside import active_count, grid_shape, layer_grid
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


def alone(sure: Confidence) -> str:
    """What the top two logits' gap alone gives the top digit, as the page writes it."""
    return "over 99.9%" if sure.two_way > 0.999 else f"{sure.two_way:.1%}"


def gap_sentence(sure: Confidence) -> str:
    """What the top two logits' gap says about the shown probability: alone, or with the other eight."""
    # Whole sentences per case, not fragments joined: word order differs between languages.
    if sure.gap_explains:
        return (f"The top logit is {sure.gap:.1f} above the next one. Softmax turns a gap *g* into odds of "
                f"e^*g* to 1 between those two digits, so this gap alone means {alone(sure)}: the other "
                "eight digits are too far below to matter.")
    return (f"The top logit is {sure.gap:.1f} above the next one. Softmax turns a gap *g* into odds of "
            f"e^*g* to 1 between those two digits: between those two alone, {sure.best} would get "
            f"{alone(sure)}. The other eight digits take {percent(sure.others)} of the probability, so "
            f"{sure.best} gets {percent(sure.top)}.")


def not_digit_sentence(name: str, knows: NotDigitKnowledge) -> str:
    """What this model knows about drawings that are not digits, and what its check says of this one."""
    if knows.trained_on:
        trained = (f"The {name} model was trained on {knows.trained_on:,} drawings that are not digits as "
                   "well, taught to spread its probability evenly over the ten for them.")
    else:
        trained = (f"The {name} model only ever saw digits: softmax has no \"none of these\", so a "
                   "scribble, a letter or a face also gets a digit, often at over 90 %.")
    if not knows.has_check:
        return f"{trained} It has no check of whether a drawing is a digit at all."
    if knows.flagged:
        checked = (f"A separate check on its last hidden layer says this drawing does not look like a digit "
                   f"(digit-likeness {knows.likeness:.2f}; a digit needs {knows.threshold:.2f}).")
    else:
        checked = (f"A separate check on its last hidden layer says this drawing looks like a digit "
                   f"(digit-likeness {knows.likeness:.2f}; a digit needs {knows.threshold:.2f}).")
    return f"{trained} {checked}"


def brief_note(sure: Confidence, knows: NotDigitKnowledge) -> str:
    """The explanation in two short sentences, for presenter mode."""
    if sure.gap_explains:
        gap = f"Top logit {sure.gap:.1f} above the next: that gap alone means {alone(sure)}."
    else:
        gap = f"Top logit {sure.gap:.1f} above the next; the other eight digits take {percent(sure.others)}."
    if knows.flagged:
        return f"{gap} The check says: not a digit."
    if knows.trained_on:
        return f"{gap} Trained on non-digits too, it spreads its bets on them."
    return f"{gap} A scribble gets a digit too."


def confidence_note(name: str, sure: Confidence, knows: NotDigitKnowledge, brief: bool) -> str:
    """Why the reading is as sure as it is, and what the model can say about non-digits: from this
    reading's own numbers and this model's record."""
    if brief:
        return brief_note(sure, knows)
    if sure.top >= SURE:
        heading = "Why so sure?"
        few = " A few units of logit are enough for a near-certain answer (a gap of 3 is 95 %, 4.6 is 99 %)."
    else:
        heading, few = ("Why unsure?" if sure.top < UNSURE else "How sure?"), ""
    return f"**{heading}** {gap_sentence(sure)}{few} {not_digit_sentence(name, knows)}"


# Presenter mode: one block, the layers beside the outputs, pictures sized to the window's height,
# so that the whole way through fits beside the canvas on a projector (text stays in rem: readable).
_BRIEF_STYLE = """<style>
.mlp-brief{display:flex;flex-direction:column;gap:.35rem}
.mlp-brief .mlp-strip{display:block;width:100%;height:1rem;image-rendering:pixelated}
.mlp-brief .mlp-way{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:flex-start}
.mlp-brief .mlp-layers{gap:.5rem 1rem}
.mlp-brief .mlp-layers img{height:min(22vh,16rem);width:auto;max-width:none}
.mlp-brief .mlp-out{width:auto;flex:1;min-width:14rem;font-size:.85rem}
.mlp-brief .mlp-out td,.mlp-brief .mlp-out th{line-height:1.2}
</style>"""


def brief_way(name: str, widths: str, reading: mlp.Reading, inked: int) -> str:
    """The way through the network as one block for presenter mode: input strip, layers, outputs."""
    pixels = reading.image.reshape(-1)
    layers = layer_pictures(reading.activations, BRIEF_WIDTH) if reading.activations else \
        "<div>No hidden layer: the 784 numbers go straight to the ten outputs.</div>"
    return (f'<div class="mlp-brief"><div><b>{name}</b>: {widths} numbers. <span data-layer="input" '
            f'data-values="{numbers(pixels, 6)}"><b>In: 784 numbers</b>, {inked} of them inked</span>'
            f'</div><img class="mlp-strip" src="{pictures.data_url(pictures.strip(pixels, 1))}" '
            'alt="The 784 numbers in a row"><div class="mlp-way">'
            f'{layers}{output_table(reading.logits, reading.probabilities)}</div></div>')


def show(model: mlp.Classifier, reading: mlp.Reading, brief: bool = False) -> None:
    """The drawing's way through the network, layer by layer."""
    pixels = reading.image.reshape(-1)
    widths = " → ".join([str(len(pixels)), *(str(len(h)) for h in reading.activations), "10"])
    sure = confidence(reading.logits, reading.probabilities)
    knows = not_digit_knowledge(model, reading)
    st.html(_STYLE)
    if brief:
        st.html(_BRIEF_STYLE + brief_way(model.name, widths, reading, active_count(pixels)))
        st.caption(confidence_note(model.name, sure, knows, brief))
        return
    st.markdown(f"**{model.name}**: {widths} numbers, layer by layer")
    inked = active_count(pixels)
    st.html(f'<div data-layer="input" data-values="{numbers(pixels, 6)}"><b>In: 784 numbers</b>, '
            f'{inked} of them inked</div>')
    st.image(pictures.strip(pixels), width="stretch")
    if not brief:
        st.caption("The 28x28 picture read row by row, the 28 rows end to end: 0 is black, 1 is white. "
                   "The network sees only this list: nothing tells it which pixels are neighbours.")
    if reading.activations:
        st.html(layer_pictures(reading.activations, WIDTH))
        if not brief:
            st.caption("One square per unit, always at the same place: dark at 0, brighter the more "
                       "active (the brightest is this layer's most active unit). Each unit adds up all "
                       "784 numbers, each times its own weight, plus a bias, and passes the sum on only "
                       "when it is above zero (ReLU). Different digits light different units.")
    else:
        st.caption("This model has no hidden layer: the 784 numbers go straight to the ten outputs.")
    st.markdown("**Out: ten logits → softmax → ten probabilities**")
    st.html(output_table(reading.logits, reading.probabilities))
    st.caption(confidence_note(model.name, sure, knows, brief))
