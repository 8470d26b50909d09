"""Real MNIST digits as the drawing canvas sends them (what a load test draws), and where that
canvas is in a run of the page, to send them to.

streamlit-drawable-canvas (0.13) sends the whole drawing on each stroke as its widget value:
`{"drawing": {"raw": <Fabric.js JSON>, "data": "data:image/png;base64,..."}, "backgroundFit": None}`.
With a black background the PNG is 280x280 RGBA, opaque, white ink: about 6 KB for a digit.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.proto.WidgetStates_pb2 import WidgetState

from harness.streamlit_session import Run
from mlp.data import ENV_VAR, keras_cache, resolve_path

SIDE = 280  # canvas pixels, as the page draws it


@dataclass(frozen=True)
class CanvasDigit:
    """One digit ready to send: its label and the canvas component's JSON value."""

    label: int
    value: str  # the component state as JSON, ready for a WidgetState's json_value
    png_bytes: int


def canvas_png(digit: np.ndarray) -> bytes:
    """(28, 28) uint8 MNIST digit -> 280x280 RGBA PNG, white on opaque black, crisp like a pen stroke.

    Bicubic enlargement alone gives soft grey ramps (and PNGs twice the canvas's size); a steep
    tone curve turns them into ink with a thin anti-aliased edge, as the canvas draws it.
    """
    enlarged = np.asarray(Image.fromarray(digit).resize((SIDE, SIDE), Image.Resampling.BICUBIC), np.float32)
    ink = np.clip((enlarged - 96) * 3, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(ink).convert("RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def fabric_path(digit: np.ndarray, points: int = 40) -> dict:
    """A Fabric.js freehand path through the digit's ink, sized like the one the canvas sends."""
    rows, cols = np.nonzero(digit > 128)
    order = np.argsort(rows * 28 + cols)[:: max(1, len(rows) // points)]
    xy = [(float(c) * SIDE / 28, float(r) * SIDE / 28) for r, c in zip(rows[order], cols[order])]
    commands = [["M", *xy[0]]] + [["Q", *a, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2] for a, b in zip(xy, xy[1:])]
    return {"type": "Path", "version": "6.0.0", "originX": "left", "originY": "top", "fill": None,
            "stroke": "#FFFFFF", "strokeWidth": 20, "strokeLineCap": "round", "strokeLineJoin": "round",
            "path": commands}


def canvas_digits(npz_path: str | Path | None = None, per_digit: int = 1) -> list[CanvasDigit]:
    """The first `per_digit` test images of each class 0-9, as canvas widget values.

    Read from `npz_path` (Keras layout), else $MNIST_NPZ, else Keras' cached download.
    """
    path = resolve_path(npz_path) or keras_cache()
    if not path.is_file():
        raise FileNotFoundError(f"no MNIST at {path}: set {ENV_VAR} to a local mnist.npz in the Keras layout")
    with np.load(path) as data:
        images, labels = data["x_test"], data["y_test"]
    digits = []
    for label in range(10):
        for index in np.flatnonzero(labels == label)[:per_digit]:
            png = canvas_png(images[index])
            url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            raw = {"version": "6.0.0", "objects": [fabric_path(images[index])], "background": "#000000"}
            value = json.dumps({"drawing": {"raw": raw, "data": url}, "backgroundFit": None})
            digits.append(CanvasDigit(label, value, len(png)))
    return digits


def find_canvas(run: Run):
    """The drawing canvas in a run: the first custom component (bidi_component) element, or None."""
    components = [element for element in run.elements if element.kind == "bidi_component"]
    named = [element for element in components if "canvas" in element.proto.component_name]
    return (named or components or [None])[0]


def canvas_state(element, digit: CanvasDigit) -> WidgetState:
    """The widget state the canvas component sends when a drawing is finished."""
    return WidgetState(id=element.proto.id, json_value=digit.value)
