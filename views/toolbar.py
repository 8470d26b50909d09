"""Keep the canvas component's toolbar off the drawing.

streamlit-drawable-canvas (0.13) lays its toolbar (undo, redo, reset) over the top-right corner
of the canvas, 141 x 46 pixels, invisible until the pointer is on the canvas and then sliding up
after a tenth of a second; all that time it takes the pointer. A stroke begun in that corner as
the pointer arrives, and every touch stroke begun there, drew nothing. The component has no
option to move it, and its styles live in its shadow root, out of reach of the page's CSS, so a
script adds one rule there: the toolbar stays above the canvas, and takes the pointer only while
it shows.
"""

from __future__ import annotations

import json

import streamlit as st

RULE = (".dc-toolbar{top:auto!important;bottom:100%;pointer-events:none}"
        ".dc-root:hover>.dc-toolbar,.dc-toolbar:focus-within,.dc-toolbar[data-pinned=true]"
        "{pointer-events:auto}")

# Canvases come and go (views, presenter mode): look for new ones five times a second. The
# interval is started once per page, however often Streamlit mounts this element again.
_SCRIPT = """<script>
(() => {
  if (window.mlpToolbarOffCanvas) return;
  window.mlpToolbarOffCanvas = true;
  setInterval(() => {
    for (const host of document.querySelectorAll("[data-testid='stBidiComponentIsolated']")) {
      const root = host.shadowRoot;
      if (!root || !root.querySelector(".dc-toolbar") || root.getElementById("mlp-toolbar")) continue;
      const style = document.createElement("style");
      style.id = "mlp-toolbar";
      style.textContent = %s;
      root.appendChild(style);
    }
  }, 200);
})();
</script>"""
_HTML = _SCRIPT % json.dumps(RULE)


def keep_off_canvas() -> None:
    """Add the script to the page (it acts once per page, however often it is added)."""
    st.html(_HTML, unsafe_allow_javascript=True)
