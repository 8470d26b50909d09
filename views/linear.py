"""The No hidden layer panel: the same drawing read by an MLP and by logistic regression, side by side,
and the logistic model's ten weight pictures, a linear model per digit."""

from __future__ import annotations

import streamlit as st

import mlp
from mlp import i18n
from mlp.i18n import _
from mlp.inside import unit_picture
from views import bars, loaders, pictures
from views.text import percent

BASELINE = "logistic"  # the shipped model without a hidden layer (python -m mlp train --preset logistic)
WITH_HIDDEN = "classic"  # compared with it when the chosen model has no hidden layer itself
TILE, BRIEF_TILE = 84, 56  # pixels of a template; presenter mode: ten in one row beside the canvas


def has_hidden_layer(model: mlp.Classifier) -> bool:
    return len(model.network.steps) > 1


def answer(model: mlp.Classifier, reading: mlp.Reading, title: str, brief: bool = False) -> None:
    """One model's reading of the drawing: its name, test accuracy, answer and probabilities."""
    probabilities, best, confidence = reading.probabilities, reading.digit, reading.confidence
    accuracy = model.record.get("test_accuracy")
    scored = (_("{accuracy} of the test digits").format(accuracy=i18n.percent(accuracy, 2)) if accuracy is not None
              else _("test accuracy not recorded"))
    sure = _("{percent} sure").format(percent=percent(confidence))
    shown = (f'<div data-model="{model.name}" data-prediction="{best}" '
             f'data-probabilities="{",".join(f"{p:.8g}" for p in probabilities)}" '
             f'style="font-size:2.2rem;font-weight:700;line-height:1.1">{best} '
             f'<span style="font-size:1rem;font-weight:400">{sure}</span></div>')
    if brief:  # one block: presenter mode has no height to spare for the gaps between elements
        st.html(f'<div style="display:flex;gap:.75rem;align-items:center">{shown}'
                f"<div><b>{title}</b><br>{model.name}: {scored}</div></div>"
                f"{bars.probability_bars(probabilities, height=50)}")
        return
    st.markdown(f"**{title}**  \n{model.name}: {scored}")
    st.html(shown)
    st.html(bars.probability_bars(probabilities, height=60))


def show(model: mlp.Classifier, reading: mlp.Reading, brief: bool = False) -> None:
    """The chosen MLP beside logistic regression on this drawing, then the ten linear templates.

    The chosen model's reading is the page's; the others read the drawing themselves (other networks).
    """
    baseline = loaders.shipped_model(BASELINE)
    if not isinstance(baseline, mlp.Classifier):
        st.info(_("The model without a hidden layer ({model}) is not part of this installation.").format(model=BASELINE))
        return
    deep = model if has_hidden_layer(model) else loaders.shipped_model(WITH_HIDDEN)
    if not isinstance(deep, mlp.Classifier):
        st.info(_("Choose a model with a hidden layer in the sidebar to compare it with {model}.").format(model=BASELINE))
        return
    left, right = st.columns(2, gap="medium")
    with left:
        answer(deep, reading if deep is model else mlp.read(deep, reading.image), _("With hidden layers"), brief)
    with right:
        answer(baseline, reading if baseline is model else mlp.read(baseline, reading.image),
               _("Without a hidden layer"), brief)
    if brief:
        st.markdown(_("**One linear template per digit**: weight times ink. Red: ink here counts for the "
                      "digit; blue: against."))
    else:
        st.markdown(_("**A linear model per digit**: each digit's logit is its weights times the pixels, plus "
                      "a bias; here each weight times the ink digits put on its pixel"))
    tile = BRIEF_TILE if brief else TILE
    if brief:  # ten in a row, as large as the window's height allows (58 pixels on 720p, 86 on 1080p)
        st.html("<style>.st-key-templates img{width:8vh!important;height:auto!important}"
                ".st-key-templates [data-testid='stImage']{width:auto!important}"
                ".st-key-templates [data-testid='stImageCaption']{width:8vh!important}</style>")
    with st.container(key="templates"):
        st.image([pictures.diverging(unit_picture(baseline, d), tile) for d in range(10)],
                 caption=[str(d) for d in range(10)], width=tile)
    if brief:
        return
    st.caption(_("Red where ink makes the digit likelier, blue where it counts against it: each pixel's "
               "weight on the raw pixels (normalisation folded in) times its ink on an average MNIST "
               "training digit, so the border, where digits never reach, shows nothing. Without a hidden "
               "layer, ink at a pixel always counts the same way for a digit, whatever else is drawn: one "
               "blurred template per digit, and the best match wins. A hidden layer first detects parts "
               "of strokes (see “{lens}”) and then weighs those, so the same pixel can count "
               "differently in different contexts. That is the difference between the two test "
               "accuracies above.").format(lens=_("Hidden units")))
