"""The sidebar: choose a model (shipped, or trained in this visit) and read what it is."""

from __future__ import annotations

import streamlit as st

import mlp
from mlp.model import recorded_number
from views import loaders
from views.text import plain, plural, without_paths


def shipped_status() -> dict[str, mlp.Classifier | str]:
    """Every shipped model (the default always among them) -> the model, or 'missing'/'damaged'."""
    files = mlp.shipped_models()
    status: dict[str, mlp.Classifier | str] = {}
    for name in dict.fromkeys([*files, mlp.DEFAULT_MODEL]):
        loaded = loaders.shipped_model(name) if name in files and files[name].exists() else "missing"
        status[name] = "damaged" if isinstance(loaded, mlp.ModelError) else loaded
    return status


def unavailable(name: str, status: str) -> str:
    """A sentence for the page: which model cannot be used and why, without server paths."""
    if status == "missing":
        return f"The model {plain(name)} is missing: its file is not part of this installation. " \
               "Choose another model in the sidebar."
    # The loader's message repeats what this sentence says already: keep what is wrong.
    reason = str(loaders.shipped_model(name)).removeprefix(f"the shipped model {name!r} is damaged: ")
    reason = without_paths(reason)
    return f"The model {plain(name)} is damaged and cannot be loaded ({plain(reason)}). " \
           "Choose another model in the sidebar."


def describe_record(record: dict) -> None:
    """The model's architecture and figures, each left out when its record lacks it or holds text."""
    architecture = record.get("architecture")
    st.caption(architecture.replace(" > ", " → ") if isinstance(architecture, str)
               else "architecture not recorded")
    if (accuracy := recorded_number(record, "test_accuracy")) is not None:
        st.markdown(f"Test accuracy **{accuracy:.2%}** on the 10,000 MNIST test digits.")
    examples, epochs, seconds = (recorded_number(record, key) for key in
                                 ("train_examples", "epochs_run", "train_seconds"))
    if examples:
        epochs_text = f" for {plural(int(epochs), 'epoch')}" if epochs is not None else ""
        seconds_text = f" in {seconds:.0f} s" if seconds is not None else ""
        st.caption(f"Trained on {int(examples):,} images{epochs_text}{seconds_text}.")


def model_chooser() -> tuple[mlp.Classifier | None, str | None]:
    """The sidebar's chooser -> the chosen model, or None and a sentence on why it cannot be used."""
    trained = st.session_state.trained_models
    shipped = shipped_status()
    if st.session_state.select_model is not None:  # a model just trained
        st.session_state.model_name, st.session_state.select_model = st.session_state.select_model, None
    if st.session_state.model_name not in [*shipped, *trained]:  # it vanished: say so, pick no other
        shipped[st.session_state.model_name] = "missing"
    options = [*shipped, *trained]

    def label(name: str) -> str:
        if name in trained:
            return f"{name} (trained here)"
        return name if isinstance(shipped[name], mlp.Classifier) else f"{name} ({shipped[name]})"

    with st.sidebar:
        st.header("Model")
        name = st.selectbox("Model", options, key="model_name", label_visibility="collapsed",
                            format_func=label)
        model = trained[name].classifier if name in trained else shipped[name]
        if not isinstance(model, mlp.Classifier):
            return None, unavailable(name, model)
        describe_record(model.record)
        st.divider()
        st.caption("The model is a multilayer perceptron: the 28x28 pixels go in as 784 numbers, "
                   "through fully connected layers, and come out as ten probabilities.")
    return model, None
