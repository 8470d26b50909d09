"""The wall's "Our class's model": the teacher fine-tunes the class's model on the drawings the class
labelled, on the training queue every replica shares; then before and after side by side, and the choice
of the model every student's page reads.

The run is the queue's (mlp.runs), owned by the class, so that any replica, and the wall after a reload,
finds it; its model lives in the queue's store and is deleted with the class.
"""

from __future__ import annotations

import html

import numpy as np
import streamlit as st

import mlp
from mlp import class_model
from mlp import i18n
from mlp.classroom import BASE_MODELS, ClassError, ClassInfo, ClassStore, class_owner
from mlp.i18n import N_, _, ngettext
from mlp.runs import CANCELLED, CLASS, DONE, FAILED, RUNNING, WAITING, ClassRequest, Run, RunQueue, TrainingUnavailable
from views import guards, loaders
from views.text import percent, plain

POLL_SECONDS = 1.0  # the run's progress on the wall, while it waits or trains
BASE_NAMES = {"world": N_("world (the page's default)"), "classic": N_("classic (the seed article's)")}
OURS, BASE = N_("our class's model"), N_("the base model ({name})")


def show(store: ClassStore, info: ClassInfo, data_path: str) -> None:
    """What the class could train on, the Train button, the run, and once done, before and after."""
    queue = run_queue()
    if queue is None:
        return
    labelled = store.labelled(info.code)
    students = class_model.student_count(labelled.token)
    counted = ngettext("{drawings} labelled drawing", "{drawings} labelled drawings", len(labelled)).format(
        drawings=len(labelled))
    by = ngettext("by {students} student", "by {students} students", students).format(students=students)
    st.markdown(_("**{drawings} {by}.**").format(drawings=counted, by=by) + " " + _(
        "A third of the students are held out: the model is tuned on the others' drawings and scored on "
        "theirs, hands it has never seen. MNIST training digits are replayed beside the class's drawings, so "
        "that the model does not forget MNIST."))
    try:
        run = queue.latest(info.model_owner, kind=CLASS)
    except TrainingUnavailable as err:
        unavailable(err)
        return
    busy = run is not None and run.state in (WAITING, RUNNING)
    base = st.segmented_control(_("Start from"), BASE_MODELS, default=info.base_model, key="class_base",
                                format_func=lambda name: _(BASE_NAMES[name]), disabled=busy,
                                help=_("The shipped model the class's model is tuned from; the class's pages "
                                       "read with it until you choose the class's model."))
    if base is not None and base != info.base_model:
        change(store.set_base_model, info.code, base)
        st.rerun()
    problem = class_model.too_few(len(labelled), students)
    if not busy:
        if problem:
            st.info(_("To train, the class needs {what}.").format(what=plain(problem)))
        st.button(_("Train our class's model"), type="primary", key="class_train", icon=":material/model_training:",
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
    st.warning(_("Training is unavailable right now: {why}. Drawing and the wall go on as before.").format(
        why=plain(str(err))))


def change(action, *args) -> None:
    """One change to the class; when the class has ended meanwhile, say so instead of failing."""
    try:
        action(*args)
    except ClassError as err:
        st.toast(_("Not done: {why}").format(why=plain(str(err))))


def start(queue: RunQueue, info: ClassInfo) -> None:
    """Callback of Train: queue the class's fine-tune (from the class's base model)."""
    st.session_state.class_run_problem = None
    try:
        queue.submit(ClassRequest(info.code, base=info.base_model), owner=info.model_owner)
    except mlp.MLPError as err:
        st.session_state.class_run_problem = _("Could not start training: {why}").format(why=err)


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
            st.info(_("Waiting for a free training slot: number {place} in the queue, about {wait} to wait.")
                    .format(place=ahead, wait=wait_words(queue.wait_seconds(run_id))))
        elif run.starting:
            st.info(_("Starting: loading TensorFlow, the class's drawings and MNIST's digits..."))
        else:
            st.progress(min(max(run.progress, 0.0), 1.0),
                        text=_("Training our class's model: {done}, about {left} left.").format(
                            done=i18n.percent(run.progress), left=wait_words(run.remaining())))
        st.button(_("Stop"), icon=":material/stop:", key="class_run_stop", on_click=stop, args=(queue, run_id))


def keep_watching(code: str) -> None:
    """While the wall shows its tiles, the class's queued or running fine-tune is still watched: it is
    stopped when nobody looks (a closed wall), not when the teacher looks at the tiles instead."""
    queue = loaders.run_queue()
    if isinstance(queue, TrainingUnavailable):
        return
    try:
        run = queue.latest(class_owner(code), kind=CLASS)
        if run is not None and run.state in (WAITING, RUNNING):
            queue.seen(run.id)
    except TrainingUnavailable:
        pass


def forget_class(code: str) -> None:
    """Delete an ended class's runs and models from the queue's store (the queue also sweeps them later)."""
    queue = loaders.run_queue()
    if isinstance(queue, TrainingUnavailable):
        return
    try:
        queue.delete_owner(class_owner(code))
    except TrainingUnavailable:
        pass


def wait_words(seconds: float) -> str:
    return (_("{seconds} s").format(seconds=i18n.number(seconds)) if seconds < 90
            else _("{minutes} min").format(minutes=i18n.number(seconds / 60)))


def stop(queue: RunQueue, run_id: str) -> None:
    try:
        queue.cancel(run_id, _("Stopped by the teacher."))
    except TrainingUnavailable as err:
        st.session_state.class_run_problem = str(err)


def finished(store: ClassStore, info: ClassInfo, queue: RunQueue, run: Run) -> None:
    """The last run's end: why it failed, or before and after and the model the class's pages read."""
    if run.state in (FAILED, CANCELLED):
        (st.warning if run.state == CANCELLED else st.error)(
            _("The last training run did not finish: {why}").format(why=plain(_(run.message) if run.message else _("stopped"))))
        return
    if run.state != DONE or not run.result:
        return
    result = run.result
    base = result.get("base_model", info.base_model)
    st.markdown(ngettext(
        "**Trained** from `{base}` on {drawings} drawings by {students} student, with {replayed} MNIST digits "
        "replayed, in {seconds} s.",
        "**Trained** from `{base}` on {drawings} drawings by {students} students, with {replayed} MNIST digits "
        "replayed, in {seconds} s.", result["train_students"]).format(
        base=plain(base), drawings=i18n.number(result["train_drawings"]), students=result["train_students"],
        replayed=i18n.number(result.get("replayed", 0)), seconds=i18n.number(result.get("seconds", 0))))
    st.html(before_after_html(result))
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        choose_model(store, info, run)
        downloads(queue, run, info.code)
    confusions(result)


def before_after_html(result: dict) -> str:
    """The table of before and after: held-out students' drawings and MNIST's test set, base and tuned.

    The figures ride along as data attributes too, so that a reader of the page (or a browser test)
    gets them without parsing the words.
    """
    rows = []
    held = result["held_out_students"]
    titles = {"held_out": ngettext("Drawings of the {students} held-out student ({drawings})",
                                   "Drawings of the {students} held-out students ({drawings})", held).format(
                                       students=held, drawings=i18n.number(result["held_out_drawings"])),
              "mnist": _("MNIST's test set ({digits} digits)").format(
                  digits=i18n.number(result["base"]["mnist"]["n"]))}
    for key, title in titles.items():
        before, after = result["base"][key], result["tuned"][key]
        cells = "".join(
            f'<td data-{which}-accuracy="{scores["accuracy"]:.6f}" data-{which}-errors="{scores["errors"]}">'
            f'<b>{accuracy(scores["accuracy"], key)}</b> '
            f'({errors(scores["errors"])})</td>'
            for which, scores in (("before", before), ("after", after)))
        rows.append(f'<tr data-row="{key}"><th style="text-align:left">{html.escape(title)}</th>{cells}</tr>')
    heads = (_("before: the base model"), _("after: our class's model"))
    return ('<table data-before-after style="font-size:1.1rem;border-collapse:collapse" cellpadding="8">'
            + "<tr><th></th>" + "".join(f"<th>{html.escape(head)}</th>" for head in heads) + "</tr>"
            + "".join(rows) + "</table>")


def accuracy(share: float, row: str) -> str:
    """MNIST's with two decimals, as docs/models.md gives it (a fine-tune moves it by hundredths); the
    class's, a few hundred drawings, with none."""
    return i18n.percent(share, 2) if row == "mnist" else percent(share)


def errors(count: int) -> str:
    return ngettext("{count} error", "{count} errors", count).format(count=i18n.number(count))


def confusions(result: dict) -> None:
    """The class's confusion matrices on the held-out students' drawings, before and after."""
    from views import charts  # Altair: only once this part is shown

    left, right = st.columns(2, gap="large")
    for column, key, title in ((left, "base", _("Before")), (right, "tuned", _("After"))):
        counts = np.asarray(result[key]["held_out"]["confusion"])
        with column:
            st.markdown(f"**{title}**: " + _("the held-out students' drawings, what they meant (rows) against "
                                             "what the model read (columns)"))
            st.altair_chart(charts.confusion_chart(counts, None, None, presenting=True), width="content")


def choose_model(store: ClassStore, info: ClassInfo, run: Run) -> None:
    """Which model the class's pages read: the class's own, or the base it was tuned from."""
    ours = info.model_run == run.id
    options = ["ours", "base"]
    names = {"ours": _(OURS), "base": _(BASE).format(name=info.base_model)}
    picked = st.segmented_control(_("Students' pages read with"), options, default="ours" if ours else "base",
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

    with st.container(horizontal=True, gap="small", width="content"):
        for index, suffix in ((1, ".keras"), (0, ".npz")):
            st.download_button(_("Our class's model ({suffix})").format(suffix=suffix), lambda index=index: (files() or (b"", b""))[index],
                               file_name=f"class-{code}{suffix}", icon=":material/download:", on_click="ignore",
                               key=f"class_model_download{suffix}")


def page_model(info: ClassInfo) -> tuple[mlp.Classifier | None, str]:
    """The model a class's pages read with, and its name as the page says it: the class's own model when
    the teacher chose it (the base while the queue's store cannot be reached), else the class's base."""
    if info.model_run is not None:
        try:
            model = loaders.trained_model(info.model_run)  # read once per replica: a run's model never changes
        except TrainingUnavailable:
            model = None
        if model is not None:
            return model, _(OURS)
    model = loaders.shipped_model(info.base_model)
    return (None if isinstance(model, mlp.ModelError) else model), info.base_model
