"""Reading the canvas's PNG data URL: what a canvas sends is read, what none sends is refused unread."""

import base64
import io

import numpy as np
import pytest
from conftest import digit_png
from PIL import Image

import mlp
from harness import hostile
from mlp.canvas import max_url_length

SIDE = 900  # the largest canvas the page draws (presenter mode)


def as_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def test_a_drawing_reads_as_its_png_does(mnist):
    png = digit_png(mnist.x_test[0])
    np.testing.assert_array_equal(mlp.preprocess(mlp.open_drawing(as_url(png), SIDE)),
                                  mlp.preprocess(Image.open(io.BytesIO(png))))


def test_the_largest_canvas_full_of_noise_is_within_the_length_bound():
    """Noise does not compress: no drawing of a canvas this size makes a longer data URL."""
    noise = np.random.default_rng(0).integers(0, 256, (SIDE, SIDE, 4), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise, "RGBA").save(buffer, format="PNG")
    url = as_url(buffer.getvalue())
    assert len(url) <= max_url_length(SIDE)
    assert mlp.open_drawing(url, SIDE).mode == "RGBA"  # read, not refused


def test_a_picture_larger_than_the_canvas_is_refused_from_its_header():
    url = hostile.stroke_url(SIDE + 1)
    with pytest.raises(mlp.ImageError, match=f"{SIDE + 1}x{SIDE + 1} pixels is larger than {SIDE} pixels"):
        mlp.open_drawing(url, SIDE)


@pytest.mark.parametrize("url, message", [
    ("data:image/png;base64," + "A" * (max_url_length(SIDE) + 1), "more than a canvas"),
    ("data:image/jpeg;base64,/9j/4AAQ", "not a PNG data URL"),
    ("data:image/png;base64,not base64!", "base64 is damaged"),
    (as_url(b"GIF89a" + bytes(40)), "not a PNG"),
])
def test_what_no_canvas_sends_is_refused_with_a_reason(url, message):
    with pytest.raises(mlp.ImageError, match=message):
        mlp.open_drawing(url, SIDE)


def test_the_largest_drawing_fits_in_one_websocket_message_and_little_more_does():
    """The server cuts off a message over server.maxMessageSize before parsing it: the canvas's
    largest drawing must fit, and the limit must not let through hundreds of MB."""
    import tomllib

    from conftest import ROOT
    from views.canvas_content import MAX_SIDE

    limit_mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxMessageSize"]
    assert max_url_length(MAX_SIDE) + 1_000 < limit_mb * 1e6 <= 32e6
