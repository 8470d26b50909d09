"""Debian's chromium through Playwright (never `playwright install`), as every browser run starts it.

MLP_CHROMIUM names another binary. Playwright is imported only when a browser is launched.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path(os.environ.get("MLP_CHROMIUM", "/usr/bin/chromium"))
# Headless, no GPU, and nothing of its own on the network (QUIC, updates, sync, first-run pages):
# what it sends is the page's traffic alone.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")


def host_rule(name: str) -> str:
    """The flag that makes chromium resolve host `name` to this machine (a page opened by name)."""
    return f"--host-resolver-rules=MAP {name} 127.0.0.1"


@contextlib.contextmanager
def chromium(*extra_args: str) -> Iterator[object]:
    """A headless chromium (a Playwright Browser) until the block ends; `extra_args` after the usual flags.

    FileNotFoundError, saying how to get it, when the binary is missing.
    """
    if not CHROMIUM.is_file():
        raise FileNotFoundError(f"chromium not found at {CHROMIUM}: apt-get install chromium (or set MLP_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()
