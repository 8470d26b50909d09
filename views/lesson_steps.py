"""A lesson script the teacher steps through from the front, one "Next step" at a time, with the
current drawing's own numbers: pixels, one unit's weighted sum, ReLU, the logits, softmax."""

from __future__ import annotations

import numpy as np
import streamlit as st

import mlp
from mlp.inside import active_count
from mlp.shapes import SIZE
from mlp.steps import STEPS, next_step, softmax_steps, weighted_sum
from views import pictures
from views.inside import numbers
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
    return f"row {pixel // SIZE}, column {pixel % SIZE}"


def share(p: float) -> str:
    """0.9731 -> '97.3%'; a share too small for one decimal as '<0.1%', not a misleading '0.0%'."""
    return f"{p:.1%}" if p >= 0.0005 or p == 0 else "<0.1%"


def pixels_step(digit: np.ndarray, brief: bool) -> None:
    """Step 1: the 28x28 picture as the 784 numbers the network gets."""
    x = np.asarray(digit, np.float32).reshape(-1)
    inked = int(np.argmax(x))  # one pixel's number, to say what "a pixel is a number" means
    side = BRIEF_PICTURE if brief else PICTURE
    with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
        st.image(pictures.enlarged(digit, side), width=side)
        st.html(f'<div data-step-pixels="{numbers(x, 6)}" style="font-size:1.15em;line-height:1.5">'
                f'<b>784 numbers</b>, 28 rows of 28:<br>0 is black, 1 is white.<br>'
                f'<b>{active_count(x)}</b> of them are inked;<br>{place(inked)} is {x[inked]:.2f}.</div>',
                width="stretch")


def sum_step(model: mlp.Classifier, digit: np.ndarray, brief: bool) -> None:
    """Step 2: one unit's weighted sum written out: the largest weight x pixel terms, the rest, the bias."""
    total = weighted_sum(model, digit, shown=BRIEF_SHOWN if brief else SHOWN)
    hidden = len(model.network.steps) > 1
    who = (f"unit {total.unit} of the first layer (the one with the largest sum of its {total.units})"
           if hidden else f"digit {total.unit}'s logit (this model has no hidden layer)")
    rows = "".join(f"<tr><td>{place(int(p))}</td><td>{w:+.3f} × {v:.2f}</td><td>= {w * v:+.3f}</td></tr>"
                   for p, w, v in zip(total.pixels, total.weights, total.values))
    others = 784 - len(total.pixels)
    heading = "<tr><td>pixel</td><td>weight × ink</td><td></td></tr>"  # presenter mode: said in the sentence
    pixels = ",".join(str(int(p)) for p in total.pixels)
    st.html(f'{_TABLE}<div data-step-sum data-unit="{total.unit}" data-pixels="{pixels}" '
            f'data-terms="{numbers(total.terms)}" data-rest="{total.rest:.8g}" data-bias="{total.bias:.8g}" '
            f'data-total="{total.total:.8g}"><b>The weighted sum of {who}</b>: each pixel times its weight, '
            f'added up, plus a bias.<table class="mlp-step">{"" if brief else heading}'
            f'{rows}<tr><td>{others} other pixels</td><td></td><td>= {total.rest:+.3f}</td></tr>'
            f'<tr><td>bias</td><td></td><td>{total.bias:+.3f}</td></tr>'
            f'<tr class="sum"><td>sum</td><td></td><td>= {total.total:+.3f}</td></tr></table></div>')
    if not brief:
        st.caption("The weights act on the raw pixels: the model's input normalisation is folded into them. "
                   "Blank pixels are 0, so their terms are 0 whatever their weight.")


def relu_step(model: mlp.Classifier, digit: np.ndarray) -> None:
    """Step 3: the unit's sum through ReLU, and how many of its layer pass something on."""
    total = weighted_sum(model, digit)
    if len(model.network.steps) == 1:
        st.markdown(f"{model.name} has no hidden layer, so no ReLU: the sum, {total.total:+.2f}, is "
                    f"digit {total.unit}'s logit.")
        return
    st.html(f'<div data-step-relu data-unit="{total.unit}" data-total="{total.total:.8g}" '
            f'data-active="{total.active}" style="font-size:1.3em;line-height:1.6">ReLU(sum) = max(0, sum)'
            f'<br>unit {total.unit}: max(0, {total.total:.3f}) = <b>{max(total.total, 0.0):.3f}</b></div>')
    st.markdown(f"In the first layer, **{total.active} of {total.units}** units have a sum above 0 and pass "
                "it on; the others pass 0. Each later hidden layer does the same with these numbers.")


def logits_step(model: mlp.Classifier, reading: mlp.Reading) -> None:
    """Step 4: the last layer's ten weighted sums, one per digit: the logits."""
    logits = reading.logits
    best = int(np.argmax(logits))
    source = "the last hidden layer's numbers" if len(model.network.steps) > 1 else "the 784 pixels"
    st.html(f'<div data-step-logits="{numbers(logits)}">Ten more weighted sums of {source}, one per '
            f'digit, with no ReLU: the <b>logits</b>. Highest: <b>{best}</b> at {logits[best]:+.2f}.</div>')
    st.html(effect_bars(logits))
    cells = "".join(f'<span style="flex:1;text-align:center">{float(v):+.1f}</span>' for v in logits)
    st.html(f'<div style="display:flex;font-variant-numeric:tabular-nums;font-size:.9em">{cells}</div>')


def softmax_step(reading: mlp.Reading, brief: bool) -> None:
    """Step 5: e to each logit, over their sum: the probabilities."""
    written = softmax_steps(reading.logits)
    order = np.argsort(-written.logits, kind="stable")[: 4 if brief else 10]
    rows = "".join(f"<tr><td>{d}</td><td>{written.logits[d]:+.2f}</td><td>{written.exps[d]:.3g}</td>"
                   f"<td>{share(written.probabilities[d])}</td></tr>" for d in order)
    left = "" if len(order) == 10 else f"<tr><td>{10 - len(order)} others</td><td></td><td>…</td><td></td></tr>"
    st.html(f'{_TABLE}<div data-step-softmax data-exps="{numbers(written.exps)}" data-total="{written.total:.8g}" '
            f'data-probabilities="{numbers(written.probabilities)}">'
            "<b>Softmax</b>: e to each logit (less the largest, which changes nothing), divided by their sum."
            '<table class="mlp-step"><tr><td>digit</td><td>logit</td><td>e^(logit − top)</td>'
            '<td>probability</td>'
            f'</tr>{rows}{left}<tr class="sum"><td>sum</td><td></td><td>{written.total:.6f}</td><td>100%</td>'
            '</tr></table></div>')


def show(model: mlp.Classifier, reading: mlp.Reading, brief: bool = False) -> None:
    """The current step of the lesson script for this drawing, and the Next step button."""
    digit = reading.image
    step = st.session_state.lesson_step % len(STEPS)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.button("Next step", on_click=advance, key="next_step", type="primary")
        st.html(f'<div data-step="{step + 1}" style="font-size:1.2em"><b>Step {step + 1} of {len(STEPS)}: '
                f'{STEPS[step]}</b></div>', width="content")
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
