"""The Train view: pick hyperparameters, train with live curves, then use or download the model."""

from __future__ import annotations

import itertools

import streamlit as st

import mlp
import mlp.config
from views import charts, guards, state
from views.state import TrainedModel
from views.text import plain, plural


def apply_preset() -> None:
    """Copy the chosen preset's values into the training form."""
    st.session_state.update(state.preset_values(st.session_state.train_preset))


def train_form(preset: mlp.TrainConfig) -> tuple[mlp.TrainConfig, int | None] | None:
    """The form: on submit, the preset with the visitor's changes and how many images to train on."""
    with st.form("train_form", border=True):
        hidden_col, epochs_col, batch_col, lr_col = st.columns(4)
        hidden = hidden_col.text_input("Hidden layers", key="train_hidden",
                                       help="Units of each hidden layer, comma-separated: 128 or 256,128")
        epochs = epochs_col.number_input("Epochs", min_value=1, max_value=100, step=1, key="train_epochs")
        batch = batch_col.number_input("Batch size", min_value=1, max_value=4096, step=16, key="train_batch")
        rate = lr_col.number_input("Learning rate", min_value=1e-5, max_value=1.0, step=1e-4, format="%.4f",
                                   key="train_lr")
        limit = st.number_input("Train on the first N images (empty: all 60,000)", min_value=100,
                                max_value=60_000, step=1000, placeholder="all 60,000", key="train_limit")
        submitted = st.form_submit_button("Train", type="primary")
    if not submitted:
        return None
    try:
        config = preset.with_changes(hidden=mlp.config.parse_hidden(hidden), epochs=int(epochs),
                                     batch_size=int(batch), learning_rate=float(rate))
    except ValueError as err:
        st.error(f"Cannot train with hidden layers “{plain(hidden)}”: {plain(err)}.")
        return None
    return config, None if limit is None else int(limit)


def show(model: mlp.Classifier | None, data_path: str) -> None:
    """Pick hyperparameters, train with live curves, then use or download the model."""
    st.markdown("Train a new MLP on MNIST here. It joins the model chooser in the sidebar for the rest "
                "of your visit; the shipped models stay as they are.")
    if (data := guards.mnist_or_notice(data_path)) is None:
        return
    st.selectbox("Preset", list(mlp.PRESETS), key="train_preset", on_change=apply_preset,
                 help="Starting hyperparameters; edit them below.")
    preset = mlp.PRESETS[st.session_state.train_preset]
    st.caption(f"This preset also sets: batch normalisation {'on' if preset.batch_norm else 'off'}, "
               f"dropout {preset.dropout:g}, cosine decay {'on' if preset.cosine_decay else 'off'}, "
               f"augmentation {'on' if preset.augment else 'off'}, seed {preset.seed}.")
    request = train_form(preset)
    st.caption("Stay on this view while it trains: switching views or models stops the run.")
    if request is not None:
        config, limit = request
        run_training(config, data.first(train=limit))
    last = st.session_state.last_trained
    if last in st.session_state.trained_models:
        show_trained(last, st.session_state.trained_models[last])


def run_training(config: mlp.TrainConfig, data: mlp.Mnist) -> None:
    """Train with a progress bar and live curves; store the model in this session and select it."""
    steps_text = f"{len(data.x_train):,} images, {plural(config.epochs, 'epoch')}"
    bar = st.progress(0.0, text=f"Starting: {steps_text}...")
    loss_slot, accuracy_slot = (column.empty() for column in st.columns(2))
    history: dict[str, list[float]] = {}

    def on_batch(epoch: int, batch: int, batches: int) -> None:
        bar.progress(min(1.0, (epoch + batch / batches) / config.epochs),
                     text=f"Epoch {epoch + 1} of {config.epochs}, batch {batch} of {batches}")

    def on_epoch(epoch: int, epochs: int, logs: dict) -> None:
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        show_curves(history, loss_slot, accuracy_slot)

    result = mlp.train(config, data, on_epoch=on_epoch, on_batch=on_batch)
    bar.progress(1.0, text="Scoring on the test set...")
    trained = st.session_state.trained_models
    taken = set(mlp.shipped_models()) | set(trained)
    name = next(f"trained-{n}" for n in itertools.count(len(trained) + 1) if f"trained-{n}" not in taken)
    classifier = mlp.from_keras(result.keras_model, name, result.metadata(name, data))
    trained[name] = TrainedModel(
        classifier=classifier,
        evaluation=mlp.evaluate(classifier, mlp.as_model_input(data.x_test), data.y_test),
        keras_file=mlp.model_bytes(result.keras_model),
        train_examples=len(data.x_train),
    )
    st.session_state.last_trained = name
    st.session_state.select_model = name  # applied before the chooser is drawn
    st.rerun()


def show_curves(history: dict[str, list[float]], loss_slot, accuracy_slot) -> None:
    loss_slot.altair_chart(charts.curves_chart(history, "loss"), width="stretch")
    accuracy_slot.altair_chart(charts.curves_chart(history, "accuracy"), width="stretch")


def show_trained(name: str, trained: TrainedModel) -> None:
    """The result of this session's latest training run."""
    record = trained.classifier.record
    st.success(f"Trained **{name}**: it is now in the sidebar's model chooser.")
    accuracy, took, download = st.columns(3, vertical_alignment="center")
    accuracy.metric("Test accuracy", f"{trained.evaluation.accuracy:.2%}")
    took.metric("Training time", f"{record.get('train_seconds', 0):.0f} s",
                help=f"{trained.train_examples:,} images, {plural(record.get('epochs_run', 0), 'epoch')}")
    download.download_button("Download the model (.keras)", trained.keras_file, file_name=f"{name}.keras",
                             mime="application/octet-stream", on_click="ignore")
    show_curves(record.get("history", {}), *st.columns(2))
