"""Where the canvas goes: the browser reports the room it has, so presenter mode can size it to the screen.

Streamlit does not tell the server the window's size. A tiny component of our own (no iframe,
a few lines of JavaScript) sits where the canvas will go and reports its own width, its distance
from the top of the page and the window's size, on load and whenever the window changes
(browser zoom too). Nothing is sent while nothing changes.
"""

from __future__ import annotations

import streamlit as st

_JS = """
export default function ({ parentElement, setStateValue }) {
  const host = parentElement.host ?? parentElement;
  const main = document.querySelector("[data-testid='stMain']");
  const report = () => {
    const box = host.getBoundingClientRect();
    const space = {
      width: Math.round(box.width),
      top: Math.round(box.top + (main ? main.scrollTop : 0) + window.scrollY),
      viewportWidth: window.innerWidth,
      viewportHeight: window.innerHeight,
      rem: parseFloat(getComputedStyle(document.documentElement).fontSize),
    };
    const text = JSON.stringify(space);
    if (box.width > 0 && host.dataset.reported !== text) {
      host.dataset.reported = text;
      setStateValue("space", space);
    }
  };
  let timer;
  const later = () => { clearTimeout(timer); timer = setTimeout(report, 120); };
  const observer = new ResizeObserver(later);
  observer.observe(host);
  window.addEventListener("resize", later);
  later();
  return () => { clearTimeout(timer); observer.disconnect(); window.removeEventListener("resize", later); };
}
"""

_reporter = st.components.v2.component("mnist_mlp.viewport", js=_JS, isolate_styles=True)


def canvas_space() -> dict[str, int] | None:
    """{width, top, viewportWidth, viewportHeight, rem} in CSS pixels where this is called (rem: the root
    font size, which Streamlit's spacing follows); None until known."""
    result = _reporter(key="canvas_space", default={"space": None},
                       on_space_change=lambda: None, height=1)
    return result.get("space") or None
