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


def canvas_pixels() -> np.ndarray | None:
    """The canvas's drawing as the component last sent it, an (h, w, 4) uint8 array; None before a stroke."""
    key = state.canvas_key()
    value = st.session_state[key] if key in st.session_state else None
    url = ((value or {}).get("drawing") or {}).get("data")
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


def open_digit(image: np.ndarray, about: str) -> None:
    """Callback: show this (28, 28) digit in the Draw view, on a fresh canvas, with the Inside panel open."""
    st.session_state.opened_digit = OpenedDigit(mlp.as_model_input(image), about)
    st.session_state.canvas_round += 1
    st.session_state.lens = "Inside"
    st.session_state.view = "Draw"
