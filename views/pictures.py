"""Pictures the page draws or shows with PIL: enlarged digits, the test grid's contact sheet, uploads."""

from __future__ import annotations

import base64
import functools
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mlp import i18n
from mlp.i18n import _
from mlp.preprocessing import as_8bit
from mlp.shapes import SIZE

RED, GREY = (214, 39, 40), (90, 90, 90)
# Diverging colours for signed weights: blue below zero, white at zero, red above (ColorBrewer RdBu).
NEGATIVE, ZERO, POSITIVE = np.array([33, 102, 172.0]), np.array([247, 247, 247.0]), np.array([178, 24, 43.0])
# Activations on one straight ramp, so that a unit's colour can be read back as its value: a unit at
# zero is dark, the layer's most active unit glows amber.
RESTING, GLOWING = np.array([36, 40, 48.0]), np.array([255, 190, 40.0])
# Pillow's own font has no Japanese: labels in Japanese need a CJK font (Debian: fonts-ipafont-gothic).
CJK_FONTS = ("/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf", "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
             "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@functools.cache
def label_font(size: int, code: str) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A font for labels drawn in language `code`: Pillow's own, or a CJK font for Japanese when one
    is installed (without one, Japanese labels would be empty boxes)."""
    if code == "ja":
        for path in CJK_FONTS:
            if Path(path).exists():
                return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def enlarged(digit: np.ndarray, side: int = 140) -> Image.Image:
    """(28, 28) float in [0, 1] or uint8 -> a grey PIL image, enlarged without smoothing."""
    pixels = digit if digit.dtype == np.uint8 else (np.clip(digit, 0, 1) * 255).astype(np.uint8)
    return Image.fromarray(pixels).resize((side, side), Image.Resampling.NEAREST)


def pixelated(digit: np.ndarray, side: int, caption: str) -> str:
    """(28, 28) float in [0, 1] or uint8 -> HTML for st.html: the digit's own 28x28 pixels as a PNG
    data URL, shown `side` CSS pixels wide and unsmoothed by the browser, the caption under it.

    What `st.image(enlarged(digit, side))` shows, for a fraction of the server's work: a PNG of 784
    pixels instead of side**2, no media file stored, and no second request from the browser to fetch it.
    """
    pixels = digit if digit.dtype == np.uint8 else (np.clip(digit, 0, 1) * 255).astype(np.uint8)
    return (f'<figure style="margin:0;width:{side}px">'
            f'<img src="{data_url(Image.fromarray(pixels))}" width="{side}" height="{side}" alt="{caption}" '
            'style="display:block;image-rendering:pixelated;border-radius:0.5rem">'
            f'<figcaption style="font-size:0.875rem;opacity:0.6;text-align:center;word-break:break-word">'
            f'{caption}</figcaption></figure>')


def diverging(weights: np.ndarray, side: int = 84) -> Image.Image:
    """(28, 28) signed weights -> an RGB picture, red positive and blue negative, on a scale symmetric
    about zero, enlarged without smoothing.

    Full colour at the 99th percentile of the magnitudes in the central 20x20, where MNIST puts its
    digits: with the input's normalisation folded in, pixels near the edge (almost never inked,
    their variance tiny) get huge weights that would wash the digit's own region out to white.
    """
    centre = np.abs(np.asarray(weights, dtype=np.float64)[4:24, 4:24])
    scale = float(np.percentile(centre, 99)) or float(np.abs(weights).max()) or 1.0
    t = np.clip(np.asarray(weights, dtype=np.float64) / scale, -1, 1)[..., None]
    rgb = np.where(t > 0, ZERO + t * (POSITIVE - ZERO), ZERO - t * (NEGATIVE - ZERO))
    return Image.fromarray(rgb.round().astype(np.uint8)).resize((side, side), Image.Resampling.NEAREST)


def glow(grid: np.ndarray, top: float | None = None) -> Image.Image:
    """(rows, columns) activations >= 0 -> an RGBA picture, one pixel per unit: RESTING at 0, GLOWING
    at `top` (default the grid's largest), linear between; NaN cells (no unit) transparent."""
    values = np.asarray(grid, dtype=np.float64)
    known = ~np.isnan(values)
    top = top if top is not None else float(values[known].max(initial=0.0))
    t = np.clip(np.where(known, values, 0.0) / (top or 1.0), 0, 1)[..., None]
    rgb = RESTING + t * (GLOWING - RESTING)
    alpha = np.where(known, 255, 0)[..., None]
    return Image.fromarray(np.concatenate([rgb.round(), alpha], axis=-1).astype(np.uint8), "RGBA")


def data_url(image: Image.Image) -> str:
    """A PIL image as a PNG data URL, to put a small picture straight into HTML."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def strip(values: np.ndarray, height: int = 24) -> Image.Image:
    """(n,) values in [0, 1] -> a grey strip n pixels wide: a flattened picture, left to right."""
    row = (np.clip(np.asarray(values, dtype=np.float32), 0, 1) * 255).astype(np.uint8)[None, :]
    return Image.fromarray(row).resize((row.shape[1], height), Image.Resampling.NEAREST)


def contact_sheet(images: np.ndarray, labels: np.ndarray, predicted: np.ndarray, columns: int,
                  scale: int = 3) -> Image.Image:
    """Digits in rows of `columns`, each titled with its prediction; mistakes framed in red."""
    cell, title, gap = SIZE * scale, 18, 6
    columns = min(columns, len(images))
    rows = -(-len(images) // columns)
    sheet = Image.new("RGB", (columns * (cell + gap) + gap, rows * (cell + title + gap) + gap), "white")
    draw = ImageDraw.Draw(sheet)
    font = label_font(14, i18n.current())
    for i, (image, label, guess) in enumerate(zip(images, labels, predicted)):
        left = gap + (i % columns) * (cell + gap)
        top = gap + (i // columns) * (cell + title + gap)
        wrong = label != guess
        text = _("{read} (true {digit})").format(read=guess, digit=label) if wrong else str(guess)
        draw.text((left + cell / 2, top + title / 2), text, fill=RED if wrong else GREY, font=font,
                  anchor="mm")
        sheet.paste(enlarged(image, cell).convert("RGB"), (left, top + title))
        if wrong:
            draw.rectangle((left - 2, top + title - 2, left + cell + 1, top + title + cell + 1),
                           outline=RED, width=3)
    return sheet


def displayable(image: Image.Image) -> Image.Image:
    """Any PIL image -> one a browser can show (L, RGB or RGBA, 8 bits per channel).

    16-bit, 32-bit and float greyscale are stretched to 0-255 over their own range, as the
    model reads them (mlp.preprocessing.as_8bit).
    """
    image = as_8bit(image)
    if image.mode in ("L", "RGB", "RGBA"):
        return image
    if image.mode == "1":
        return image.convert("L")
    has_alpha = "A" in image.mode or "a" in image.mode or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")
