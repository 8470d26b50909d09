"""The Train view: pick hyperparameters, queue a run, watch it train, then use or download the model.

Runs go through the server's training queue (mlp.jobs): each trains in a process of its own,
one after another, so drawing stays quick for everyone while someone trains. The run's
progress shows in the sidebar from any view; the model joins this visitor's chooser when done.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import streamlit as st

import mlp
import mlp.config
from mlp import i18n
from mlp.i18n import _, ngettext
from mlp.jobs import CANCELLED, DONE, FAILED, FEW_SECONDS, RUNNING, WAITING, Job, TrainingQueue, discard
from mlp.limits import TrainingLimits, duration, epochs_within
from views import guards, loaders, state, visitor
from views.state import TrainedModel
from views.text import plain

KEEP_MODELS = 3  # a visitor's trained models kept in memory: the latest ones


def apply_preset(data_path: str) -> None:
    """Copy the chosen preset's values into the training form, with as many of its epochs as this
    server would train within its time limit."""
    preset = st.session_state.train_preset
    images = len(loaders.mnist(data_path).y_train)
    max_epochs = epochs_within(mlp.PRESETS[preset], images, loaders.training_queue(data_path).limits)
    st.session_state.update(state.preset_values(preset, max_epochs))


def train_form(preset: mlp.TrainConfig, limits: TrainingLimits) -> tuple[mlp.TrainConfig, int | None] | None:
    """The form: on submit, the preset with the visitor's changes and how many images to train on.

    The widgets' bounds are the server's (`limits`). Streamlit swaps a number sent outside a
    widget's bounds (or NaN) for the widget's `value` without a word, so that value is None:
    a forged number arrives as an empty field and is refused, never quietly replaced by the
    smallest allowed one. The image count has no bounds of its own, so that any number
    reaches the server's check as sent.
    """
    with st.form("train_form", border=True):
        hidden_col, epochs_col, batch_col, lr_col = st.columns(4)
        hidden = hidden_col.text_input(_("Hidden layers"), key="train_hidden",
                                       help=_("Units of each hidden layer, comma-separated: 128 or 256,128"))
        epochs = epochs_col.number_input(_("Epochs"), min_value=1, max_value=limits.max_epochs, value=None,
                                         step=1, key="train_epochs")
        batch = batch_col.number_input(_("Batch size"), min_value=limits.min_batch, max_value=limits.max_batch,
                                       value=None, step=16, key="train_batch")
        rate = lr_col.number_input(_("Learning rate"), min_value=limits.min_learning_rate,
                                   max_value=limits.max_learning_rate, value=None, step=1e-4,
                                   format="%.4f", key="train_lr")
        every = i18n.number(limits.max_images)
        limit = st.number_input(_("Train on the first N images (empty: all {count})").format(count=every),
                                value=None, step=1000, placeholder=_("all {count}").format(count=every),
                                key="train_limit")
        linear = st.checkbox(_("No hidden layer (logistic regression: one linear map per digit)"),
                             key="train_linear")
        submitted = st.form_submit_button(_("Train"), type="primary")
    if not submitted:
        return None
    empty = [label.format(low=f"{low:g}", high=f"{high:g}") for label, value, low, high in (
        (_("epochs ({low} to {high})"), epochs, 1, limits.max_epochs),
        (_("a batch size ({low} to {high})"), batch, limits.min_batch, limits.max_batch),
        (_("a learning rate ({low} to {high})"), rate, limits.min_learning_rate, limits.max_learning_rate))
        if value is None]
    if empty:
        st.error(_("Choose {fields} before training.").format(fields=_(", ").join(empty)))
        return None
    try:
        layers = () if linear else mlp.config.parse_hidden(hidden)
    except ValueError as err:
        st.error(_("Cannot train with hidden layers “{layers}”: {reason}.").format(layers=plain(hidden), reason=plain(err)))
        return None
    try:
        config = preset.with_changes(hidden=layers, epochs=int(epochs), batch_size=int(batch),
                                     learning_rate=float(rate))
    except ValueError as err:
        st.error(_("Cannot train with these settings: {reason}.").format(reason=plain(err)))
        return None
    return config, None if limit is None else int(limit)


def show(model: mlp.Classifier | None, data_path: str) -> None:
    """Pick hyperparameters and queue a run; below, the run's progress or its result."""
    st.markdown(_("Train a new MLP on MNIST here. It joins the model chooser in the sidebar for the rest "
                  "of your visit; the shipped models stay as they are."))
    if (data := guards.mnist_or_notice(data_path)) is None:
        return
    queue = loaders.training_queue(data_path)
    st.selectbox(_("Preset"), list(mlp.PRESETS), key="train_preset", on_change=apply_preset,
                 args=(data_path,), help=_("Starting hyperparameters; edit them below."))
    name = st.session_state.train_preset
    preset = mlp.PRESETS[name]
    max_epochs = epochs_within(preset, len(data.y_train), queue.limits)
    on_off = {True: _("on"), False: _("off")}
    sentences = [_("This preset also sets: batch normalisation {batch_norm}, dropout {dropout}, cosine decay "
                   "{cosine}, augmentation {augment}, seed {seed}.").format(
        batch_norm=on_off[bool(preset.batch_norm)], dropout=i18n.number(preset.dropout, 2 if preset.dropout else 0),
        cosine=on_off[bool(preset.cosine_decay)], augment=on_off[bool(preset.augment)], seed=preset.seed)]
    if preset.epochs > max_epochs:
        sentences.append(_("The {preset} preset trains for {epochs} epochs; a run on this server may have {most}, so "
                           "the form starts there.").format(preset=name, epochs=preset.epochs, most=max_epochs))
    if preset.not_digit_weight:
        sentences.append(_("The shipped model of this name also learnt from drawn digits and non-digits (the command "
                           "line's --extra-data); here it trains on MNIST alone."))
    st.caption(" ".join(sentences))
    request = train_form(preset, queue.limits)
    if request is not None:
        config, limit = request
        available = len(data.y_train)  # the images stay on disk here; their labels are counted
        images = available if limit is None else limit
        owner, address = visitor.identify()
        try:
            if images > available:
                raise mlp.MLPError(_("This server has {available} training images (asked for {asked}).").format(
                    available=i18n.number(available), asked=i18n.number(images)))
            job = queue.submit(config, images, owner=owner, address=address)
        except mlp.MLPError as err:
            st.error(plain(err))
        else:
            st.session_state.train_job = job
            st.session_state.train_curves_from = st.session_state.last_trained
            st.rerun()  # the whole page: the sidebar follows the run from now on
    st.caption(_("Runs take turns on this server; one may take up to {duration}. You can draw in the other views "
                 "meanwhile: the sidebar shows how the run is going.").format(duration=duration(queue.limits.max_seconds)))
    if st.session_state.models_put_away:
        st.info(state.put_away_sentence(st.session_state.models_put_away))
    if st.session_state.train_job is not None:
        run_status(data_path, in_train_view=True)
    elif (last := st.session_state.last_trained) in st.session_state.trained_models:
        show_trained(last, st.session_state.trained_models[last])


def wait_text(seconds: float) -> str:
    """About how long a wait is, in words: 'a few seconds' rather than a precise-looking '3 s'."""
    return _("a few seconds") if seconds <= FEW_SECONDS else _("about {duration}").format(duration=duration(seconds))


def phase_text(job: Job) -> str:
    """What a run is doing now, how long it has been at it and how long it takes in all, in a sentence."""
    took, total = duration(job.elapsed()), duration(job.estimate.seconds)
    if job.starting:
        return _("Starting: loading TensorFlow and the data… {took} so far. The run takes about {total} "
                 "in all, starting included.").format(took=took, total=total)
    # Past its estimate, the run says so rather than "12 s so far, of about 10 s".
    of = _("of about {total} in all").format(total=total) if job.elapsed() <= job.estimate.seconds else \
        _("past the estimate of {total}: the server is busy").format(total=total)
    if job.progress >= 1.0:
        return _("Scoring on the test digits and saving the model… {took} so far, {of}.").format(took=took, of=of)
    return ngettext("Training: {percent} of {epochs} epoch, {took} so far, {of}.",
                    "Training: {percent} of {epochs} epochs, {took} so far, {of}.", job.config.epochs).format(
        percent=i18n.percent(job.progress), epochs=job.config.epochs, took=took, of=of)


@st.fragment(run_every=1.0)
def run_status(data_path: str, in_train_view: bool = False) -> None:
    """This visitor's run, refreshed every second: a line in the sidebar, and in the Train view its
    place in line, or its phase, progress and curves.

    The one place that follows a run: looking keeps it alive (job.seen), and a finished run is
    adopted here and nowhere else. The frame calls it in the sidebar from the other views; the
    Train view calls it itself, with its details.
    """
    job = st.session_state.train_job
    if job is None:
        return
    job.seen()
    if job.state == DONE:
        adopt(job, data_path)
        st.rerun(scope="app")
    queue = loaders.training_queue(data_path)
    if job.state in (WAITING, RUNNING):
        with st.sidebar:
            st.caption(_("Your training run: {phase}.").format(phase=sidebar_phase_text(job, queue)))
    if not in_train_view:
        return
    if job.state == WAITING:
        st.info(_("Waiting: number {place} in line, {wait} until it starts. This run then takes about {duration}, "
                  "starting included.").format(place=queue.position(job), wait=wait_text(queue.wait_seconds(job)),
                                               duration=duration(job.estimate.seconds)))
    elif job.state == RUNNING:
        st.progress(min(job.progress, 1.0), text=phase_text(job))
        show_curves(job.history, *st.columns(2))
    elif job.state in (FAILED, CANCELLED):
        st.warning(plain(job.message) or _("The run did not finish."))
    if job.state in (WAITING, RUNNING):
        st.button(_("Stop"), key="train_stop", on_click=queue.cancel, args=(job,))
    else:
        st.button(_("Dismiss"), key="train_dismiss", on_click=forget_job)


def sidebar_phase_text(job: Job, queue: TrainingQueue) -> str:
    """Where a waiting or running run is, in a few words for the sidebar."""
    if job.state == WAITING:
        return _("waiting, number {place} in line").format(place=queue.position(job))
    if job.starting:
        return _("starting ({took} so far)").format(took=duration(job.elapsed()))
    return _("{percent} done ({took} so far)").format(percent=i18n.percent(job.progress), took=duration(job.elapsed()))


def forget_job() -> None:
    """Dismiss a failed or stopped run: the Train view's form is free again."""
    st.session_state.train_job = None


def adopt(job: Job, data_path: str) -> None:
    """Read the finished run's model (NumPy, no TensorFlow), keep it in this visit, select it."""
    trained = st.session_state.trained_models
    taken = set(mlp.shipped_models()) | set(trained)
    name = next(f"trained-{n}" for n in itertools.count(len(trained) + 1) if f"trained-{n}" not in taken)
    st.session_state.train_job = None
    try:
        loaded = mlp.load_model(job.model_path())
        keras_file = job.model_path().with_suffix(".keras").read_bytes()
    except (OSError, mlp.ModelError):  # the queue deleted it: nobody came back for it in time
        st.session_state.train_job = job
        job.state, job.message = FAILED, _("The trained model was deleted: nobody looked at it for too long.")
        return
    finally:
        discard(job)
    classifier = replace(loaded, name=name, path=None, record={**loaded.record, "name": name})
    data = loaders.mnist(data_path)
    for old in list(trained)[:max(0, len(trained) - KEEP_MODELS + 1)]:  # the latest few per visitor
        del trained[old]
    try:
        trained[name] = TrainedModel(
            classifier=classifier,
            evaluation=mlp.evaluate(classifier, mlp.as_model_input(data.x_test), data.y_test),
            keras_file=keras_file, train_examples=job.images,
        )
    except mlp.MLPError as err:  # larger than all the room for trained models
        st.session_state.train_job = job
        job.state, job.message = FAILED, str(err)
        return
    st.session_state.models_put_away = []
    st.session_state.last_trained = name
    st.session_state.select_model = name  # applied before the chooser is drawn
    st.session_state.trained_news = name  # a toast on the next run, in whichever view is open


def show_curves(history: dict[str, list[float]], loss_slot, accuracy_slot) -> None:
    """This run's curves, beside the previous run's (or the classic model's recorded ones), named."""
    from views import charts  # Altair: only once someone trains

    label, previous = previous_history()
    loss_slot.altair_chart(charts.curves_chart(history, "loss", previous, label), width="stretch")
    accuracy_slot.altair_chart(charts.curves_chart(history, "accuracy", previous, label), width="stretch")


def previous_history() -> tuple[str, dict[str, list[float]]]:
    """What this run is compared with, named: the visitor's previous run, else the shipped classic model."""
    earlier_name = st.session_state.train_curves_from
    earlier = st.session_state.trained_models.get(earlier_name)
    if earlier is not None:
        return _("your previous run: {model}").format(model=earlier_name), earlier.classifier.record.get("history", {})
    classic = loaders.shipped_model("classic")
    return _("classic (shipped)"), classic.record.get("history", {}) if isinstance(classic, mlp.Classifier) else {}


def show_trained(name: str, trained: TrainedModel) -> None:
    """The result of this session's latest training run: its score in the same line as the news."""
    record = trained.classifier.record
    # Scored before it is announced (adopt): the banner and the accuracy arrive together.
    st.success(_("Trained **{model}**: {accuracy} right on the {count} test digits.").format(
        model=name, accuracy=i18n.percent(trained.evaluation.accuracy, 2),
        count=i18n.number(len(trained.evaluation.labels))) + " " + state.reading_with(name))
    accuracy, took, download = st.columns(3, vertical_alignment="center")
    accuracy.metric(_("Test accuracy"), i18n.percent(trained.evaluation.accuracy, 2))
    epochs = int(record.get("epochs_run", 0))
    took.metric(_("Training time"), _("{seconds} s").format(seconds=i18n.number(record.get("train_seconds", 0))),
                help=ngettext("{images} images, {epochs} epoch", "{images} images, {epochs} epochs", epochs).format(
                    images=i18n.number(trained.train_examples), epochs=epochs))
    download.download_button(_("Download the model (.keras)"), trained.keras_file, file_name=f"{name}.keras",
                             mime="application/octet-stream", on_click="ignore")
    show_curves(record.get("history", {}), *st.columns(2))
