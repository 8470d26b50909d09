"""Models on disk and in memory: load, save and find the ones shipped in assets/.

A model on disk is NAME.npz: the NumPy inference weights (BatchNormalization folded in)
and the record of how it was trained and scored, in one file written by one rename, so the
two always belong together. NAME.keras beside it is the Keras original, for training further
or downloading; predicting never reads it, so predicting never imports TensorFlow.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlp.digit_check import DigitCheck
from mlp.errors import MLPError, ModelError
from mlp.files import atomic_write, check_writable, file_sha256, remove_leftovers, staged
from mlp.network import NumpyMLP

def _assets() -> Path:
    """assets/ beside the package in a checkout (or an editable install); inside it when installed."""
    package = Path(__file__).resolve().parent
    checkout = package.parent / "assets"
    return checkout if checkout.is_dir() else package / "assets"


ASSETS = _assets()
DEFAULT_MODEL = "world"  # what the app and the CLI use when no model is named
WEIGHTS, KERAS = ".npz", ".keras"


@dataclass(frozen=True)
class Classifier:
    """A loaded model: the NumPy forward pass predictions run on, and its record."""

    name: str
    network: NumpyMLP
    record: dict = field(default_factory=dict, repr=False)  # how it was trained and scored
    path: Path | None = None  # its NAME.npz, when it came from one
    check: DigitCheck | None = field(default=None, repr=False)  # is it a digit at all? (mlp.digit_check)


def shipped_models() -> dict[str, Path]:
    """Name -> NAME.npz of every model shipped in assets/, the default always among them.

    A name whose file is gone still appears (its .keras left behind, or the default), so that
    loading it says the model is missing instead of another one quietly taking its place.
    """
    names = {path.stem for pattern in (f"*{WEIGHTS}", f"*{KERAS}") for path in ASSETS.glob(pattern)
             if not path.name.startswith(".")}
    return {name: ASSETS / f"{name}{WEIGHTS}" for name in sorted(names | {DEFAULT_MODEL})}


def load_model(name_or_path: str | os.PathLike | None = None) -> Classifier:
    """A shipped model by name (None: the default), a NAME.npz, or a .keras file (needs Keras)."""
    name = DEFAULT_MODEL if name_or_path is None else str(name_or_path)
    shipped = shipped_models()
    if name in shipped:
        return _read_weights(shipped[name], f"the shipped model {name!r}")
    path = Path(name).expanduser()
    if path.suffix == WEIGHTS:
        return _read_weights(path, str(path))
    if path.suffix == KERAS:
        return _read_keras(path)
    known = ", ".join(shipped)
    raise ModelError(f"no model named {name!r} (shipped models: {known}; or give a .npz or .keras file)")


def from_keras(keras_model, name: str, record: dict | None = None) -> Classifier:
    """Wrap a Keras model trained in this process (the page's freshly trained models)."""
    return Classifier(name=name, network=NumpyMLP.from_keras(keras_model), record=record or {})


def read_record(path: Path) -> dict:
    """The record inside a NAME.npz ({} when the file has none or cannot be read)."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            record = json.loads(str(arrays["record"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        return {}
    return record if isinstance(record, dict) else {}


def recorded_number(record: dict, key: str) -> float | None:
    """The number a model's record (or a part of it) holds under `key`, as a finite float; None
    when it is absent, text, or not a number.

    Records are JSON a person may have edited: "0.97" or "high" must not break a listing.
    """
    value = record.get(key) if isinstance(record, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if np.isfinite(value) else None


def save_model(keras_model, out: Path, record: dict) -> tuple[Path, Path]:
    """Write OUT.keras (no optimizer state) and OUT.npz (weights and record) -> both paths.

    Both are written to temporaries first and renamed into place only once both are complete,
    so a save that fails (a full disk) leaves the old pair as it was. OUT.npz is renamed last
    and names the sha256 of the OUT.keras it belongs to, so a save killed between the two
    renames never has a .keras file described by another one's record.
    """
    out = Path(out)
    keras_path, weights_path = out.with_suffix(KERAS), out.with_suffix(WEIGHTS)
    check_writable(out.parent)
    for target in (keras_path, weights_path):
        remove_leftovers(target)
    # An uncompiled copy (get_config leaves out the compile settings) has no optimizer state:
    # the file is a third of the size.
    bare = type(keras_model).from_config(keras_model.get_config())
    bare.set_weights(keras_model.get_weights())
    network = NumpyMLP.from_keras(bare)
    if not network.is_finite():  # saved, it would be a model no one can load
        raise MLPError("the trained weights are not numbers (training diverged, as a learning "
                       "rate too high makes it do): nothing was saved; try a lower learning rate")
    with staged(keras_path, weights_path) as (keras_temp, weights_temp):
        bare.save(keras_temp)
        record = {**record, "keras_sha256": file_sha256(keras_temp)}
        _save_arrays(weights_temp, network, record)
    return keras_path, weights_path


def saved_size(config) -> int:
    """Bytes that OUT.keras and OUT.npz of a model trained with `config` need together, about.

    Each file holds the weights as float32 (the .npz compressed, a little less); the margin
    covers the .keras file's configuration, BatchNormalization's statistics and the record.
    """
    from mlp.limits import estimate

    return 2 * 4 * estimate(config, 0).parameters + 256 * 1024


def update_record(weights_path: Path, **fields) -> Path:
    """Add or replace fields in the record inside a NAME.npz, in one rename."""
    model = _read_weights(Path(weights_path), str(weights_path))
    check_writable(Path(weights_path).parent)
    return _write_weights(Path(weights_path), model.network, {**model.record, **fields},
                          model.check)


def save_check(weights_path: Path, check: DigitCheck, **fields) -> Path:
    """Put a digit check into a NAME.npz (replacing any), with fields added to its record."""
    model = _read_weights(Path(weights_path), str(weights_path))
    check_writable(Path(weights_path).parent)
    return _write_weights(Path(weights_path), model.network, {**model.record, **fields}, check)


def _write_weights(path: Path, network: NumpyMLP, record: dict,
                   check: DigitCheck | None = None) -> Path:
    return atomic_write(path, lambda temp: _save_arrays(temp, network, record, check))


def _save_arrays(path: Path, network: NumpyMLP, record: dict, check: DigitCheck | None = None) -> None:
    arrays = {**network.to_arrays(), **(check.to_arrays() if check else {}),
              "record": np.array(json.dumps(record, default=_json_default))}
    np.savez_compressed(path, **arrays)


def _read_weights(path: Path, what: str) -> Classifier:
    remove_leftovers(path)
    if path.is_dir():
        raise ModelError(f"{what} is a folder, not a model file")
    if not path.is_file():
        raise ModelError(f"{what} is missing: {path.name} is not among the app's models"
                         if what != str(path) else f"model file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            network = NumpyMLP.from_arrays(arrays)
            check = DigitCheck.from_arrays(arrays)
            try:
                record = json.loads(str(arrays["record"]))
            except (KeyError, ValueError):
                raise ModelError("its record is not readable") from None
        if not isinstance(record, dict):
            raise ModelError("its record is not readable")
        if check is not None:
            check.check_fits(network)
        if not (network.is_finite() and (check is None or check.is_finite())):
            raise ModelError("its weights hold values that are not numbers")
    except ModelError as err:
        raise ModelError(f"{what} is damaged: {err}") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        # The library's own text can hold the file's full path: say it in our words.
        raise ModelError(f"{what} is damaged: {_its(path, what)}is not a readable weights file") from None
    return Classifier(name=path.stem, network=network, record=record, path=path, check=check)


def _its(path: Path, what: str) -> str:
    """The file's name, for a message that has not named it already."""
    return "it " if what.endswith(path.name) else f"{path.name} "


def _read_keras(path: Path) -> Classifier:
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a model file")
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    if not zipfile.is_zipfile(path):  # said before seconds of importing TensorFlow
        raise ModelError(f"{path} is damaged: it is not a Keras model file")
    from mlp.architecture import load_keras

    network = NumpyMLP.from_keras(load_keras(path))
    if not network.is_finite():
        raise ModelError(f"{path} is damaged: its weights hold values that are not numbers")
    weights_path = path.with_suffix(WEIGHTS)
    record = read_record(weights_path) if weights_path.is_file() else {}
    if record.get("keras_sha256") != file_sha256(path):
        record = {}  # that record describes another version of this file
    # The check reads this very network's hidden layer: it comes only with a matching record.
    check = _read_weights(weights_path, str(weights_path)).check if record else None
    return Classifier(name=path.stem, network=network, record=record,
                      path=weights_path if record else None, check=check)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
