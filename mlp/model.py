"""Build, save and load the MLP; find the models shipped in assets/."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlp.config import TrainConfig
from mlp.errors import ModelError
from mlp.inference import NumpyMLP

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_MODEL = "robust"  # what the app and the CLI use when no model is named
INPUT_SHAPE = (28, 28)
CLASSES = 10


@dataclass(frozen=True)
class Classifier:
    """A loaded model: the fast NumPy forward pass, its Keras original and its metadata."""

    name: str
    network: NumpyMLP  # the forward pass predictions run on
    keras_model: object = field(repr=False)  # the keras.Model it was read from
    record: dict = field(default_factory=dict, repr=False)  # how it was trained and scored
    path: Path | None = None


def build_model(config: TrainConfig):
    """An untrained, compiled Keras MLP for `config` (Input (28, 28) -> Dense(10, softmax))."""
    import keras

    layers = [keras.Input(shape=INPUT_SHAPE), keras.layers.Flatten()]
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


def shipped_models() -> dict[str, Path]:
    """Name -> path of every model in assets/ (NAME.keras)."""
    return {path.stem: path for path in sorted(ASSETS.glob("*.keras"))}


def resolve_model_path(name_or_path: str | os.PathLike | None) -> Path:
    """A shipped model's name, or a path to a .keras file -> the file's path."""
    name = DEFAULT_MODEL if name_or_path is None else str(name_or_path)
    shipped = shipped_models()
    if name in shipped:
        return shipped[name]
    path = Path(name).expanduser()
    if path.suffix != ".keras" and not path.exists():
        known = ", ".join(shipped) or "none"
        raise ModelError(f"no model named {name!r} (shipped models: {known}; or give a .keras path)")
    return path


def load_model(name_or_path: str | os.PathLike | None = None) -> Classifier:
    """Load a shipped model by name (None: the default) or a .keras file, in safe mode."""
    path = resolve_model_path(name_or_path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    import keras

    try:
        keras_model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as err:  # Keras raises many kinds (ValueError, OSError, zip errors...)
        raise ModelError(f"{path.name} is not a readable Keras model ({_first_line(err)})") from None
    check_shapes(keras_model, path.name)
    return Classifier(name=path.stem, network=NumpyMLP.from_keras(keras_model),
                      keras_model=keras_model, record=read_meta(path), path=path)


def from_keras(keras_model, name: str, meta: dict | None = None) -> Classifier:
    """Wrap a model trained in this process (for the page's freshly trained models)."""
    check_shapes(keras_model, name)
    return Classifier(name=name, network=NumpyMLP.from_keras(keras_model),
                      keras_model=keras_model, record=meta or {})


def check_shapes(keras_model, name: str) -> None:
    """Raise ModelError unless the model maps (n, 28, 28) images to 10 classes."""
    try:
        inputs, outputs = tuple(keras_model.input_shape[1:]), keras_model.output_shape[-1]
    except (AttributeError, ValueError):
        raise ModelError(f"{name} has no fixed input/output shape") from None
    if inputs not in (INPUT_SHAPE, (28 * 28,)) or outputs != CLASSES:
        raise ModelError(f"{name} maps {inputs} to {outputs} outputs; expected (28, 28) to {CLASSES}")


def read_meta(model_path: Path) -> dict:
    """The metadata next to a model (NAME.json), or {} when there is none or it is unreadable."""
    meta_path = model_path.with_suffix(".json")
    try:
        return json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return {}


def save_model(keras_model, out: Path, meta: dict) -> tuple[Path, Path]:
    """Write OUT.keras (weights, no optimizer state) and OUT.json atomically.

    Both are written to temporary files in the target folder first and renamed into place
    only once complete, so an interrupted run never leaves a half-written or replaced model.
    """
    out = Path(out)
    model_path, meta_path = out.with_suffix(".keras"), out.with_suffix(".json")
    model_path.parent.mkdir(parents=True, exist_ok=True)
    # An uncompiled copy (get_config leaves out the compile settings that to_json keeps)
    # has no optimizer state: the file is a third of the size.
    bare = type(keras_model).from_config(keras_model.get_config())
    bare.set_weights(keras_model.get_weights())
    tmp_model = _temp_path(model_path)
    tmp_meta = _temp_path(meta_path)
    try:
        bare.save(tmp_model)
        tmp_meta.write_text(_json_text(meta))
        for tmp in (tmp_model, tmp_meta):
            tmp.chmod(0o644)  # mkstemp makes files private; a model is meant to be shared
        os.replace(tmp_model, model_path)
        os.replace(tmp_meta, meta_path)
    finally:
        for tmp in (tmp_model, tmp_meta):
            tmp.unlink(missing_ok=True)
    return model_path, meta_path


def update_meta(model_path: Path, **fields) -> Path:
    """Add or replace fields in the metadata beside a model (NAME.json), atomically."""
    meta_path = Path(model_path).with_suffix(".json")
    meta = {**read_meta(Path(model_path)), **fields}
    tmp = _temp_path(meta_path)
    try:
        tmp.write_text(_json_text(meta))
        tmp.chmod(0o644)
        os.replace(tmp, meta_path)
    finally:
        tmp.unlink(missing_ok=True)
    return meta_path


def _temp_path(target: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    return Path(name)


def _json_text(meta: dict) -> str:
    return json.dumps(meta, indent=2, default=_json_default) + "\n"


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:200]


def model_bytes(keras_model) -> bytes:
    """The .keras file of a model as bytes (for a download button), without optimizer state."""
    with tempfile.TemporaryDirectory() as folder:
        model_path, _ = save_model(keras_model, Path(folder) / "model", {})
        return model_path.read_bytes()
