"""Does a drawing look like a digit at all? A small network on the model's own hidden layer.

A classifier gives every drawing a digit, often at 100 %: softmax has no "none of these".
The check reads the activations of the model's last hidden layer, where digits of one kind
lie close together and a scribble, a letter or two digits at once land elsewhere, and a
small network trained on digits against non-digits says how digit-like they are (0 to 1).
It ships inside the model's NAME.npz (arrays check_*) and runs in NumPy, like the model.
Fitting it (`fit_digit_check`) uses Keras; checking does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp.errors import ModelError
from mlp.network import all_finite, read_only

PREFIX = "check_"  # names of the check's arrays inside NAME.npz
MISFIT = "its not-a-digit check does not fit the network"


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a single bool
class DigitCheck:
    """Hidden-layer activations (n, units) -> digit-likeness (n,) in [0, 1], and its threshold."""

    weights: tuple[np.ndarray, ...]  # float32 (inputs, outputs) per layer; inputs standardised in
    biases: tuple[np.ndarray, ...]  # float32 (outputs,) per layer
    threshold: float  # below this likeness a drawing does not look like a digit

    def __call__(self, features: np.ndarray) -> np.ndarray:
        """(n, units) float32 -> (n,) float32 likeness: relu layers, then a sigmoid."""
        z = np.asarray(features, dtype=np.float32)
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            z = np.maximum(z @ w + b, 0.0)
        logit = (z @ self.weights[-1] + self.biases[-1])[:, 0]
        return (1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))).astype(np.float32)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The check as named plain arrays, to go into NAME.npz beside the model's."""
        arrays = {f"{PREFIX}threshold": np.array(self.threshold, dtype=np.float64)}
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            arrays[f"{PREFIX}weights_{i}"], arrays[f"{PREFIX}bias_{i}"] = w, b
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> DigitCheck | None:
        """The inverse of to_arrays; None when the file holds no check."""
        if f"{PREFIX}threshold" not in arrays:
            return None
        weights, biases = [], []
        while f"{PREFIX}weights_{len(weights)}" in arrays:
            i = len(weights)
            if f"{PREFIX}bias_{i}" not in arrays:
                raise ModelError(MISFIT)
            weights.append(read_only(arrays[f"{PREFIX}weights_{i}"]))
            biases.append(read_only(arrays[f"{PREFIX}bias_{i}"]))
        if not weights or weights[-1].ndim != 2 or weights[-1].shape[1] != 1:
            raise ModelError("the digit check's layers do not end in one output")
        return cls(tuple(weights), tuple(biases), float(arrays[f"{PREFIX}threshold"]))

    def check_fits(self, network) -> None:
        """Raise ModelError unless the layers chain from `network`'s hidden layer to one output."""
        width = network.feature_width
        for w, b in zip(self.weights, self.biases):
            if w.ndim != 2 or w.shape[0] != width or b.shape != w.shape[1:]:
                raise ModelError(MISFIT)
            width = w.shape[1]

    def is_finite(self) -> bool:
        """Whether every weight, bias and the threshold is a finite number."""
        return bool(np.isfinite(self.threshold)) and all_finite([*self.weights, *self.biases])


def digit_likeness(model, x: np.ndarray) -> float | np.ndarray | None:
    """(28, 28) -> float, or (n, 28, 28) -> (n,): how much each looks like a digit, 0 to 1.

    `x` is what `preprocess` returns. None when the model ships without a check.
    """
    check = getattr(model, "check", None)
    if check is None:
        return None
    x = np.asarray(x, dtype=np.float32)
    single = x.shape == (28, 28)
    batch = x[None] if single else x
    if batch.ndim != 3 or batch.shape[1:] != (28, 28):
        raise ValueError(f"expected (28, 28) or (n, 28, 28) images, got {x.shape}")
    likeness = np.concatenate([check(model.network.features(batch[i : i + 4096]))
                               for i in range(0, len(batch), 4096)] or [np.zeros(0, np.float32)])
    return float(likeness[0]) if single else likeness


def looks_like_digit(model, x: np.ndarray) -> bool | np.ndarray | None:
    """(28, 28) -> bool, or (n, 28, 28) -> (n,) bool: the likeness reaches the check's threshold.

    None when the model ships without a check (then nothing can be said either way).
    """
    likeness = digit_likeness(model, x)
    if likeness is None:
        return None
    verdict = np.asarray(likeness) >= model.check.threshold
    return bool(verdict) if np.ndim(verdict) == 0 else verdict


def fit_digit_check(network, digits: np.ndarray, not_digits: np.ndarray, *,
                    hidden: int = 64, epochs: int = 8, digit_share_flagged: float = 0.01,
                    seed: int = 0) -> tuple[DigitCheck, dict]:
    """Fit a check on the hidden layer of `network` (a NumpyMLP) -> (check, what it measured).

    `digits` and `not_digits` are float32 (n, 28, 28) model inputs. A tenth of each is kept
    aside: the threshold is set so that `digit_share_flagged` of those digits fall below it,
    and the report gives both parts' rates at that threshold.
    """
    from mlp.quiet import import_keras_quietly

    keras = import_keras_quietly()
    rng = np.random.default_rng(seed)
    digit_part, not_part = _split(len(digits), rng), _split(len(not_digits), rng)
    features = {name: network.features(images[index]) for name, images, index in (
        ("digits_fit", digits, digit_part[0]), ("digits_aside", digits, digit_part[1]),
        ("not_fit", not_digits, not_part[0]), ("not_aside", not_digits, not_part[1]))}
    x = np.concatenate([features["digits_fit"], features["not_fit"]])
    y = np.concatenate([np.ones(len(features["digits_fit"])), np.zeros(len(features["not_fit"]))])
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    # Each class weighs the same in the loss, however many of each there are.
    weight = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(x.shape[1],)),
                              keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dropout(0.2),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    model.fit((x - mean) / std, y, sample_weight=weight, epochs=epochs, batch_size=256,
              shuffle=True, verbose=0)
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    weights = [np.asarray(w, dtype=np.float64) for w in dense[0].get_weights()]
    # Standardising is folded into the first layer: ((f - mean) / std) W + b.
    first_w = weights[0] / std[:, None]
    first_b = weights[1] - (mean / std) @ weights[0]
    last_w, last_b = dense[1].get_weights()
    provisional = DigitCheck((read_only(first_w), read_only(last_w)),
                             (read_only(first_b), read_only(last_b)), threshold=0.5)
    aside = provisional(features["digits_aside"])
    threshold = float(np.quantile(aside, digit_share_flagged))
    check = DigitCheck(provisional.weights, provisional.biases, threshold)
    report = {"threshold": round(threshold, 6), "hidden": hidden, "epochs": epochs,
              "fit": {"digits": len(digit_part[0]), "not_digits": len(not_part[0])},
              "aside_digits_flagged": round(float(np.mean(aside < threshold)), 6),
              "aside_not_digits_flagged": round(
                  float(np.mean(check(features["not_aside"]) < threshold)), 6)}
    return check, report


def _split(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a random nine tenths and the tenth kept aside."""
    order = rng.permutation(count)
    return order[count // 10 :], order[: count // 10]
