"""The sidebar: choose a model (shipped, or trained in this visit) and read what it is."""

from __future__ import annotations

import streamlit as st

import mlp
from mlp import i18n
from mlp.i18n import _, ngettext
from mlp.model import recorded_number
from views import loaders
from views.text import plain, without_paths


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
        return _("The model {model} is missing: its file is not part of this installation. "
                 "Choose another model in the sidebar.").format(model=plain(name))
    # The loader's message repeats what this sentence says already: keep what is wrong.
    reason = str(loaders.shipped_model(name)).removeprefix(f"the shipped model {name!r} is damaged: ")
    reason = without_paths(reason)
    return _("The model {model} is damaged and cannot be loaded ({reason}). "
             "Choose another model in the sidebar.").format(model=plain(name), reason=plain(reason))


def describe_record(record: dict) -> None:
    """The model's architecture and figures, each left out when its record lacks it or holds text."""
    architecture = record.get("architecture")
    st.caption(architecture.replace(" > ", " → ") if isinstance(architecture, str)
               else _("architecture not recorded"))
    if (accuracy := recorded_number(record, "test_accuracy")) is not None:
        st.markdown(_("Test accuracy **{accuracy}** on the {count} MNIST test digits.").format(
            accuracy=i18n.percent(accuracy, 2), count=i18n.number(10_000)))
    examples, epochs, seconds = (recorded_number(record, key) for key in
                                 ("train_examples", "epochs_run", "train_seconds"))
    if examples:
        values = dict(images=i18n.number(int(examples)), epochs=int(epochs or 0), seconds=i18n.number(seconds or 0))
        if epochs is not None and seconds is not None:
            sentence = ngettext("Trained on {images} images for {epochs} epoch in {seconds} s.",
                                "Trained on {images} images for {epochs} epochs in {seconds} s.", int(epochs))
        elif epochs is not None:
            sentence = ngettext("Trained on {images} images for {epochs} epoch.",
                                "Trained on {images} images for {epochs} epochs.", int(epochs))
        elif seconds is not None:
            sentence = _("Trained on {images} images in {seconds} s.")
        else:
            sentence = _("Trained on {images} images.")
        st.caption(sentence.format(**values))


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
            return _("{model} (trained here)").format(model=name)
        status = {"missing": _("missing"), "damaged": _("damaged")}
        return name if isinstance(shipped[name], mlp.Classifier) else f"{name} ({status[shipped[name]]})"

    with st.sidebar:
        st.header(_("Model"))
        name = st.selectbox(_("Model"), options, key="model_name", label_visibility="collapsed",
                            format_func=label)
        model = trained[name].classifier if name in trained else shipped[name]
        if not isinstance(model, mlp.Classifier):
            return None, unavailable(name, model)
        describe_record(model.record)
        st.divider()
        st.caption(_("The model is a multilayer perceptron: the 28x28 pixels go in as 784 numbers, "
                     "through fully connected layers, and come out as ten probabilities."))
    return model, None
