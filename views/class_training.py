"""The wall's "Our class's model": the teacher fine-tunes the class's model on the drawings the class
labelled, on the training queue every replica shares; then before and after side by side, and the choice
of the model every student's page reads.

The run is the queue's (mlp.runs), owned by the class, so that any replica, and the wall after a reload,
finds it; its model lives in the queue's store and is deleted with the class.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import mlp
from mlp import class_model
from mlp.classroom import BASE_MODELS, ClassError, ClassInfo, ClassStore
from mlp.runs import CANCELLED, DONE, FAILED, RUNNING, WAITING, ClassRequest, Run, RunQueue, TrainingUnavailable
from views import guards, loaders
from views.text import plain, plural

POLL_SECONDS = 1.0  # the run's progress on the wall, while it waits or trains
BASE_NAMES = {"world": "world (the page's default)", "classic": "classic (the seed article's)"}


def show(store: ClassStore, info: ClassInfo, data_path: str) -> None:
    """What the class could train on, the Train button, the run, and once done, before and after."""
    queue = run_queue()
    if queue is None:
        return
    labelled = store.labelled(info.code)
    students = class_model.student_count(labelled.token)
    st.markdown(f"**{plural(len(labelled), 'labelled drawing')} by {plural(students, 'student')}.** "
                "A third of the students are held out: the model is tuned on the others' drawings and "
                "scored on theirs, hands it has never seen. MNIST training digits are replayed beside the "
                "class's drawings, so that the model does not forget MNIST.")
    try:
        run = queue.latest(info.model_owner, kind="class")
    except TrainingUnavailable as err:
        unavailable(err)
        return
    busy = run is not None and run.state in (WAITING, RUNNING)
    base = st.segmented_control("Start from", BASE_MODELS, default=info.base_model, key="class_base",
                                format_func=BASE_NAMES.get, disabled=busy,
                                help="The shipped model the class's model is tuned from; the class's pages "
                                     "read with it until you choose the class's model.")
    if base is not None and base != info.base_model:
        change(store.set_base_model, info.code, base)
        st.rerun()
    problem = class_model.too_few(len(labelled), students)
    if not busy:
        if problem:
            st.info(f"To train, the class needs more: {plain(problem)}.")
        st.button("Train our class's model", type="primary", icon=":material/model_training:",
                  disabled=problem is not None, on_click=start, args=(queue, info))
    if st.session_state.class_run_problem:
        st.error(plain(st.session_state.class_run_problem))
    if busy:
        progress(queue, run.id)
    elif run is not None:
        finished(store, info, queue, run)


def run_queue() -> RunQueue | None:
    """The shared training queue, or None after saying that training is unavailable (drawing goes on)."""
    queue = loaders.run_queue()
    if isinstance(queue, TrainingUnavailable):
        unavailable(queue)
        return None
    return queue


def unavailable(err: Exception) -> None:
    st.warning(f"Training is unavailable right now: {plain(str(err))}. Drawing and the wall go on as before.")


def change(action, *args) -> None:
    """One change to the class; when the class has ended meanwhile, say so instead of failing."""
    try:
        action(*args)
    except ClassError as err:
        st.toast(f"Not done: {plain(str(err))}")


def start(queue: RunQueue, info: ClassInfo) -> None:
    """Callback of Train: queue the class's fine-tune (from the class's base model)."""
    st.session_state.class_run_problem = None
    try:
        queue.submit(ClassRequest(info.code, base=info.base_model), owner=info.model_owner)
    except mlp.MLPError as err:
        st.session_state.class_run_problem = f"Could not start training: {err}"


@st.fragment(run_every=POLL_SECONDS)
def progress(queue: RunQueue, run_id: str) -> None:
    """The run's place in the queue or its progress, Stop; the whole wall again once it has ended."""
    with guards.contained("the training run"):
        try:
            queue.seen(run_id)
            run = queue.get(run_id)
        except TrainingUnavailable as err:
            unavailable(err)
            return
        if run is None or run.state not in (WAITING, RUNNING):
            st.rerun(scope="app")
        if run.state == WAITING:
            ahead = queue.position(run_id)
            st.info(f"Waiting for a free training slot: number {ahead} in the queue, about "
                    f"{wait_words(queue.wait_seconds(run_id))} to wait.")
        elif run.starting:
            st.info("Starting: loading TensorFlow, the class's drawings and MNIST's digits...")
        else:
            st.progress(min(max(run.progress, 0.0), 1.0),
                        text=f"Training our class's model: {run.progress:.0%}, about "
                             f"{wait_words(run.remaining())} left.")
        st.button("Stop", icon=":material/stop:", key="class_run_stop", on_click=stop, args=(queue, run_id))


def wait_words(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def stop(queue: RunQueue, run_id: str) -> None:
    try:
        queue.cancel(run_id, "Stopped by the teacher.")
    except TrainingUnavailable as err:
        st.session_state.class_run_problem = str(err)


def finished(store: ClassStore, info: ClassInfo, queue: RunQueue, run: Run) -> None:
    """The last run's end: why it failed, or before and after and the model the class's pages read."""
    if run.state in (FAILED, CANCELLED):
        (st.warning if run.state == CANCELLED else st.error)(
            f"The last training run did not finish: {plain(run.message or 'stopped')}")
        return
    if run.state != DONE or not run.result:
        return
    result = run.result
    base = result.get("base", info.base_model)
    st.markdown(f"**Trained** from `{plain(base)}` on {plural(result['train_drawings'], 'drawing')} by "
                f"{plural(result['train_students'], 'student')}, with "
                f"{result.get('replayed', 0):,} MNIST digits replayed, in {result.get('seconds', 0):.0f} s.")
    st.html(before_after_html(result))
    confusions(result)
    choose_model(store, info, run)
    downloads(queue, run, info.code)


def before_after_html(result: dict) -> str:
    """The table of before and after: held-out students' drawings and MNIST's test set, base and tuned.

    The figures ride along as data attributes too, so that a reader of the page (or a browser test)
    gets them without parsing the words.
    """
    rows = []
    held = result["held_out_students"]
    for key, title in (("held_out", f"Drawings of the {plural(held, 'held-out student')} "
                                    f"({result['held_out_drawings']:,})"),
                       ("mnist", f"MNIST's test set ({result['scores']['base']['mnist']['n']:,} digits)")):
        before, after = result["scores"]["base"][key], result["scores"]["tuned"][key]
        cells = "".join(
            f'<td data-{which}-accuracy="{scores["accuracy"]:.6f}" data-{which}-errors="{scores["errors"]}">'
            f'<b>{scores["accuracy"]:.2%}</b> '
            f'({plural(scores["errors"], "error")})</td>'
            for which, scores in (("before", before), ("after", after)))
        rows.append(f'<tr data-row="{key}"><th style="text-align:left">{title}</th>{cells}</tr>')
    return ('<table data-before-after style="font-size:1.1rem;border-collapse:collapse" cellpadding="8">'
            "<tr><th></th><th>before: the base model</th><th>after: our class's model</th></tr>"
            + "".join(rows) + "</table>")


def confusions(result: dict) -> None:
    """The class's confusion matrices on the held-out students' drawings, before and after."""
    from views import charts  # Altair: only once this part is shown

    left, right = st.columns(2, gap="large")
    for column, key, title in ((left, "base", "Before"), (right, "tuned", "After")):
        counts = np.asarray(result["scores"][key]["held_out"]["confusion"])
        with column:
            st.markdown(f"**{title}**: the held-out students' drawings, what they meant (rows) against "
                        "what the model read (columns)")
            st.altair_chart(charts.confusion_chart(counts, None, None, presenting=True), width="content")


def choose_model(store: ClassStore, info: ClassInfo, run: Run) -> None:
    """Which model the class's pages read: the class's own, or the base it was tuned from."""
    ours = info.model_run == run.id
    options = ["ours", "base"]
    names = {"ours": "our class's model", "base": f"the base model ({info.base_model})"}
    picked = st.segmented_control("Students' pages read with", options, default="ours" if ours else "base",
                                  format_func=names.get, key=f"class_model_choice_{run.id}")
    if picked is not None and (picked == "ours") != ours:
        change(store.use_model_run, info.code, run.id if picked == "ours" else None)
        st.rerun()


def downloads(queue: RunQueue, run: Run, code: str) -> None:
    """The class's model as files: .keras for Keras, .npz for this page's `mlp` and NumPy."""
    def files() -> tuple[bytes, bytes] | None:
        try:
            return queue.model_files(run.id)
        except TrainingUnavailable:
            return None

    with st.container(horizontal=True, gap="small"):
        for index, suffix in ((1, ".keras"), (0, ".npz")):
            st.download_button(f"Our class's model ({suffix})", lambda index=index: (files() or (b"", b""))[index],
                               file_name=f"class-{code}{suffix}", icon=":material/download:", on_click="ignore",
                               key=f"class_model_download{suffix}")


@st.cache_resource(show_spinner=False, max_entries=32)
def _run_model(run_id: str, _queue: RunQueue) -> mlp.Classifier | None:
    """A class model by its run's id: a run's model never changes, so one load per replica."""
    return _queue.model(run_id)


def page_model(info: ClassInfo) -> tuple[mlp.Classifier | None, str]:
    """The model a class's pages read with, and its name as the page says it: the class's own model when
    the teacher chose it (the base while the queue's store cannot be reached), else the class's base."""
    if info.model_run is not None:
        queue = loaders.run_queue()
        if not isinstance(queue, TrainingUnavailable):
            try:
                model = _run_model(info.model_run, queue)
            except TrainingUnavailable:
                model = None
            if model is not None:
                return model, "our class's model"
    model = loaders.shipped_model(info.base_model)
    return (None if isinstance(model, mlp.ModelError) else model), info.base_model
