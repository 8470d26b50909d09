"""The "Pin and compare" lens: keep one drawing (A), then see what changes inside the network for the
next one (B); and a lesson script, stepped from the front, through this drawing's own numbers.

Units sit at the same places as in the Inside panel's layer pictures (mlp.inside.layer_grid), so a
class that has seen those pictures recognises them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

import mlp
from mlp.i18n import N_, _
from mlp.compare import BOTH_ON, OFF_TO_ON, ON_TO_OFF, LayerChange, compare
from mlp.inside import grid_shape, layer_grid
from mlp.network import NumpyMLP
from views import lesson_steps, pictures
from views.inside import numbers, signed_number
from views.text import percent
from views.units import effect_bars

COMPARE, STEP = N_("Compare with pinned"), N_("Step by step")  # the session's values, shown translated
THUMB, BRIEF_THUMB = 84, 72  # pixels of A's and B's small pictures
WIDTH, BRIEF_WIDTH = 256, 192  # pixels across a layer's picture
# One colour per change; a unit's colour is as strong as its activation changed (at least FAINTEST).
COLOURS = {OFF_TO_ON: np.array([228, 87, 46.0]), ON_TO_OFF: np.array([31, 119, 180.0]),
           BOTH_ON: np.array([215, 215, 215.0])}
FAINTEST = 0.35
_STYLE = """<style>
.mlp-compare{display:flex;flex-wrap:wrap;gap:.4rem 1.25rem;align-items:flex-start}
.mlp-compare figure{margin:0}
.mlp-compare img{display:block;image-rendering:pixelated;max-width:100%;height:auto;border-radius:2px}
.mlp-compare figcaption{font-size:.9em;margin-bottom:.2rem}
.mlp-compare.brief img{height:min(16vh,192px);width:auto;max-width:none}
</style>"""  # presenter mode (.brief): layer pictures follow the window's height, to fit a 720-pixel projector


@dataclass(frozen=True)
class Pinned:
    """Drawing A as it was pinned: its reading, and the model that read it."""

    reading: mlp.Reading  # its image is the model's input
    model: str  # the model's name, as the page says it
    network: NumpyMLP  # the network that read it (model.network): another one must read A again


def pin(model: mlp.Classifier, reading: mlp.Reading) -> None:
    """Keep this drawing as A (a callback of the Pin button)."""
    st.session_state.pinned = Pinned(reading, model.name, model.network)


def unpin() -> None:
    """Forget A."""
    st.session_state.pinned = None


def change_picture(layer: LayerChange) -> np.ndarray:
    """(rows, columns, 4) uint8: each unit at its fixed place, dark when off in both drawings, else
    coloured by what it did, stronger the more its activation changed; transparent where no unit is."""
    states = layer_grid(layer.states.astype(np.float32))
    change = np.abs(layer.change)
    strength = layer_grid((FAINTEST + (1 - FAINTEST) * change / max(float(change.max()), 1e-9)).astype(np.float32))
    rgba = np.zeros((*states.shape, 4))
    rgba[..., :3] = pictures.RESTING
    for state, colour in COLOURS.items():
        where = states == state
        rgba[where, :3] = pictures.RESTING + strength[where][:, None] * (colour - pictures.RESTING)
    rgba[..., 3] = np.where(np.isnan(states), 0, 255)
    return rgba.round().astype(np.uint8)


def layer_figure(index: int, layer: LayerChange, width: int) -> str:
    """One hidden layer's change as a captioned picture; its counts and changes in data attributes."""
    rows, columns = grid_shape(len(layer.before))
    cell = max(1, width // columns)
    on, off, kept = layer.count(OFF_TO_ON), layer.count(ON_TO_OFF), layer.count(BOTH_ON)
    picture = Image.fromarray(change_picture(layer), "RGBA")
    caption = _('<b>Layer {index}</b>: <span style="color:#e4572e">{on} on</span>, '
                '<span style="color:#1f77b4">{off} off</span>, {kept} stayed on').format(
        index=index, on=on, off=off, kept=kept)
    alt = _("Hidden layer {index}: {on} units switched on, {off} off, {kept} stayed on").format(
        index=index, on=on, off=off, kept=kept)
    return (f'<figure data-compare-layer="{index}" data-switched-on="{on}" data-switched-off="{off}" '
            f'data-both-on="{kept}" data-states="{",".join(str(s) for s in layer.states)}" '
            f'data-change="{numbers(layer.change)}"><figcaption>{caption}</figcaption>'
            f'<img src="{pictures.data_url(picture)}" width="{columns * cell}" '
            f'height="{rows * cell}" alt="{alt}"></figure>')


def moved(change: np.ndarray) -> str:
    """'8 rose most (+5.1), 3 fell most (-4.2)'."""
    up, down = int(np.argmax(change)), int(np.argmin(change))
    return _("{up} rose most ({rise}), {down} fell most ({fall})").format(
        up=up, down=down, rise=signed_number(float(change[up]), 1), fall=signed_number(float(change[down]), 1))


def show_comparison(model: mlp.Classifier, reading: mlp.Reading, brief: bool) -> None:
    """A beside B, each hidden layer's switched units, and each logit's change A -> B."""
    pinned = st.session_state.pinned
    if pinned is None:
        st.info(_("Pin this drawing, then draw another: see which units switch and how each digit's score moves."))
        return
    # A was read when pinned; read again only by another network (the model switched since).
    a = pinned.reading if pinned.network is model.network else mlp.read(model, pinned.reading.image)
    result = compare(a, reading)
    thumb = BRIEF_THUMB if brief else THUMB
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.image(pictures.enlarged(a.image, thumb), width=thumb, caption=_("A: {digit}").format(digit=a.digit))
        st.image(pictures.enlarged(reading.image, thumb), width=thumb, caption=_("B: {digit}").format(digit=reading.digit))
        if result.layers:
            width = BRIEF_WIDTH if brief else WIDTH
            st.html(f'<div class="mlp-compare{" brief" if brief else ""}">'
                    f'{"".join(layer_figure(i, layer, width) for i, layer in enumerate(result.layers, 1))}</div>',
                    width="content")
    if not result.layers:
        st.caption(_("{model} has no hidden layer: only the logits can change.").format(model=model.name))
    if pinned.model != model.name:
        st.caption(_("A was pinned under {pinned}, which read it as {digit} ({percent}); both are read here by "
                     "{model}.").format(pinned=pinned.model, digit=pinned.reading.digit,
                                        percent=percent(pinned.reading.confidence), model=model.name))
    change = result.logit_change
    title = _("<b>Each digit's logit, A → B</b>: {moved}").format(moved=moved(change))
    st.html(f'<div data-logit-change="{numbers(change)}">{title}</div>')
    st.html(effect_bars(change))
    if not brief:
        st.caption(_("Orange: units off for A and on for B; blue: on for A and off for B; grey: on for both; "
                   "dark: off for both. The stronger the colour, the more the unit's activation changed. "
                   "Each unit sits where it sits in the Inside panel."))


def show(model: mlp.Classifier, reading: mlp.Reading, brief: bool = False) -> None:
    """Pin a drawing and compare the next with it, or walk the lesson script through this one."""
    st.html(_STYLE)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.button(_("Pin this drawing"), on_click=pin, args=(model, reading), key="pin_drawing")
        if st.session_state.pinned is not None:
            st.button(_("Unpin"), on_click=unpin, key="unpin_drawing")
        part = st.segmented_control(_("Part"), [COMPARE, STEP], key="pin_part", label_visibility="collapsed",
                                    format_func=_)
    if part == STEP:
        lesson_steps.show(model, reading, brief)
    else:
        show_comparison(model, reading, brief)
