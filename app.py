"""The page: draw a digit and watch an MLP read it; browse its test predictions and mistakes; train one.

Run with `streamlit run app.py` (MNIST from $MNIST_NPZ, a local mnist.npz in the Keras layout,
else the Keras download). This file is the frame: page set-up, the model chooser, the router
(one name-to-view table) and, once per process, the server's own set-up (views/server.py).
Each view lives in its own module under views/.
"""

from __future__ import annotations

import os

import streamlit as st

from mlp.i18n import N_, _
from views import (class_start, draw, grid, guards, join, language, mistakes, presenter, server, sidebar, state,
                   student, train, wall)

# The router: tab title (English; shown in the page's language) -> view. Each view is
# show(model, data_path) and says itself what it lacks.
VIEWS = {N_("Draw"): draw.show, N_("Test grid"): grid.show, N_("Mistakes"): mistakes.show, N_("Train"): train.show}
# A class in the address (?class=...) is a page of its own: show(data_path), no tabs, no sidebar.
CLASS_PAGES = {"wall": wall.show, "student": student.show}


def main() -> None:
    language.apply()  # first: every word below is in it
    presenting = presenter.from_url()  # decided first: the page's set-up depends on it
    class_page = class_start.mode()  # 'wall', 'student' or None
    st.set_page_config(page_title=_("Digit reader: an MLP on MNIST"), page_icon=":pencil2:", layout="wide",
                       initial_sidebar_state="collapsed" if presenting or class_page else "auto")
    state.init()
    if join.full_screen_requested():  # ?join=1: the projector shows only how to join
        join.full_screen()
        return
    data_path = os.environ.get("MNIST_NPZ", "")
    if class_page is not None:
        with guards.contained(_("the class")):
            CLASS_PAGES[class_page](data_path)
        server.server_setup(data_path)  # a class's first page may be the process's first
        return
    st.session_state.present = presenting  # the URL decides; the toggle below shows it and writes it
    model, problem = None, None
    with st.sidebar:
        language.chooser()
    with guards.contained(_("the model chooser")):
        model, problem = sidebar.model_chooser()
    if presenting:
        presenter.compact_page()
        language.corner_chooser()
    else:
        st.title(_("Digit reader"))
        st.markdown(_("Draw a digit and watch a small neural network, a multilayer perceptron trained on "
                      "MNIST, read it; look inside it; then see how it does on 10,000 test digits, or "
                      "train your own."))
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        st.toggle(_("Presenter mode"), key="present", on_change=presenter.to_url,
                  help=_("Canvas and prediction sized to the screen, short explanations, the sidebar folded. "
                         "Kept in the address (?present=1): bookmark it."))
        join.show()
        if presenting:
            presenter.model_switch()
            class_start.start_button()
    if problem:
        st.error(problem)
    language.follow_tab(list(VIEWS))  # ?view= may name the tab in another language
    tabs = st.tabs(language.labels(list(VIEWS)), key="view", bind="query-params")
    opened = [name for name, tab in zip(VIEWS, tabs) if tab.open]
    for tab, show in zip(tabs, VIEWS.values()):
        if tab.open:
            with tab, guards.contained():
                show(model, data_path)
    if st.session_state.train_job is not None and "Train" not in opened:
        # A run in progress shows in the sidebar from any view; the Train view follows it itself.
        with guards.contained(_("the training status")):
            train.run_status(data_path)
    server.server_setup(data_path)  # once per process, after the first page is out


main()
