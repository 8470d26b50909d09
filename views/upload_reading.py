"""An uploaded picture, read once per file: what the Draw view shows back and reads from an upload."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image
from streamlit.runtime.uploaded_file_manager import UploadedFile

import mlp
from views import pictures

SHOWN_SIDE = 140  # pixels: an upload is shown back this wide


@dataclass(frozen=True)
class UploadReading:
    """One uploaded file, read once: the picture to show back and the model's input, or why not."""

    file_id: str  # the uploader's id for this file: a new upload gets a new one
    picture: Image.Image | None  # small enough to show back, 8 bits per channel
    digit: np.ndarray | None  # (28, 28) float32, None when blank or unreadable
    refused: str | None = None  # why the picture was not read, for a person


def read(upload: UploadedFile) -> UploadReading:
    """The upload, decoded once per file: a rerun (any click on the page) reuses the reading, and a
    new file replaces it, so a visitor holds one small picture, not every file they tried."""
    last = st.session_state.upload_reading
    if last is None or last.file_id != upload.file_id:
        last = st.session_state.upload_reading = _decode(upload)
    return last


def _decode(upload: UploadedFile) -> UploadReading:
    try:
        photo = mlp.open_image(upload.getvalue())
        digit = mlp.preprocess(photo)
    except mlp.ImageError as err:
        return UploadReading(upload.file_id, None, None, str(err))
    picture = pictures.displayable(photo)
    picture.thumbnail((2 * SHOWN_SIDE, 2 * SHOWN_SIDE))  # sharp on a high-density screen, and small
    return UploadReading(upload.file_id, picture, digit)
