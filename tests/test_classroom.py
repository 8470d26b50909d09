"""The classroom's page, run headless with AppTest and at the queue: joining by phone, the Train
view's feedback, and what a view keeps when another is opened."""

import time
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, TIMEOUT, finish_training, open_view, texts

from mlp.config import TrainConfig
from mlp.limits import duration, estimate
from mlp.runs import DONE, RUNNING, WAITING, Run, RunQueue, TrainRequest
from views import join, train

TINY = TrainConfig(hidden=(8,), epochs=1, batch_size=64)


@pytest.fixture
def app(mnist_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    monkeypatch.delenv("MLP_PUBLIC_URL", raising=False)
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


@pytest.mark.app
def test_the_mistakes_filters_are_kept_while_the_draw_view_is_open(app):
    at = open_view(app.run(), "Mistakes")
    at.selectbox(key="mistake_true").set_value(4).run()
    at.selectbox(key="mistake_predicted").set_value(9).run()
    at.toggle(key="confusion_rows").set_value(True).run()
    at = open_view(open_view(at, "Draw"), "Mistakes")
    assert not at.exception
    assert at.selectbox(key="mistake_true").value == 4
    assert at.selectbox(key="mistake_predicted").value == 9
    assert at.toggle(key="confusion_rows").value is True
    assert "true 4, read as 9" in texts(at)


def test_a_page_opened_locally_hands_out_the_network_address_with_its_port_path_and_parameters():
    params = {"lang": "fr", "class": "4b", "present": "1", "view": "Mistakes", "join": "1"}
    for opened in ("http://localhost:8502/digits", "http://127.0.0.1:8502/digits"):
        assert join.page_address(None, opened, "localhost:8502", "192.168.1.23", params) == \
            "http://192.168.1.23:8502/digits?lang=fr&class=4b&present=1"  # not ?view= nor ?join=
    assert join.page_address(None, "http://localhost:8501/", None, "192.168.1.23", {}) == \
        "http://192.168.1.23:8501/"
    # No network address found (offline: Streamlit falls back to 127.0.0.1): the local one stays.
    assert join.page_address(None, "http://localhost:8501/", None, "127.0.0.1", {}) == "http://localhost:8501/"
    assert join.page_address(None, "http://localhost:8501/", None, None, {}) == "http://localhost:8501/"
    # Opened by the network already: kept as it is.
    assert join.page_address(None, "http://10.0.0.5:8501/", None, "192.168.1.23", {"class": "4b"}) == \
        "http://10.0.0.5:8501/?class=4b"


def test_the_public_url_wins_over_the_network_address_and_keeps_the_lesson_parameters():
    assert join.page_address("https://class.example.org/mlp/", "http://localhost:8501/", "localhost:8501",
                             "192.168.1.23", {"lang": "de", "view": "Train"}) == \
        "https://class.example.org/mlp/?lang=de"
    assert join.short_link("https://class.example.org/mlp/?lang=de") == "class.example.org/mlp/?lang=de"


@pytest.mark.app
def test_the_join_popover_offers_the_network_address_and_says_when_phones_cannot_reach_it(app, monkeypatch):
    # AppTest's page has no browser address: the choice itself is tested above, its wording here.
    monkeypatch.setattr(join, "current_address", lambda: ("http://192.168.1.23:8501/?present=1", True))
    at = app.run()
    assert not at.exception
    shown = texts(at).replace("\\", "")
    assert "### 192.168.1.23:8501/?present=1" in shown
    assert "same network" in shown and "guest and school Wi-Fi" in shown and "hotspot" in shown
    assert join.ENV_VAR in shown


@pytest.mark.app
def test_the_full_screen_join_view_replaces_the_page_and_has_a_way_back(app, monkeypatch):
    monkeypatch.setenv(join.ENV_VAR, "https://class.example.org/digits")
    at = app.run()
    next(b for b in at.button if b.label == "Show full screen").click().run()
    assert not at.exception
    assert at.query_params.get("join") in ("1", ["1"])
    page = "\n".join(element.proto.body for element in at.get("html"))
    assert 'data-join="class.example.org/digits"' in page and "height:min(62vh,92vw)" in page
    assert not at.tabs and not [b for b in at.button if b.label == "Show full screen"]  # the page is gone
    next(b for b in at.button if b.label == "Back to the page").click().run()
    assert "join" not in at.query_params
    assert at.tabs and not at.exception


class Clock:
    """Seconds the test moves by hand."""

    now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def queue_of_two(tmp_path, estimate_seconds: float, ran_for: float):
    """A store with one run made to look running for `ran_for` seconds against its estimate, and one
    waiting behind it (no worker: nothing else moves them)."""
    clock = Clock()
    # Nobody looks and nothing beats while the test moves the clock: neither counts as abandoned or lost.
    queue = RunQueue.open(str(tmp_path / "classes.db"), slots=1, clock=clock, abandoned_after=1e6, stale_after=1e6)
    first, second = queue.submit(TrainRequest(TINY, 300), owner="a"), queue.submit(TrainRequest(TINY, 300), owner="b")
    with queue.engine.begin() as connection:  # the estimate as the test wants it
        from mlp.runs.schema import runs
        connection.execute(runs.update().where(runs.c.id == first.id).values(
            estimate={**first.estimate.__dict__, "seconds": estimate_seconds}))
    queue.claim(first.id)
    clock.now += ran_for
    queue.beat(first.id)
    return queue, clock, first, second


@pytest.mark.parametrize("ran_for", [0.0, 10.0, 16.0, 300.0])
def test_the_wait_behind_a_running_run_is_never_zero(tmp_path, ran_for):
    """Before: max(0, estimate - elapsed), so 'about 0 s until it starts' for as long as the run ahead
    outlived its estimate (16 s of it in a class)."""
    queue, clock, first, second = queue_of_two(tmp_path, estimate_seconds=14.0, ran_for=ran_for)
    try:
        wait = queue.wait_seconds(second.id)
        assert wait >= 5.0
        assert wait == pytest.approx(max(14.0 - ran_for, 5.0), abs=0.5)  # what it has left, by its estimate
        assert train.wait_text(wait) == {0.0: "about 14 s", 10.0: "a few seconds", 16.0: "a few seconds",
                                         300.0: "a few seconds"}[ran_for]
        assert queue.wait_seconds(first.id) == 0.0  # nothing ahead of the running one
        # Training reported half done 20 s ago: about 20 s more, whatever the estimate said.
        clock.now -= 20
        queue.beat(first.id, progress=0.5)
        clock.now += 20
        assert queue.wait_seconds(second.id) == pytest.approx(max(14.0 - ran_for, 20.0), abs=0.5)
    finally:
        queue.close()


def test_a_run_says_it_is_starting_until_the_workers_first_report_then_training():
    now = 1_000_000.0
    job = Run(id="r", kind="train", owner="a", state=RUNNING, progress=0.0, history={}, message="",
              estimate=estimate(TINY, 300), submitted=now - 8, started=now - 7.2, training_since=None, result=None,
              request=TrainRequest(TINY.with_changes(epochs=3), 300))
    elapsed = replace(job, started=time.time() - 7.2)
    assert elapsed.starting
    assert train.phase_text(elapsed).startswith("Starting: loading TensorFlow and the data… 7 s so far.")
    assert f"about {duration(job.estimate.seconds)} in all, starting included" in train.phase_text(elapsed)
    training = replace(elapsed, training_since=time.time(), progress=0.4)
    assert not training.starting
    assert train.phase_text(training).startswith("Training: 40% of 3 epochs, 7 s so far")
    late = replace(training, started=time.time() - 60)  # longer than its estimate: it says so
    assert "past the estimate of" in train.phase_text(late) and "of about" not in train.phase_text(late)
    assert train.phase_text(replace(late, progress=1.0)).startswith("Scoring on the test digits and saving the model…")


@pytest.mark.slow
def test_a_real_run_reports_its_start_up_apart_from_its_training(tmp_path, mnist_path):
    import subprocess
    import sys

    from conftest import ROOT

    store = str(tmp_path / "classes.db")
    worker = subprocess.Popen([sys.executable, "-m", "mlp.runs.worker", "--db", store, "--data", str(mnist_path)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    queue = RunQueue.open(store)
    try:
        run_id = queue.submit(TrainRequest(TINY, 300), owner="a").id
        deadline = time.monotonic() + 120
        while (job := queue.get(run_id)).state == WAITING and time.monotonic() < deadline:
            queue.seen(run_id)
            time.sleep(0.05)
        assert job.starting  # the worker is importing TensorFlow: no report yet
        while (job := queue.get(run_id)).state == RUNNING and time.monotonic() < deadline:
            queue.seen(run_id)
            time.sleep(0.05)
        assert job.state == DONE, job.message
        startup = job.training_since - job.started
        assert startup > 0.5  # start-up (TensorFlow, the data) is a phase of its own, and takes time
        print(f"start-up {startup:.1f} s (estimate {job.estimate.seconds:.1f} s)")
    finally:
        worker.kill()
        worker.wait(timeout=10)
        queue.close()


def test_the_curves_name_what_they_are_compared_with_and_keep_their_colours():
    from views import charts

    previous = {"loss": [0.5, 0.3], "test_loss": [0.4, 0.35]}
    colours = {}
    for moment, history in (("starting", {}), ("running", {"loss": [0.6], "test_loss": [0.5]}),
                            ("done", {"loss": [0.6, 0.4], "test_loss": [0.5, 0.45]})):
        spec = charts.curves_chart(history, "loss", previous, "classic (shipped)").to_dict()
        scale = spec["encoding"]["color"]["scale"]
        colours[moment] = dict(zip(scale["domain"], scale["range"]))
        shown = {row["set"] for row in spec["datasets"][spec["data"]["name"]]}
        assert {"train (classic (shipped))", "test (classic (shipped))"} <= shown
        assert not any("previous" in name for name in shown)
    assert colours["starting"] == colours["running"] == colours["done"]
    assert len(set(colours["done"].values())) == 4  # four lines, four colours


@pytest.mark.app
def test_a_finished_run_is_announced_with_its_accuracy_and_the_model_the_page_now_reads_with(app, training_worker):
    at = open_view(app.run(), "Train")
    at.selectbox(key="train_preset").set_value("fast").run()
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_limit").set_value(400)
    at.text_input(key="train_hidden").set_value("16")
    next(b for b in at.button if b.label == "Train").click().run()
    assert at.session_state["train_job"] is not None
    at = finish_training(at)
    assert not at.exception
    banner = " ".join(s.value for s in at.success)
    accuracy = next(m.value for m in at.metric if m.label == "Test accuracy")
    assert f"Trained **trained-1**: {accuracy} right on the" in banner  # together, in one line
    assert "Now reading with trained-1; switch back in the sidebar" in banner
    assert any("Now reading with trained-1" in t.value for t in at.toast)
    assert at.sidebar.selectbox(key="model_name").value == "trained-1"
    specs = " ".join(chart.proto.spec for chart in at.get("vega_lite_chart"))
    assert "classic (shipped)" in specs
