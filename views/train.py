"""The Train view: pick hyperparameters, queue a run, watch it train, then use or download the model.

Runs go through the training queue every replica shares (mlp.runs): each trains on a worker in a
process of its own, a few at a time, so drawing stays quick for everyone while someone trains.
The run's progress shows in the sidebar from any view; the model, kept in the shared store,
joins this visitor's chooser when done, whichever replica serves them next.
"""

from __future__ import annotations

import streamlit as st

import mlp
import mlp.config
from mlp import i18n
from mlp.i18n import N_, _, ngettext
from mlp.limits import TrainingLimits, duration, epochs_within
from mlp.runs import (CANCELLED, DONE, FAILED, FEW_SECONDS, RUNNING, WAITING, Run, TrainingUnavailable,
                      TrainRequest)
from views import guards, loaders, state, visitor
from views.state import TrainedModel
from views.text import plain

UNAVAILABLE = N_("Training is unavailable right now: this server cannot reach its training queue. Drawing and "
               "every other view still work; try again in a minute.")


def apply_preset(data_path: str) -> None:
    """Copy the chosen preset's values into the training form, with as many of its epochs as this
    server would train within its time limit."""
    preset = st.session_state.train_preset
    images = len(loaders.mnist(data_path).y_train)
    max_epochs = epochs_within(mlp.PRESETS[preset], images, TrainingLimits.from_environment())
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
    queue = loaders.run_queue()
    if isinstance(queue, TrainingUnavailable):
        st.warning(_(UNAVAILABLE))
        st.button(_("Try again"), key="train_retry", on_click=loaders.forget_run_queue)
        return
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
            run = queue.submit(TrainRequest(config, images), owner=owner, address=address)
        except TrainingUnavailable:
            st.error(_(UNAVAILABLE))
        except mlp.MLPError as err:
            st.error(plain(err))
        else:
            st.session_state.train_job = run.id
            st.session_state.train_curves_from = st.session_state.last_trained
            st.rerun()  # the whole page: the sidebar follows the run from now on
    st.caption(_("Runs take turns on this server; one may take up to {duration}. You can draw in the other views "
                 "meanwhile: the sidebar shows how the run is going.").format(duration=duration(queue.limits.max_seconds)))
    if st.session_state.train_job is not None:
        run_status(data_path, in_train_view=True)
    elif (last := st.session_state.last_trained) in st.session_state.trained_models:
        show_trained(last, st.session_state.trained_models[last], data_path)


def wait_text(seconds: float) -> str:
    """About how long a wait is, in words: 'a few seconds' rather than a precise-looking '3 s'."""
    return _("a few seconds") if seconds <= FEW_SECONDS else _("about {duration}").format(duration=duration(seconds))


def phase_text(job: Run) -> str:
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
    epochs = job.request.config.epochs
    return ngettext("Training: {percent} of {epochs} epoch, {took} so far, {of}.",
                    "Training: {percent} of {epochs} epochs, {took} so far, {of}.", epochs).format(
        percent=i18n.percent(job.progress), epochs=epochs, took=took, of=of)


@st.fragment(run_every=1.0)
def run_status(data_path: str, in_train_view: bool = False) -> None:
    """This visitor's run, refreshed every second: a line in the sidebar, and in the Train view its
    place in line, or its phase, progress and curves.

    The one place that follows a run: looking keeps it alive (queue.seen), and a finished run is
    adopted here and nowhere else. The frame calls it in the sidebar from the other views; the
    Train view calls it itself, with its details.
    """
    if (run_id := st.session_state.train_job) is None:
        return
    queue = loaders.run_queue()
    try:
        if isinstance(queue, TrainingUnavailable):
            raise queue
        queue.seen(run_id)
        job = queue.get(run_id)
        place = queue.position(run_id) if job is not None and job.state == WAITING else 0
        wait = queue.wait_seconds(run_id) if place else 0.0
    except TrainingUnavailable:
        if in_train_view:
            st.warning(UNAVAILABLE)
        return
    if job is None:  # forgotten by the store (its owner's runs were deleted)
        st.session_state.train_job = None
        return
    if job.state == DONE:
        adopt(job)
        st.rerun(scope="app")
    if job.state in (WAITING, RUNNING):
        with st.sidebar:
            st.caption(_("Your training run: {phase}.").format(phase=sidebar_phase_text(job, place)))
    if not in_train_view:
        return
    if job.state == WAITING:
        st.info(_("Waiting: number {place} in line, {wait} until it starts. This run then takes about {duration}, "
                  "starting included.").format(place=place, wait=wait_text(wait),
                                               duration=duration(job.estimate.seconds)))
    elif job.state == RUNNING:
        st.progress(min(job.progress, 1.0), text=phase_text(job))
        show_curves(job.history, *st.columns(2))
    elif job.state in (FAILED, CANCELLED):
        st.warning(plain(_(job.message)) if job.message else _("The run did not finish."))
    if job.state in (WAITING, RUNNING):
        st.button(_("Stop"), key="train_stop", on_click=queue.cancel, args=(job.id,))
    else:
        st.button(_("Dismiss"), key="train_dismiss", on_click=forget_job)


def sidebar_phase_text(job: Run, place: int) -> str:
    """Where a waiting or running run is (`place` in line while it waits), in a few words for the sidebar."""
    if job.state == WAITING:
        return _("waiting, number {place} in line").format(place=place)
    if job.starting:
        return _("starting ({took} so far)").format(took=duration(job.elapsed()))
    return _("{percent} done ({took} so far)").format(percent=i18n.percent(job.progress), took=duration(job.elapsed()))


def forget_job() -> None:
    """Dismiss a failed or stopped run: the Train view's form is free again."""
    st.session_state.train_job = None


def adopt(job: Run) -> None:
    """Select the finished run's model, which the store keeps among this visitor's trained models."""
    st.session_state.train_job = None
    if job.name not in st.session_state.trained_models:  # the store could not keep it (or lost it)
        st.warning(_("The run finished, but its model {model} could not be read back; train again.").format(
            model=job.name))
        return
    st.session_state.last_trained = job.name
    st.session_state.select_model = job.name  # applied before the chooser is drawn
    st.session_state.trained_news = job.name  # a toast on the next run, in whichever view is open


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


def show_trained(name: str, trained: TrainedModel, data_path: str) -> None:
    """The result of this visitor's latest training run: its score in the same line as the news."""
    record = trained.classifier.record
    evaluation = loaders.trained_model_scores(trained.classifier, trained.run_id, data_path)
    st.success(_("Trained **{model}**: {accuracy} right on the {count} test digits.").format(
        model=name, accuracy=i18n.percent(evaluation.accuracy, 2),
        count=i18n.number(len(evaluation.labels))) + " " + state.reading_with(name))
    accuracy, took, download = st.columns(3, vertical_alignment="center")
    accuracy.metric(_("Test accuracy"), i18n.percent(evaluation.accuracy, 2))
    epochs = int(record.get("epochs_run", 0))
    took.metric(_("Training time"), _("{seconds} s").format(seconds=i18n.number(record.get("train_seconds", 0))),
                help=ngettext("{images} images, {epochs} epoch", "{images} images, {epochs} epochs", epochs).format(
                    images=i18n.number(trained.train_examples), epochs=epochs))
    if (files := trained.files()) is not None:
        download.download_button(_("Download the model (.keras)"), files[1], file_name=f"{name}.keras",
                                 mime="application/octet-stream", on_click="ignore")
    show_curves(record.get("history", {}), *st.columns(2))
