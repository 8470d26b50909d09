"""The layers of ours that a Keras model of this project may hold. Imports TensorFlow.

`Deskew` is `mlp.deskew.deskew` as a Keras layer, so a model trained on straightened digits
carries the step in its .keras file and straightens what it is given, in training (after the
distortions) and in evaluation alike. Importing this module registers it for loading.
"""

from __future__ import annotations

import tensorflow as tf

from mlp.deskew import CENTRE, PAD, SHEAR_LIMIT
from mlp.quiet import keras as quiet_keras
from mlp.shapes import SIZE

keras = quiet_keras()


@keras.saving.register_keras_serializable(package="mlp")
class Deskew(keras.layers.Layer):
    """(b, 28, 28) images -> the same, each sheared upright about its centre of mass."""

    def call(self, images):
        return deskew_tf(images)

    def compute_output_shape(self, input_shape):
        return input_shape


def deskew_tf(images: tf.Tensor) -> tf.Tensor:
    """TensorFlow's mlp.deskew.deskew: the same moments, shear and sampling."""
    x = tf.cast(images, tf.float32)
    grid = tf.range(SIZE, dtype=tf.float32)
    mass = tf.reduce_sum(x, axis=[1, 2]) + 1e-6
    row_ink, col_ink = tf.reduce_sum(x, axis=2), tf.reduce_sum(x, axis=1)
    cy = tf.linalg.matvec(row_ink, grid) / mass
    cx = tf.linalg.matvec(col_ink, grid) / mass
    dr = grid[None, :] - cy[:, None]
    dc = grid[None, :] - cx[:, None]
    var_r = tf.reduce_sum(row_ink * dr * dr, axis=1) / mass
    cov = tf.einsum("nrc,nr,nc->n", x, dr, dc) / mass
    alpha = tf.clip_by_value(cov / tf.maximum(var_r, 1e-3), -SHEAR_LIMIT, SHEAR_LIMIT)
    out = grid - CENTRE
    rows = out[None, :, None] + cy[:, None, None] + tf.zeros_like(x)
    cols = out[None, None, :] + cx[:, None, None] + alpha[:, None, None] * out[None, :, None]
    return _bilinear(x, rows, cols)


def _bilinear(x: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """mlp.deskew.bilinear in TensorFlow."""
    side = SIZE + PAD
    padded = tf.pad(x, [[0, 0], [1, PAD - 1], [1, PAD - 1]])
    r = tf.clip_by_value(rows + 1.0, 0.0, SIZE + 1.0)
    c = tf.clip_by_value(cols + 1.0, 0.0, SIZE + 1.0)
    r0, c0 = tf.floor(r), tf.floor(c)
    fr, fc = r - r0, c - c0
    batch = tf.shape(x)[0]
    flat = tf.reshape(padded, [batch, side * side])
    base = tf.reshape(tf.cast(r0, tf.int32) * side + tf.cast(c0, tf.int32), [batch, -1])

    def at(offset: int) -> tf.Tensor:
        return tf.reshape(tf.gather(flat, base + offset, batch_dims=1), tf.shape(x))

    top = at(0) * (1 - fc) + at(1) * fc
    bottom = at(side) * (1 - fc) + at(side + 1) * fc
    return top * (1 - fr) + bottom * fr
