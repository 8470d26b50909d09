"""Telling browsers and addresses apart from what Streamlit hands the page."""

import binascii
import os

from views.visitor import browser_id, client_address


def cookie(token: bytes, mask: bytes) -> str:
    """Streamlit's XSRF cookie: version 2, the token XOR a 4-byte mask, then a timestamp."""
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(token))
    return f"2|{binascii.hexlify(mask).decode()}|{binascii.hexlify(masked).decode()}|1764750000"


def test_one_browser_is_one_id_whatever_the_mask_of_the_page_load():
    token = os.urandom(16)
    first, second = cookie(token, b"\x01\x02\x03\x04"), cookie(token, b"\xa0\xb0\xc0\xd0")
    assert first != second  # what each tab receives differs...
    assert browser_id({"_streamlit_xsrf": first}) == browser_id({"_streamlit_xsrf": second})  # ...the id not
    assert browser_id({"_streamlit_xsrf": cookie(os.urandom(16), b"\x01\x02\x03\x04")}) != \
        browser_id({"_streamlit_xsrf": first})


def test_without_the_cookie_there_is_no_browser_id():
    assert browser_id({}) is None
    assert browser_id({"_streamlit_xsrf": "2|zz|zz|1"}) is None  # not hex: not Streamlit's


def test_forwarded_addresses_are_trusted_only_from_a_proxy_on_this_machine():
    headers = {"X-Forwarded-For": "10.0.0.9, 203.0.113.7"}  # the client wrote the first entry
    assert client_address(None, headers) == "203.0.113.7"  # a loopback peer: our proxy's entry
    assert client_address("198.51.100.1", headers) == "198.51.100.1"  # a direct visitor: its own
    assert client_address(None, {}) is None
