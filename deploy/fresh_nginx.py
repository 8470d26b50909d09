"""Start nginx for supervisord, first ending the workers a killed nginx master left behind.

    python -m deploy.fresh_nginx PIDFILE NGINX [ARGS...]

When nginx's master dies outright (SIGKILL, the OOM killer), its workers live on, keep the
listening port, and the restarted nginx cannot bind it. supervisord starts every program in a
process group of its own, so the old master's pid (still in its pid file: it never removed it)
is the group id of those workers. This ends the nginx processes of that group, then becomes nginx.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path


def orphans(group: int) -> list[int]:
    """Pids of nginx processes in this process group (Linux /proc; none found elsewhere)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            name = (entry / "cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue  # gone meanwhile
        # The field after the name in parentheses: state, ppid, pgrp.
        if int(stat.rpartition(")")[2].split()[2]) == group and name.startswith(b"nginx"):
            found.append(int(entry.name))
    return found


def end_leftovers(pid_file: Path) -> None:
    """SIGKILL what is left of the nginx whose master's pid is in `pid_file`, if anything."""
    try:
        group = int(pid_file.read_text())
    except (OSError, ValueError):
        return  # no earlier nginx, or one that exited cleanly and removed its pid file
    for pid in orphans(group):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while orphans(group) and time.monotonic() < deadline:  # the port is free once they have exited
        time.sleep(0.05)


def main(argv: list[str]) -> None:
    """Clear the old nginx's leftovers, then exec nginx with the given command line."""
    pid_file, command = Path(argv[0]), argv[1:]
    end_leftovers(pid_file)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
