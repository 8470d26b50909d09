"""The command line, run as a user runs it: python -m mlp ... in a subprocess."""

import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, file_size_limit, within_sampling_error
from damaged_models import DAMAGE_MESSAGES, write_damaged, write_record_with
from PIL import Image, ImageDraw

import mlp


def run(*args, env=None, cwd=ROOT):
    """python -m mlp ARGS as a user runs it: TF_CPP_MIN_LOG_LEVEL unset, so any chatter shows."""
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "mlp", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600)


def _one_line_error(result):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


@pytest.mark.slow
def test_train_smoke_run_saves_model_and_record(tmp_path, mnist_path, mnist):
    out = tmp_path / "tiny"
    result = run("train", "--limit", 500, "--epochs", 1, "--hidden", 32, "--data", mnist_path,
                 "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "epoch  1/1" in result.stdout and "test accuracy" in result.stdout
    record = mlp.load_model(out.with_suffix(".npz")).record
    assert record["config"]["hidden"] == [32] and record["train_examples"] == 500
    assert record["architecture"] == "Flatten > BatchNorm > Dense(32, relu) > Dense(10, softmax)"
    for key in ("test_accuracy", "history", "train_seconds", "versions", "data"):
        assert key in record
    assert len(record["data"]["sha256"]) == 64
    for model in (out.with_suffix(".keras"), out.with_suffix(".npz")):
        evaluated = run("evaluate", "--model", model, "--data", mnist_path, "--json")
        assert evaluated.returncode == 0 and evaluated.stderr == ""
        assert json.loads(evaluated.stdout)["n"] == len(mnist.y_test)


def test_evaluate_json_on_the_classic_model(mnist_path, mnist, classic_model):
    result = run("evaluate", "--model", "classic", "--data", mnist_path, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    n = len(mnist.y_test)
    assert summary["n"] == n and np.array(summary["confusion"]).sum() == n
    assert within_sampling_error(summary["accuracy"], classic_model.record["test_accuracy"], n)


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


def test_predict_json_says_whether_a_drawing_looks_like_a_digit(tmp_path):
    one = _draw_digit(tmp_path / "one.png")
    cross = tmp_path / "x.png"
    image = Image.new("RGB", (280, 280), "black")
    draw = ImageDraw.Draw(image)
    draw.line((60, 60, 220, 220), fill="white", width=20)
    draw.line((220, 60, 60, 220), fill="white", width=20)
    image.save(cross)
    result = run("predict", "--json", one, cross)  # the default model, which has a check
    assert result.returncode == 0, result.stderr
    digit, not_digit = (json.loads(line) for line in result.stdout.splitlines())
    assert digit["label"] == 1 and digit["looks_like_digit"] is True
    assert not_digit["looks_like_digit"] is False and not_digit["digit_likeness"] < 0.05
    assert isinstance(not_digit["label"], int)  # the label stays: the page may still show it
    classic = json.loads(run("predict", "--model", "classic", "--json", one).stdout)
    assert classic["looks_like_digit"] is None  # no check shipped with it: nothing to say
    plain = run("predict", cross)
    assert plain.stdout.strip().endswith("does not look like a digit)")


@pytest.mark.slow
def test_fit_check_and_train_with_extra_data_smoke_run(tmp_path, mnist_path, mnist):
    extra = tmp_path / "extra.npz"
    rng = np.random.default_rng(0)
    blocks = np.zeros((200, 28, 28), np.uint8)
    for image in blocks:
        top, left = rng.integers(2, 12, 2)
        image[top : top + 14, left : left + 14] = 255
    np.savez(extra, x=mnist.x_train[:200], y=mnist.y_train[:200], x_not_digits=blocks)
    out = tmp_path / "tiny"
    result = run("train", "--limit", 300, "--epochs", 1, "--hidden", 32, "--data", mnist_path,
                 "--extra-data", extra, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "and 200 from extra.npz" in result.stdout
    record = mlp.load_model(out.with_suffix(".npz")).record
    assert record["train_examples"] == 500 and record["extra_data"]["examples"] == 200
    assert record["extra_data"]["redrawn_from"] is None  # it redraws no MNIST digits
    result = run("fit-check", "--model", out.with_suffix(".npz"), "--extra-data", extra,
                 "--data", mnist_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    model = mlp.load_model(out.with_suffix(".npz"))
    assert model.check is not None and model.record["digit_check"]["threshold"] == pytest.approx(
        model.check.threshold, abs=1e-6)
    assert model.record["config"]["hidden"] == [32]  # the rest of the record is kept
    assert model.record["extra_data"]["not_digits"] == 0  # the classic preset's weight is 0
    exposed = tmp_path / "exposed"
    elsewhere = "f" * 64  # as if its digits were redrawn from another MNIST file
    np.savez(extra, x=mnist.x_train[:200], y=mnist.y_train[:200], x_not_digits=blocks,
             mnist_sha256=np.array(elsewhere))
    result = run("train", "--limit", 300, "--epochs", 1, "--hidden", 32, "--data", mnist_path,
                 "--extra-data", extra, "--not-digit-weight", 0.5, "--out", exposed)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "and 200 from extra.npz (and 200 non-digits)" in result.stdout
    assert "redraws the training digits of another MNIST file" in result.stdout
    record = mlp.load_model(exposed.with_suffix(".npz")).record
    assert record["config"]["not_digit_weight"] == 0.5 and record["extra_data"]["not_digits"] == 200
    assert record["extra_data"]["redrawn_from"] == elsewhere
    result = run("train", "--limit", 300, "--epochs", 1, "--hidden", 32, "--data", mnist_path,
                 "--not-digit-weight", 0.5, "--out", tmp_path / "alone")
    assert result.returncode == 0 and "the non-digit weight 0.5 does nothing" in result.stdout


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
    (("evaluate", "--data", "/nonexistent/mnist.npz"), "MNIST file not found"),
    (("predict", "/nonexistent.png"), "/nonexistent.png: no such file"),
    (("evaluate", "--model", "nosuch"), "no model named 'nosuch'"),
    (("predict", "--model", "nosuch", "x.png"), "no model named 'nosuch'"),
    (("evaluate", "--model", "/nonexistent.keras"), "model file not found"),
    (("train", "--hidden", "32", "--out", "README.md/sub/m", "--data", "/nonexistent/mnist.npz"),
     "cannot write to the folder"),  # checked before the data is even looked for
])
def test_errors_are_one_line_without_traceback(args, message):
    result = run(*args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr


def test_flags_are_validated_when_parsed():
    result = run("train", "--epochs", 0, "--data", "/nonexistent/mnist.npz")
    assert result.returncode == 2 and "must be at least 1, got 0" in result.stderr
    result = run("train", "--hidden", "64,x")
    assert result.returncode == 2 and "whole numbers" in result.stderr
    result = run("train", "--not-digit-weight", "-1")
    assert result.returncode == 2 and "must be at least 0, got -1" in result.stderr


def test_help_lists_every_command_and_the_defaults():
    result = run("--help")
    for command in ("train", "evaluate", "predict", "models"):
        assert command in result.stdout
    train_help = run("train", "--help").stdout
    assert "(default: classic)" in " ".join(train_help.split())


def test_offline_without_data_says_how_to_get_it(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in ("MNIST_NPZ", "TF_CPP_MIN_LOG_LEVEL")}
    result = subprocess.run([sys.executable, "-c", (
        "import sys\n"
        "from mlp.quiet import import_keras_quietly\n"
        "def offline(): raise Exception('URL fetch failure')\n"
        "import_keras_quietly().datasets.mnist.load_data = offline\n"
        "from mlp.cli import main\n"
        "sys.exit(main(['evaluate', '--model', 'classic']))\n")],
        cwd=ROOT, env={**env, "KERAS_HOME": str(tmp_path)}, capture_output=True, text=True)
    _one_line_error(result)
    assert "online it downloads by itself" in result.stderr and "MNIST_NPZ" in result.stderr


def test_the_installed_command_works_from_any_folder(tmp_path):
    """The installed package's `mlp` command, run outside the checkout and without PYTHONPATH,
    finds its package and every shipped model."""
    try:
        metadata.distribution("mnist-mlp")
    except metadata.PackageNotFoundError:
        pytest.skip("the mnist-mlp package is not installed in this Python (pip install -e .), "
                    "so there is no `mlp` command to run")
    command = Path(sys.executable).parent / "mlp"  # console scripts sit beside their interpreter
    if not command.is_file():
        pytest.skip(f"mnist-mlp is installed, but without its `mlp` command beside {sys.executable}")
    assert not tmp_path.resolve().is_relative_to(ROOT)
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([str(command), "models", "--json"], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert {"classic", "world"} <= set(listed)
    assert all(entry["present"] and "damaged" not in entry for entry in listed.values()), listed


@pytest.mark.slow
def test_train_onto_a_full_disk_says_so_in_one_line_and_keeps_the_old_model(tmp_path, mnist_path):
    for suffix in (".keras", ".npz"):  # an older model at --out: the shipped logistic one
        shutil.copy(mlp.shipped_models()["logistic"].with_suffix(suffix), tmp_path / f"m{suffix}")
    old = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    result = subprocess.run(
        [sys.executable, "-m", "mlp", "train", "--limit", "200", "--epochs", "1", "--data",
         str(mnist_path), "--out", str(tmp_path / "m")],
        cwd=ROOT, capture_output=True, text=True, timeout=600, preexec_fn=file_size_limit(200_000))
    _one_line_error(result)
    assert result.returncode == 1
    assert result.stderr.startswith("error: the disk is full: nothing was saved, the old m.keras "
                                    "and m.npz are unchanged")
    assert "epoch  1/1" in result.stdout  # it did train: the save is what ran out of room
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == old  # no leftovers


def test_train_refuses_before_training_when_the_model_cannot_fit_on_the_disk(tmp_path):
    # Two layers of ten million units: 800 TB of weights, more than any disk here holds.
    result = run("train", "--hidden", "10000000,10000000", "--data", "/nonexistent/mnist.npz",
                 "--out", tmp_path / "m")
    _one_line_error(result)
    assert "not enough room on the disk" in result.stderr  # before the data is even looked for
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", sorted(DAMAGE_MESSAGES))
def test_predict_with_a_damaged_model_is_one_line(tmp_path, kind):
    result = run("predict", "--model", write_damaged(kind, tmp_path), _draw_digit(tmp_path / "one.png"))
    _one_line_error(result)
    assert DAMAGE_MESSAGES[kind] in result.stderr and result.stdout == ""


@pytest.mark.parametrize("kind", ["check-misfit", "check-bias-shape", "nan-weights",
                                  "record-not-object", "folder"])
def test_evaluate_with_a_damaged_model_is_one_line(tmp_path, mnist_path, kind):
    result = run("evaluate", "--model", write_damaged(kind, tmp_path), "--data", mnist_path)
    _one_line_error(result)
    assert DAMAGE_MESSAGES[kind] in result.stderr


@pytest.mark.parametrize("command", [
    ("fit-check", "--extra-data", "/nonexistent/extra.npz"),
    ("evaluate", "--data", "/nonexistent/mnist.npz"),
    ("predict", "/nonexistent/one.png")])
@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", "folder"])
def test_a_keras_file_that_is_not_one_is_one_line(tmp_path, command, content):
    path = tmp_path / "m.keras"
    path.mkdir() if content == "folder" else path.write_bytes(content)
    result = run(command[0], "--model", path, *command[1:])
    _one_line_error(result)
    assert f"{path} is " in result.stderr and "File not found" not in result.stderr


def test_fit_check_and_drawn_score_with_a_damaged_check_are_one_line(tmp_path):
    model = write_damaged("check-misfit", tmp_path)
    fit = run("fit-check", "--model", model, "--extra-data", tmp_path / "none.npz")
    score = subprocess.run([sys.executable, "-m", "drawn", "score", "--model", str(model),
                            "--per-condition", "1", "--not-digits", "--per-kind", "1"],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    for result in (fit, score):
        _one_line_error(result)
        assert DAMAGE_MESSAGES["check-misfit"] in result.stderr


MODELS_IN = """
import sys
from pathlib import Path
from mlp import model
model.ASSETS = Path(sys.argv[1])
from mlp.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_models_lists_damaged_models_and_text_figures_without_a_traceback(tmp_path):
    """A record's figure held as text shows as '?'; a damaged file is named as damaged."""
    write_record_with(tmp_path, "edited", test_accuracy="0.97", train_seconds="high")
    for kind in ("check-misfit", "nan-weights", "record-not-object", "truncated", "folder"):
        write_damaged(kind, tmp_path)
    listing = subprocess.run([sys.executable, "-c", MODELS_IN, tmp_path, "models"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0 and listing.stderr == "", listing.stderr
    lines = listing.stdout.splitlines()
    assert "edited: test accuracy ?" in lines
    assert any(line.startswith("  Flatten > BatchNorm > Dense(128, relu)") and
               line.endswith("trained in ? s") for line in lines)
    for kind in ("check-misfit", "nan-weights", "record-not-object", "truncated", "folder"):
        assert any(line.startswith(f"{kind}: ") and DAMAGE_MESSAGES[kind] in line for line in lines)
    as_json = subprocess.run([sys.executable, "-c", MODELS_IN, tmp_path, "models", "--json"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert as_json.returncode == 0, as_json.stderr
    listed = json.loads(as_json.stdout)
    assert listed["edited"]["test_accuracy"] == "0.97"  # the record as it is, for a program
    assert DAMAGE_MESSAGES["record-not-object"] in listed["record-not-object"]["damaged"]


def test_train_onto_a_folder_is_refused_before_training(tmp_path, mnist_path):
    (tmp_path / "m.npz").mkdir()
    result = run("train", "--limit", 200, "--epochs", 1, "--data", mnist_path, "--out", tmp_path / "m")
    _one_line_error(result)
    assert "m.npz is a folder" in result.stderr and "epoch" not in result.stdout
    assert [path.name for path in tmp_path.iterdir()] == ["m.npz"]
