"""The network: a trained Keras MLP as NumPy layers, its forward pass, and class probabilities.

`model.predict` costs tens of milliseconds of fixed overhead per call, and a Keras model
shared by many Streamlit sessions is not meant to be called from many threads at once.
The MLP is a few matrix products, so its weights are copied out once into read-only arrays
(BatchNormalization folded into the next Dense layer) and applied with NumPy. Every forward
pass, for a batch or for one drawing's reading (mlp.reading), goes through `NumpyMLP.trace`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp.errors import ModelError
from mlp.shapes import CLASSES, SIZE

BATCH = 4096  # rows per matrix product: bounds memory for wide models on big batches

def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0, out=z)


def _softmax(z: np.ndarray) -> np.ndarray:
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


# Each works in place on the fresh product it is given: no temporaries on the hot path.
_ACTIVATIONS = {"relu": _relu, "linear": lambda z: z, "softmax": _softmax}


@dataclass(frozen=True)
class DenseStep:
    """One affine map followed by an activation."""

    weights: np.ndarray  # (inputs, outputs) float32, read-only
    bias: np.ndarray  # (outputs,) float32, read-only
    activation: str


@dataclass(frozen=True)
class NumpyMLP:
    """The forward pass of a Flatten/BatchNormalization/Dense/Dropout stack, in NumPy."""

    steps: tuple[DenseStep, ...]

    def trace(self, images: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """float32 (n, 28, 28) in [0, 1] -> (each hidden layer's (n, units) activations, (n, 10) logits).

        The logits are the last layer before its activation (softmax): `output` turns them into
        probabilities. The one forward pass every prediction and reading runs.
        """
        z = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
        hidden = []
        for step in self.steps[:-1]:
            z = z @ step.weights
            z += step.bias
            z = _ACTIVATIONS[step.activation](z)
            hidden.append(z)
        last = self.steps[-1]
        logits = z @ last.weights
        logits += last.bias
        return tuple(hidden), logits

    def output(self, logits: np.ndarray) -> np.ndarray:
        """(n, 10) logits -> the last layer's activation of them (probabilities), in place."""
        return _ACTIVATIONS[self.steps[-1].activation](logits)

    def __call__(self, images: np.ndarray) -> np.ndarray:
        """float32 (n, 28, 28) in [0, 1] -> (n, 10) class probabilities."""
        return self.output(self.trace(images)[1])

    def features(self, images: np.ndarray) -> np.ndarray:
        """float32 (n, 28, 28) in [0, 1] -> (n, units) activations of the last hidden layer (the
        pixels, (n, 784), without one): what the not-a-digit check reads."""
        hidden, _ = self.trace(images)
        return hidden[-1] if hidden else np.asarray(images, dtype=np.float32).reshape(len(images), -1)

    @property
    def feature_width(self) -> int:
        """How many numbers `features` gives per image: the last hidden layer's units (784 without one)."""
        return self.steps[-1].weights.shape[0]

    def is_finite(self) -> bool:
        """Whether every weight and bias is a finite number (NaN or inf: a damaged model)."""
        return all_finite(array for step in self.steps for array in (step.weights, step.bias))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The weights as named plain arrays (no Python objects), for np.savez."""
        arrays = {"activations": np.array([step.activation for step in self.steps])}
        for i, step in enumerate(self.steps):
            arrays[f"weights_{i}"], arrays[f"bias_{i}"] = step.weights, step.bias
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> NumpyMLP:
        """The inverse of to_arrays; ModelError when the arrays do not form an MLP."""
        try:
            activations = [str(name) for name in arrays["activations"]]
            steps = tuple(_frozen(DenseStep(np.asarray(arrays[f"weights_{i}"]),
                                            np.asarray(arrays[f"bias_{i}"]), activation))
                          for i, activation in enumerate(activations))
        except KeyError as err:
            raise ModelError(f"the weights file lacks {err}") from None
        _check(steps)
        return cls(steps)

    @classmethod
    def from_keras(cls, model) -> NumpyMLP:
        """Copy the weights out of a Keras Sequential/functional MLP (inference mode)."""
        steps: list[DenseStep] = []
        pending_scale = pending_shift = None  # a BatchNormalization waiting for its Dense
        for layer in model.layers:
            kind = type(layer).__name__
            if kind in ("InputLayer", "Flatten", "Dropout"):
                continue
            if kind == "BatchNormalization":
                gamma, beta, mean, variance = _bn_parameters(layer)
                scale = gamma / np.sqrt(variance + layer.epsilon)
                shift = beta - mean * scale
                if steps and steps[-1].activation == "linear":
                    last = steps.pop()  # Dense -> BN: fold into that Dense
                    steps.append(DenseStep(last.weights * scale, last.bias * scale + shift, "linear"))
                else:
                    pending_scale, pending_shift = scale, shift
            elif kind == "Dense":
                kernel, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
                if pending_scale is not None:  # BN -> Dense: x*s+t then W  ==  x*(s W) + (t W + b)
                    bias = bias + pending_shift @ kernel
                    kernel = pending_scale[:, None] * kernel
                    pending_scale = pending_shift = None
                steps.append(DenseStep(kernel, bias, layer.get_config()["activation"]))
            elif kind == "Activation" and steps and steps[-1].activation == "linear":
                last = steps.pop()
                steps.append(DenseStep(last.weights, last.bias, layer.get_config()["activation"]))
            else:
                raise ModelError(f"layer {layer.name} ({kind}) is not part of an MLP this app runs")
        if pending_scale is not None:
            raise ModelError("the model does not end in a Dense layer")
        steps = tuple(_frozen(step) for step in steps)
        _check(steps)
        return cls(steps)


def _check(steps: tuple[DenseStep, ...]) -> None:
    """Raise ModelError unless the steps chain from 784 pixels to 10 classes."""
    if not steps:
        raise ModelError("the model has no Dense layer")
    if any(step.activation not in _ACTIVATIONS for step in steps):
        raise ModelError("the model uses an activation other than relu/softmax/linear")
    width = SIZE * SIZE
    for step in steps:
        if step.weights.ndim != 2 or step.weights.shape[0] != width or step.bias.shape != step.weights.shape[1:]:
            raise ModelError("the layers' shapes do not chain from 784 pixels to the output")
        width = step.weights.shape[1]
    if width != CLASSES:
        raise ModelError(f"the model has {width} outputs; a digit reader has {CLASSES}")


def _bn_parameters(layer) -> tuple[np.ndarray, ...]:
    config = layer.get_config()
    weights = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
    size = weights[-1].shape[0]
    gamma = weights.pop(0) if config.get("scale", True) else np.ones(size)
    beta = weights.pop(0) if config.get("center", True) else np.zeros(size)
    mean, variance = weights
    return gamma, beta, mean, variance


def all_finite(arrays) -> bool:
    """Whether no array holds a NaN or an infinity."""
    return all(np.isfinite(array).all() for array in arrays)


def read_only(array) -> np.ndarray:
    """A contiguous float32 copy that cannot be written: safe to share across threads."""
    array = np.ascontiguousarray(array, dtype=np.float32)
    array.setflags(write=False)
    return array


def _frozen(step: DenseStep) -> DenseStep:
    return DenseStep(read_only(step.weights), read_only(step.bias), step.activation)


def network_of(model) -> NumpyMLP:
    """A Classifier's NumPy network, or one copied out of a Keras model."""
    network = getattr(model, "network", None)
    return network if isinstance(network, NumpyMLP) else NumpyMLP.from_keras(model)


def predict_proba(model, x: np.ndarray) -> np.ndarray:
    """(28, 28) -> (10,) or (n, 28, 28) -> (n, 10) float32 probabilities.

    `model` is a Classifier (from load_model) or a Keras model; `x` is float32 in [0, 1],
    white digit on black, as `preprocess` returns. Safe to call from many threads at once.
    For one drawing shown on the page, `mlp.read` gives these and everything else at once.
    """
    network = network_of(model)
    x = np.asarray(x, dtype=np.float32)
    if x.shape == (SIZE, SIZE):
        return network(x[None])[0]
    if x.ndim != 3 or x.shape[1:] != (SIZE, SIZE):
        raise ValueError(f"expected (28, 28) or (n, 28, 28) images, got {x.shape}")
    if len(x) <= BATCH:
        return network(x)
    return np.concatenate([network(x[i : i + BATCH]) for i in range(0, len(x), BATCH)])


def top_k(probabilities: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
    """(10,) probabilities -> the k most likely (digit, probability), most likely first."""
    order = np.argsort(-probabilities, kind="stable")[:k]  # ties: the smaller digit first
    return [(int(digit), float(probabilities[digit])) for digit in order]
