"""Write tests/data/mnist-sample.npz: a fixed random sample of MNIST in the Keras layout.

The test suite runs on it when the full data set is not at hand (a fresh clone, offline).
Usage: python tests/data/make_sample.py path/to/mnist.npz
"""

import sys
from pathlib import Path

import numpy as np

TRAIN, TEST = 3000, 2000  # digits taken from each split
SEED = 0


def main(source: str) -> None:
    with np.load(source, allow_pickle=False) as mnist:
        arrays = {key: mnist[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    rng = np.random.default_rng(SEED)
    sample = {}
    for split, count in (("train", TRAIN), ("test", TEST)):
        chosen = np.sort(rng.choice(len(arrays[f"y_{split}"]), size=count, replace=False))
        sample[f"x_{split}"] = arrays[f"x_{split}"][chosen]
        sample[f"y_{split}"] = arrays[f"y_{split}"][chosen]
        sample[f"index_{split}"] = chosen.astype(np.int32)  # positions in the full data set
    out = Path(__file__).with_name("mnist-sample.npz")
    np.savez_compressed(out, **sample)
    print(f"wrote {out.name}: {TRAIN} training and {TEST} test digits, {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
