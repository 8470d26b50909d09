"""Start the page: one `streamlit run app.py`, or the proxy of deploy/ with its replicas.

Both run on a free port, log to a file, and are stopped (the whole process tree) when the `with`
block ends. MNIST_NPZ and the rest of the environment pass through, `environment` over them.
The load tests, the browser tests and the proxy tests all start the page this way.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from deploy.serve import free_port, replica_command, stop, wait_for

__all__ = ["ROOT", "PageServer", "free_port"]

ROOT = Path(__file__).resolve().parent.parent
READY = re.compile(r"^ready: \S+ -> replicas on (.+)$", re.M)  # what deploy.serve prints once all answer


class PageServer:
    """The page on a free port: direct (`replicas=1, proxy=False`) or behind deploy.serve.

    `url` is where visitors go (on loopback), `pid` the root of the process tree to measure, and
    behind the proxy `replica_addresses` its local replicas' host:port; `remote` adds replicas
    started elsewhere (deploy.serve's --remote). The proxy's logs (nginx, supervisord, one per
    replica) go beside `log`. `loopback_only=False` starts a direct page as the README does, on
    every interface, so that phones can reach it. `expose_replica=False` leaves out the
    X-Replica header, as a class gets the proxy. `class_db` names the class store every replica
    shares (deploy.serve's --class-db; a direct page gets it as $MLP_CLASS_DB).
    """

    def __init__(self, log: Path, replicas: int = 1, proxy: bool = False, start_timeout: float = 120,
                 checkout: Path = ROOT, loopback_only: bool = True, environment: dict[str, str] | None = None,
                 remote: tuple[str, ...] = (), expose_replica: bool = True, class_db: str | None = None):
        self.log, self.replicas, self.remote = log, replicas, remote
        self.class_db = class_db
        self.proxy = proxy or replicas != 1 or bool(remote)
        self.expose_replica = expose_replica
        self.checkout = checkout  # another checkout of the project: a baseline to compare with
        self.start_timeout = start_timeout
        self.loopback_only = loopback_only
        self.environment = environment or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.replica_addresses: list[str] = []

    @property
    def pid(self) -> int:
        return self.process.pid

    def command(self) -> list[str]:
        """The command line that starts it."""
        if self.proxy:
            remote = [part for address in self.remote for part in ("--remote", address)]
            store = ["--class-db", self.class_db] if self.class_db else []
            return [sys.executable, "-m", "deploy.serve", "--replicas", str(self.replicas), *remote, *store,
                    "--port", str(self.port), "--listen", "127.0.0.1", "--logs", str(self.log.parent)]
        command = replica_command(self.port)
        if not self.loopback_only:
            at = command.index("--server.address")
            del command[at:at + 2]
        return command

    def __enter__(self) -> PageServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "w") as log:
            # A session of its own, so that stopping it reaches whatever it started.
            # The load harness counts sessions per replica by deploy.serve's X-Replica header, which
            # is sent only on request (an environment variable, so any checkout can be asked).
            env = {**os.environ, "MLP_EXPOSE_REPLICA": "1", **self.environment}
            if not self.expose_replica:
                del env["MLP_EXPOSE_REPLICA"]
            if self.class_db and not self.proxy:
                env["MLP_CLASS_DB"] = self.class_db
            self.process = subprocess.Popen(self.command(), cwd=self.checkout, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            if self.proxy:
                self.replica_addresses = self._wait_ready()
            else:
                wait_for(self.url, [self.process], self.start_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self) -> list[str]:
        """Until deploy.serve says every replica and the proxy answer: the replicas' addresses."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            said = self.log.read_text()
            ready = READY.search(said)
            if ready:
                return re.findall(r"127\.0\.0\.1:\d+", ready[1])
            if self.process.poll() is not None:
                raise RuntimeError(f"deploy.serve exited with {self.process.returncode}: {said}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"deploy.serve not ready within {self.start_timeout:.0f} s: {said}")
            time.sleep(0.2)

    def stop(self, grace: float = 15, sweep: bool = True) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds; then (sweep) whatever is left of its process group."""
        if self.process is None:
            return
        stop([self.process], grace)
        if not sweep:
            return
        try:  # anything it started and left behind (the group is ours: start_new_session above)
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
