"""Start the page for a load test: one `streamlit run app.py`, or the proxy with replicas (deploy/).

Both run on loopback on a free port, log to a file, and are stopped (the whole process tree)
when the `with` block ends. MNIST_NPZ and the rest of the environment pass through.
"""

from __future__ import annotations

import os
import sys
import signal
import subprocess
from pathlib import Path

from deploy.serve import free_port, replica_command, stop, wait_for

__all__ = ["ROOT", "PageServer", "free_port"]

ROOT = Path(__file__).resolve().parent.parent


class PageServer:
    """The page on a free loopback port: direct (`replicas=1, proxy=False`) or behind deploy.serve.

    `url` is where visitors go, `pid` the root of the process tree to measure.
    """

    def __init__(self, log: Path, replicas: int = 1, proxy: bool = False, start_timeout: float = 120,
                 checkout: Path = ROOT):
        self.log, self.replicas, self.proxy = log, replicas, proxy or replicas > 1
        self.checkout = checkout  # another checkout of the project: a baseline to compare with
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
        return replica_command(self.port)

    def __enter__(self) -> PageServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "w") as log:
            # A session of its own, so that stopping it reaches whatever it started.
            # The load harness counts sessions per replica by deploy.serve's X-Replica header, which
            # is sent only on request (an environment variable, so any checkout can be asked).
            env = {**os.environ, "MLP_EXPOSE_REPLICA": "1"}
            self.process = subprocess.Popen(self.command(), cwd=self.checkout, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_for(self.url, [self.process], self.start_timeout)
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
        stop([self.process], grace)
        try:  # anything it started and left behind (the group is ours: start_new_session above)
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
