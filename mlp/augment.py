"""Distort training digits the ways people's drawings differ from MNIST, inside tf.data.

After `preprocess`, a drawing is already cropped, scaled and centred like an MNIST digit;
what still differs is the slant, the proportions, the wobble of the hand and the stroke
width. Each batch gets one random affine map (rotation, shear, anisotropic scale, a small
shift) composed with a smooth elastic displacement field (Simard et al., 2003), applied in a
single bilinear resampling, then a random thickening or thinning of the strokes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from mlp.shapes import SIZE



@dataclass(frozen=True)
class Distortion:
    """Ranges of the random distortions (uniform in [-x, x] unless stated)."""

    rotation_degrees: float = 15.0
    shear: float = 0.2  # x shifts by shear * y
    log_scale: float = 0.12  # overall scale in exp([-x, x])
    log_aspect: float = 0.15  # width/height ratio in exp([-x, x])
    shift: float = 2.0  # pixels
    elastic_alpha: float = 1.5  # peak displacement of the smooth field, pixels
    elastic_grid: int = 4  # the field is random on a grid x grid lattice, upsampled smoothly
    thicken: float = 0.7  # blend towards a 3x3 dilation by up to this much
    thin: float = 0.4  # blend towards a 3x3 erosion by up to this much


def distort(images: tf.Tensor, seed: tf.Tensor, spec: Distortion = Distortion()) -> tf.Tensor:
    """float32 (b, 28, 28) in [0, 1] -> (b, 28, 28) randomly distorted; `seed` is int (2,)."""
    seeds = tf.unstack(tf.random.experimental.stateless_split(seed, 4))
    batch = tf.shape(images)[0]
    # The random numbers are drawn outside the compiled part: XLA would draw other ones, and a
    # seed gives the distortions it always gave.
    affine = tf.random.stateless_uniform([batch, 5], seeds[0], -1.0, 1.0)
    shift = tf.random.stateless_uniform([batch, 2], seeds[0][::-1], -spec.shift, spec.shift)
    field = tf.random.stateless_uniform([batch, spec.elastic_grid, spec.elastic_grid, 2],
                                        seeds[1], -1.0, 1.0)
    thickness = tf.random.stateless_uniform([batch, 2], seeds[2], 0.0, 1.0)
    return _warp(images, affine, shift, field, thickness, spec)


@tf.function(jit_compile=True)
def _warp(images, affine, shift, field, thickness, spec: Distortion):
    """The distortion for given random numbers, compiled by XLA into one kernel: on two cores the
    operations run one by one took time from the training step (about a second of world's 13 s
    epoch: python -m benchmarks.epoch_times)."""
    rows, cols = _source_coordinates(affine, shift, field, spec)
    return _vary_thickness(_bilinear(images, rows, cols), thickness, spec)


def training_dataset(x: np.ndarray, y: np.ndarray, config) -> tf.data.Dataset:
    """uint8 (n, 28, 28) images and labels -> shuffled, distorted batches for model.fit."""
    images = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(
        len(x), seed=config.seed, reshuffle_each_iteration=True).batch(config.batch_size)
    # A stream of random seeds, new each epoch, one pair per batch: reproducible for a seed.
    seeds = tf.data.Dataset.random(seed=config.seed, rerandomize_each_iteration=True).batch(2)

    def apply(batch, seed):
        pixels, labels = batch
        return distort(tf.cast(pixels, tf.float32) / 255.0, seed), labels

    return tf.data.Dataset.zip(images, seeds).map(
        apply, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(tf.data.AUTOTUNE)


def distort_once(x: np.ndarray, seed: int, batch_size: int = 512) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 28, 28) in [0, 1], each image distorted once, seeded."""
    out = []
    for i, start in enumerate(range(0, len(x), batch_size)):
        pixels = tf.constant(x[start : start + batch_size], tf.float32) / 255.0
        out.append(distort(pixels, tf.constant([seed, i], tf.int64)).numpy())
    return np.concatenate(out) if out else np.zeros((0, SIZE, SIZE), np.float32)


def _source_coordinates(affine, shift, field, spec: Distortion):
    """For each output pixel, the (row, col) it samples in the source image: (b, 28, 28) each.

    `affine` (b, 5) and `field` (b, grid, grid, 2) are uniform in [-1, 1], `shift` (b, 2) in
    [-spec.shift, spec.shift]. Five columns of `affine` though four are used: the shipped robust
    model was trained on this stream.
    """
    angle = affine[:, 0] * np.deg2rad(spec.rotation_degrees)
    shear = affine[:, 1] * spec.shear
    scale = tf.exp(affine[:, 2] * spec.log_scale)
    aspect = tf.exp(affine[:, 3] * spec.log_aspect)
    # Output -> source map about the centre of mass (14, 14): inverse scale, shear, rotation.
    centre = SIZE / 2.0
    grid = tf.range(SIZE, dtype=tf.float32) - centre
    out_r, out_c = tf.meshgrid(grid, grid, indexing="ij")  # (28, 28)
    out_r = out_r[None] - shift[:, 0, None, None]
    out_c = out_c[None] - shift[:, 1, None, None]
    sy = (scale * tf.sqrt(aspect))[:, None, None]
    sx = (scale / tf.sqrt(aspect))[:, None, None]
    cos, sin = tf.cos(angle)[:, None, None], tf.sin(angle)[:, None, None]
    rot_r = cos * out_r - sin * out_c
    rot_c = sin * out_r + cos * out_c
    src_r = rot_r / sy
    src_c = rot_c / sx - shear[:, None, None] * src_r
    # The smooth field: the grid's values upsampled bicubically, as one matrix product.
    grid_points = spec.elastic_grid * spec.elastic_grid
    smooth = tf.einsum("bkc,kp->bpc", tf.reshape(field, [-1, grid_points, 2]),
                       _bicubic_upsampling(spec.elastic_grid))
    field = tf.reshape(smooth, [-1, SIZE, SIZE, 2]) * spec.elastic_alpha
    return src_r + centre + field[..., 0], src_c + centre + field[..., 1]


def _bilinear(images: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """Sample (b, 28, 28) images at fractional (row, col) positions; outside is black."""
    padded = tf.pad(images, [[0, 0], [1, 1], [1, 1]])  # a black border to clamp into
    limit = float(SIZE)  # indices into padded run 0..SIZE+1; source index i is padded i + 1
    r = tf.clip_by_value(rows + 1.0, 0.0, limit)
    c = tf.clip_by_value(cols + 1.0, 0.0, limit)
    r0, c0 = tf.floor(r), tf.floor(c)
    fr, fc = r - r0, c - c0
    r0, c0 = tf.cast(r0, tf.int32), tf.cast(c0, tf.int32)
    side = SIZE + 2
    pixels = tf.reshape(padded, [-1])  # one flat gather per corner: cheaper than gather_nd
    corner = tf.range(tf.shape(images)[0])[:, None, None] * (side * side) + r0 * side + c0

    def at(dr, dc):
        return tf.gather(pixels, corner + (dr * side + dc))

    top = at(0, 0) * (1 - fc) + at(0, 1) * fc
    bottom = at(1, 0) * (1 - fc) + at(1, 1) * fc
    return top * (1 - fr) + bottom * fr


def _vary_thickness(images: tf.Tensor, thickness: tf.Tensor, spec: Distortion) -> tf.Tensor:
    """Blend each image towards its 3x3 dilation (thicker) or erosion (thinner), or neither;
    `thickness` (b, 2) in [0, 1): which of the three, and how much."""
    x = images[..., None]
    dilated = tf.nn.max_pool2d(x, 3, 1, "SAME")[..., 0]
    eroded = -tf.nn.max_pool2d(-x, 3, 1, "SAME")[..., 0]
    amount = thickness[:, 1, None, None]
    choice = thickness[:, 0, None, None]
    thicker = images + spec.thicken * amount * (dilated - images)
    thinner = images + spec.thin * amount * (eroded - images)
    return tf.where(choice < 1 / 3, thicker, tf.where(choice < 2 / 3, thinner, images))


@functools.cache
def _bicubic_upsampling(grid: int) -> np.ndarray:
    """(grid * grid, 28 * 28): what tf.image.resize's bicubic upsampling does to each grid point,
    so that upsampling is a matrix product (resize is linear), which XLA compiles."""
    points = np.eye(grid * grid, dtype=np.float32).reshape(grid * grid, grid, grid, 1)
    with tf.init_scope():  # worked out once, eagerly, even when first asked for inside a graph
        upsampled = tf.image.resize(points, [SIZE, SIZE], method="bicubic").numpy()
    return upsampled.reshape(grid * grid, SIZE * SIZE)
