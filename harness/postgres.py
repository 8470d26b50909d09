"""A throwaway PostgreSQL server for tests and benchmarks: its own cluster (initdb), on a free
loopback port, thrown away when stopped.

    url = start_postgres(folder)   # a fresh cluster in folder; its SQLAlchemy URL
    stop_postgres(folder)          # stopped at once, and its folder deleted

The tests' `postgres_url` fixture (tests/conftest.py) and `benchmarks.load --postgres` use it.

Debian's `postgresql` package provides the binaries (on PATH, or in /usr/lib/postgresql/*/bin).
PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

USER = "postgres"  # the cluster's superuser, and the system user it runs as when we are root
START_SECONDS = 60


def postgres_bin() -> Path | None:
    """The folder with initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                      key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """The command, run as `postgres` when we are root (the server refuses root)."""
    return ["runuser", "-u", USER, "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=START_SECONDS)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed ({done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-2000:]}")


def start_postgres(tmp_dir: Path) -> str:
    """Start a fresh cluster in `tmp_dir` (a new, empty folder every user can reach); its URL.

    Trust authentication on 127.0.0.1 only; fsync off (a test's data need not outlive a crash)."""
    binaries = postgres_bin()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL not found (initdb, pg_ctl): apt-get install postgresql")
    tmp_dir = Path(tmp_dir)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(tmp_dir, USER, USER)
    data, sockets = tmp_dir / "data", tmp_dir / "sockets"
    _run([str(binaries / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8",
          "--no-locale", "--no-sync"])
    _run(["mkdir", str(sockets)])
    port = _free_port()
    _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(tmp_dir / "server.log"), "-w",
          "-t", str(START_SECONDS), "start", "-o",
          f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c max_connections=200"])
    return f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"


def stop_postgres(tmp_dir: Path) -> None:
    """Stop the cluster started in `tmp_dir` (at once: its data is thrown away) and delete it."""
    binaries = postgres_bin()
    data = Path(tmp_dir) / "data"
    if binaries is not None and (data / "postmaster.pid").exists():
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                        "-w", "stop"]), capture_output=True, timeout=START_SECONDS)
    shutil.rmtree(tmp_dir, ignore_errors=True)
