"""The seed article's Keras MLP, as written but for Keras 3: the baseline the training benchmark measures.

    python -m benchmarks.article_mlp [--data mnist.npz] [--epochs 10]

The article's script, with two changes Keras 3 needs: the input shape comes from `keras.Input`
(Keras 3 warns about `Flatten(input_shape=...)`), and `metrics` is passed by keyword, since the
third positional argument of `compile` is now `loss_weights`. Everything else is as written:
pixels divided by 255 (float64, as NumPy gives them), Adam's defaults, Keras' default batch of 32.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import mlp
from mlp.cli import positive_int
from mlp.quiet import import_keras_quietly


def article_model():
    """Flatten > BatchNorm > Dense(128, relu) > Dense(10, softmax), compiled as the article does."""
    keras = import_keras_quietly()
    model = keras.models.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fit_article(data: mlp.Mnist, epochs: int = 10, verbose="auto", on_epoch=None):
    """Train the article's model as its script does; on_epoch(model, epoch, seconds) after each epoch.

    Returns (model, seconds per epoch). The epoch clock stops before on_epoch runs, so whatever
    on_epoch does (the benchmark scores the test set there) is not counted as training time.
    """
    keras = import_keras_quietly()
    model = article_model()
    seconds: list[float] = []
    clock = {}

    def epoch_begin(epoch, logs):
        clock["start"] = time.perf_counter()

    def epoch_end(epoch, logs):
        seconds.append(time.perf_counter() - clock["start"])
        if on_epoch:
            on_epoch(model, epoch + 1, seconds[-1])

    timer = keras.callbacks.LambdaCallback(on_epoch_begin=epoch_begin, on_epoch_end=epoch_end)
    model.fit(data.x_train / 255, data.y_train, epochs=epochs, verbose=verbose, callbacks=[timer])
    return model, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="mnist.npz in the Keras layout (default: $MNIST_NPZ)")
    parser.add_argument("--epochs", type=positive_int, default=10,
                        help="passes over the training set (default: 10)")
    args = parser.parse_args()
    data = mlp.load_mnist(args.data)
    model, seconds = fit_article(data, args.epochs)
    loss, accuracy = model.evaluate(data.x_test / 255, data.y_test)
    print(f"{np.mean(seconds):.2f} s/epoch over {len(seconds)} epochs, test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
