"""What the Draw view reads: the canvas's drawing, else a test digit opened from the Mistakes view."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

import mlp
from views import state


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


def canvas_pixels() -> np.ndarray | None:
    """The canvas's drawing, an (h, w, 4) uint8 array; None when it is blank or was just cleared."""
    url = _drawing_url()
    if url is not None and url == st.session_state.canvas_cleared:
        return None  # the drawing Clear wiped, until the component sends its empty one
    if url != st.session_state.canvas_cleared:  # it has: the same drawing made again is new
        st.session_state.canvas_cleared = None
    if not url:
        return None
    _, encoded = url.split(";base64,", 1)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))


def current_digit() -> tuple[np.ndarray | None, OpenedDigit | None]:
    """The (28, 28) model input the page reads now, and the opened test digit when that is it.

    A stroke on the canvas wins over an opened digit, and forgets it.
    """
    pixels = canvas_pixels()
    drawing = None if pixels is None else mlp.preprocess(pixels)
    if drawing is not None:
        st.session_state.opened_digit = None
        return drawing, None
    opened = st.session_state.opened_digit
    return (None, None) if opened is None else (opened.image, opened)


def clear() -> None:
    """Empty the canvas in place: a new initial drawing makes the component reset and send it.

    A new widget key would remount the component instead, and a stroke begun in the 0.3-0.6 s
    that takes is lost; this way the canvas keeps taking strokes. Until the component's empty
    drawing arrives, the drawing just wiped reads as blank. A digit opened from elsewhere goes too.
    """
    st.session_state.canvas_round += 1
    st.session_state.canvas_cleared = _drawing_url()
    st.session_state.opened_digit = None


def open_digit(image: np.ndarray, about: str) -> None:
    """Callback: show this (28, 28) digit in the Draw view, on an emptied canvas, with the Inside panel open."""
    clear()
    st.session_state.opened_digit = OpenedDigit(mlp.as_model_input(image), about)
    st.session_state.lens = "Inside"
    st.session_state.view = "Draw"
