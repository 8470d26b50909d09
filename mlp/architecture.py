"""The MLP as a Keras model: build it, describe it, read a .keras file. Imports Keras when called."""

from __future__ import annotations

from pathlib import Path

from mlp.config import TrainConfig
from mlp.errors import ModelError, first_line
from mlp.quiet import import_keras_quietly
from mlp.shapes import CLASSES, SIZE


def build_model(config: TrainConfig):
    """An untrained, compiled Keras MLP for `config`: (n, 28, 28) images -> (n, 10) probabilities."""
    keras = import_keras_quietly()
    layers = [keras.Input(shape=(SIZE, SIZE)), keras.layers.Flatten()]
    if config.batch_norm:
        layers.append(keras.layers.BatchNormalization())
    for units in config.hidden:
        layers.append(keras.layers.Dense(units, activation="relu"))
        if config.dropout:
            layers.append(keras.layers.Dropout(config.dropout))
    layers.append(keras.layers.Dense(CLASSES, activation="softmax"))
    model = keras.Sequential(layers, name="mlp")
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def describe(keras_model) -> str:
    """The layer stack as one line, read off the model: 'Flatten > BatchNorm > Dense(128, relu) > ...'."""
    parts = []
    for layer in keras_model.layers:
        kind = type(layer).__name__
        if kind == "Dense":
            parts.append(f"Dense({layer.units}, {layer.get_config()['activation']})")
        elif kind == "Dropout":
            parts.append(f"Dropout({layer.rate:g})")
        elif kind == "BatchNormalization":
            parts.append("BatchNorm")
        elif kind != "InputLayer":
            parts.append(kind)
    return " > ".join(parts)


def load_keras(path: Path):
    """Read a .keras file in safe mode (no arbitrary code) and check it maps 28x28 to 10 classes."""
    keras = import_keras_quietly()
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as err:  # Keras raises many kinds (ValueError, OSError, zip errors...)
        raise ModelError(f"{Path(path).name} is not a readable Keras model ({first_line(err)})") from None
    try:
        inputs, outputs = tuple(model.input_shape[1:]), model.output_shape[-1]
    except (AttributeError, ValueError):
        raise ModelError(f"{Path(path).name} has no fixed input/output shape") from None
    if inputs not in ((SIZE, SIZE), (SIZE * SIZE,)) or outputs != CLASSES:
        raise ModelError(f"{Path(path).name} maps {inputs} to {outputs} outputs; "
                         f"expected ({SIZE}, {SIZE}) to {CLASSES}")
    return model
