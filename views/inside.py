"""The Inside panel: the drawing as 784 numbers, each hidden layer's activations at fixed places, ten
logits beside ten probabilities, and why the answer is as sure as it is.

Redrawn after every stroke, so it is one small image and plain HTML (no chart library). The
numbers ride along as data attributes, for a test (or a curious visitor's inspector) to read.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import mlp
from mlp import i18n
from mlp.i18n import _
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
    caption = _("<b>Hidden layer {index}</b>: {total} units, {active} active").format(
        index=index, total=i18n.number(total), active=i18n.number(active_count(activations)))
    alt = _("Hidden layer {index}: {total} units in {rows} rows of {columns}, the active ones lit").format(
        index=index, total=i18n.number(total), rows=rows, columns=columns)
    return (f'<figure data-layer="hidden-{index}" data-total="{total}" data-shape="{rows},{columns}" '
            f'data-values="{numbers(activations)}"><figcaption>{caption}</figcaption>'
            f'<img src="{pictures.data_url(picture)}" width="{columns * cell}" height="{rows * cell}" '
            f'alt="{alt}"></figure>')


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
                    f'<td>{digit}</td><td>{signed_number(float(logit))}</td>'
                    f'<td class="bar" style="width:30%">{signed}</td>'
                    f'<td>{percent(float(p))}</td><td class="bar"><div style="width:{float(p) * 100:.1f}%">'
                    '</div></td></tr>')
    head = "".join(f"<th>{title}</th>" for title in (_("digit"), _("logit"), "", _("softmax"), ""))
    return f'<table class="mlp-out"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>' 


def signed_number(value: float, digits: int = 2) -> str:
    """-1.5 -> '-1.50', 2 -> '+2.00' ('+2,00' in German): a logit with its sign."""
    return ("+" if value >= 0 else "-") + i18n.number(abs(value), digits)


def alone(sure: Confidence) -> str:
    """What the top two logits' gap alone gives the top digit, as the page writes it."""
    return (_("over {percent}").format(percent=i18n.percent(0.999, 1)) if sure.two_way > 0.999
            else i18n.percent(sure.two_way, 1))


def gap_sentence(sure: Confidence) -> str:
    """What the top two logits' gap says about the shown probability: alone, or with the other eight."""
    # Whole sentences per case, not fragments joined: word order differs between languages.
    gap = i18n.number(sure.gap, 1)
    if sure.gap_explains:
        return _("The top logit is {gap} above the next one. Softmax turns a gap *g* into odds of "
                 "e^*g* to 1 between those two digits, so this gap alone means {alone}: the other "
                 "eight digits are too far below to matter.").format(gap=gap, alone=alone(sure))
    return _("The top logit is {gap} above the next one. Softmax turns a gap *g* into odds of "
             "e^*g* to 1 between those two digits: between those two alone, {digit} would get "
             "{alone}. The other eight digits take {others} of the probability, so "
             "{digit} gets {top}.").format(gap=gap, digit=sure.best, alone=alone(sure),
                                           others=percent(sure.others), top=percent(sure.top))


def not_digit_sentence(name: str, knows: NotDigitKnowledge) -> str:
    """What this model knows about drawings that are not digits, and what its check says of this one."""
    if knows.trained_on:
        trained = _("The {model} model was trained on {count} drawings that are not digits as "
                    "well, taught to spread its probability evenly over the ten for them.").format(
            model=name, count=i18n.number(knows.trained_on))
    else:
        trained = _("The {model} model only ever saw digits: softmax has no \"none of these\", so a "
                    "scribble, a letter or a face also gets a digit, often at over {percent}.").format(
            model=name, percent=i18n.percent(0.9))
    if not knows.has_check:
        return trained + " " + _("It has no check of whether a drawing is a digit at all.")
    values = dict(likeness=i18n.number(knows.likeness, 2), threshold=i18n.number(knows.threshold, 2))
    if knows.flagged:
        checked = _("A separate check on its last hidden layer says this drawing does not look like a digit "
                    "(digit-likeness {likeness}; a digit needs {threshold}).").format(**values)
    else:
        checked = _("A separate check on its last hidden layer says this drawing looks like a digit "
                    "(digit-likeness {likeness}; a digit needs {threshold}).").format(**values)
    return f"{trained} {checked}"


def brief_note(sure: Confidence, knows: NotDigitKnowledge) -> str:
    """The explanation in two short sentences, for presenter mode."""
    if sure.gap_explains:
        gap = _("Top logit {gap} above the next: that gap alone means {alone}.").format(
            gap=i18n.number(sure.gap, 1), alone=alone(sure))
    else:
        gap = _("Top logit {gap} above the next; the other eight digits take {others}.").format(
            gap=i18n.number(sure.gap, 1), others=percent(sure.others))
    if knows.flagged:
        return gap + " " + _("The check says: not a digit.")
    if knows.trained_on:
        return gap + " " + _("Trained on non-digits too, it spreads its bets on them.")
    return gap + " " + _("A scribble gets a digit too.")


def confidence_note(name: str, sure: Confidence, knows: NotDigitKnowledge, brief: bool) -> str:
    """Why the reading is as sure as it is, and what the model can say about non-digits: from this
    reading's own numbers and this model's record."""
    if brief:
        return brief_note(sure, knows)
    if sure.top >= SURE:
        heading = _("Why so sure?")
        few = " " + _("A few units of logit are enough for a near-certain answer (a gap of {three} is {p95}, "
                      "{four} is {p99}).").format(three=i18n.number(3), p95=i18n.percent(0.95),
                                                  four=i18n.number(4.6, 1), p99=i18n.percent(0.99))
    else:
        heading, few = (_("Why unsure?") if sure.top < UNSURE else _("How sure?")), ""
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
        "<div>" + _("No hidden layer: the 784 numbers go straight to the ten outputs.") + "</div>"
    title = _("<b>{model}</b>: {widths} numbers.").format(model=name, widths=widths)
    in_a_row = _("The 784 numbers in a row")
    return (f'<div class="mlp-brief"><div>{title} <span data-layer="input" '
            f'data-values="{numbers(pixels, 6)}">{input_line(inked)}</span>'
            f'</div><img class="mlp-strip" src="{pictures.data_url(pictures.strip(pixels, 1))}" '
            f'alt="{in_a_row}"><div class="mlp-way">'
            f'{layers}{output_table(reading.logits, reading.probabilities)}</div></div>')


def input_line(inked: int) -> str:
    """'<b>In: 784 numbers</b>, 93 of them inked' in the page's language."""
    return _("<b>In: 784 numbers</b>, {inked} of them inked").format(inked=inked)


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
    st.markdown(_("**{model}**: {widths} numbers, layer by layer").format(model=model.name, widths=widths))
    inked = active_count(pixels)
    st.html(f'<div data-layer="input" data-values="{numbers(pixels, 6)}">{input_line(inked)}</div>')
    st.image(pictures.strip(pixels), width="stretch")
    if not brief:
        st.caption(_("The 28x28 picture read row by row, the 28 rows end to end: 0 is black, 1 is white. "
                     "The network sees only this list: nothing tells it which pixels are neighbours."))
    if reading.activations:
        st.html(layer_pictures(reading.activations, WIDTH))
        if not brief:
            st.caption(_("One square per unit, always at the same place: dark at 0, brighter the more "
                         "active (the brightest is this layer's most active unit). Each unit adds up all "
                         "784 numbers, each times its own weight, plus a bias, and passes the sum on only "
                         "when it is above zero (ReLU). Different digits light different units."))
    else:
        st.caption(_("This model has no hidden layer: the 784 numbers go straight to the ten outputs."))
    st.markdown(_("**Out: ten logits → softmax → ten probabilities**"))
    st.html(output_table(reading.logits, reading.probabilities))
    st.caption(confidence_note(model.name, sure, knows, brief))
