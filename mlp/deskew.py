"""Straighten a slanted digit before the network reads it (deskewing), in NumPy.

A digit's ink has a principal slant: how far its columns drift per row, the covariance of its
rows and columns over the variance of its rows. A horizontal shear about the centre of mass
removes it, so an upright 1, a slanted 1 and a 1 tilted by a hand or a phone all reach the
network as nearly the same image; the shear also moves the centre of mass to the middle.
The shear is capped at SHEAR_LIMIT, so a flat mark (a dash, whose rows barely vary) is not
smeared across the field. Models trained with it carry it as their first step (a Deskew
layer in Keras, `NumpyMLP.deskew` here); `mlp.keras_layers` does the same in TensorFlow.
"""

from __future__ import annotations

import numpy as np

from mlp.shapes import SIZE

SHEAR_LIMIT = 1.0  # columns per row, at most: a 45-degree slant
CENTRE = SIZE / 2.0  # where MNIST puts the centre of mass, in pixel coordinates
PAD = 3  # black rows and columns around an image: one before it, two after (see bilinear)


def deskew(images: np.ndarray) -> np.ndarray:
    """float (n, 28, 28) in [0, 1] -> float32 (n, 28, 28), each image sheared upright.

    An image with no ink comes back black.
    """
    x = np.asarray(images, dtype=np.float32)
    rows, cols = shear_coordinates(x)
    return bilinear(x, rows, cols)


def shear_coordinates(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each output pixel of each image, the (row, col) it samples: two (n, 28, 28) arrays."""
    grid = np.arange(SIZE, dtype=np.float32)
    mass = x.sum(axis=(1, 2)) + 1e-6
    row_ink, col_ink = x.sum(axis=2), x.sum(axis=1)  # (n, 28) each
    cy = row_ink @ grid / mass
    cx = col_ink @ grid / mass
    dr = grid[None, :] - cy[:, None]  # (n, 28)
    dc = grid[None, :] - cx[:, None]
    var_r = (row_ink * dr * dr).sum(axis=1) / mass
    cov = (dr[:, None, :] @ x @ dc[:, :, None])[:, 0, 0] / mass
    alpha = np.clip(cov / np.maximum(var_r, 1e-3), -SHEAR_LIMIT, SHEAR_LIMIT)
    out = grid - CENTRE  # output offsets from the middle
    rows = np.broadcast_to(out[None, :, None] + cy[:, None, None], x.shape)
    cols = out[None, None, :] + cx[:, None, None] + alpha[:, None, None] * out[None, :, None]
    return rows, cols


def bilinear(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Sample (n, 28, 28) images at fractional positions; outside the image is black.

    The image sits in a black frame, one pixel before it and two after, and positions are
    clamped to the frame, so the four neighbours of any position exist and fade to black.
    """
    n = len(x)
    side = SIZE + PAD
    padded = np.zeros((n, side, side), dtype=np.float32)
    padded[:, 1:SIZE + 1, 1:SIZE + 1] = x
    r = np.clip(rows + 1.0, 0.0, SIZE + 1.0).astype(np.float32)  # index into padded
    c = np.clip(cols + 1.0, 0.0, SIZE + 1.0).astype(np.float32)
    r0, c0 = np.floor(r), np.floor(c)
    fr, fc = r - r0, c - c0
    flat = padded.reshape(n, -1)
    base = (r0.astype(np.intp) * side + c0.astype(np.intp)).reshape(n, -1)

    def at(offset: int) -> np.ndarray:
        return np.take_along_axis(flat, base + offset, axis=1).reshape(x.shape)

    top = at(0) * (1 - fc) + at(1) * fc
    bottom = at(side) * (1 - fc) + at(side + 1) * fc
    return (top * (1 - fr) + bottom * fr).astype(np.float32)
