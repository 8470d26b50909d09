"""The Draw view: a canvas and an upload on the left, what the model reads on the right."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

import mlp
import mlp.preprocessing  # up front: the first stroke should not wait for scipy
from views import charts, guards, pictures, state
from views.text import plain

CANVAS_SIDE = 280  # pixels; preprocess scales any size down to 28x28
LOW_CONFIDENCE = 0.6  # below this the page says the model is unsure
UPLOAD_LIMIT_MB = 5  # a photo of one digit needs far less; the server accepts a little more to say so
MB = 1_000_000  # as the uploader counts them when it shows a file's size


def show_reading(model: mlp.Classifier, digit: np.ndarray) -> None:
    """What the model reads in one preprocessed (28, 28) digit: prediction, confidence, all ten."""
    probabilities = mlp.predict_proba(model, digit)
    (best, confidence), (runner_up, _) = mlp.top_k(probabilities, k=2)
    with st.container(horizontal=True, gap="small"):  # one row, down to a phone's width
        st.metric("Prediction", str(best), width=100)
        st.metric("Confidence", f"{confidence:.0%}", width=100)
        st.image(pictures.enlarged(digit, 112), width=112, caption="What the model sees")
    if confidence < LOW_CONFIDENCE:
        st.warning(f"Not sure: maybe {best} or {runner_up}.")
    st.html(charts.probability_bars(probabilities))
    st.caption("The model reads 28x28 pixels: the drawing is cropped, scaled to fit 20x20 and "
               "centred by its mass, as the MNIST digits it learned from were.")


def clear_canvas() -> None:
    """Empty the canvas in place: a new initial drawing makes the component reset and send it.

    A new widget key would remount the component instead, and a stroke begun in the 0.3-0.6 s
    that takes is lost; this way the canvas keeps taking strokes. Until the component's empty
    drawing arrives, the drawing just wiped reads as blank.
    """
    st.session_state.canvas_round += 1
    value = st.session_state[state.canvas_key()] or {}
    st.session_state.canvas_cleared = (value.get("drawing") or {}).get("data")


def current_drawing(canvas) -> np.ndarray | None:
    """The canvas's pixels, or None when it is blank or was just cleared."""
    value = st.session_state[state.canvas_key()] or {}
    if (value.get("drawing") or {}).get("data") == st.session_state.canvas_cleared is not None:
        return None
    return canvas.image_data  # decoded from PNG on every access: read it once


@st.fragment
def show(model: mlp.Classifier | None, data_path: str) -> None:
    """Canvas and upload; a stroke reruns only this fragment (so it guards itself)."""
    with guards.contained():
        pad, reading = st.columns([1, 1.25], gap="large")
        with pad:
            st.space("small")  # room for the canvas's toolbar, which shows above it on hover
            canvas = st_canvas(stroke_width=st.session_state.stroke_width, stroke_color="#FFFFFF",
                               background_color="#000000", width=CANVAS_SIDE, height=CANVAS_SIDE,
                               drawing_mode="freedraw", return_image_data=True, key=state.canvas_key(),
                               initial_drawing={"objects": [], "clearRound": st.session_state.canvas_round})
            width, clear = st.columns([3, 1], vertical_alignment="bottom", wrap=False)
            width.slider("Pen width", 8, 40, key="stroke_width")
            clear.button("Clear", on_click=clear_canvas, width="stretch")
        with reading:
            if model is None:
                guards.no_model()
            else:
                pixels = current_drawing(canvas)
                drawing = None if pixels is None else mlp.preprocess(pixels)
                if drawing is None:
                    st.info("Draw a digit on the black square: the model reads it as you lift the pen.")
                else:
                    show_reading(model, drawing)
        with st.expander("Or upload a photo or scan of a handwritten digit"):
            upload_view(model)


def upload_view(model: mlp.Classifier | None) -> None:
    """An uploaded picture, shown back beside what the model reads in it."""
    upload = st.file_uploader(f"A picture of one digit (PNG or JPEG, up to {UPLOAD_LIMIT_MB} MB)",
                              type=["png", "jpg", "jpeg"], key="upload")
    if upload is None or model is None:
        return
    if upload.size > UPLOAD_LIMIT_MB * MB:
        st.error(f"This file is {upload.size / MB:.1f} MB; the limit is {UPLOAD_LIMIT_MB} MB. "
                 "A photo of one digit needs far less: crop it or save it smaller.")
        return
    try:
        photo = mlp.open_image(upload.getvalue())
        digit = mlp.preprocess(photo)
    except mlp.ImageError as err:
        reason = str(err)
        st.error(f"Cannot read this picture: {plain(reason)}.")
        return
    original, reading = st.columns([1, 3])
    original.image(pictures.displayable(photo), caption="Your picture", width=140)
    with reading:
        if digit is None:
            st.info("No digit found: the picture looks blank. Try a photo with more contrast.")
        else:
            show_reading(model, digit)
