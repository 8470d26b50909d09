"""One visitor of a Streamlit page, at the protocol level: HTTP page load, then the websocket.

A browser loads the page (GET /), opens `ws://HOST/_stcore/stream` and sends a `rerun_script`
BackMsg (query string, widget states); the server answers with ForwardMsgs (new_session, deltas,
and script_finished at the end of the run). A widget change is another `rerun_script` carrying
the widget's state, and the id of the fragment it lives in, if any. A fragment declared with
`run_every` is announced by an `auto_rerun` ForwardMsg (its id and interval): the browser then asks
for that fragment's rerun on a timer (`rerun_script` with its `fragment_id` and `is_auto_rerun`).
When the page changes its query parameters (`page_info_changed`), the browser's address changes
and every later rerun carries the new query string. This module speaks that protocol with
`streamlit.proto`, and finds elements by their type, never by the page's keys.
"""

from __future__ import annotations

import asyncio
import http.cookies
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, WebSocketException

STREAM_PATH = "_stcore/stream"
REPLICA_HEADER = "X-Replica"  # which replica answered: deploy.serve sends it with --expose-replica only
MAX_CACHED = 200  # messages kept by hash per session
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Without a proxy handler urllib would honour http_proxy for loopback addresses too.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ProtocolError(RuntimeError):
    """The server closed the stream or sent what a browser would not expect."""


@dataclass
class Element:
    """One new element of a run: its type (`metric`, `bidi_component`, ...) and its proto."""

    kind: str
    proto: object
    fragment_id: str
    seconds: float  # after the request was sent


@dataclass
class Run:
    """What one script run sent back, with arrival times in seconds after the request."""

    elements: list[Element] = field(default_factory=list)
    session_id: str = ""
    page_script_hash: str = ""
    finished: float | None = None  # when script_finished came, None if it never did
    finish_status: int | None = None

    def first(self, kind: str) -> Element | None:
        """The first element of this type, or None."""
        return next((element for element in self.elements if element.kind == kind), None)

    def problems(self) -> list[str]:
        """Exceptions and error alerts the page showed in this run, as text."""
        found = []
        for element in self.elements:
            if element.kind == "exception":
                found.append(f"{element.proto.type}: {element.proto.message}")
            elif element.kind == "alert" and element.proto.format == element.proto.ERROR:
                found.append(element.proto.body)
        return found


def check_loopback(url: str) -> str:
    """The URL without a trailing slash; ValueError unless it is http(s) on this machine."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
        raise ValueError(f"{url!r}: give an http URL on this machine (127.0.0.1 or localhost)")
    return url.rstrip("/")


def answered_by(header: str | None) -> str | None:
    """The replica that answered, from an X-Replica header (nginx lists every one it tried: "A, B")."""
    return header.rpartition(",")[2].strip() if header else None


def merge_cookies(cookie: str | None, set_cookie: list[str]) -> str | None:
    """The Cookie header a browser sends next: `cookie` updated by these Set-Cookie headers."""
    jar = http.cookies.SimpleCookie()
    if cookie:
        jar.load(cookie)
    for header in set_cookie:
        jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items()) or None


def load_page(base_url: str, cookie: str | None = None, timeout: float = 10) -> tuple[str | None, str | None]:
    """GET the page as a browser does first: (the cookies to send from now on; replica header or None)."""
    request = urllib.request.Request(base_url + "/", headers={"Cookie": cookie} if cookie else {})
    with _HTTP.open(request, timeout=timeout) as reply:
        reply.read()
        cookies = merge_cookies(cookie, reply.headers.get_all("Set-Cookie") or [])
        return cookies, answered_by(reply.headers.get(REPLICA_HEADER))


class Session:
    """One browser tab's websocket. Use `await Session.open(...)`, then `rerun`, then `close`."""

    def __init__(self, socket, base_url: str, query: str, cookie: str | None):
        self._socket = socket
        self.base_url = base_url
        self.query = query
        # The proxy may move the cookie along with the visitor (a replica died): keep what it says.
        self.cookie = merge_cookies(cookie, socket.response.headers.get_all("Set-Cookie"))
        self.replica = answered_by(socket.response.headers.get(REPLICA_HEADER))
        self.session_id = ""
        self.page_script_hash = ""
        # Big elements the browser keeps by hash: it lists them with each rerun, and the server
        # then sends a reference (ref_hash) instead of the element again.
        self._cache: dict[str, ForwardMsg] = {}
        self.last_run: Run | None = None  # the latest run, complete or not (after a timeout)
        self.auto_reruns: dict[str, float] = {}  # fragment id -> seconds between the reruns it asks for

    @classmethod
    async def open(cls, base_url: str, query: str = "", cookie: str | None = None,
                   resume: str | None = None, timeout: float = 10) -> tuple[Session, Run]:
        """Connect and run the page once, as a fresh tab does; `resume` a session id to reconnect."""
        ws_url = "ws" + base_url.removeprefix("http") + "/" + STREAM_PATH
        # Subprotocols carry, in order: the protocol, an XSRF token (none here: the placeholder
        # the frontend sends without one), and the id of a session to resume.
        protocols = ["streamlit"] + (["PLACEHOLDER_AUTH_TOKEN", resume] if resume else [])
        headers = {"Cookie": cookie} if cookie else {}
        try:
            socket = await connect(ws_url, subprotocols=protocols, additional_headers=headers, origin=base_url,
                                   proxy=None, max_size=None, open_timeout=timeout, compression=None,
                                   ping_interval=None)
        except InvalidHandshake as err:  # refused (403, 502, ...), as a browser's socket would be
            raise ProtocolError(f"websocket refused: {err}") from err
        session = cls(socket, base_url, query, cookie)
        try:
            run = await session.rerun(timeout=timeout)
        except BaseException:
            await session.close()
            raise
        return session, run

    async def rerun(self, widgets=(), fragment_id: str = "", timeout: float = 10, auto: bool = False) -> Run:
        """Send a rerun with these WidgetState protos; collect messages until script_finished.

        `auto`: the rerun is one the browser's timer asks for (a fragment in `auto_reruns`).
        TimeoutError if the run does not finish in time (the stream is then out of step:
        close this session and open another).
        """
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_script_hash
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        state.widget_states.widgets.extend(widgets)
        state.cached_message_hashes.extend(sorted(self._cache))
        started = time.perf_counter()
        run = self.last_run = Run()
        deadline = started + timeout
        try:
            await self._socket.send(message.SerializeToString())
            while run.finished is None:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"no script_finished within {timeout} s")
                try:
                    data = await asyncio.wait_for(self._socket.recv(), left)
                except asyncio.TimeoutError:
                    raise TimeoutError(f"no script_finished within {timeout} s") from None
                self._take(data, run, time.perf_counter() - started)
        except WebSocketException as err:  # the stream closed under us (the replica went away)
            raise ProtocolError(f"the stream closed: {err}") from err
        return run

    def _take(self, data: bytes, run: Run, seconds: float) -> None:
        if isinstance(data, str):
            raise ProtocolError("the server sent a text frame")
        message = ForwardMsg()
        message.ParseFromString(data)
        kind = message.WhichOneof("type")
        if kind == "ref_hash":
            if message.ref_hash not in self._cache:
                raise ProtocolError(f"a reference to a message never sent (hash {message.ref_hash})")
            message, kind = self._cache[message.ref_hash], "delta"
        elif message.metadata.cacheable and message.hash:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()  # the browser ages its cache out too; any bound will do here
            self._cache[message.hash] = message
        if kind == "new_session":
            self.session_id = run.session_id = message.new_session.initialize.session_id
            self.page_script_hash = run.page_script_hash = message.new_session.page_script_hash
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            element_kind = element.WhichOneof("type")
            run.elements.append(Element(element_kind, getattr(element, element_kind),
                                        message.delta.fragment_id, seconds))
        elif kind == "script_finished":
            run.finished, run.finish_status = seconds, message.script_finished
        elif kind == "page_info_changed":  # st.query_params changed: the browser's address follows
            self.query = message.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment_id, None)

    async def close(self) -> None:
        await self._socket.close()
