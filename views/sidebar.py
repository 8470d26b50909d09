"""The sidebar: choose a model (shipped, or trained in this visit) and read what it is."""

from __future__ import annotations

import streamlit as st

import mlp
from views import loaders
from views.text import plain, plural, without_paths


def shipped_status() -> dict[str, mlp.Classifier | str]:
    """Every shipped model (the default always among them) -> the model, or 'missing'/'damaged'."""
    files = mlp.shipped_models()
    status: dict[str, mlp.Classifier | str] = {}
    for name in dict.fromkeys([*files, mlp.DEFAULT_MODEL]):
        loaded = loaders.shipped_model(name) if name in files and files[name].is_file() else "missing"
        status[name] = "damaged" if isinstance(loaded, mlp.ModelError) else loaded
    return status


def unavailable(name: str, status: str) -> str:
    """A sentence for the page: which model cannot be used and why, without server paths."""
    if status == "missing":
        return f"The model {plain(name)} is missing: its file is not part of this installation. " \
               "Choose another model in the sidebar."
    reason = without_paths(str(loaders.shipped_model(name)))
    return f"The model {plain(name)} is damaged and cannot be loaded ({plain(reason)}). " \
           "Choose another model in the sidebar."


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
        record = model.record
        st.caption(record.get("architecture", "architecture not recorded").replace(" > ", " → "))
        if (accuracy := record.get("test_accuracy")) is not None:
            st.markdown(f"Test accuracy **{accuracy:.2%}** on the 10,000 MNIST test digits.")
        if record.get("train_examples"):
            st.caption(f"Trained on {record['train_examples']:,} images for "
                       f"{plural(record.get('epochs_run', 0), 'epoch')} "
                       f"in {record.get('train_seconds', 0):.0f} s.")
        st.divider()
        st.caption("The model is a multilayer perceptron: the 28x28 pixels go in as 784 numbers, "
                   "through fully connected layers, and come out as ten probabilities.")
    return model, None
