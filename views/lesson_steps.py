"""A lesson script the teacher steps through from the front, one "Next step" at a time, with the
current drawing's own numbers: pixels, one unit's weighted sum, ReLU, the logits, softmax."""

from __future__ import annotations

import numpy as np
import streamlit as st

import mlp
from mlp import i18n
from mlp.i18n import _
from mlp.inside import active_count
from mlp.shapes import SIZE
from mlp.steps import STEPS, next_step, softmax_steps, weighted_sum
from views import pictures
from views.inside import numbers, signed_number
from views.units import effect_bars

PICTURE, BRIEF_PICTURE = 196, 168  # pixels of the input's picture in step 1
SHOWN, BRIEF_SHOWN = 5, 3  # weight x pixel terms written out in step 2, the largest first (presenter
# mode writes fewer, so that the step fits beside the canvas on a 720-pixel projector)
_TABLE = ("<style>.mlp-step{border-collapse:collapse;font-variant-numeric:tabular-nums}"
          ".mlp-step td{padding:1px 10px;text-align:right;border:none;white-space:nowrap}"
          ".mlp-step tr.sum td{border-top:2px solid rgba(128,128,128,.6);font-weight:700}</style>")


def advance() -> None:
    """Go to the next step, back to the first after the last (the Next step button's callback)."""
    st.session_state.lesson_step = next_step(st.session_state.lesson_step)


def place(pixel: int) -> str:
    """784-index -> 'row 12, column 15' (counted from 0, as the picture's rows are read)."""
    return _("row {row}, column {column}").format(row=pixel // SIZE, column=pixel % SIZE)


def share(p: float) -> str:
    """0.9731 -> '97.3%'; a share too small for one decimal as '<0.1%', not a misleading '0.0%'."""
    return i18n.percent(p, 1) if p >= 0.0005 or p == 0 else "<" + i18n.percent(0.001, 1)


def pixels_step(digit: np.ndarray, brief: bool) -> None:
    """Step 1: the 28x28 picture as the 784 numbers the network gets."""
    x = np.asarray(digit, np.float32).reshape(-1)
    inked = int(np.argmax(x))  # one pixel's number, to say what "a pixel is a number" means
    side = BRIEF_PICTURE if brief else PICTURE
    with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
        st.image(pictures.enlarged(digit, side), width=side)
        said = _("<b>784 numbers</b>, 28 rows of 28:<br>0 is black, 1 is white.<br><b>{inked}</b> of them are "
                 "inked;<br>{place} is {value}.").format(inked=active_count(x), place=place(inked),
                                                         value=i18n.number(float(x[inked]), 2))
        st.html(f'<div data-step-pixels="{numbers(x, 6)}" style="font-size:1.15em;line-height:1.5">{said}</div>',
                width="stretch")


def sum_step(model: mlp.Classifier, digit: np.ndarray, brief: bool) -> None:
    """Step 2: one unit's weighted sum written out: the largest weight x pixel terms, the rest, the bias."""
    total = weighted_sum(model, digit, shown=BRIEF_SHOWN if brief else SHOWN)
    hidden = len(model.network.steps) > 1
    if hidden:
        title = _("<b>The weighted sum of unit {unit} of the first layer (the one with the largest sum of its "
                  "{units})</b>: each pixel times its weight, added up, plus a bias.").format(
            unit=total.unit, units=i18n.number(total.units))
    else:
        title = _("<b>The weighted sum of digit {unit}'s logit (this model has no hidden layer)</b>: each pixel "
                  "times its weight, added up, plus a bias.").format(unit=total.unit)
    rows = "".join(f"<tr><td>{place(int(p))}</td><td>{signed_number(w, 3)} × {i18n.number(v, 2)}</td>"
                   f"<td>= {signed_number(w * v, 3)}</td></tr>"
                   for p, w, v in zip(total.pixels, total.weights, total.values))
    others = 784 - len(total.pixels)
    # presenter mode: said in the sentence
    heading = "<tr><td>" + _("pixel") + "</td><td>" + _("weight × ink") + "</td><td></td></tr>"
    rest, bias, total_word = _("{count} other pixels").format(count=others), _("bias"), _("sum")
    pixels = ",".join(str(int(p)) for p in total.pixels)
    st.html(f'{_TABLE}<div data-step-sum data-unit="{total.unit}" data-pixels="{pixels}" '
            f'data-terms="{numbers(total.terms)}" data-rest="{total.rest:.8g}" data-bias="{total.bias:.8g}" '
            f'data-total="{total.total:.8g}">{title}<table class="mlp-step">{"" if brief else heading}'
            f'{rows}<tr><td>{rest}</td><td></td>'
            f'<td>= {signed_number(total.rest, 3)}</td></tr>'
            f'<tr><td>{bias}</td><td></td><td>{signed_number(total.bias, 3)}</td></tr>'
            f'<tr class="sum"><td>{total_word}</td><td></td><td>= {signed_number(total.total, 3)}</td></tr></table></div>')
    if not brief:
        st.caption(_("The weights act on the raw pixels: the model's input normalisation is folded into them. "
                     "Blank pixels are 0, so their terms are 0 whatever their weight."))


def relu_step(model: mlp.Classifier, digit: np.ndarray) -> None:
    """Step 3: the unit's sum through ReLU, and how many of its layer pass something on."""
    total = weighted_sum(model, digit)
    if len(model.network.steps) == 1:
        st.markdown(_("{model} has no hidden layer, so no ReLU: the sum, {total}, is digit {unit}'s logit.").format(
            model=model.name, total=signed_number(total.total), unit=total.unit))
        return
    formula = _("ReLU(sum) = max(0, sum)")
    # German writes decimals with a comma: a semicolon separates max's arguments there.
    unit = _("unit {unit}").format(unit=total.unit)
    separator = _(", ")  # between max's arguments
    st.html(f'<div data-step-relu data-unit="{total.unit}" data-total="{total.total:.8g}" '
            f'data-active="{total.active}" style="font-size:1.3em;line-height:1.6">{formula}'
            f'<br>{unit}: max(0{separator}{i18n.number(total.total, 3)}) = '
            f'<b>{i18n.number(max(total.total, 0.0), 3)}</b></div>')
    st.markdown(_("In the first layer, **{active} of {units}** units have a sum above 0 and pass "
                  "it on; the others pass 0. Each later hidden layer does the same with these numbers.").format(
        active=i18n.number(total.active), units=i18n.number(total.units)))


def logits_step(model: mlp.Classifier, reading: mlp.Reading) -> None:
    """Step 4: the last layer's ten weighted sums, one per digit: the logits."""
    logits = reading.logits
    best = int(np.argmax(logits))
    if len(model.network.steps) > 1:
        said = _("Ten more weighted sums of the last hidden layer's numbers, one per digit, with no ReLU: the "
                 "<b>logits</b>. Highest: <b>{digit}</b> at {logit}.")
    else:
        said = _("Ten more weighted sums of the 784 pixels, one per digit, with no ReLU: the <b>logits</b>. "
                 "Highest: <b>{digit}</b> at {logit}.")
    said = said.format(digit=best, logit=signed_number(float(logits[best])))
    st.html(f'<div data-step-logits="{numbers(logits)}">{said}</div>')
    st.html(effect_bars(logits))
    cells = "".join(f'<span style="flex:1;text-align:center">{signed_number(float(v), 1)}</span>' for v in logits)
    st.html(f'<div style="display:flex;font-variant-numeric:tabular-nums;font-size:.9em">{cells}</div>')


def softmax_step(reading: mlp.Reading, brief: bool) -> None:
    """Step 5: e to each logit, over their sum: the probabilities."""
    written = softmax_steps(reading.logits)
    order = np.argsort(-written.logits, kind="stable")[: 4 if brief else 10]
    rows = "".join(f"<tr><td>{d}</td><td>{signed_number(float(written.logits[d]))}</td>"
                   f"<td>{exp_number(float(written.exps[d]))}</td>"
                   f"<td>{share(written.probabilities[d])}</td></tr>" for d in order)
    others = _("{count} others").format(count=10 - len(order))
    left = "" if len(order) == 10 else f"<tr><td>{others}</td><td></td><td>…</td><td></td></tr>"
    head = "".join(f"<td>{title}</td>" for title in (_("digit"), _("logit"), _("e^(logit − top)"), _("probability")))
    total_word = _("sum")
    st.html(f'{_TABLE}<div data-step-softmax data-exps="{numbers(written.exps)}" data-total="{written.total:.8g}" '
            f'data-probabilities="{numbers(written.probabilities)}">'
            + _("<b>Softmax</b>: e to each logit (less the largest, which changes nothing), divided by their sum.")
            + f'<table class="mlp-step"><tr>{head}'
            f'</tr>{rows}{left}<tr class="sum"><td>{total_word}</td><td></td><td>{i18n.number(written.total, 6)}</td>'
            f'<td>{i18n.percent(1)}</td></tr></table></div>')


def exp_number(value: float) -> str:
    """e to a logit, three significant digits, in the page's language: 0.0123 -> '0.0123' ('0,0123')."""
    text = f"{value:.3g}"
    if "e" in text:  # very small: scientific notation reads the same in every language but the comma
        return text.replace(".", i18n.number(0.5, 1)[1])
    digits = len(text.split(".")[1]) if "." in text else 0
    return i18n.number(float(text), digits)


def show(model: mlp.Classifier, reading: mlp.Reading, brief: bool = False) -> None:
    """The current step of the lesson script for this drawing, and the Next step button."""
    digit = reading.image
    step = st.session_state.lesson_step % len(STEPS)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.button(_("Next step"), on_click=advance, key="next_step", type="primary")
        title = _("Step {step} of {steps}: {title}").format(step=step + 1, steps=len(STEPS), title=_(STEPS[step]))
        st.html(f'<div data-step="{step + 1}" style="font-size:1.2em"><b>{title}</b></div>', width="content")
    if step == 0:
        pixels_step(digit, brief)
    elif step == 1:
        sum_step(model, digit, brief)
    elif step == 2:
        relu_step(model, digit)
    elif step == 3:
        logits_step(model, reading)
    else:
        softmax_step(reading, brief)
