import numpy as np

from mlp.augment import Distortion, distort, training_dataset
from mlp.config import TrainConfig
from mlp.quiet import import_keras_quietly

import_keras_quietly()  # TensorFlow, imported without its native start-up lines
import tensorflow as tf  # noqa: E402  (already loaded: this only names it)


def _digits(mnist, n=32):
    return tf.constant(mnist.x_train[:n].astype(np.float32) / 255.0)


def test_distort_keeps_shape_range_and_most_ink(mnist):
    x = _digits(mnist)
    out = distort(x, tf.constant([1, 2], tf.int64)).numpy()
    assert out.shape == (32, 28, 28) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0 + 1e-6
    ratio = out.sum(axis=(1, 2)) / x.numpy().sum(axis=(1, 2))
    assert 0.4 < np.median(ratio) < 2.0  # distorted, not erased or smeared over the field


def test_distort_is_reproducible_for_a_seed_and_varies_between_seeds(mnist):
    x = _digits(mnist)
    a = distort(x, tf.constant([5, 6], tf.int64)).numpy()
    b = distort(x, tf.constant([5, 6], tf.int64)).numpy()
    c = distort(x, tf.constant([7, 8], tf.int64)).numpy()
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).mean() > 0.01


def test_no_distortion_is_the_identity(mnist):
    none = Distortion(rotation_degrees=0, shear=0, log_scale=0, log_aspect=0, shift=0,
                      elastic_alpha=0, thicken=0, thin=0)
    x = _digits(mnist)
    np.testing.assert_allclose(distort(x, tf.constant([1, 1], tf.int64), none).numpy(), x.numpy(),
                               atol=1e-5)


def test_training_dataset_batches_labels_with_their_images(mnist):
    x, y = mnist.x_train[:250], mnist.y_train[:250]
    batches = list(training_dataset(x, y, TrainConfig(batch_size=100, augment=True)))
    assert [len(b[1]) for b in batches] == [100, 100, 50]
    labels = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(labels.tolist()) == sorted(y.tolist())  # shuffled, nothing lost


def test_the_compiled_distortion_is_the_one_the_operations_give_one_by_one(mnist):
    from mlp import augment

    x = _digits(mnist)
    seeds = tf.unstack(tf.random.experimental.stateless_split(tf.constant([3, 4], tf.int64), 4))
    spec = Distortion()
    draws = (tf.random.stateless_uniform([32, 5], seeds[0], -1.0, 1.0),
             tf.random.stateless_uniform([32, 2], seeds[0][::-1], -spec.shift, spec.shift),
             tf.random.stateless_uniform([32, 4, 4, 2], seeds[1], -1.0, 1.0),
             tf.random.stateless_uniform([32, 2], seeds[2], 0.0, 1.0))
    compiled = augment._warp(x, *draws, spec).numpy()
    one_by_one = augment._warp.python_function(x, *draws, spec).numpy()
    np.testing.assert_allclose(compiled, one_by_one, atol=1e-4)
    np.testing.assert_array_equal(distort(x, tf.constant([3, 4], tf.int64)).numpy(), compiled)


def test_the_elastic_fields_upsampling_as_a_matrix_is_tensorflows_bicubic_resize():
    from mlp.augment import _bicubic_upsampling

    field = tf.random.stateless_uniform([3, 4, 4, 2], tf.constant([1, 2], tf.int64), -1.0, 1.0)
    resized = tf.image.resize(field, [28, 28], method="bicubic").numpy()
    product = np.einsum("bkc,kp->bpc", field.numpy().reshape(3, 16, 2), _bicubic_upsampling(4))
    np.testing.assert_allclose(product.reshape(3, 28, 28, 2), resized, atol=1e-5)
