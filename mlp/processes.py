"""What the training queue needs to know about other processes: alive or not, and their memory.

Linux only (/proc, prctl); elsewhere a process counts as alive and its memory as unknown (0).
"""

from __future__ import annotations

import ctypes
import os
import signal
from pathlib import Path

PROC = Path("/proc")
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    try:
        return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def tree(pid: int, limit: int = 1000) -> list[int]:
    """pid and every process below it (at most `limit`), from /proc/PID/task/*/children."""
    found, todo = [], [pid]
    while todo and len(found) < limit:
        current = todo.pop()
        found.append(current)
        for task in (PROC / str(current) / "task").glob("*"):
            try:
                todo.extend(int(child) for child in (task / "children").read_text().split())
            except (OSError, ValueError):
                pass
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of pid and all its descendants, in MB (0 where /proc cannot say)."""
    pages = 0
    for member in tree(pid):
        try:
            pages += int((PROC / str(member) / "statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # ended between two readings
    return pages * PAGE / 2**20


def die_with_parent(parent: int) -> None:
    """In a child: end with SIGTERM when `parent`, the process that started it, dies.

    The kernel sends the signal when the *thread* that forked the child ends, so the queue
    starts its workers from its own long-lived thread. If the parent died before this call,
    the child is already an orphan: it ends at once.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: a worker may outlive a killed server
        return
    if os.getppid() != parent:
        os._exit(1)
