"""The Hidden units panel: what the first hidden layer's units look for, most responsive first.

Each unit's 784 incoming weights, laid back out as 28x28 and each times the ink MNIST's digits put
on its pixel, show which pixels raise it (red) and which lower it (blue). Choosing one shows it
large, how strongly it fires for this drawing and which digits it pushes up or down.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import mlp
from mlp import i18n
from mlp.i18n import N_, _
from mlp.inside import most_active, unit_effect, unit_picture
from views import pictures
from views.inside import numbers

SHOWN = 16  # units in the gallery, the most active first
TILE, LARGE = 96, 224  # pixels of a gallery picture and of the chosen unit's
# Presenter mode: one row of units and a smaller close-up, so the panel fits beside the canvas; the
# pictures follow the window's height (8 and 17 % of it: 58 and 122 pixels on 720p, 86 and 184 on 1080p),
# and so does the gallery's caption.
BRIEF_SHOWN, BRIEF_TILE, BRIEF_LARGE, BRIEF_BARS = 8, 56, 120, 44
# Tiles of 8vh, but no wider than an eighth of the column (less the gaps between them): at
# 1024x768 with the sidebar shut, eight 8vh tiles wrapped to two rows and pushed the close-up
# below the window. The gallery is the container its tiles measure (100cqw is its width).
_TILE = "min(8vh,calc(100cqw/8 - 2px))"
_BRIEF_STYLE = ("<style>.st-key-unit_gallery{container-type:inline-size}"
                f".st-key-unit_gallery img{{width:{_TILE}!important;height:auto!important}}"
                ".st-key-unit_closeup img{width:17vh!important;height:auto!important}"
                ".st-key-unit_gallery [data-testid='stImage'],.st-key-unit_closeup [data-testid='stImage']"
                "{width:auto!important}"
                f".st-key-unit_gallery [data-testid='stImageCaption']{{width:{_TILE}!important;"
                # One line under each picture: "#1019: 6.1" (a four-digit unit) at the page's type wrapped
                # to two and pushed the panel past a 720p window. Its type follows the tile: ten
                # characters take about 4.3 times the type's size (caption type is 14 px at most).
                "white-space:nowrap}"
                ".st-key-unit_gallery [data-testid='stImageCaption'] p"
                f"{{font-size:min(0.875rem,calc({_TILE}/4.3))!important}}"
                ".st-key-unit_closeup [data-testid='stImageCaption']{width:17vh!important}</style>")
MOST_ACTIVE = -1  # the unit choice that follows the drawing: whichever unit responds most

FOLDED = N_("Each pixel's weight on the raw pixels (the model's BatchNormalization folded in) times how much "
          "ink that pixel gets on an average MNIST training digit: how hard ink there pushes the unit, "
          "on average. Red raises it, blue lowers it, white does nothing, as at the border, where "
          "digits almost never reach (their weights are large there, but there is nothing to multiply). "
          "Each picture has its own colour scale, set by the central 20x20 where digits are drawn.")
BRIEF_FOLDED = N_("weight times ink; red raises a unit, blue lowers it.")


def effect_bars(effect: np.ndarray, height: int = 90) -> str:
    """(10,) change of each digit's logit per unit of activation, as bars up (red) or down (blue)."""
    reach = max(float(np.abs(effect).max()), 1e-9)
    label = _("Change of each digit's logit").replace("'", "&#39;")
    cells = []
    for digit, value in enumerate(effect):
        height = abs(float(value)) / reach * 50
        up = value >= 0
        bar = (f'<div style="position:absolute;left:20%;width:60%;height:{height:.1f}%;'
               f'{"bottom" if up else "top"}:50%;background:{"#e4572e" if up else "#1f77b4"}"></div>')
        cells.append(f'<div style="flex:1;display:flex;flex-direction:column;align-items:center">'
                     f'<div style="position:relative;width:100%;height:{height}px">{bar}</div>'
                     f'<span>{digit}</span></div>')
    return (f'<div data-effect="{numbers(effect)}" role="img" aria-label="{label}" '
            'style="display:flex;border-top:1px dashed rgba(128,128,128,.4)">'
            f'{"".join(cells)}</div>')


def pushes(effect: np.ndarray) -> str:
    """'pushes 7 and 9 up most, 1 and 0 down most'; what it means when it pushes none."""
    if not np.any(effect):  # every path to the logits runs through a unit that is off for this drawing
        return _("moves no digit's logit: the units it feeds are all off for this drawing")
    order = np.argsort(effect)
    up = [str(d) for d in order[::-1][:2] if effect[d] > 0]
    down = [str(d) for d in order[:2] if effect[d] < 0]
    return _("pushes {up} up most, {down} down most").format(up=digits(up), down=digits(down))


def digits(found: list[str]) -> str:
    """['7', '9'] -> '7 and 9'; [] -> 'no digit'."""
    if not found:
        return _("no digit")
    return found[0] if len(found) == 1 else _("{first} and {second}").format(first=found[0], second=found[1])


def show(model: mlp.Classifier, reading: mlp.Reading, brief: bool = False) -> None:
    """A gallery of the most active first-layer units, and one chosen unit up close."""
    if not reading.activations:
        st.info(_("{model} has no hidden layer: its ten weight pictures, one per digit, are the whole "
                  "model. See them under “{lens}”.").format(model=model.name, lens=_("No hidden layer")))
        return
    hidden = reading.activations[0]
    shown, tile, large, bars = (BRIEF_SHOWN, BRIEF_TILE, BRIEF_LARGE, BRIEF_BARS) if brief else \
        (SHOWN, TILE, LARGE, 90)
    order = most_active(hidden, shown)
    if brief:
        title = _("<b>The {shown} most active of {total} first-layer units</b>: {key}").format(
            shown=len(order), total=i18n.number(len(hidden)), key=_(BRIEF_FOLDED))
    else:
        title = _("<b>The {shown} units of the first hidden layer (of {total}) that respond most "
                  "to this drawing</b>").format(shown=len(order), total=i18n.number(len(hidden)))
    # The numbers ride on the title: one element, no gap of its own.
    st.html(f'<div data-units-order="{",".join(str(u) for u in order)}" '
            f'data-activations="{numbers(hidden[order])}">{title}</div>')
    if brief:
        st.html(_BRIEF_STYLE)
    with st.container(key="unit_gallery"):
        st.image([pictures.diverging(unit_picture(model, int(u)), tile) for u in order],
                 caption=[f"#{u}: {i18n.number(hidden[u], 1)}" for u in order], width=tile)
    options = [MOST_ACTIVE, *range(len(hidden))]
    if st.session_state.lesson_unit not in options:  # a unit of a wider model chosen before
        st.session_state.lesson_unit = MOST_ACTIVE

    def choose_unit() -> int:
        choice = st.selectbox(_("Look at unit"), options, key="lesson_unit",
                              label_visibility="collapsed" if brief else "visible",
                              format_func=lambda u: _("the most active one") if u == MOST_ACTIVE
                              else _("unit {unit}").format(unit=u))
        return int(order[0]) if choice == MOST_ACTIVE else int(choice)

    unit = None if brief else choose_unit()
    # A row that wraps, not two columns: a column narrower than the picture (a small window, presenter
    # mode's larger text) let the picture spill under the numbers beside it.
    with st.container(horizontal=True, gap="medium", vertical_alignment="top"):
        picture = st.container(key="unit_closeup", width="content")
        numbers_side = st.container(width="stretch", gap="xsmall" if brief else "small")
    with numbers_side:
        if brief:  # the choice beside the picture: the panel's height is what a projector lacks
            unit = choose_unit()
        effect = unit_effect(model, reading, unit)
        said = _("<b>Unit {unit}</b> is at <b>{activation}</b> for this drawing; each 1 more {pushes}.").format(
            unit=unit, activation=i18n.number(float(hidden[unit]), 2), pushes=pushes(effect))
        st.html(f'<div data-unit="{unit}" data-activation="{float(hidden[unit]):.8g}">{said}</div>')
        st.html(effect_bars(effect, bars))
        if not brief:
            st.caption(_("How much each digit's logit would rise (red) or fall (blue) if this unit's "
                         "activation rose by 1, for this drawing (later layers' inactive units pass "
                         "nothing on)."))
    picture.image(pictures.diverging(unit_picture(model, unit), large), width=large,
                  caption=_("Unit {unit}'s 784 weights, times ink").format(unit=unit))
    if not brief:
        st.caption(_(FOLDED))
