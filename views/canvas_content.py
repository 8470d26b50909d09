"""What is on the Draw view's canvas: the drawing it sent, read once; a digit put there from elsewhere; Clear."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

import mlp
from mlp.i18n import _
from mlp.shapes import CANVAS
from views import pictures, presenter, state

# The canvas sends its picture at one pixel per CSS pixel (the component's toDataURL has a
# multiplier of 1 and no retina scaling), so never larger than the largest canvas the page draws.
MAX_SIDE = presenter.LARGEST


@dataclass(frozen=True)
class OpenedDigit:
    """A test digit put on the Draw view from elsewhere, with what the page says about it."""

    image: np.ndarray  # (28, 28) float32 in [0, 1], the model's input
    about: str  # e.g. "test digit 1,234 (true 4, read as 9 by robust)"


def _drawing_url() -> str | None:
    """The canvas's drawing as the component last sent it, a PNG data URL; None before a stroke."""
    key = state.canvas_key()
    value = st.session_state[key] if key in st.session_state else None
    return ((value or {}).get("drawing") or {}).get("data")


@dataclass(frozen=True)
class CanvasReading:
    """One drawing the canvas sent, read once: the model's input, or why it was not read."""

    url: str  # the PNG data URL as the component sent it
    digit: np.ndarray | None  # (28, 28) float32, None when blank or refused
    refused: str | None = None  # why the drawing was not read, for a person


def read_canvas() -> CanvasReading | None:
    """The canvas's drawing, read; None when there is none or it was just cleared.

    Each drawing is decoded once: the fragment reruns for every widget in it (the lenses, the pen
    width) and the page for every other, with the same drawing, and decoding is most of a rerun.
    """
    url = _drawing_url()
    if url is not None and url == st.session_state.canvas_cleared:
        return None  # the drawing Clear wiped, until the component sends its empty one
    if url != st.session_state.canvas_cleared:  # it has: the same drawing made again is new
        st.session_state.canvas_cleared = None
    if not url:
        return None
    last = st.session_state.canvas_reading
    if last is None or last.url != url:  # comparing even a long URL costs far less than decoding it
        last = st.session_state.canvas_reading = _read(url)
    return last


def _read(url: str) -> CanvasReading:
    try:
        return CanvasReading(url, mlp.preprocess(mlp.open_drawing(url, MAX_SIDE)))
    except mlp.ImageError as err:
        return CanvasReading(url, None, str(err))


def current_digit() -> tuple[np.ndarray | None, OpenedDigit | None, str | None]:
    """The (28, 28) model input the page reads now, the opened test digit when that is it, and why
    the canvas's drawing was not read when it was refused.

    A stroke on the canvas wins over an opened digit, and forgets it.
    """
    reading = read_canvas()
    if reading is not None and reading.digit is not None:
        st.session_state.opened_digit = None
        return reading.digit, None, None
    refused = None if reading is None else reading.refused
    opened = st.session_state.opened_digit
    return (None, None, refused) if opened is None else (opened.image, opened, refused)


def clear() -> None:
    """Empty the canvas in place: a new initial drawing makes the component reset and send it.

    A new widget key would remount the component instead, and a stroke begun in the 0.3-0.6 s
    that takes is lost; this way the canvas keeps taking strokes. Until the component's empty
    drawing arrives, the drawing just wiped reads as blank. A digit opened from elsewhere goes too.
    """
    st.session_state.canvas_round += 1
    st.session_state.canvas_cleared = _drawing_url()
    st.session_state.opened_digit = st.session_state.canvas_digit = None


def open_digit(image: np.ndarray, about: str) -> None:
    """Callback: show this (28, 28) digit in the Draw view, painted on the canvas so that a stroke can
    correct it, with the Inside panel open."""
    clear()
    st.session_state.opened_digit = OpenedDigit(mlp.as_model_input(image), about)
    st.session_state.canvas_digit = canvas_picture(image)
    st.session_state.lens = "Inside"
    st.session_state.view = _("Draw")  # the tab's title in the page's language


def canvas_picture(digit: np.ndarray) -> str:
    """(28, 28) uint8 digit -> a PNG data URL at the canvas's 280 px, white on black, smoothly enlarged
    as a pen would have drawn it."""
    picture = Image.fromarray(np.asarray(digit, dtype=np.uint8)).resize((CANVAS, CANVAS), Image.Resampling.BILINEAR)
    return pictures.data_url(picture.convert("RGB"))


def initial_drawing(side: int) -> dict:
    """The canvas's initial drawing: empty, or the opened digit as a picture object under the strokes.

    A background image would not do: the component leaves it out of the drawing it sends, so a
    stroke added to a misread digit would be read alone. A picture object is part of the drawing.
    Its clearRound changes with each Clear, which makes the component reset in place.
    """
    objects = []
    if st.session_state.canvas_digit is not None:
        objects.append({"type": "Image", "src": st.session_state.canvas_digit, "left": 0, "top": 0,
                        "width": CANVAS, "height": CANVAS, "scaleX": side / CANVAS, "scaleY": side / CANVAS,
                        "originX": "left", "originY": "top", "selectable": False, "evented": False})
    return {"objects": objects, "clearRound": st.session_state.canvas_round}
