"""Writing files so that readers see the old file or the new one, never a half-written one."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Callable

from mlp.errors import MLPError

PARTIAL = ".partial"  # marks a file still being written; renamed into place when complete


def atomic_write(target: Path, write: Callable[[Path], None]) -> Path:
    """Call write(temp_path) on a temporary file beside `target`, then rename it into place.

    The temporary name carries the writer's process id, so a file left by a killed writer
    can be told from one another process is still writing (see remove_leftovers).
    """
    target = Path(target)
    # The temporary name ends in the target's suffix too: Keras and NumPy insist on theirs.
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.",
                                    suffix=PARTIAL + target.suffix, dir=target.parent)
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        temp.chmod(0o644)  # mkstemp makes files private; a model is meant to be shared
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def remove_leftovers(target: Path) -> list[Path]:
    """Delete temporary files of `target` (see atomic_write) whose writing process has died."""
    target = Path(target)
    removed = []
    for path in target.parent.glob(f".{target.name}.*{PARTIAL}{target.suffix}"):
        head, pid, _ = path.name.removesuffix(PARTIAL + target.suffix).rsplit(".", 2)
        if head != f".{target.name}" or (pid.isdigit() and _alive(int(pid))):
            continue
        with suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def check_writable(folder: Path) -> None:
    """Raise MLPError now, before any work, unless files can be created in `folder`."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise MLPError(f"cannot write to the folder {folder} ({err.strerror or err}); "
                       "choose another output folder") from None


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's contents."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
