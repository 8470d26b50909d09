"""A contact sheet of the hardest drawings: where a model and its check are weakest.

Three rows of the drawings a model finds hardest, each under the 28x28 input it saw:
digits it reads least surely as what they are, non-digits that look most like a digit to
its check, and digits that look least like one.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from drawn.dataset import DrawnSet
from drawn.not_digits import NotDigitSet
from drawn.paint import paint
from drawn.strokes import digit_styles
from mlp.digit_check import digit_likeness
from mlp.network import predict_proba
from mlp.preprocessing import preprocess

TILE = 112  # pixels per drawing on the sheet
CAPTION = 28  # pixels of text under each


def hardest(model, drawn: DrawnSet, not_digits: NotDigitSet, count: int = 10) -> list[list[tuple]]:
    """Rows of (28x28 input, caption): digits read least surely, non-digits most digit-like,
    digits least digit-like."""
    digit_inputs = [preprocess(image) for image in drawn.images]
    keep = [i for i, x in enumerate(digit_inputs) if x is not None]
    x = np.stack([digit_inputs[i] for i in keep])
    labels = drawn.labels[keep]
    probabilities = predict_proba(model, x)
    sure = probabilities[np.arange(len(keep)), labels]
    names = [drawn.styles[i] if drawn.source[i] == "strokes" else f"mnist {drawn.conditions[i]}"
             for i in keep]
    rows = [[(x[i], f"{names[i]}: read {probabilities[i].argmax()}, {sure[i]:.0%}")
             for i in np.argsort(sure)[:count]]]
    other = [preprocess(image) for image in not_digits.images]
    found = [i for i, o in enumerate(other) if o is not None]
    likeness = digit_likeness(model, np.stack([other[i] for i in found]))
    if likeness is None:
        return rows
    order = np.argsort(-likeness)[:count]
    rows.append([(other[found[i]], f"{not_digits.kinds[found[i]]}: {likeness[i]:.2f}")
                 for i in order])
    digit_likeness_of = digit_likeness(model, x)
    rows.append([(x[i], f"{names[i]}: {digit_likeness_of[i]:.2f}")
                 for i in np.argsort(digit_likeness_of)[:count]])
    return rows


def hardest_of_styles(model, drawn: DrawnSet, styles: list[str],
                      count: int = 10) -> list[list[tuple]]:
    """A row per style: the style as written (its strokes, plainly painted), then the `count`
    drawings of it the model reads least surely (read as, p(true digit))."""
    table = digit_styles()
    rows = []
    for name in styles:
        plain = preprocess(_on_black(paint(table[name].strokes, 200.0, 20.0, 0.0)))
        chosen = np.flatnonzero(drawn.styles == name)
        x = np.stack([preprocess(drawn.images[i]) for i in chosen])
        probabilities = predict_proba(model, x)
        sure = probabilities[:, table[name].digit]
        rows.append([(plain, f"{name} as written")] + [
            (x[i], f"{drawn.conditions[chosen[i]]}: read {probabilities[i].argmax()}, "
                   f"{sure[i]:.0%}") for i in np.argsort(sure)[:count]])
    return rows


def hardest_of_condition(model, drawn: DrawnSet, condition: str,
                         count: int = 10) -> list[list[tuple]]:
    """A row per digit: the drawing under `condition` the model reads least surely, as it was
    handed in, then the `count` read least surely, as the model saw them (read as, p(true digit))."""
    rows = []
    for digit in range(10):
        chosen = np.flatnonzero((drawn.conditions == condition) & (drawn.labels == digit))
        inputs = {i: preprocess(drawn.images[i]) for i in chosen}
        kept = [i for i, x in inputs.items() if x is not None]
        if not kept:
            continue
        x = np.stack([inputs[i] for i in kept])
        probabilities = predict_proba(model, x)
        sure = probabilities[:, digit]
        order = np.argsort(sure)[:count]
        names = [drawn.styles[i] if drawn.source[i] == "strokes" else "mnist" for i in kept]
        rows.append([(_as_handed_in(drawn.images[kept[order[0]]]), "the first, as handed in")] + [
            (x[i], f"{names[i]}: read {probabilities[i].argmax()}, {sure[i]:.0%}") for i in order])
    return rows


def _as_handed_in(image: np.ndarray) -> np.ndarray:
    """A drawing's uint8 image -> float grey in [0, 1], padded square with its corner's grey."""
    grey = image.astype(np.float32).mean(axis=2) / 255 if image.ndim == 3 else image / 255.0
    rows, cols = grey.shape
    side = max(rows, cols)
    top, left = (side - rows) // 2, (side - cols) // 2
    return np.pad(grey, ((top, side - rows - top), (left, side - cols - left)),
                  constant_values=grey[0, 0])


def _on_black(patch: np.ndarray) -> np.ndarray:
    """An ink patch (h, w) float -> a black canvas (h + 80, w + 80) uint8 with it in the middle."""
    return np.round(np.pad(patch, 40) * 255).astype(np.uint8)


def contact_sheet(rows: list[list[tuple]], titles: list[str], out: Path) -> Path:
    """Rows of (28x28 float image, caption) with a title above each -> a PNG at `out`."""
    width = max(len(row) for row in rows) * TILE
    title_height = 22
    height = len(rows) * (title_height + TILE + CAPTION)
    sheet = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(sheet)
    top = 0
    for row, title in zip(rows, titles):
        draw.text((4, top + 5), title, fill=0)
        top += title_height
        for column, (x, caption) in enumerate(row):
            tile = Image.fromarray(np.round(x * 255).astype(np.uint8)).resize(
                (TILE - 8, TILE - 8), Image.Resampling.NEAREST)
            sheet.paste(tile, (column * TILE + 4, top))
            for line, text in enumerate(textwrap.wrap(caption, 18)[:2]):
                draw.text((column * TILE + 4, top + TILE - 4 + 12 * line), text, fill=0)
        top += TILE + CAPTION
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out
