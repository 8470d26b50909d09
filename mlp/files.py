"""Writing files so that readers see the old file or the new one, never a half-written one."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Callable, Iterator

from mlp.errors import MLPError
from mlp.processes import alive

PARTIAL = ".partial"  # marks a file still being written; renamed into place when complete


# A full disk, a full quota and a file-size limit all end a write the same way.
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


class DiskFullError(MLPError):
    """A write ran out of room; nothing was renamed into place."""


def atomic_write(target: Path, write: Callable[[Path], None]) -> Path:
    """Call write(temp_path) on a temporary file beside `target`, then rename it into place."""
    with staged(target) as (temp,):
        write(temp)
    return Path(target)


@contextmanager
def staged(*targets: Path) -> Iterator[tuple[Path, ...]]:
    """Temporary files beside `targets`, renamed into place in order only once the block completes.

    A block that fails (a full disk above all) renames nothing and leaves no temporary behind,
    so every target keeps its old contents. The temporary names carry the writer's process id,
    so a file left by a killed writer can be told from one another process is still writing
    (see remove_leftovers); they end in the target's suffix too: Keras and NumPy insist on theirs.
    """
    targets = tuple(Path(target) for target in targets)
    for target in targets:  # else the first would be renamed into place and the next refused
        _not_a_folder(target)
    temps: list[Path] = []
    try:
        for target in targets:
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.",
                                            suffix=PARTIAL + target.suffix, dir=target.parent)
            os.close(handle)
            temps.append(Path(name))
        yield tuple(temps)
        for temp in temps:
            temp.chmod(0o644)  # mkstemp makes files private; a model is meant to be shared
        for temp, target in zip(temps, targets):
            os.replace(temp, target)
    except Exception as err:  # a writer may wrap the OSError in an error of its own
        if not _no_room(err):
            raise
        kept = [target.name for target in targets if target.exists()]
        unchanged = f", the old {' and '.join(kept)} {'is' if len(kept) == 1 else 'are'} unchanged" \
            if kept else ""
        raise DiskFullError(f"the disk is full: nothing was saved{unchanged}; free some space "
                            "or choose another folder") from None
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)


def check_target(path: Path) -> None:
    """Raise MLPError now, before any work, unless a file can be written at `path`."""
    _not_a_folder(Path(path))
    check_writable(Path(path).parent)


def _not_a_folder(path: Path) -> None:
    if path.is_dir():
        raise MLPError(f"{path} is a folder; give the path of a file to write")


def check_space(folder: Path, needed: int, what: str) -> None:
    """Raise DiskFullError now, before any work, when `folder` has fewer than `needed` bytes free."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise DiskFullError(f"not enough room on the disk: {folder} has {free / 2**20:.1f} MB "
                            f"free and {what} needs about {needed / 2**20:.1f} MB; nothing was done")


def _no_room(err: BaseException | None) -> bool:
    """Whether an error, or one it was raised while handling, says the disk had no room."""
    while err is not None:
        if isinstance(err, OSError) and err.errno in _NO_ROOM:
            return True
        err = err.__cause__ or err.__context__
    return False


def remove_leftovers(target: Path) -> list[Path]:
    """Delete temporary files of `target` (see staged) whose writing process has died."""
    target = Path(target)
    removed = []
    for path in target.parent.glob(f".{target.name}.*{PARTIAL}{target.suffix}"):
        head, pid, _ = path.name.removesuffix(PARTIAL + target.suffix).rsplit(".", 2)
        if head != f".{target.name}" or (pid.isdigit() and alive(int(pid))):
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
