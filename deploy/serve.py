"""Serve the page to a class: K Streamlit replicas of app.py behind nginx, kept running by supervisord.

    python -m deploy.serve --replicas 2 --port 8080 [--listen 0.0.0.0] [--remote HOST:PORT ...]

Renders two configurations (deploy/configs.py): nginx's, from deploy/nginx.conf.template
(websockets proxied with long timeouts, each browser kept on one replica by a cookie, uploads
capped at .streamlit/config.toml's server.maxUploadSize), and supervisord's, which runs the
replicas (each `streamlit run app.py` on a free loopback port, MNIST_NPZ and the rest of the
environment passed through) and nginx, and restarts any of them that dies. While a replica is
down, nginx sends its visitors to the others. Prints `ready: URL -> replicas on ...` once every
replica and the proxy answer; Ctrl-C (or SIGTERM) stops supervisord, which stops nginx, then the
replicas. Logs go to --logs (supervisord, nginx, one file per replica).

Past one machine: --remote adds replicas started elsewhere (`streamlit run app.py
--server.address 0.0.0.0 --server.port PORT` on each machine, kept running there by whatever
runs that machine) to the same upstreams.

Every replica opens the same class store (--class-db, else $MLP_CLASS_DB, else an SQLite file in
the data folder), so a student whose replica dies reconnects to another and keeps their tiles.
Replicas on other machines need a store they all reach: MLP_CLASS_DB=postgresql+psycopg://...,
the same on every machine.

Training runs go through one queue beside that store (mlp.runs: Huey, on the store's PostgreSQL
or on an SQLite file beside its SQLite file; --queue names another). supervisord also runs
--workers training workers here (python -m mlp.runs.worker); a worker on another machine joins
with that command and --db naming the store (docs/deployment.md).

The replicas read the shipped models from the same files in assets/ and never write there.
They share one cookie secret ($STREAMLIT_SERVER_COOKIE_SECRET if set, else a fresh one; give
remote replicas the same), so cookies Streamlit signs are valid on every replica.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from deploy.configs import (Layout, nginx_config, numeric_address, streamlit_command, supervisor_config,
                            upload_limit_mb)

ROOT = Path(__file__).resolve().parent.parent
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")  # Debian puts it in sbin, not on every PATH
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class ServeConfig:
    """What to start and where."""

    replicas: int = 2  # Streamlit processes started here; each holds its own visitors' sessions
    remote: tuple[str, ...] = ()  # HOST:PORT of replicas running elsewhere, proxied as well
    port: int = 8080  # where visitors connect (nginx)
    listen: str = "127.0.0.1"  # 0.0.0.0 to serve a classroom's network
    nginx: str | None = None  # the nginx binary; None: look on PATH and in /usr/sbin
    logs: Path = ROOT / "artifacts" / "serve"
    start_timeout: float = 120.0  # seconds for each replica, then nginx, to answer
    expose_replica: bool = False  # name the answering replica in an X-Replica header (tests, debugging)
    class_db: str | None = None  # the class store every replica shares; None: $MLP_CLASS_DB, else the data folder's
    workers: int = 1  # training workers started here; 0 when they all run on other machines
    queue: str | None = None  # the run queue's broker; None: $MLP_QUEUE, else beside the class store


def find_nginx(given: str | None = None) -> str:
    """The nginx binary to run; FileNotFoundError that says how to get one."""
    chosen = given or os.environ.get("MLP_NGINX")  # when one is named, only that one
    for candidate in [chosen] if chosen else NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise FileNotFoundError(f"nginx not found{f' at {chosen}' if chosen else ''}: install it "
                            "(Debian: apt-get install nginx), or name it with --nginx PATH or $MLP_NGINX")


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def replica_command(port: int) -> list[str]:
    """`streamlit run app.py` on this loopback port, with this interpreter."""
    return streamlit_command(sys.executable, port)


def answers(url: str) -> bool:
    """Whether Streamlit's health check at `url` answers 200 (through the proxy too)."""
    try:
        with _HTTP.open(url + "/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def wait_for(url: str, processes: list[subprocess.Popen], timeout: float) -> None:
    """Until `url` answers Streamlit's health check; RuntimeError if a process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(map(str, process.args[:4]))} exited with {process.returncode}")
        if answers(url):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def stop(processes: list[subprocess.Popen], grace: float = 10) -> None:
    """SIGTERM to each, then SIGKILL to those still running after `grace` seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def end_with_parent() -> None:
    """In the child before exec: SIGTERM it when deploy.serve dies, even by SIGKILL (Linux only)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: Ctrl-C and SIGTERM still stop everything through serve()


def start_supervisord(conf: Path, env: dict[str, str]) -> subprocess.Popen:
    """supervisord in the foreground with this configuration; its own log lines go to stderr."""
    return subprocess.Popen([sys.executable, "-m", "supervisor.supervisord", "-c", str(conf)], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=sys.stderr, preexec_fn=end_with_parent)


def shared_store(class_db: str | None, remote: bool) -> str:
    """The class store's URL for every replica, its tables created now; RuntimeError if it cannot be opened."""
    from mlp.classroom import ClassError, ClassStore
    from mlp.classroom.engine import shown, store_url

    from mlp.runs import RunQueue, TrainingUnavailable

    url = store_url(class_db)
    try:
        ClassStore.open(url).close()
        RunQueue.open(url).close()  # the training queue's tables too, before any replica or worker races for them
    except (ClassError, TrainingUnavailable) as err:
        raise RuntimeError(str(err)) from None
    if remote and url.startswith("sqlite"):
        print(f"warning: the class store is an SQLite file on this machine ({shown(url)}); replicas on "
              "other machines cannot reach it: give them all --class-db postgresql+psycopg://...",
              file=sys.stderr, flush=True)
    return url


def serve(config: ServeConfig) -> int:
    """Run the replicas and the proxy under supervisord until a signal (0) or until supervisord ends (1)."""
    config.logs.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="mlp-serve-"))
    run_dir.chmod(0o755)  # nginx's workers may run as another user and need to reach their temp dirs
    try:  # by address: nginx names the replica that answered by its address, never by its name
        remote = tuple(numeric_address(replica) for replica in config.remote)
    except OSError as err:
        raise RuntimeError(f"cannot resolve a --remote host: {err}") from None
    layout = Layout(local=tuple(free_port() for _ in range(config.replicas)), remote=remote,
                    listen=config.listen, port=config.port, run_dir=run_dir, logs=config.logs,
                    nginx=find_nginx(config.nginx), python=sys.executable, upload_mb=upload_limit_mb(),
                    expose_replica=config.expose_replica, class_db=shared_store(config.class_db, bool(remote)),
                    workers=config.workers, queue=config.queue or os.environ.get("MLP_QUEUE") or None)
    (run_dir / "nginx.conf").write_text(nginx_config(layout))
    (run_dir / "supervisord.conf").write_text(supervisor_config(layout))
    secret = os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32)
    supervisord = start_supervisord(run_dir / "supervisord.conf",
                                    {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secret})
    try:
        for replica in layout.replicas:
            wait_for(f"http://{replica}", [supervisord], config.start_timeout)
        host = "127.0.0.1" if config.listen in ("0.0.0.0", "::") else config.listen
        url = f"http://{host}:{config.port}"
        wait_for(url, [supervisord], config.start_timeout)
        print(f"ready: {url} -> replicas on {', '.join(layout.replicas)}", flush=True)
        print(f"supervisord keeps them running; see it with: python -m supervisor.supervisorctl -c "
              f"{run_dir / 'supervisord.conf'} status", file=sys.stderr, flush=True)
        supervisord.wait()
        print(f"supervisord exited with {supervisord.returncode}: stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        # supervisord stops nginx first (priority), then the replicas and what they started.
        stop([supervisord], grace=60)
        shutil.rmtree(run_dir, ignore_errors=True)


def port_number(text: str) -> int:
    """argparse type: a TCP port."""
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, not {text}")
    return value


def replica_count(text: str) -> int:
    """argparse type: a number of replicas, 0 or more."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"a number of replicas is 0 or more, not {text}")
    return value


def host_port(text: str) -> str:
    """argparse type: HOST:PORT."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"give HOST:PORT, not {text!r}")
    return text


def interrupt(signum, frame) -> None:
    """SIGTERM ends the run as Ctrl-C does, through the cleanup in serve()."""
    raise KeyboardInterrupt


def main(argv=None) -> None:
    """The command line: parse, then serve until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--replicas", type=replica_count, default=ServeConfig.replicas,
                        help="Streamlit processes to start here, behind the proxy")
    parser.add_argument("--remote", type=host_port, action="append", default=[],
                        help="HOST:PORT of a replica running on another machine (repeatable)")
    parser.add_argument("--port", type=port_number, default=ServeConfig.port, help="the proxy's port")
    parser.add_argument("--listen", default=ServeConfig.listen,
                        help="the proxy's address: 0.0.0.0 serves the whole network")
    parser.add_argument("--nginx", default=None, help="nginx binary (default: $MLP_NGINX, PATH, /usr/sbin)")
    parser.add_argument("--logs", type=Path, default=ServeConfig.logs, help="folder for the logs")
    # An environment variable too, so that a harness can ask any checkout (older ones ignore it).
    parser.add_argument("--expose-replica", action="store_true", default=os.environ.get("MLP_EXPOSE_REPLICA") == "1",
                        help="add an X-Replica header naming the replica's address to every response, for "
                             "tests and debugging; never for a class (also $MLP_EXPOSE_REPLICA=1)")
    parser.add_argument("--class-db", metavar="URL", default=None,
                        help="the class store all replicas share: an SQLAlchemy URL or an SQLite file (default: "
                             "$MLP_CLASS_DB, else classes.db in $MLP_DATA_DIR or ~/.local/share/mnist-mlp)")
    parser.add_argument("--workers", type=replica_count, default=ServeConfig.workers,
                        help="training workers to start here (python -m mlp.runs.worker); 0 when they run elsewhere")
    parser.add_argument("--queue", metavar="URL", default=None,
                        help="the training queue's broker, if not beside the class store: an SQLite file or a "
                             "postgresql:// URL (default: $MLP_QUEUE, else the class store's server or folder)")
    args = parser.parse_args(argv)
    if args.replicas + len(args.remote) == 0:
        parser.error("nothing to serve: start at least one replica here or give --remote")
    config = ServeConfig(replicas=args.replicas, remote=tuple(args.remote), port=args.port, listen=args.listen,
                         nginx=args.nginx, logs=args.logs, expose_replica=args.expose_replica,
                         class_db=args.class_db, workers=args.workers, queue=args.queue)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        sys.exit(serve(config))
    except (FileNotFoundError, RuntimeError) as err:
        sys.exit(f"deploy.serve: {err}")


if __name__ == "__main__":
    main()
