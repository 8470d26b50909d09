"""The drawing canvas's picture as the page receives it, a PNG data URL, read with bounds.

The canvas sends its whole drawing after each stroke as `data:image/png;base64,...`. A client can
send anything in its place: a data URL of a 13000x13000 PNG is under 1 MB and decodes to 676 MB.
So the URL's length is checked before decoding the base64, and the picture's size before
decoding its pixels: a canvas never sends more than its own side in pixels.
"""

from __future__ import annotations

import base64
import binascii
import struct

from PIL import Image

from mlp.errors import ImageError
from mlp.i18n import _, number
from mlp.preprocessing import open_image

PREFIX = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_OVERHEAD = 4096  # bytes a PNG has beside its pixel data: signature, header, chunk framing


def max_url_length(max_side: int) -> int:
    """The longest data URL a canvas of `max_side` pixels can send: its RGBA pixels stored as they are.

    Compression never makes a PNG much larger than its raw pixels (one filter byte a row): deflate
    adds at most about 0.03 % to what it cannot compress, and the IDAT chunks 12 bytes each, 0.3 %
    at 4 KB a chunk; 1/256 covers both. A longer URL is not a drawing from such a canvas.
    """
    raw = max_side * (4 * max_side + 1)
    stored = raw + raw // 256 + PNG_OVERHEAD
    return len(PREFIX) + 4 * -(-stored // 3)


def open_drawing(url: str, max_side: int) -> Image.Image:
    """A canvas's PNG data URL -> PIL image; ImageError for one no canvas of `max_side` pixels sends."""
    if len(url) > max_url_length(max_side):
        raise ImageError(_("{size} MB is more than a canvas of {side} pixels sends").format(
            size=number(len(url) / 1e6, 1), side=max_side))
    if not url.startswith(PREFIX):
        raise ImageError(_("not a PNG data URL, which is what the canvas sends"))
    try:
        png = base64.b64decode(url[len(PREFIX):], validate=True)
    except binascii.Error:
        raise ImageError(_("its base64 is damaged")) from None
    if png[:8] != PNG_SIGNATURE or png[12:16] != b"IHDR":
        raise ImageError(_("not a PNG, which is what the canvas sends"))
    width, height = struct.unpack(">II", png[16:24])  # the header says it before any pixel is decoded
    if max(width, height) > max_side:
        raise ImageError(_("{width}x{height} pixels is larger than {most} pixels a side").format(
            width=width, height=height, most=max_side))
    return open_image(png, max_side=max_side, formats=("PNG",))
