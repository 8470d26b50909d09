"""Predictions: one canvas drawing preprocessed and read, one image through the NumPy forward pass
against Keras, and the whole test set against the matrix-product floor.

    python -m benchmarks.predict_speed [--model NAME] [--repeat N] [--data mnist.npz]

Prints median times measured side by side in one run: for a canvas drawing (a 280x280 RGBA PNG as
the canvas sends it, decoded), `preprocess`, `read` and both, what a stroke costs the server in
mlp, on one BLAS thread as the page runs them (views.server.one_blas_thread); for one image, each
path's ratio to the NumPy forward pass; for 10,000 test digits, `predict_proba` against the bare
float32 matrix products of the same layers (the floor no forward pass can beat on this machine).
"""

import argparse
import io
import itertools
import os
import statistics
import time

import numpy as np
from PIL import Image
from threadpoolctl import threadpool_limits

import mlp
from harness.canvas_digits import canvas_png
from mlp.architecture import load_keras


def median_seconds(call, repeat: int) -> float:
    call()  # warm up (graph tracing, caches)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def matmul_floor(model: mlp.Classifier, x: np.ndarray) -> np.ndarray:
    """Only the matrix products of the forward pass: no bias, activation or softmax."""
    z = x.reshape(len(x), -1)
    for step in model.network.steps:
        z = z @ step.weights
    return z


def canvas_drawings() -> list:
    """One test digit of each class as the canvas sends it, decoded as the page decodes it (PIL RGBA)."""
    data = mlp.load_mnist()  # $MNIST_NPZ, else Keras' cached download
    images, labels = data.x_test, data.y_test
    drawings = []
    for label in range(10):
        drawing = Image.open(io.BytesIO(canvas_png(images[np.flatnonzero(labels == label)[0]])))
        drawing.load()
        drawings.append(drawing)
    return drawings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="shipped model name (default: the default)")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--data", help="mnist.npz for the test set (default: $MNIST_NPZ); "
                        "without it, 10,000 random images")
    args = parser.parse_args()
    model = mlp.load_model(args.model)
    keras_model = load_keras(model.path.with_suffix(".keras"))
    drawings = canvas_drawings()
    digits = [mlp.preprocess(drawing) for drawing in drawings]
    turn = itertools.count()  # each call takes the next of the ten drawings: the median is over all ten
    stroke = {
        "mlp.preprocess": lambda: mlp.preprocess(drawings[next(turn) % 10]),
        "mlp.read": lambda: mlp.read(model, digits[next(turn) % 10]),
        "preprocess + read": lambda: mlp.read(model, mlp.preprocess(drawings[next(turn) % 10])),
    }
    with threadpool_limits(limits=1, user_api="blas"):
        timings = {name: median_seconds(call, args.repeat) for name, call in stroke.items()}
    print(f"model {model.name}: one canvas drawing (280x280 RGBA, decoded), median of {args.repeat} calls "
          "over ten drawings, one BLAS thread")
    for name, seconds in timings.items():
        print(f"  {name:<28} {seconds * 1e6:10.0f} us")

    x = np.random.default_rng(0).uniform(0, 1, (28, 28)).astype(np.float32)
    batch = x[None]
    paths = {
        "mlp.predict_proba (NumPy)": lambda: mlp.predict_proba(model, x),
        "mlp.read (NumPy)": lambda: mlp.read(model, x),
        "keras model(x) call": lambda: keras_model(batch, training=False),
        "keras model.predict": lambda: keras_model.predict(batch, verbose=0),
    }
    repeats = {"keras model.predict": max(10, args.repeat // 10)}
    results = {name: median_seconds(call, repeats.get(name, args.repeat)) for name, call in paths.items()}
    fastest = results["mlp.predict_proba (NumPy)"]
    print(f"\nmodel {model.name}: one 28x28 image, median of repeated calls")
    for name, seconds in results.items():
        print(f"  {name:<28} {seconds * 1e6:10.0f} us   {seconds / fastest:7.1f} x")

    if args.data or os.environ.get("MNIST_NPZ"):
        test = mlp.as_model_input(mlp.load_mnist(args.data).x_test)
    else:
        test = np.random.default_rng(1).uniform(0, 1, (10_000, 28, 28)).astype(np.float32)
    whole = {"mlp.predict_proba": lambda: mlp.predict_proba(model, test),
             "matmul floor": lambda: matmul_floor(model, test)}
    timings = {name: [] for name in whole}
    for _ in range(max(5, args.repeat // 20)):  # interleaved: a busy machine slows both alike
        for name, call in whole.items():
            started = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - started)
    floor = statistics.median(timings["matmul floor"])
    print(f"\n{len(test):,} test digits at once, median of {len(timings['matmul floor'])} interleaved runs "
          f"(load average {os.getloadavg()[0]:.2f})")
    for name, seconds in timings.items():
        print(f"  {name:<28} {statistics.median(seconds) * 1e3:10.1f} ms   "
              f"{statistics.median(seconds) / floor:7.2f} x the floor")


if __name__ == "__main__":
    main()
