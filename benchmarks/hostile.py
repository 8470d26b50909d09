"""Small files that decode huge: what a hostile visitor sends the page, and what each costs it.

    python -m benchmarks.hostile [--baseline OLD_CHECKOUT] [--repeats 1]

The inputs (made by harness/hostile.py without holding their pixels):

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
import json
import os
import subprocess
import sys
from pathlib import Path

# stroke_value is imported from here by PROBE, in this checkout and in older ones alike.
from harness.hostile import blank_png, float_tiff, stroke_url, stroke_value  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
UPLOAD_SIDE = 7_000  # the uploads: 49 megapixels, under the page's 50-megapixel cap

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
