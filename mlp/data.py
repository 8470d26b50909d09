"""Load MNIST in the Keras layout from a local file, or download it when online."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from mlp.errors import DataError
from mlp.files import file_sha256

ENV_VAR = "MNIST_NPZ"
MISSING = (f"MNIST could not be downloaded: online it downloads by itself, offline set {ENV_VAR} "
           "(or --data) to a local mnist.npz in the Keras layout.")
KEYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass(frozen=True)
class Mnist:
    """MNIST as uint8 images (n, 28, 28) and int labels (n,) in 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # the file it came from, or "keras download"
    sha256: str | None  # of the file, to record which data a model was trained on

    def first(self, train: int | None = None, test: int | None = None) -> Mnist:
        """The first `train` training and `test` test examples (None: all of that split)."""
        return replace(self, x_train=self.x_train[:train], y_train=self.y_train[:train],
                       x_test=self.x_test[:test], y_test=self.y_test[:test])


def resolve_path(path: str | os.PathLike | None = None) -> Path | None:
    """The explicit path, else $MNIST_NPZ, else None (meaning: download with Keras)."""
    chosen = path or os.environ.get(ENV_VAR) or None
    return Path(chosen).expanduser() if chosen else None


def keras_cache() -> Path:
    """Where keras.datasets.mnist.load_data() keeps the file it downloaded."""
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser() / "datasets" / "mnist.npz"


def load_mnist(path: str | os.PathLike | None = None) -> Mnist:
    """MNIST from `path`, else $MNIST_NPZ, else Keras' cached download, else download it (online)."""
    resolved = resolve_path(path)
    if resolved is not None:
        return _read_npz(resolved)
    if keras_cache().is_file():
        return _read_npz(keras_cache())
    return _download()


@dataclass(frozen=True)
class ExtraData:
    """More training data beside MNIST: digits (x, y) and drawings that are not digits."""

    x: np.ndarray  # (n, 28, 28) uint8 digits, white on black as MNIST
    y: np.ndarray  # (n,) int labels in 0-9
    x_not_digits: np.ndarray  # (m, 28, 28) uint8 drawings that are not digits
    source: str  # the file's name
    sha256: str
    # sha256 of the mnist.npz whose training digits are redrawn among x; None if none are
    redrawn_from: str | None = None


def load_extra(path: str | os.PathLike) -> ExtraData:
    """A training-data file (x, y, x_not_digits, as `python -m drawn training-set` writes it)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"training-data file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in ("x", "y", "x_not_digits")}
            redrawn_from = str(npz["mnist_sha256"]) if "mnist_sha256" in npz.files else None
    except KeyError as err:
        raise DataError(f"{path} lacks {err}: expected x, y and x_not_digits") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise DataError(f"{path} cannot be read as an .npz file ({err}).") from None
    for key in ("x", "x_not_digits"):
        if arrays[key].dtype != np.uint8 or arrays[key].shape[1:] != (28, 28):
            raise DataError(f"{path}: {key} must be uint8 (n, 28, 28), got "
                            f"{arrays[key].dtype} {arrays[key].shape}")
    y = arrays["y"]
    if y.shape != (len(arrays["x"]),) or not np.issubdtype(y.dtype, np.integer) or \
            (len(y) and (y.min() < 0 or y.max() > 9)):
        raise DataError(f"{path}: y must be one label in 0-9 for each image in x")
    return ExtraData(**arrays, source=path.name, sha256=file_sha256(path), redrawn_from=redrawn_from)


def as_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 28, 28) in [0, 1], the scale every model takes."""
    return images.astype(np.float32) / 255.0


def _read_npz(path: Path) -> Mnist:
    if not path.exists():
        raise DataError(f"MNIST file not found: {path}. Point --data or {ENV_VAR} at mnist.npz.")
    if path.is_dir():
        raise DataError(f"{path} is a folder; give the path of mnist.npz itself.")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in KEYS if key not in npz.files]
            if missing:
                raise DataError(f"{path} is not MNIST in the Keras layout: missing {', '.join(missing)}"
                                f" (found {', '.join(npz.files) or 'nothing'}).")
            arrays = {key: npz[key] for key in KEYS}
    except DataError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise DataError(f"{path} cannot be read as an .npz file ({err}).") from None
    _validate(arrays, str(path))
    return Mnist(**arrays, source=str(path), sha256=file_sha256(path))


def _download() -> Mnist:
    from mlp.quiet import import_keras_quietly  # only here: importing it costs seconds

    try:
        (x_train, y_train), (x_test, y_test) = import_keras_quietly().datasets.mnist.load_data()
    except Exception:  # offline, Keras raises a plain Exception ("URL fetch failure")
        raise DataError(MISSING) from None
    arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    _validate(arrays, "the Keras download")
    return Mnist(**arrays, source="keras download", sha256=None)


def _validate(arrays: dict[str, np.ndarray], where: str) -> None:
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8:
            raise DataError(f"{where}: x_{split} has dtype {x.dtype}, expected uint8.")
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise DataError(f"{where}: x_{split} has shape {x.shape}, expected (n, 28, 28).")
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{where}: y_{split} must be integer labels of shape (n,), "
                            f"got {y.dtype} {y.shape}.")
        if len(y) != len(x):
            raise DataError(f"{where}: {len(x)} images in x_{split} but {len(y)} labels in y_{split}.")
        if len(y) == 0:
            raise DataError(f"{where}: x_{split} is empty.")
        if y.min() < 0 or y.max() > 9:
            raise DataError(f"{where}: y_{split} has labels outside 0-9 "
                            f"(min {y.min()}, max {y.max()}).")
