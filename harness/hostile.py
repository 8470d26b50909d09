"""Small files that decode huge, made without holding their pixels: what a hostile visitor sends.

Each is written row by row (or strip by strip) through zlib, so making a 13000x13000 PNG takes
its compressed size in memory, not the 676 MB its pixels take. The tests send them to the page
and to the readers; benchmarks/hostile.py measures what they cost the page.
"""

from __future__ import annotations

import base64
import struct
import zlib

STROKE_SIDE = 13_000  # the oversized stroke: a canvas never sends more than a few hundred pixels a side


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
