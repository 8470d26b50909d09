"""The files deploy.serve writes before it starts anything: nginx.conf and supervisord.conf.

Pure functions of a Layout (where things run) so that a test can read what would be served.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"
STREAMLIT_DEFAULT_UPLOAD_MB = 200  # Streamlit's own default for server.maxUploadSize
# A Streamlit upload is a multipart body: the file plus its boundary lines and part headers (a few
# hundred bytes). Streamlit itself lets the raw body run 1 MB past server.maxUploadSize for that
# framing and checks the file's own size after parsing; nginx gets the same margin, so that the
# one limit a visitor meets is Streamlit's, with its own message, never a bare 413 from the proxy.
MULTIPART_MARGIN_MB = 1


@dataclass(frozen=True)
class Layout:
    """Where everything of one deploy.serve run lives."""

    local: tuple[int, ...]  # loopback ports of the replicas started here
    remote: tuple[str, ...]  # ADDRESS:PORT of replicas started elsewhere (numeric_address: the cookie map needs it)
    listen: str  # the proxy's address
    port: int  # the proxy's port
    run_dir: Path  # the rendered configs, pid files, nginx's temporary files
    logs: Path
    nginx: str  # the nginx binary
    python: str  # the interpreter that runs the replicas
    upload_mb: int  # server.maxUploadSize, in MB
    expose_replica: bool = False  # an X-Replica header on every response: tests and debugging only
    class_db: str | None = None  # the class store's URL, the same for every replica (MLP_CLASS_DB)
    workers: int = 1  # training workers started here (python -m mlp.runs.worker)
    queue: str | None = None  # the run queue's broker, if not beside the store (MLP_QUEUE)

    @property
    def replicas(self) -> list[str]:
        """HOST:PORT of every replica, local first: the order `ready:` prints them in."""
        return [f"127.0.0.1:{port}" for port in self.local] + list(self.remote)


def upload_limit_mb(config: Path = STREAMLIT_CONFIG) -> int:
    """server.maxUploadSize in MB, as the replicas will see it: the environment, else config.toml."""
    chosen = os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE")  # Streamlit reads this before the file
    if chosen:
        return int(chosen)
    if not config.is_file():
        return STREAMLIT_DEFAULT_UPLOAD_MB
    with open(config, "rb") as file:
        return int(tomllib.load(file).get("server", {}).get("maxUploadSize", STREAMLIT_DEFAULT_UPLOAD_MB))


def numeric_address(host_port: str) -> str:
    """HOST:PORT with the host resolved to its (first IPv4) address, as nginx's $upstream_addr shows it."""
    host, _, port = host_port.rpartition(":")
    return f"{socket.getaddrinfo(host, int(port), socket.AF_INET, socket.SOCK_STREAM)[0][4][0]}:{port}"


def render(template: str, **fields: str) -> str:
    """Fill the template's {{NAME}} fields (nginx uses $ and {} itself)."""
    for name, value in fields.items():
        template = template.replace("{{" + name + "}}", value)
    if "{{" in template:
        raise ValueError(f"unfilled field in the nginx template near {template[template.index('{{'):][:40]!r}")
    return template


def replica_name(number: int) -> str:
    """The name a replica goes by in the visitor's cookie: never its address."""
    return f"r{number}"


def upstreams(replicas: list[str]) -> str:
    """nginx upstream blocks: `streamlit` for new visitors, and one per replica for those it keeps."""
    # Passive health: one failed connection takes a replica out for fail_timeout, then nginx tries
    # it again. A restarted replica answers its health check within a few seconds.
    health = "max_fails=1 fail_timeout=5s"
    blocks = ["    upstream streamlit {\n        least_conn;  # websockets stay open: count them, not requests\n"
              + "".join(f"        server {replica} {health};\n" for replica in replicas) + "    }"]
    for number, replica in enumerate(replicas, 1):
        # Its visitors while it is down go to the others (backup), and are pinned there by the cookie
        # (see replica_cookie), so they do not come back to a replica that no longer has their session.
        others = "".join(f"        server {other} backup {health};\n" for other in replicas if other != replica)
        blocks.append(f"    upstream replica_{replica_name(number)} {{\n"
                      f"        server {replica} {health};\n{others}    }}")
    return "\n".join(blocks)


def routing_maps(replicas: list[str]) -> tuple[str, str]:
    """(cookie -> upstream lines, answering address -> replica name lines) for nginx's maps."""
    by_cookie = "".join(f"        {replica_name(number)} replica_{replica_name(number)};\n"
                        for number, _ in enumerate(replicas, 1))
    # $upstream_addr lists every server tried ("A, B" after a failover): the last one answered.
    by_address = "".join(f"        \"~(^|\\s){re.escape(replica)}$\" {replica_name(number)};\n"
                         for number, replica in enumerate(replicas, 1))
    return by_cookie, by_address


def kept_cookies(replicas: list[str]) -> str:
    """Map lines for `cookie:answering replica` pairs that need no new cookie."""
    return "".join(f"        {replica_name(number)}:{replica_name(number)} \"\";\n"
                   for number, _ in enumerate(replicas, 1))


def nginx_config(layout: Layout, template: Path = NGINX_TEMPLATE) -> str:
    """nginx.conf for this layout."""
    by_cookie, by_address = routing_maps(layout.replicas)
    expose = ("add_header X-Replica $upstream_addr always;  # --expose-replica: for tests and debugging"
              if layout.expose_replica else "# no X-Replica header: replicas' addresses stay private")
    return render(template.read_text(), RUN_DIR=str(layout.run_dir), LOG_DIR=str(layout.logs.resolve()),
                  LISTEN=layout.listen, PORT=str(layout.port), UPSTREAMS=upstreams(layout.replicas),
                  REPLICA_BY_COOKIE=by_cookie.rstrip("\n"), REPLICA_BY_ADDRESS=by_address.rstrip("\n"),
                  KEPT_COOKIES=kept_cookies(layout.replicas).rstrip("\n"),
                  MAX_BODY=f"{layout.upload_mb + MULTIPART_MARGIN_MB}m", EXPOSE_REPLICA=expose)


def streamlit_command(python: str, port: int) -> list[str]:
    """The command line of one local replica."""
    return [python, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true"]


def program(name: str, command: list[str], log: Path, priority: int, directory: Path | None = None,
            environment: dict[str, str] | None = None) -> str:
    """One [program:...] section of supervisord.conf: restarted whenever it exits."""
    lines = [f"[program:{name}]",
             f"command={shlex.join(command)}",
             *([f"directory={directory}"] if directory else []),
             *([f"environment={supervisor_environment(environment)}"] if environment else []),
             f"priority={priority}",  # lower starts first and stops last
             "autorestart=true",
             "startsecs=3",  # up this long counts as started; quicker exits are retried with a back-off
             "startretries=10",
             "stopsignal=TERM",
             "stopwaitsecs=10",
             # A training worker starts training processes of its own: stop them with it.
             "stopasgroup=true",
             "killasgroup=true",
             "redirect_stderr=true",
             f"stdout_logfile={log}",
             "stdout_logfile_maxbytes=20MB",
             "stdout_logfile_backups=2"]
    return "\n".join(lines) + "\n"


def supervisor_environment(variables: dict[str, str]) -> str:
    """KEY="value",... as supervisord's environment= reads it (quoted: a URL may hold commas)."""
    for key, value in variables.items():
        # supervisord's parser keeps no escapes: a quote or a line break would end or break the value.
        if any(char in value for char in "\"'\n"):
            raise ValueError(f"{key} holds a quote or a line break; percent-encode it (%22, %27)")
    return ",".join(f'{key}="{value}"' for key, value in variables.items())


def supervisor_config(layout: Layout) -> str:
    """supervisord.conf: the local replicas and nginx, each restarted when it dies."""
    run, logs = layout.run_dir, layout.logs.resolve()
    head = f"""[supervisord]
nodaemon=true
logfile={logs}/supervisord.log
pidfile={run}/supervisord.pid
childlogdir={logs}

[unix_http_server]
file={run}/supervisor.sock
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{run}/supervisor.sock
"""
    # Every replica opens the same class store: a student who reconnects to another one keeps their tiles.
    # The training queue lives beside it (mlp.runs), so replicas and workers name the same one.
    shared = {**({"MLP_CLASS_DB": layout.class_db} if layout.class_db else {}),
              **({"MLP_QUEUE": layout.queue} if layout.queue else {})} or None
    # The replicas start no training worker of their own (views.server.page_worker): the workers are below.
    replica_env = {**(shared or {}), "MLP_PAGE_WORKER": "0"}
    sections = [program(f"replica-{number}", streamlit_command(layout.python, port), logs / f"replica-{number}.log",
                        100, ROOT, replica_env) for number, port in enumerate(layout.local, 1)]
    # The training workers: they take runs from the shared queue and train them in processes of their own
    # (stopped with them: stopasgroup). Started before the replicas, stopped after them.
    sections += [program(f"worker-{number}", [layout.python, "-m", "mlp.runs.worker"], logs / f"worker-{number}.log",
                         50, ROOT, shared) for number in range(1, layout.workers + 1)]
    # nginx last up, first down: nobody reaches a replica that is going away.
    nginx = [layout.nginx, "-p", str(run), "-c", str(run / "nginx.conf")]
    sections.append(program("nginx", [layout.python, "-m", "deploy.fresh_nginx", str(run / "nginx.pid"), *nginx],
                            logs / "nginx.log", 900, ROOT))
    # supervisord expands %(name)s in every value: a literal % (in a path) is written %%.
    return (head + "\n" + "\n".join(sections)).replace("%", "%%")
