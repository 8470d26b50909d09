"""What the tests and the benchmarks share to drive the page as visitors do.

- `chromium`: Debian's chromium launched through Playwright, with the flags every run uses;
- `strokes`: drawing on the canvas with the mouse or a finger, in canvas pixels;
- `streamlit_session`: one visitor at the protocol level (the page, then Streamlit's websocket);
- `canvas_digits`: real MNIST digits as the canvas sends them, and where that widget is in a run;
- `servers`: the page (or the proxy of deploy/ with its replicas) on a free loopback port;
- `hostile`: small files that decode huge, as a hostile visitor sends them.

Importing it starts nothing; run from the checkout's root, as `benchmarks` is.
"""
