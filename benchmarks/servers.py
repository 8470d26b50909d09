"""Start the page for a load test: one `streamlit run app.py`, or the proxy with replicas (deploy/).

Both run on loopback on a free port, log to a file, and are stopped (the whole process tree)
when the `with` block ends. MNIST_NPZ and the rest of the environment pass through.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether Streamlit (or the proxy in front of it) answers its health check."""
    try:
        with _HTTP.open(url.rstrip("/") + "/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Poll the health check until it answers; RuntimeError if the process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering; see {log}")
        if healthy(url):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url}/_stcore/health within {timeout:.0f} s; see {log}")


class PageServer:
    """The page on a free loopback port: direct (`replicas=1, proxy=False`) or behind deploy.serve.

    `url` is where visitors go, `pid` the root of the process tree to measure.
    """

    def __init__(self, log: Path, replicas: int = 1, proxy: bool = False, start_timeout: float = 120):
        self.log, self.replicas, self.proxy = log, replicas, proxy or replicas > 1
        self.start_timeout = start_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def command(self) -> list[str]:
        if self.proxy:
            return [sys.executable, "-m", "deploy.serve", "--replicas", str(self.replicas),
                    "--port", str(self.port), "--listen", "127.0.0.1"]
        return [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
                "--server.address", "127.0.0.1", "--server.headless", "true"]

    def __enter__(self) -> PageServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "w") as log:
            # A session of its own, so that stopping it reaches whatever it started.
            self.process = subprocess.Popen(self.command(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until_healthy(self.url, self.process, self.log, self.start_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self, grace: float = 15) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds; then whatever is left of its process group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        try:  # anything it started and left behind (the group is ours: start_new_session above)
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
