"""The command line, run as a user runs it: python -m mlp ... in a subprocess."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT
from PIL import Image, ImageDraw


def run(*args, env=None):
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    return subprocess.run([sys.executable, "-m", "mlp", *map(str, args)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=600)


def _one_line_error(result):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_train_smoke_run_saves_model_and_metadata(tmp_path, mnist_path):
    out = tmp_path / "tiny"
    result = run("train", "--limit", 500, "--epochs", 1, "--hidden", 32, "--data", mnist_path,
                 "--out", out)
    assert result.returncode == 0, result.stderr
    assert "epoch  1/1" in result.stdout and "test accuracy" in result.stdout
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["config"]["hidden"] == [32] and meta["train_examples"] == 500
    for key in ("test_accuracy", "history", "train_seconds", "versions", "data"):
        assert key in meta
    assert len(meta["data"]["sha256"]) == 64
    evaluated = run("evaluate", "--model", out.with_suffix(".keras"), "--data", mnist_path, "--json")
    assert evaluated.returncode == 0 and json.loads(evaluated.stdout)["n"] == 10000


def test_evaluate_json_on_the_classic_model(mnist_path):
    result = run("evaluate", "--model", "classic", "--data", mnist_path, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["accuracy"] >= 0.965 and summary["n"] == 10000
    assert np.array(summary["confusion"]).sum() == 10000


def test_evaluate_table(mnist_path):
    result = run("evaluate", "--model", "classic", "--data", mnist_path)
    assert result.returncode == 0
    assert "test accuracy 0.9" in result.stdout and "confusion" in result.stdout


def _draw_digit(path, digit_one=True, ink="white", paper="black"):
    image = Image.new("RGB", (200, 200), paper)
    draw = ImageDraw.Draw(image)
    if digit_one:
        draw.line([(100, 20), (100, 180)], fill=ink, width=16)
    else:  # a 0
        draw.ellipse((50, 20, 150, 180), outline=ink, width=16)
    image.save(path)
    return path


def test_predict_goes_on_past_bad_files_and_fails_at_the_end(tmp_path):
    one = _draw_digit(tmp_path / "one.png")
    zero = _draw_digit(tmp_path / "zero.jpg", digit_one=False, ink="black", paper="white")
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 0).save(blank)
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    result = run("predict", "--model", "classic", "--json", one, blank, text, zero,
                 tmp_path / "missing.png")
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(p) for p in (one, blank, text, zero,
                                                             tmp_path / "missing.png")]
    assert records[0]["label"] == 1 and len(records[0]["probabilities"]) == 10
    assert records[3]["label"] == 0 and 0 < records[3]["confidence"] <= 1
    for record in (records[1], records[2], records[4]):
        assert record["label"] is None and record["error"]
    assert "blank" in records[1]["error"] and "not an image" in records[2]["error"]


def test_predict_plain_output(tmp_path):
    result = run("predict", "--model", "classic", _draw_digit(tmp_path / "one.png"))
    assert result.returncode == 0
    assert ": 1 (" in result.stdout and result.stdout.strip().endswith("%)")


def test_models_lists_the_shipped_models():
    result = run("models", "--json")
    assert result.returncode == 0
    listed = json.loads(result.stdout)
    assert "classic" in listed and listed["classic"]["test_accuracy"] >= 0.965
    assert sum(entry["default"] for entry in listed.values()) == 1


@pytest.mark.parametrize("args, message", [
    (("evaluate", "--model", "classic", "--data", "/nonexistent/mnist.npz"), "MNIST file not found"),
    (("evaluate", "--model", "nope"), "no model named 'nope'"),
    (("train", "--epochs", 0, "--data", "/nonexistent/mnist.npz"), "--epochs must be at least 1"),
])
def test_errors_are_one_line_without_traceback(args, message):
    result = run(*args)
    _one_line_error(result)
    assert message in result.stderr


def test_offline_without_data_says_how_to_point_at_a_file():
    env = {key: value for key, value in os.environ.items() if key != "MNIST_NPZ"}
    result = subprocess.run([sys.executable, "-c", (
        "import keras, sys\n"
        "def offline(): raise Exception('URL fetch failure')\n"
        "keras.datasets.mnist.load_data = offline\n"
        "from mlp.cli import main\n"
        "sys.exit(main(['evaluate', '--model', 'classic']))\n")],
        cwd=ROOT, env={**env, "TF_CPP_MIN_LOG_LEVEL": "3"}, capture_output=True, text=True)
    _one_line_error(result)
    assert "MNIST_NPZ" in result.stderr
