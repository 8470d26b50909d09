"""Checking what a student sends before it is stored: shapes, ranges, sizes."""

from __future__ import annotations

import io
import math
import numbers

import numpy as np
from PIL import Image

from mlp.classroom.records import SendRefused

SHAPE = (28, 28)


def as_stored_image(image: object) -> np.ndarray:
    """The model's input, (28, 28) float in [0, 1] or uint8, as (28, 28) uint8; SendRefused otherwise."""
    if not isinstance(image, np.ndarray) or image.shape != SHAPE:
        raise SendRefused(f"a drawing is the model's {SHAPE[0]}x{SHAPE[1]} input, got "
                          f"{getattr(image, 'shape', type(image).__name__)}")
    if image.dtype == np.uint8:
        return np.ascontiguousarray(image)
    if not np.issubdtype(image.dtype, np.floating):
        raise SendRefused(f"a drawing is uint8 or float in [0, 1], got {image.dtype}")
    if not np.all(np.isfinite(image)) or image.min() < 0 or image.max() > 1:
        raise SendRefused("a drawing's float values must lie in [0, 1]")
    return np.round(image * 255).astype(np.uint8)


def checked_digit(value: object, what: str) -> int:
    """A digit 0-9 given as an int (not a bool); SendRefused otherwise."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral) or not 0 <= value <= 9:
        raise SendRefused(f"{what} must be a digit 0-9, got {value!r}")
    return int(value)


def checked_confidence(value: object) -> float:
    """A probability in [0, 1]; SendRefused otherwise."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or not 0 <= value <= 1:
        raise SendRefused(f"confidence must be a number in [0, 1], got {value!r}")
    return float(value)


def checked_not_digit(value: object) -> bool | None:
    """True, False or None (the model has no not-a-digit check); SendRefused otherwise."""
    if value is None:
        return None
    if not isinstance(value, bool | np.bool_):
        raise SendRefused(f"not_digit must be True, False or None, got {value!r}")
    return bool(value)


def png_of(image: np.ndarray, limit: int) -> bytes:
    """(28, 28) uint8 -> a grey PNG of it; SendRefused if it comes out over `limit` bytes."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", optimize=True)
    png = buffer.getvalue()
    if len(png) > limit:
        raise SendRefused(f"the drawing's picture is {len(png)} bytes, over the {limit} a class keeps")
    return png
