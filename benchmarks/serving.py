"""A Streamlit server of any checkout (this one, or an older one as a baseline), and its memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.servers import free_port, wait_until_healthy

__all__ = ["free_port", "rss_mb", "start_server", "stop_server"]


def start_server(checkout: Path, port: int, data: str, timeout: float = 120.0) -> subprocess.Popen:
    """`streamlit run app.py` in `checkout` on 127.0.0.1:port, once it answers its health check."""
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=checkout, env={**os.environ, "MNIST_NPZ": data}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process, Path(os.devnull), timeout)
    except RuntimeError:
        stop_server(process)
        raise
    return process


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB (from /proc; Linux only)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
