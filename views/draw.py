"""The Draw view: a canvas on the left; on the right what the model reads, and a lens on how it reads it."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

import mlp
import mlp.preprocessing  # up front: the first stroke should not wait for scipy
from mlp import i18n
from mlp.i18n import N_, _
from mlp.shapes import CANVAS
from views import (bars, canvas_content, guards, inside, linear, pictures, presenter, state, toolbar, units,
                   upload_reading, viewport)
from views import change_mind, pin_compare  # two lenses of their own (the LENSES table)
from views.text import percent, plain

LOW_CONFIDENCE = 0.6  # below this the page says the model is unsure
MB = 1_000_000  # as the uploader counts them when it shows a file's size
MIB = 2**20  # as the server counts server.maxUploadSize when it takes a file


def probabilities_panel(model: mlp.Classifier, reading: mlp.Reading, brief: bool = False) -> None:
    """The ten probabilities as bars, and how the drawing became the model's input."""
    st.html(bars.probability_bars(reading.probabilities))
    if not brief:
        st.caption(_("The model reads 28x28 pixels: the drawing is cropped, scaled to fit 20x20 and "
                     "centred by its mass, as the MNIST digits it learned from were."))


# The panels beside the canvas, each its own module: what a lesson looks at in the same drawing. Each
# takes (model, reading, brief): the reading is computed once per drawing and handed to whichever shows.
# The names are the lens's key in the session (English); the buttons show them translated.
LENSES = {N_("Probabilities"): probabilities_panel, N_("Inside"): inside.show, N_("Hidden units"): units.show,
          N_("No hidden layer"): linear.show, N_("Change its mind?"): change_mind.show,
          N_("Pin and compare"): pin_compare.show}


def big_prediction(digit: int, confidence: float, size: int, not_digit: bool = False,
                   maybe: int | None = None) -> str:
    """The predicted digit at `size` pixels for a projector, its confidence beside it (and `maybe`, the
    runner-up, when the model is unsure); for a drawing the model's check calls no digit, a "?" as big,
    "not a digit" beside it and the digit it would be, small."""
    row = f'display:flex;align-items:center;gap:0.12em;line-height:1;font-size:{size}px'
    sure = percent(confidence)
    if not_digit:
        label = _("Not a digit; as a digit it would read {digit}, {percent} sure").format(digit=digit, percent=sure)
        return (f'<div data-prediction="?" data-would-be="{digit}" style="{row}" aria-label="{label}">'
                '<span style="font-weight:800">?</span><span style="font-size:0.25em;font-weight:700">'
                + _("not a<br>digit") + '<br><span style="font-size:0.5em;font-weight:400;opacity:0.8">'
                + _("as a digit: {digit}").format(digit=digit) + '</span></span></div>')
    label = _("Prediction {digit}, {percent} sure").format(digit=digit, percent=sure)
    aside = _("{percent}<br>sure").format(percent=sure)
    if maybe is not None:
        aside += "<br>" + _("maybe {digit}").format(digit=maybe)
    return (f'<div data-prediction="{digit}" style="{row}" aria-label="{label}">'
            f'<span style="font-weight:800">{digit}</span><span style="font-size:0.25em;opacity:0.8">'
            f'{aside}</span></div>')


# Button groups scroll sideways when their row is too narrow; the lens buttons wrap instead, so that
# none hides off the edge of a narrow column (a sidebar open on a small screen, a phone, zoom).
_WRAP_LENSES = "<style>.st-key-lens [role='radiogroup'] { flex-wrap: wrap; }</style>"


def lens_choice(width: str = "content") -> str:
    """The lens buttons -> the chosen lens's name (`show` adds the style that wraps them, once)."""
    lens = st.pills(_("Look at"), list(LENSES), key="lens", required=True, label_visibility="collapsed",
                    width=width, format_func=_)
    return lens if lens in LENSES else next(iter(LENSES))


def show_reading(model: mlp.Classifier, digit: np.ndarray, digit_size: int | None = None,
                 lenses: bool = False) -> None:
    """What the model reads in one preprocessed (28, 28) digit: prediction, confidence, then a panel.

    With `digit_size` (presenter mode) the prediction is one big digit and the panel's text is short;
    with `lenses`, buttons under the prediction choose the panel (else the probabilities).
    """
    presenting = digit_size is not None
    reading = mlp.read(model, digit)  # once: the prediction and every lens show parts of it
    best, confidence, runner_up = reading.digit, reading.confidence, reading.runner_up
    not_digit = reading.looks_like_digit is False  # None: this model has no such check
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):  # one row, down to a phone
        unsure = confidence < LOW_CONFIDENCE and not not_digit
        if presenting:
            st.html(big_prediction(best, confidence, digit_size, not_digit, runner_up if unsure else None),
                    width="content")
        elif not_digit:  # the flag where the digit would be, as large; the digit it would be, small
            st.metric(_("Prediction"), "?", width=100)
            flag = _("not a digit")
            would_be = _("as a digit: {digit}, {percent}").format(digit=best, percent=percent(confidence))
            st.html(f'<div data-would-be="{best}" style="line-height:1.2"><b style="font-size:1.4rem">'
                    f'{flag}</b><br><span style="opacity:0.8">{would_be}</span>'
                    '</div>', width="content")
        else:
            st.metric(_("Prediction"), str(best), width=100)
            st.metric(_("Confidence"), percent(confidence), width=100)
        # The input's own 28x28 pixels, enlarged by the browser: no 112 px PNG to encode, no media file to fetch.
        st.html(pictures.pixelated(digit, 112, _("What the model sees")), width="content")
        if presenting and lenses:  # beside the big digit, not under it: the lens gets the height
            lens = lens_choice(width="stretch")
    if presenting and lenses:
        pass  # the big prediction says it ("?", "maybe 0"): a warning box would push the lens off a projector
    elif not_digit:
        st.warning(_("This does not look like a digit to the model. If it must be one, it reads {digit}.")
                   .format(digit=best))
    elif unsure:
        st.warning(_("Not sure: maybe {digit} or {other}.").format(digit=best, other=runner_up))
    if not (presenting and lenses):
        lens = lens_choice() if lenses else "Probabilities"
    LENSES[lens](model, reading, brief=presenting)


def clear_canvas() -> None:
    """Empty the canvas in place (and put away a digit opened from elsewhere): see canvas_content.clear."""
    canvas_content.clear()


def show(model: mlp.Classifier | None, data_path: str) -> None:
    """The Draw view: the live part (canvas, reading, lens), then the upload, which a stroke leaves as it is."""
    live(model, data_path)
    with guards.contained():
        # Outside the fragment: a stroke reruns only `live`, and every element it sends costs the
        # server CPU (each stroke's rerun, times a class of students); these do not change with a stroke.
        st.html(_WRAP_LENSES)
        if not st.session_state.present:
            with st.expander(_("Or upload a photo or scan of a handwritten digit")):
                upload_view(model)
        toolbar.keep_off_canvas()


@st.fragment
def live(model: mlp.Classifier | None, data_path: str) -> None:
    """Canvas beside the reading and a lens on it; a stroke reruns only this fragment (so it guards itself)."""
    with guards.contained():
        presenting = st.session_state.present
        space = viewport.canvas_space()  # the row's width and the window's size, as the browser says
        side = presenter.canvas_side(space) if presenting else presenter.normal_side(space)
        pad, reading = st.columns(presenter.columns(space, side) if presenting else [1, 1.25],
                                  gap="medium" if presenting else "large")
        with pad:
            digit_size = None
            if presenting:  # as large as the browser says fits
                digit_size = presenter.digit_size(side, under_canvas=presenter.stacked(space))
            else:
                st.space("small")  # room for the canvas's toolbar, which sits above it (views.toolbar)
            # Outside presenter mode the canvas is 280 pixels on all but the narrowest columns: drawn at once.
            canvas(side, space is not None or not presenting, presenting)
        with reading:
            if model is None:
                guards.no_model()
            else:
                digit, opened, refused = canvas_content.current_digit()
                if refused is not None:
                    st.error(_("This drawing was not read: {reason}.").format(reason=plain(refused)))
                if digit is None:
                    st.info(_("Draw a digit on the black square: the model reads it as you lift the pen."))
                    lens_choice()  # there before the first stroke too: a lesson can pick its panel first
                else:
                    if opened is not None:
                        st.caption(_("Showing {digit}. It is on the canvas: draw on it to change it, or Clear.")
                                   .format(digit=opened.about))
                    show_reading(model, digit, digit_size, lenses=True)


def canvas(side: int, settled: bool, presenting: bool) -> None:
    """The canvas at `side` CSS pixels and Clear under it; a placeholder until its size is known.

    A canvas drawn at a guessed size and resized a moment later lost a stroke begun in between, and
    a resized canvas crops its drawing while the reading stays: a new size empties both, in place,
    as Clear does (the component offers that; scaling would mean rewriting its drawing's JSON).
    """
    if not settled:
        presenter.placeholder()
    else:
        if st.session_state.canvas_side not in (None, side) and canvas_content.read_canvas() is not None:
            canvas_content.clear()
        st.session_state.canvas_side = side
        pen = round(pen_width() * side / CANVAS)  # the slider's widths are for 280
        st_canvas(stroke_width=pen, stroke_color="#FFFFFF", background_color="#000000", width=side,
                  height=side, drawing_mode="freedraw", return_image_data=True, key=state.canvas_key(),
                  initial_drawing=canvas_content.initial_drawing(side))
    if presenting:
        st.button(_("Clear"), on_click=clear_canvas, width=side)
    else:
        with st.container(horizontal=True, vertical_alignment="bottom", width=side):  # wraps if narrow
            st.slider(_("Pen width"), 8, 40, value=state.KEYS["stroke_width"].default, key="stroke_width",
                      width="stretch", persist_state="page")
            st.button(_("Clear"), on_click=clear_canvas)


def pen_width() -> int:
    """The pen width the slider is set to, in pixels of a 280-pixel canvas (its default before it is drawn)."""
    drawn = "stroke_width" in st.session_state
    return st.session_state["stroke_width"] if drawn else state.KEYS["stroke_width"].default


def upload_view(model: mlp.Classifier | None) -> None:
    """An uploaded picture, shown back beside what the model reads in it."""
    # The server's own limit, so that the page, the uploader and the proxy can never disagree.
    limit = st.get_option("server.maxUploadSize")
    upload = st.file_uploader(_("A picture of one digit (PNG or JPEG, up to {limit} MB)").format(limit=limit),
                              type=["png", "jpg", "jpeg"], key="upload")
    if upload is None:
        st.session_state.upload_reading = None  # removed from the uploader: let its pixels go
        return
    if model is None:
        return
    if upload.size > limit * MIB:  # only a client other than the browser's uploader gets this far
        st.error(_("This file is {size} MB; the limit is {limit} MB. "
                   "A photo of one digit needs far less: crop it or save it smaller.")
                 .format(size=i18n.number(upload.size / MB, 1), limit=limit))
        return
    reading = upload_reading.read(upload)
    if reading.refused is not None:
        st.error(_("Cannot read this picture: {reason}.").format(reason=plain(reading.refused)))
        return
    original, shown = st.columns([1, 3])
    original.image(reading.picture, caption=_("Your picture"), width=upload_reading.SHOWN_SIDE)
    with shown:
        if reading.digit is None:
            st.info(_("No digit found: the picture looks blank. Try a photo with more contrast."))
        else:
            show_reading(model, reading.digit)
