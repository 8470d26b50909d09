"""Join on a phone: the page's address as a QR code and a short link, for a room full of students."""

from __future__ import annotations

import io
import os
from urllib.parse import urlsplit

import segno
import streamlit as st

from views.text import plain

ENV_VAR = "MLP_PUBLIC_URL"  # the address students should use, when the server sits behind a proxy
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def page_address(public_url: str | None, context_url: str | None, host: str | None) -> str | None:
    """The address to hand out: the override, else the one this browser used, else the Host header."""
    for candidate in (public_url, context_url):
        if candidate and candidate.strip():
            return candidate.strip()
    return f"http://{host}/" if host else None


def short_link(address: str) -> str:
    """'https://example.org/mlp/' -> 'example.org/mlp': what to write on the board."""
    parts = urlsplit(address)
    return (parts.netloc + parts.path).rstrip("/")


def is_local(address: str) -> bool:
    """Whether the address only reaches this computer (phones in the room cannot open it)."""
    return (urlsplit(address).hostname or "") in LOCAL_HOSTS


@st.cache_data(show_spinner=False, max_entries=16)
def qr_png(address: str) -> bytes:
    """The address as a QR code, a PNG with a quiet zone, big enough to scan from across a room."""
    buffer = io.BytesIO()
    segno.make(address, error="m").save(buffer, kind="png", scale=10, border=3)
    return buffer.getvalue()


def show() -> None:
    """A popover with the QR code and the short link."""
    address = page_address(os.environ.get(ENV_VAR), st.context.url, st.context.headers.get("Host"))
    with st.popover("Join on your phone", icon=":material/qr_code_2:"):
        if address is None:
            st.info("This page's address is not known here: set the environment variable "
                    f"{ENV_VAR} to the address students should open.")
            return
        st.image(qr_png(address), width=300, caption="Scan to open this page on your phone")
        st.markdown(f"### {plain(short_link(address))}")
        if is_local(address):
            st.warning("This address only works on this computer. Open the page by its network "
                       f"address, or set {ENV_VAR} to the address students can reach.")
