"""CPU time and memory of a process and all its descendants, read from /proc (Linux).

A server under test may be one `streamlit run` or a proxy with replicas under it: summing the
whole tree counts them all. Processes that end between two readings drop out of the sums.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlp.processes import tree as descendants  # pid and every process below it
from mlp.processes import tree_rss_mb  # the same tree's resident memory

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by pid and its living descendants."""
    total = 0
    for member in descendants(pid):
        try:
            fields = (PROC / str(member) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of pid and its descendants, in bytes (shared pages counted in each)."""
    return round(tree_rss_mb(pid) * 2**20)


def load_average() -> tuple[float, float, float]:
    """The machine's 1, 5 and 15 minute load averages."""
    return os.getloadavg()
