"""Serve the page to a class: K Streamlit replicas of app.py behind nginx, with sticky sessions.

    python -m deploy.serve --replicas 2 --port 8080 [--listen 0.0.0.0] [--remote HOST:PORT ...]

Starts the replicas on free loopback ports (each `streamlit run app.py`, MNIST_NPZ and the rest
of the environment passed through), waits until each answers, then runs nginx in the
foreground on --listen:--port with deploy/nginx.conf.template: websockets proxied with long
timeouts, each browser kept on one replica by a cookie. Prints `ready: URL` when the proxy
answers; Ctrl-C (or SIGTERM) stops nginx and the replicas. If any of them exits, the rest are
stopped too and the exit status is 1. Logs go to --logs (nginx errors, one file per replica).

Past one machine: --remote adds replicas started elsewhere (`streamlit run app.py
--server.address 0.0.0.0 --server.port PORT` on each machine) to the same sticky upstream.

The replicas read the shipped models from the same files in assets/ and never write there.
They share one cookie secret ($STREAMLIT_SERVER_COOKIE_SECRET if set, else a fresh one; give
remote replicas the same), so cookies Streamlit signs are valid on every replica.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render(template: str, **fields: str) -> str:
    """Fill the template's {{NAME}} fields (nginx uses $ and {} itself)."""
    for name, value in fields.items():
        template = template.replace("{{" + name + "}}", value)
    if "{{" in template:
        raise ValueError(f"unfilled field in the nginx template near {template[template.index('{{'):][:40]!r}")
    return template


def nginx_config(config: ServeConfig, replicas: list[str], run_dir: Path) -> str:
    """nginx.conf for these replicas (HOST:PORT each)."""
    servers = "\n".join(f"        server {replica};" for replica in replicas)
    return render(TEMPLATE.read_text(), RUN_DIR=str(run_dir), LOG_DIR=str(config.logs.resolve()),
                  SERVERS=servers, LISTEN=config.listen, PORT=str(config.port))


def replica_command(port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true"]


def answers(url: str) -> bool:
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


def serve(config: ServeConfig) -> int:
    """Run the replicas and the proxy until a signal (0) or until one of them exits (1)."""
    nginx = find_nginx(config.nginx)
    config.logs.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="mlp-serve-"))
    run_dir.chmod(0o755)  # nginx's workers may run as another user and need to reach their temp dirs
    secret = os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32)
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secret}
    ports = [free_port() for _ in range(config.replicas)]
    replicas = [f"127.0.0.1:{port}" for port in ports] + list(config.remote)
    processes: list[subprocess.Popen] = []
    try:
        for number, port in enumerate(ports, 1):
            with open(config.logs / f"replica-{number}.log", "w") as log:
                processes.append(subprocess.Popen(replica_command(port), cwd=ROOT, env=env, stdout=log,
                                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
        for replica in replicas:
            wait_for(f"http://{replica}", processes, config.start_timeout)
        conf = run_dir / "nginx.conf"
        conf.write_text(nginx_config(config, replicas, run_dir))
        processes.append(subprocess.Popen([nginx, "-p", str(run_dir), "-c", str(conf)], stdin=subprocess.DEVNULL))
        host = "127.0.0.1" if config.listen in ("0.0.0.0", "::") else config.listen
        url = f"http://{host}:{config.port}"
        wait_for(url, processes, config.start_timeout)
        print(f"ready: {url} -> replicas on {', '.join(replicas)}", flush=True)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        ended = next(process for process in processes if process.poll() is not None)
        print(f"{' '.join(map(str, ended.args[:4]))} exited with {ended.returncode}: stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes[::-1])  # the proxy first, so nobody reaches a replica that is going away
        shutil.rmtree(run_dir, ignore_errors=True)


def port_number(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, not {text}")
    return value


def replica_count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"a number of replicas is 0 or more, not {text}")
    return value


def host_port(text: str) -> str:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"give HOST:PORT, not {text!r}")
    return text


def interrupt(signum, frame) -> None:
    """SIGTERM ends the run as Ctrl-C does, through the cleanup in serve()."""
    raise KeyboardInterrupt


def main(argv=None) -> None:
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
    args = parser.parse_args(argv)
    if args.replicas + len(args.remote) == 0:
        parser.error("nothing to serve: start at least one replica here or give --remote")
    config = ServeConfig(replicas=args.replicas, remote=tuple(args.remote), port=args.port, listen=args.listen,
                         nginx=args.nginx, logs=args.logs)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        sys.exit(serve(config))
    except (FileNotFoundError, RuntimeError) as err:
        sys.exit(f"deploy.serve: {err}")


if __name__ == "__main__":
    main()
