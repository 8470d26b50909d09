"""Painting: stroke paths, or an MNIST digit, -> an ink patch at canvas scale.

A patch is float32 (h, w) in [0, 1], cropped to its ink: `paint` draws strokes with a round
brush as a mouse or finger would; `paint_mnist` scales an MNIST digit up to the same size,
redrawing its strokes with another brush if asked.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from mlp.preprocessing import crop_to_ink, disk, stroke_width

SUPERSAMPLE = 2  # strokes are painted at this multiple and reduced, for anti-aliased edges


def paint(strokes: list[np.ndarray], height: float, width: float, angle: float,
          longer_side: bool = False) -> np.ndarray:
    """Paint strokes with a round brush `width` px wide so the ink is `height` px tall, rotated.

    With `longer_side`, `height` is the size of the ink's longer side (a dash, two digits).
    """
    extent = np.ptp(np.concatenate(strokes), axis=0)
    scale = max(height - width, 1.0) / float(extent.max() if longer_side else extent[1])
    theta = np.radians(angle)
    # Row vectors with y down: this turns the digit counter-clockwise on screen, as PIL's rotate.
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    placed = [stroke * scale @ rotation for stroke in strokes]
    everything = np.concatenate(placed)
    margin = width / 2 + 2
    origin = everything.min(axis=0) - margin
    size = np.ceil(everything.max(axis=0) - origin + margin).astype(int)
    brush = width * SUPERSAMPLE
    image = Image.new("L", tuple(size * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(image)
    for stroke in placed:
        points = [tuple(p) for p in (stroke - origin) * SUPERSAMPLE]
        draw.line(points, fill=255, width=max(1, round(brush)))
        # Circles at every point give the round joins and caps of a real brush.
        for px, py in points:
            draw.ellipse((px - brush / 2, py - brush / 2, px + brush / 2, py + brush / 2), fill=255)
    image = image.resize(tuple(size), Image.Resampling.BOX)
    return np.asarray(image, dtype=np.float32) / 255.0


def paint_mnist(digit: np.ndarray, height: float, width: float | None, angle: float) -> np.ndarray:
    """MNIST (28, 28) uint8 digit -> ink patch `height` px on its longer side, rotated.

    With `width`, strokes are redrawn that many pixels wide; otherwise they scale with the digit.
    """
    ink = np.pad(crop_to_ink(digit).astype(np.float32) / 255.0, 1)
    # Sized by the longer side, as MNIST fitted its 20x20 box: a wide 2 stays on the canvas.
    scale = height / (max(ink.shape) - 2)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    ink = np.clip(np.asarray(Image.fromarray(ink).resize(size, Image.Resampling.LANCZOS)), 0, 1)
    ink[ink < 0.04] = 0.0  # Lanczos leaves a faint ringing halo that no pen or brush makes
    if width is not None and width > (own_width := stroke_width(ink)):
        # A thicker brush: grow the strokes at canvas scale.
        radius = round((width - own_width) / 2)
        ink = ndimage.grey_dilation(np.pad(ink, radius), footprint=disk(radius))
    elif width is not None:
        # A thinner brush: erosion would cut MNIST's uneven strokes apart where they are thin,
        # so trace the strokes' centre lines and paint those with the thin brush instead.
        distance = ndimage.distance_transform_edt(~centre_lines(ink > 0.5))
        ink = np.clip(width / 2 + 0.5 - distance, 0.0, 1.0).astype(np.float32)
    if angle:
        ink = np.asarray(Image.fromarray(ink).rotate(angle, Image.Resampling.BILINEAR, expand=True))
    # Rotation smears a faint rim too weak to see; the patch ends where visible ink does.
    return np.ascontiguousarray(crop_to_ink(ink, floor=0.02), dtype=np.float32)


def centre_lines(mask: np.ndarray) -> np.ndarray:
    """Bool (H, W) strokes -> their one-pixel centre lines, connected as the strokes were.

    Zhang & Suen's thinning (1984): peel boundary pixels whose removal splits nothing,
    alternately from the south-east and the north-west, until none can go.
    """
    # Neighbours P2..P9 of the paper: north, then clockwise; a pixel's 8 neighbours as one byte.
    offsets = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
    p = (np.arange(256)[:, None] >> np.arange(8)) & 1  # (256, 8): the neighbours of each byte
    count = p.sum(axis=1)
    crossings = ((p == 0) & (np.roll(p, -1, axis=1) == 1)).sum(axis=1)
    can_go = (count >= 2) & (count <= 6) & (crossings == 1)
    removable = (  # one table per sub-iteration: byte -> may this pixel be peeled
        can_go & (p[:, 0] * p[:, 2] * p[:, 4] == 0) & (p[:, 2] * p[:, 4] * p[:, 6] == 0),
        can_go & (p[:, 0] * p[:, 2] * p[:, 6] == 0) & (p[:, 0] * p[:, 4] * p[:, 6] == 0),
    )
    image = np.pad(mask, 1).astype(np.uint8)
    inner = image[1:-1, 1:-1]  # a view: removing a pixel here removes it from `image`
    rows, cols = image.shape
    changed = True
    while changed:
        changed = False
        for table in removable:
            code = sum(
                image[1 + dy : rows - 1 + dy, 1 + dx : cols - 1 + dx] << k
                for k, (dy, dx) in enumerate(offsets)
            )
            remove = (inner == 1) & table[code]
            if remove.any():
                inner[remove] = 0
                changed = True
    return inner.astype(bool)
