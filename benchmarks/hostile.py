"""Small files that decode huge: what a hostile visitor sends the page, made without holding their pixels.

    python -m benchmarks.hostile [--baseline OLD_CHECKOUT] [--repeats 1]

Each input is written row by row (or strip by strip) through zlib, so making a 13000x13000 PNG
takes its compressed size in memory, not the 676 MB its pixels take:

- a stroke: the canvas's widget value carrying a 13000x13000 RGBA PNG data URL (0.88 MB);
- a 7000x7000 16-bit greyscale PNG upload (95 KB);
- a 7000x7000 32-bit float TIFF upload, named .png (about 200 KB).

Run as a script, it measures each one on the page itself: for each checkout (this one and
--baseline, interleaved), a fresh Python process runs app.py under Streamlit's AppTest, draws or
uploads the input, then reruns the page twice as clicks would. It prints the process's peak
resident memory before and after, the CPU seconds of the first run and of each rerun, and what
the page said.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STROKE_SIDE = 13_000  # the oversized stroke: a canvas never sends more than a few hundred pixels a side
UPLOAD_SIDE = 7_000  # the uploads: 49 megapixels, under the page's 50-megapixel cap


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_png(width: int, height: int, bit_depth: int = 8, colour_type: int = 6) -> bytes:
    """A PNG of zeros (colour type 6: RGBA; 0: greyscale), compressed row by row as it is written."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = bytes(1 + width * channels * bit_depth // 8)  # filter byte 0, then the row's samples
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", b"".join(parts))
            + _png_chunk(b"IEND", b""))


def float_tiff(width: int, height: int, rows_per_strip: int = 64) -> bytes:
    """A little-endian TIFF of 32-bit float zeros (SampleFormat 3), deflate-compressed in strips.

    Every strip holds the same zeros, so one compressed strip is written many times.
    """
    strips = -(-height // rows_per_strip)
    full = zlib.compress(bytes(width * rows_per_strip * 4), 9)
    last_rows = height - (strips - 1) * rows_per_strip
    last = zlib.compress(bytes(width * last_rows * 4), 9)
    data = [full] * (strips - 1) + [last]
    entries = 11
    ifd_size = 2 + 12 * entries + 4
    offsets_at = 8 + ifd_size  # the strip offsets and byte counts follow the directory
    counts_at = offsets_at + 4 * strips
    first = counts_at + 4 * strips
    offsets, position = [], first
    for strip in data:
        offsets.append(position)
        position += len(strip)
    tags = [  # (tag, type, count, value): type 3 SHORT, 4 LONG
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 32), (259, 3, 1, 8),  # 8: deflate
        (262, 3, 1, 1), (273, 4, strips, offsets_at), (277, 3, 1, 1), (278, 4, 1, rows_per_strip),
        (279, 4, strips, counts_at), (284, 3, 1, 1), (339, 3, 1, 3),  # 339 SampleFormat: IEEE float
    ]
    ifd = struct.pack("<H", entries) + b"".join(
        struct.pack("<HHI", tag, kind, count) + (struct.pack("<HH", value, 0) if kind == 3 and count == 1
                                                 else struct.pack("<I", value))
        for tag, kind, count, value in tags) + struct.pack("<I", 0)
    return (b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack(f"<{strips}I", *offsets)
            + struct.pack(f"<{strips}I", *(len(strip) for strip in data)) + b"".join(data))


def stroke_url(side: int = STROKE_SIDE) -> str:
    """A PNG data URL as the canvas sends one, of a side x side RGBA picture."""
    return "data:image/png;base64," + base64.b64encode(blank_png(side, side)).decode("ascii")


def stroke_value(url: str) -> dict:
    """The canvas component's widget value carrying `url` as its drawing."""
    return {"drawing": {"raw": {"version": "6.0.0", "objects": [{"type": "Path"}]}, "data": url},
            "backgroundFit": None}


INPUTS = {
    "stroke: 13000x13000 RGBA PNG data URL": lambda: ("stroke", stroke_url().encode("ascii")),
    "upload: 7000x7000 16-bit PNG": lambda: ("upload", blank_png(UPLOAD_SIDE, UPLOAD_SIDE, 16, 0)),
    "upload: 7000x7000 float TIFF named .png": lambda: ("upload", float_tiff(UPLOAD_SIDE, UPLOAD_SIDE)),
}

# Runs in a fresh process inside the checkout measured: the page under AppTest, then the input.
PROBE = r"""
import json, resource, sys, time
from streamlit.testing.v1 import AppTest
sys.path.insert(0, ".")
from benchmarks.hostile import stroke_value

kind, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()

def used():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024

at = AppTest.from_file("app.py", default_timeout=300)
at.run()
cpu0, rss0 = used()
if kind == "stroke":
    at.session_state["canvas"] = stroke_value(data.decode("ascii"))
else:
    at.file_uploader(key="upload").set_value(("digit.png", data, "image/png"))
at.run()
cpu1, rss1 = used()
reruns = []
for _ in range(2):
    before = used()[0]
    at.run()
    reruns.append(used()[0] - before)
said = [e.value.replace("\\", "") for e in at.error] + [str(e.value) for e in at.exception]  # unescaped markdown
print(json.dumps({"rss_before_mb": rss0, "rss_peak_mb": rss1, "cpu_first_s": cpu1 - cpu0,
                  "cpu_reruns_s": reruns, "said": said}))
"""


def probe(checkout: Path, kind: str, path: Path) -> dict:
    """Run PROBE in `checkout` on one input file -> its measurements."""
    env = dict(os.environ, PYTHONPATH=str(checkout), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", PROBE, kind, str(path)], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        return {"failed": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout to measure beside this one")
    parser.add_argument("--repeats", type=int, default=1, help="runs per input and checkout")
    parser.add_argument("--work", type=Path, default=ROOT / "artifacts" / "hostile", help="where the inputs are written")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    checkouts = {"this": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print("| input | checkout | RSS before (MB) | RSS peak (MB) | CPU first run (s) | CPU per rerun (s) | the page said |")
    print("|---|---|---:|---:|---:|---:|---|")
    for name, make in INPUTS.items():
        kind, data = make()
        path = args.work / f"{kind}-{abs(hash(name)) % 10**6}.bin"
        path.write_bytes(data)
        for _ in range(args.repeats):
            for label, checkout in checkouts.items():  # interleaved: both meet the same machine
                found = probe(checkout, kind, path)
                if "failed" in found:
                    print(f"| {name} ({len(data) / 1e6:.2f} MB) | {label} | failed: {found['failed']} | | | | |")
                    continue
                reruns = " / ".join(f"{seconds:.2f}" for seconds in found["cpu_reruns_s"])
                said = "; ".join(found["said"])[:160] or "-"
                print(f"| {name} ({len(data) / 1e6:.2f} MB) | {label} | {found['rss_before_mb']:,.0f} "
                      f"| {found['rss_peak_mb']:,.0f} | {found['cpu_first_s']:.2f} | {reruns} | {said} |", flush=True)


if __name__ == "__main__":
    main()
