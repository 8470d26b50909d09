"""Model files damaged in the ways a disk, a copy or a hand edit damages them, for the error tests."""

import json
from pathlib import Path

import numpy as np

from mlp.model import ASSETS


def _base() -> dict[str, np.ndarray]:
    """The shipped classic model's arrays, with a not-a-digit check that fits its 128 units."""
    with np.load(ASSETS / "classic.npz", allow_pickle=False) as arrays:
        base = dict(arrays)
    rng = np.random.default_rng(0)
    base |= {"check_threshold": np.array(0.5), "check_weights_0": rng.normal(0, 0.1, (128, 8)),
             "check_bias_0": np.zeros(8), "check_weights_1": rng.normal(0, 0.5, (8, 1)),
             "check_bias_1": np.zeros(1)}
    return {name: array.astype(np.float32) if array.dtype == np.float64 else array
            for name, array in base.items()}


def _with(name: str, value) -> dict[str, np.ndarray]:
    arrays = _base()
    if value is None:
        del arrays[name]
    else:
        arrays[name] = value(arrays[name]) if callable(value) else value
    return arrays


def _poked(array: np.ndarray, value: float) -> np.ndarray:
    array = array.copy()
    array.flat[0] = value
    return array


# kind -> the arrays of a damaged NAME.npz
DAMAGED_ARRAYS = {
    "check-misfit": lambda: _with("check_weights_0", lambda w: w[:64]),  # for another network
    "check-no-bias": lambda: _with("check_bias_1", None),
    "check-bias-shape": lambda: _with("check_bias_0", lambda b: b[:3]),
    "nan-weights": lambda: _with("weights_1", lambda w: _poked(w, np.nan)),
    "inf-bias": lambda: _with("bias_0", lambda b: _poked(b, np.inf)),
    "nan-check": lambda: _with("check_weights_0", lambda w: _poked(w, np.nan)),
    "nan-threshold": lambda: _with("check_threshold", np.array(np.nan)),
    "wrong-shape": lambda: _with("weights_1", lambda w: w[:, :5]),
    "record-not-json": lambda: _with("record", np.array("{not json")),
    "record-not-object": lambda: _with("record", np.array("[1, 2]")),
}
# kind -> what loading it must say
DAMAGE_MESSAGES = {
    "check-misfit": "its not-a-digit check does not fit the network",
    "check-no-bias": "its not-a-digit check does not fit the network",
    "check-bias-shape": "its not-a-digit check does not fit the network",
    "nan-weights": "its weights hold values that are not numbers",
    "inf-bias": "its weights hold values that are not numbers",
    "nan-check": "its weights hold values that are not numbers",
    "nan-threshold": "its weights hold values that are not numbers",
    "wrong-shape": "the layers' shapes do not chain",
    "record-not-json": "its record is not readable",
    "record-not-object": "its record is not readable",
    "truncated": "is not a readable weights file",
    "empty": "is not a readable weights file",
    "folder": "is a folder, not a model file",
}


def write_damaged(kind: str, folder: Path, name: str | None = None) -> Path:
    """folder/NAME.npz damaged as `kind` says (NAME defaults to the kind) -> its path."""
    path = Path(folder) / f"{name or kind}.npz"
    if kind == "truncated":
        whole = (ASSETS / "classic.npz").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "folder":
        path.mkdir()
    else:
        np.savez(path, **DAMAGED_ARRAYS[kind]())
    return path


def write_record_with(folder: Path, name: str, **fields) -> Path:
    """folder/NAME.npz: the classic model whose record has `fields` changed (text where a number was)."""
    arrays = _base()
    record = json.loads(str(arrays["record"])) | fields
    arrays["record"] = np.array(json.dumps(record))
    path = Path(folder) / f"{name}.npz"
    np.savez(path, **arrays)
    return path
