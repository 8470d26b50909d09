"""What deploy.serve's nginx passes on, refuses and tells the public, checked against a stub replica.

A stub HTTP server in this process plays the replica (`--replicas 0 --remote` it), so each test
sees exactly what nginx forwarded, and nothing but nginx and supervisord has to start. nginx
missing is a failure: leave the system tier out (-m "not system") on a machine without it.
"""

import http.client
import os
import re
import signal
import threading
import time
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import OUTPUT, ROOT, need_nginx

from harness.servers import PageServer

pytestmark = pytest.mark.system

START = 60  # s: nginx and supervisord only, on a busy machine
LOG = OUTPUT / "proxy"
HOST = "mlp.school.example"  # a name, as a class would open the page; nginx listens on loopback


class StubReplica(BaseHTTPRequestHandler):
    """Answers 200 to anything, after reading the body; keeps each request's path, headers and size."""

    seen: list[dict] = []  # shared by the handler's instances: one server per test module

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = 0
        while received < length:
            received += len(self.rfile.read(min(1 << 20, length - received)))
        StubReplica.seen.append({"path": self.path, "headers": dict(self.headers), "body": received})
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def proxy():
    """(proxy port, stub's address, deploy.serve's process) in front of the stub replica; stopped afterwards."""
    need_nginx("proxy tests")
    stub = ThreadingHTTPServer(("127.0.0.1", 0), StubReplica)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    address = f"localhost:{stub.server_port}"  # by name, as a machine of the class's network would be
    out = LOG / "serve.log"
    try:
        with PageServer(out, replicas=0, remote=(address,), start_timeout=START, expose_replica=False) as server:
            try:
                yield server.port, address, server.process
            finally:
                server.stop(grace=30, sweep=False)  # how it stopped is checked below, then the rest swept
            assert server.process.returncode == 0, out.read_text()
    finally:
        stub.shutdown()


def request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    """(status, headers, body) of one request to the proxy, sent as to http://HOST:port."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Host": f"{HOST}:{port}", **(headers or {})})
        reply = connection.getresponse()
        return reply.status, reply.headers, reply.read()
    finally:
        connection.close()


def seen_at(path: str) -> dict:
    """The last request the stub got for this path."""
    return next(seen for seen in reversed(StubReplica.seen) if seen["path"] == path)


@pytest.mark.parametrize("path, headers", [
    ("/", {}),
    # The websocket's own location: the stub answers 200 rather than switching protocols, which is
    # enough to see what nginx sent it.
    ("/_stcore/stream", {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                         "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}),
])
def test_every_location_passes_the_host_and_the_forwarded_headers(proxy, path, headers):
    port, _, _ = proxy
    status, _, _ = request(port, "GET", path, headers)
    assert status == 200
    forwarded = {name.lower(): value for name, value in seen_at(path)["headers"].items()}
    assert forwarded["host"] == f"{HOST}:{port}"  # Streamlit compares the websocket's Origin with it
    assert forwarded["x-forwarded-host"] == f"{HOST}:{port}"
    assert forwarded["x-forwarded-for"] == "127.0.0.1"
    assert forwarded["x-forwarded-proto"] == "http"
    if headers:
        assert forwarded["upgrade"] == "websocket" and forwarded["connection"].lower() == "upgrade"


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/metrics?families=session_state",
                                  "//_stcore/metrics", "/_stcore/%6detrics", "/_stcore/metrics/"])
def test_the_replicas_metrics_are_refused_at_the_proxy(proxy, path):
    port, _, _ = proxy
    before = len(StubReplica.seen)
    status, _, _ = request(port, "GET", path)
    assert status == 403
    assert len(StubReplica.seen) == before  # never reached a replica


def test_each_response_names_its_replica_in_the_cookie_also_a_remote_one_given_by_name(proxy):
    port, _, _ = proxy
    status, headers, _ = request(port, "GET", "/")
    assert status == 200
    assert headers["Set-Cookie"].startswith("mlp_replica=r1;")  # the only replica, given as localhost:PORT
    status, headers, _ = request(port, "GET", "/", {"Cookie": "mlp_replica=r1"})
    assert status == 200 and "Set-Cookie" not in headers  # it already says where the session is


def test_responses_name_neither_the_replica_nor_nginx_version(proxy):
    port, address, _ = proxy
    for path in ("/", "/_stcore/health", "/_stcore/metrics"):  # the replica's answers and nginx's own
        status, headers, body = request(port, "GET", path)
        assert status in (200, 403)
        assert "X-Replica" not in headers
        assert headers["Server"] == "nginx"  # not nginx/1.22.1
        shown = "\n".join(f"{name}: {value}" for name, value in headers.items()) + body.decode(errors="replace")
        assert address not in shown and str(address.rpartition(":")[2]) not in shown
        assert not re.search(r"nginx/\d", shown)


def upload_limit_bytes() -> int:
    """server.maxUploadSize from .streamlit/config.toml, in bytes (the replicas read the same file)."""
    with open(ROOT / ".streamlit" / "config.toml", "rb") as file:
        return tomllib.load(file)["server"]["maxUploadSize"] * 1024 * 1024


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    """A one-file multipart/form-data body as the uploader sends it, and its content type."""
    boundary = "----mlpBoundary7MA4YWxkTrZu0gW"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def put_headers_only(port: int, path: str, length: int) -> int:
    """Status of a PUT that announces `length` bytes and sends none: nginx judges it by Content-Length."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("PUT", path, skip_host=True)
        connection.putheader("Host", f"{HOST}:{port}")
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_proxy_takes_an_upload_just_under_the_pages_limit_and_refuses_far_more(proxy):
    port, _, _ = proxy
    path = "/_stcore/upload_file/session/file"
    body, content_type = multipart("photo.png", b"\x89" * (upload_limit_bytes() - 1))
    status, _, reply = request(port, "PUT", path, {"Content-Type": content_type}, body)
    assert status == 200, reply[:300]  # a 413 here would be nginx's, with its own error page
    assert seen_at(path)["body"] == len(body)  # all of it reached the replica
    before = len(StubReplica.seen)
    assert put_headers_only(port, path, upload_limit_bytes() + 2 * 1024 * 1024) == 413
    assert len(StubReplica.seen) == before  # refused before anything reached a replica


def test_deploy_renders_nginx_body_limit_from_the_streamlit_config(tmp_path, monkeypatch):
    from deploy.configs import MULTIPART_MARGIN_MB, Layout, nginx_config, upload_limit_mb

    monkeypatch.delenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", raising=False)
    assert upload_limit_mb() * 1024 * 1024 == upload_limit_bytes()  # the project's own config.toml
    config = tmp_path / "config.toml"
    config.write_text("[server]\nmaxUploadSize = 42\n")
    assert upload_limit_mb(config) == 42
    layout = Layout(local=(8501,), remote=(), listen="127.0.0.1", port=8080, run_dir=tmp_path, logs=tmp_path,
                    nginx="nginx", python="python", upload_mb=upload_limit_mb(config))
    assert f"client_max_body_size {42 + MULTIPART_MARGIN_MB}m;" in nginx_config(layout)


def processes() -> dict[int, tuple[str, int, bytes]]:
    """Every live process: pid -> (state, parent pid, command line)."""
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            found[int(entry.name)] = (fields[0], int(fields[1]), (entry / "cmdline").read_bytes())
        except OSError:
            continue  # gone meanwhile
    return found


def nginx_master(root: int) -> int | None:
    """The pid of the live nginx master among the descendants of process `root`, or None."""
    live = processes()
    family = {root}
    for _ in range(4):  # deploy.serve > supervisord > nginx
        family |= {pid for pid, (_, parent, _) in live.items() if parent in family}
    masters = [pid for pid in family
               if pid in live and live[pid][0] != "Z" and live[pid][2].startswith(b"nginx: master")]
    assert len(masters) <= 1, masters
    return masters[0] if masters else None


def test_nginx_killed_outright_is_restarted_and_its_workers_do_not_linger(proxy):
    port, _, serve = proxy
    master = nginx_master(serve.pid)
    workers = [pid for pid, (_, parent, _) in processes().items() if parent == master]
    assert master and workers
    os.kill(master, signal.SIGKILL)  # its workers live on, holding the port
    deadline = time.monotonic() + 30
    while (nginx_master(serve.pid) or master) == master:
        assert time.monotonic() < deadline, "nginx was not restarted within 30 s"
        time.sleep(0.2)
    live = processes()
    assert not [pid for pid in workers if pid in live and live[pid][0] != "Z"], "the old workers linger"
    while request(port, "GET", "/")[0] != 200:  # the new master's, once bound
        assert time.monotonic() < deadline, "the restarted nginx does not answer"
        time.sleep(0.2)
