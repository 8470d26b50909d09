"""Small files that decode huge: each is read in a fresh process, whose peak memory is the check.

A 95 KB PNG can hold 7000x7000 16-bit pixels, and a 200 KB TIFF as many floats; read in full and
stretched in float64 they took a server from about 260 MB to 1.4-1.5 GB, on every rerun.
"""

import io
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT
from PIL import Image

import mlp
from harness import hostile

# Run in a fresh process: how much its peak resident memory grows while reading one file the way
# the page and the command line do (open_image, then preprocess), and what came of it.
READ = r"""
import resource, sys
import numpy as np
import mlp, mlp.preprocessing
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    x = mlp.preprocess(mlp.open_image(data))
    outcome = "blank" if x is None else "read"
    if x is not None:
        np.save(sys.argv[2], x)
except mlp.ImageError as err:
    outcome = "refused: " + str(err)
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(f"{grown:.0f}\t{outcome}")
"""


def read_in_fresh_process(tmp_path, data: bytes) -> tuple[float, str, np.ndarray | None]:
    """(MB the peak memory grew, outcome, the (28, 28) input when one was read)."""
    source, result = tmp_path / "upload.png", tmp_path / "x.npy"
    source.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", READ, str(source), str(result)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    grown, outcome = done.stdout.strip().splitlines()[-1].split("\t", 1)
    return float(grown), outcome, np.load(result) if result.exists() else None


@pytest.mark.parametrize("make", [
    lambda: hostile.blank_png(7000, 7000, bit_depth=16, colour_type=0),  # 95 KB, 98 MB of pixels
    lambda: hostile.float_tiff(7000, 7000),  # about 200 KB, 196 MB of pixels; named .png by its sender
], ids=["16-bit PNG", "float TIFF"])
def test_a_small_file_of_huge_deep_pixels_takes_little_memory(tmp_path, make):
    grown, outcome, _ = read_in_fresh_process(tmp_path, make())
    assert grown < 80, f"reading it grew the process by {grown:.0f} MB ({outcome})"
    assert outcome.startswith("refused: 7000x7000 pixels is too large")


def test_a_large_16_bit_scan_is_reduced_before_it_is_stretched(tmp_path):
    """A 3000x3000 16-bit digit (18 MB of pixels) reads as the same digit at 280 pixels does,
    without float64 copies of it at full size (those alone were 72 MB each)."""
    seven = np.full((280, 280), 60000, np.uint16)  # paper, bright
    seven[60:80, 60:220] = 3000  # the bar of a 7, dark ink
    for step in range(140):
        seven[80 + step, 200 - step // 2: 220 - step // 2] = 3000  # its stem, slanting down-left
    small = Image.fromarray(seven)
    large = small.resize((3000, 3000), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    large.save(buffer, format="PNG")
    grown, outcome, x = read_in_fresh_process(tmp_path, buffer.getvalue())
    assert outcome == "read"
    assert grown < 18 + 30, f"reading it grew the process by {grown:.0f} MB"
    expected = mlp.preprocess(small)
    assert np.corrcoef(x.ravel(), expected.ravel())[0, 1] > 0.95
