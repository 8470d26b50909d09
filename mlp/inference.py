"""A NumPy forward pass of a trained Keras MLP: fast for one image and safe across threads.

`model.predict` costs tens of milliseconds of fixed overhead per call, and a Keras model
shared by many Streamlit sessions is not meant to be called from many threads at once.
The MLP is a few matrix products, so its weights are copied out once into read-only arrays
(BatchNormalization folded into the next Dense layer) and applied with NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp.errors import ModelError
from mlp.shapes import CLASSES, SIZE

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

    def __call__(self, images: np.ndarray) -> np.ndarray:
        """float32 (n, 28, 28) in [0, 1] -> (n, 10) class probabilities."""
        z = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
        for step in self.steps:
            z = z @ step.weights
            z += step.bias
            z = _ACTIVATIONS[step.activation](z)
        return z

    def trace(self, image: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """float32 (28, 28) -> per layer (before its activation, after it), each (units,).

        The last layer's pair is the logits and the probabilities.
        """
        z = np.asarray(image, dtype=np.float32).reshape(1, -1)
        layers = []
        for step in self.steps:
            before = z @ step.weights + step.bias
            z = _ACTIVATIONS[step.activation](before.copy())
            layers.append((before[0], z[0]))
        return layers

    def features(self, images: np.ndarray) -> np.ndarray:
        """float32 (n, 28, 28) in [0, 1] -> (n, units) activations of the last hidden layer."""
        z = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
        for step in self.steps[:-1]:
            z = z @ step.weights
            z += step.bias
            z = _ACTIVATIONS[step.activation](z)
        return z

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
