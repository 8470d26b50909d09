"""Who is asking to train: one id per browser (all its tabs alike) and its network address.

The training queue gives one run to each browser and a few to each address. A session is
per tab, so the browser is told apart by Streamlit's XSRF cookie, which it sets once per
browser: its value is masked anew on every page load (`2|mask|token XOR mask|time`), but the
token under the mask stays, so its hash is the id. Without the cookie (XSRF protection off)
the session stands in. A scripted client can send any cookie it likes; the per-address
ceiling is what bounds it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import streamlit as st

XSRF_COOKIE = "_streamlit_xsrf"


def browser_id(cookies: Mapping[str, str]) -> str | None:
    """A stable id for the browser behind `cookies`, or None without Streamlit's XSRF cookie."""
    value = cookies.get(XSRF_COOKIE)
    value = value.strip("\"'") if isinstance(value, str) else None  # a test's stand-in runtime: no cookie
    if not value:
        return None
    parts = value.split("|")
    token = value.encode()  # an unmasked (version 1) token, or one this code does not know
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
        except ValueError:
            return None
        if not mask:
            return None
        token = bytes(byte ^ mask[i % len(mask)] for i, byte in enumerate(masked))
    return "browser-" + hashlib.sha256(token).hexdigest()[:24]


def client_address(peer: str | None, headers: Mapping[str, str]) -> str | None:
    """The visitor's address: the connection's own, or behind a proxy on this machine the
    address that proxy saw (the last entry of X-Forwarded-For; earlier ones the client wrote).

    `peer` is st.context.ip_address, which Streamlit gives as None for a loopback peer:
    only then is X-Forwarded-For trusted.
    """
    if isinstance(peer, str) and peer:
        return peer
    forwarded = headers.get("X-Forwarded-For")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()] if isinstance(forwarded, str) else []
    return hops[-1] if hops else None


def identify() -> tuple[str, str | None]:
    """(owner, address) of this session for the training queue."""
    try:
        owner = browser_id(st.context.cookies)
        address = client_address(st.context.ip_address, st.context.headers)
    except RuntimeError:  # no server behind the script (a bare test run): the session alone
        owner, address = None, None
    return owner or st.session_state.visitor, address
