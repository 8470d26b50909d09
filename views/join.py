"""Join on a phone: the page's address as a QR code and a short link, for a room full of students."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import segno
import streamlit as st
from streamlit import net_util

from mlp import i18n
from mlp.i18n import _
from views.text import plain

ENV_VAR = "MLP_PUBLIC_URL"  # the address students should use, when the server sits behind a proxy
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
KEPT_PARAMS = ("lang", "class", "present")  # what a student's link keeps of the teacher's address
FULL_SCREEN = "join"  # ?join=1: the page is only the code and the link, for the projector


def page_address(public_url: str | None, context_url: str | None, host: str | None,
                 network_ip: str | None = None, params: Mapping[str, str] | None = None) -> str | None:
    """The address to hand out: the override, else the one this browser used, else the Host header.

    A page opened at localhost gets the machine's network address in its place (`network_ip`, as
    Streamlit finds it for its "Network URL"), with the same port and path; the query parameters
    named in KEPT_PARAMS come along from `params`.
    """
    override = bool(public_url and public_url.strip())
    address = next((c.strip() for c in (public_url, context_url) if c and c.strip()),
                   f"http://{host}/" if host else None)
    if address is None:
        return None
    parts = urlsplit(address)
    netloc = parts.netloc
    if not override and is_local(address) and network_ip and network_ip not in LOCAL_HOSTS:
        netloc = network_ip + (f":{parts.port}" if parts.port else "")
    query = dict(parse_qsl(parts.query))
    query.update({name: params[name] for name in KEPT_PARAMS if params and params.get(name)})
    return urlunsplit((parts.scheme, netloc, parts.path or "/", urlencode(query), ""))


def with_language(params: Mapping[str, str], language: str) -> dict[str, str]:
    """The address's parameters with the page's language added when it is not English: a language that
    came from the teacher's browser, not the address, reaches the students' link and the wall's too."""
    kept = dict(params)
    if language != i18n.DEFAULT:
        kept.setdefault("lang", language)
    return kept


def short_link(address: str) -> str:
    """'https://example.org/mlp/' -> 'example.org/mlp': what to write on the board (with its ?query)."""
    parts = urlsplit(address)
    return (parts.netloc + parts.path).rstrip("/") + (f"/?{parts.query}" if parts.query else "")


def is_local(address: str) -> bool:
    """Whether the address only reaches this computer (phones in the room cannot open it)."""
    return (urlsplit(address).hostname or "") in LOCAL_HOSTS


def network_ip() -> str | None:
    """This machine's address on its network, as Streamlit prints it; None when there is none, or
    when the server listens on this computer alone (server.address set to a loopback address)."""
    if (st.get_option("server.address") or "") in LOCAL_HOSTS[:3]:
        return None
    found = net_util.get_internal_ip()
    return None if not found or found in LOCAL_HOSTS else found


@st.cache_data(show_spinner=False, max_entries=16)
def qr_png(address: str) -> bytes:
    """The address as a QR code, a PNG with a quiet zone, big enough to scan from across a room."""
    buffer = io.BytesIO()
    segno.make(address, error="m").save(buffer, kind="png", scale=10, border=3)
    return buffer.getvalue()


def current_address() -> tuple[str | None, bool]:
    """This page's address for students -> (address, whether the network address replaced localhost)."""
    public, context = os.environ.get(ENV_VAR), st.context.url
    params = with_language(st.query_params.to_dict(), i18n.current())
    found = page_address(public, context, st.context.headers.get("Host"), network_ip(), params)
    as_opened = page_address(public, context, st.context.headers.get("Host"))
    swapped = found is not None and as_opened is not None and is_local(as_opened) and not is_local(found)
    return found, swapped


def same_network() -> str:
    """What to do when phones cannot reach the network address shown."""
    return _("Phones must be on the same network as this computer (the same Wi-Fi). Some networks, "
             "guest and school Wi-Fi often, keep their devices apart: if phones cannot open it, set "
             "{variable} to an address they can reach, or put this computer and the phones on a "
             "phone's hotspot.").format(variable=ENV_VAR)


def only_here() -> str:
    """What to do when the address reaches this computer only."""
    return _("This address only works on this computer, and no network address was found. Set {variable} "
             "to the address students can reach, or start the server on a network (streamlit run app.py "
             "--server.address 0.0.0.0).").format(variable=ENV_VAR)


def not_known() -> str:
    """What to do when the page's address is unknown."""
    return _("This page's address is not known here: set the environment variable {variable} to the "
             "address students should open.").format(variable=ENV_VAR)


def show() -> None:
    """A popover with the QR code, the short link and a way to show them full screen."""
    address, swapped = current_address()
    with st.popover(_("Join on your phone"), icon=":material/qr_code_2:"):
        if address is None:
            st.info(not_known())
            return
        st.image(qr_png(address), width=300, caption=_("Scan to open this page on your phone"))
        st.markdown(f"### {plain(short_link(address))}")
        st.button(_("Show full screen"), icon=":material/fullscreen:", on_click=set_full_screen, args=(True,),
                  help=_("The code and the link as large as the screen allows, for the projector."))
        if swapped:
            st.info(same_network())
        elif is_local(address):
            st.warning(only_here())


def set_full_screen(on: bool) -> None:
    """Callback: show the join screen (?join=1) or go back to the page."""
    if on:
        st.query_params[FULL_SCREEN] = "1"
    elif FULL_SCREEN in st.query_params:
        del st.query_params[FULL_SCREEN]


def full_screen_requested() -> bool:
    """Whether the address asks for the join screen: ?join=1."""
    return st.query_params.get(FULL_SCREEN) == "1"


def full_screen_html(address: str) -> str:
    """The QR code over most of the window's height and the link in type a room can read."""
    code = base64.b64encode(qr_png(address)).decode()
    link = short_link(address).replace("&", "&amp;").replace("<", "&lt;")
    alt = _("QR code of {link}").format(link=link)
    # vh, not pixels: 62 % of a 1080p window is 670 px of code, 6 % is 65 px type.
    return (f'<div data-join="{link}" style="display:flex;flex-direction:column;align-items:center;gap:1vh">'
            f'<img alt="{alt}" src="data:image/png;base64,{code}" '
            'style="height:min(62vh,92vw);width:auto;image-rendering:pixelated">'
            f'<div style="font-size:clamp(28px,6vh,120px);font-weight:700;line-height:1.1;'
            f'text-align:center;overflow-wrap:anywhere">{link}</div></div>')


def full_screen() -> None:
    """The page replaced by the code and the link, with a way back."""
    address, swapped = current_address()
    st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 2vh; padding-bottom: 1vh; }</style>")
    if address is None:
        st.info(not_known())
    else:
        st.html(full_screen_html(address))
        if swapped:
            st.caption(same_network(), text_alignment="center")
        elif is_local(address):
            st.warning(only_here())
    with st.container(horizontal=True, horizontal_alignment="center"):
        st.button(_("Back to the page"), icon=":material/close_fullscreen:", on_click=set_full_screen,
                  args=(False,))
