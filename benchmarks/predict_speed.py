"""One drawing through the model: preprocessing, and the NumPy forward pass against Keras.

    python -m benchmarks.predict_speed [--model NAME] [--repeat N]

Prints the median time per call of each path and their ratio to the NumPy forward pass,
measured side by side in one run.
"""

import argparse
import statistics
import time

import numpy as np

import mlp


def median_seconds(call, repeat: int) -> float:
    call()  # warm up (graph tracing, caches)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="shipped model name (default: the default)")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    model = mlp.load_model(args.model)
    x = np.random.default_rng(0).uniform(0, 1, (28, 28)).astype(np.float32)
    batch = x[None]
    canvas = np.zeros((280, 280, 4), np.uint8)  # what the canvas returns: RGBA, a stroke in white
    canvas[..., 3] = 255
    canvas[60:220, 130:150, :3] = 255
    paths = {
        "mlp.preprocess (280x280)": lambda: mlp.preprocess(canvas),
        "mlp.predict_proba (NumPy)": lambda: mlp.predict_proba(model, x),
        "keras model(x) call": lambda: model.keras_model(batch, training=False),
        "keras model.predict": lambda: model.keras_model.predict(batch, verbose=0),
    }
    repeats = {"keras model.predict": max(10, args.repeat // 10)}
    results = {name: median_seconds(call, repeats.get(name, args.repeat)) for name, call in paths.items()}
    fastest = results["mlp.predict_proba (NumPy)"]
    print(f"model {model.name}: one 28x28 image, median of repeated calls")
    for name, seconds in results.items():
        print(f"  {name:<28} {seconds * 1e6:10.0f} us   {seconds / fastest:7.1f} x")


if __name__ == "__main__":
    main()
