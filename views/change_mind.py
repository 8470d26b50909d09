"""The "What would change its mind?" lens: where more ink would raise or lower a digit's logit,
painted over the 28x28 picture the model reads, and where ink would turn the reading into another digit.

A game for the class: flip a reading with the fewest strokes, drawing where the picture is red.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

import mlp
from mlp import i18n
from mlp.i18n import _
from mlp.gradient import logit_gradient, margin_gradient
from views import pictures
from views.inside import numbers

SIDE = 300  # pixels of each picture, presenting or not: a room must see it, and two fit side by side
PRESENTER_HEIGHT = "28vh"  # at most, in presenter mode: 300 px on 1080p, 200 on a 720-pixel projector
MARGIN = 4  # the input's border rows and columns, where a centred 20x20 digit puts (almost) no ink
FADED = 0.8  # how far the border's colours fade to white: ink cannot go there, whatever the gradient says
READ = -1  # the digit choice that follows the reading
INK_SHADE = 0.7  # how dark full ink is drawn over the colours: the drawing stays visible under them


# Eleven buttons scroll sideways on a phone, hiding 6 to 9: let them wrap, as the lens buttons do.
_WRAP_DIGITS = "<style>.st-key-mind_digit [role='radiogroup'] { flex-wrap: wrap; }</style>"


def overlay(gradient: np.ndarray, ink: np.ndarray, side: int) -> Image.Image:
    """(28, 28) gradient and (28, 28) ink in [0, 1] -> red where ink raises, blue where it lowers, white
    where it does nothing, the drawing darkened on top; enlarged without smoothing."""
    # Colours follow the square root of the gradient's size: the few steepest pixels would otherwise
    # leave the rest of the map too pale to read from the back of a room. The sign, what the class
    # acts on, is kept exactly.
    shown = np.sign(gradient) * np.sqrt(np.abs(gradient))
    colours = np.asarray(pictures.diverging(shown, 28), dtype=np.float64)
    border = np.ones((28, 28), bool)
    border[MARGIN:-MARGIN, MARGIN:-MARGIN] = False
    colours[border] += FADED * (255 - colours[border])
    shaded = colours * (1 - INK_SHADE * np.clip(ink, 0, 1))[..., None]
    return Image.fromarray(shaded.round().astype(np.uint8)).resize((side, side), Image.Resampling.NEAREST)


def figure(kind: str, gradient: np.ndarray, ink: np.ndarray, side: int, caption: str, brief: bool = False,
           **data: int) -> str:
    """One picture as HTML, its 784 gradient values in a data attribute for a test to check.

    In presenter mode (`brief`) its height follows the window's, so that the lens fits beside the
    canvas on a 720-pixel projector too.
    """
    size = (f"height:min({PRESENTER_HEIGHT},{side}px);width:auto" if brief
            else "max-width:100%;height:auto")
    alt = _("{caption}: red where more ink raises it, blue where it lowers it").format(caption=caption)
    attributes = " ".join(f'data-{name}="{value}"' for name, value in data.items())
    return (f'<figure data-gradient-of="{kind}" {attributes} data-gradient="{numbers(gradient.reshape(-1))}" '
            f'style="margin:0"><figcaption style="font-size:.95em;margin-bottom:.2rem">{caption}</figcaption>'
            f'<img src="{pictures.data_url(overlay(gradient, ink, side))}" width="{side}" height="{side}" '
            f'style="image-rendering:pixelated;{size};border-radius:2px" '
            f'alt="{alt}"></figure>')


def show(model: mlp.Classifier, reading: mlp.Reading, brief: bool = False) -> None:
    """Two maps over the model's input: what raises the chosen digit, and what flips the reading."""
    digit, logits, best, second = reading.image, reading.logits, reading.digit, reading.runner_up
    st.html(_WRAP_DIGITS)
    choice = st.pills(_("Digit"), [READ, *range(10)], key="mind_digit", label_visibility="collapsed",
                      format_func=lambda d: _("the one it reads ({digit})").format(digit=best) if d == READ else str(d))
    target = best if choice in (None, READ) else int(choice)
    other = second if target == best else target  # the digit to turn this reading into
    gap = float(logits[best] - logits[other])
    raise_map = figure("logit", logit_gradient(model, reading, target), digit, SIDE,
                       _("<b>Ink here: more {digit} (red), less {digit} (blue)</b>").format(digit=target), brief,
                       digit=target)
    flip_map = figure("margin", margin_gradient(model, reading, other, best), digit, SIDE,
                      _("<b>To turn this {digit} into a {other}, add ink on red</b>").format(digit=best, other=other),
                      brief, toward=other,
                      away=best)
    st.html(f'<div style="display:flex;flex-wrap:wrap;gap:.5rem 1.25rem">{raise_map}{flip_map}</div>')
    st.markdown(_("**Try it:** turn this {digit} into a {other} with the fewest strokes. Draw on red; "
                  "{other}'s logit is {gap} below {digit}'s.").format(digit=best, other=other, gap=i18n.number(gap, 1)))
    if not brief:
        st.caption(_("Each colour is the gradient of a logit (in the second picture, of the gap between two "
                   "logits) with respect to that pixel of the 28x28 picture the model reads, computed back "
                   "through the network's active units: how fast it would change if that pixel got a "
                   "little more ink (the colour grows with the square root of that rate, so that weaker "
                   "pixels show too). It holds for small changes; a whole stroke also moves the crop and "
                   "the centring, and switches units on and off, so the map is a guide to try, not a promise. "
                   "Blue on your own strokes is ink that argues against the digit. The border is faded: "
                   "the drawing is scaled to 20x20 and centred, so ink almost never lands there."))
