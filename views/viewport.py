"""Where the canvas goes: the browser reports the room it has, so presenter mode can size it to the screen.

Streamlit does not tell the server the window's size. A tiny component of our own (no iframe,
a few lines of JavaScript) sits just above the canvas's row and reports its own width (the row's),
its distance from the top of the page and the window's size, on load and whenever the window changes
(browser zoom too). Nothing is sent while nothing changes by more than SLACK pixels.
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
    const last = host.dataset.reported ? JSON.parse(host.dataset.reported) : null;
    // A scroll bar coming or going moves the column by a few pixels: not worth a rerun (the
    // server keeps a margin for it), and a rerun then would restart one that a stroke began.
    const moved = !last || ["viewportWidth", "viewportHeight", "rem"].some(k => last[k] !== space[k]) ||
      Math.abs(last.width - space.width) > SLACK || Math.abs(last.top - space.top) > SLACK;
    if (box.width > 0 && moved) {
      host.dataset.reported = JSON.stringify(space);
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
SLACK = 24  # CSS pixels a column may move (a scroll bar is about 15) before it is reported again

_reporter = st.components.v2.component("mnist_mlp.viewport", js=_JS.replace("SLACK", str(SLACK)),
                                       isolate_styles=True)


def canvas_space() -> dict[str, int] | None:
    """{width, top, viewportWidth, viewportHeight, rem} in CSS pixels where this is called (rem: the root
    font size, which Streamlit's spacing follows); None until known."""
    result = _reporter(key="canvas_space", default={"space": None},
                       on_space_change=lambda: None, height=1)
    return result.get("space") or None
