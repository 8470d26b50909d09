"""A class in the address: which page it asks for, the one store every page of it reads, starting one.

A student's link is ?class=CODE; the teacher's, the wall, is ?class=CODE&teacher=KEY. The key is
checked by the wall itself (views.wall), never trusted from the address alone.
"""

from __future__ import annotations

import streamlit as st

from mlp.classroom import ClassError, ClassStore
from mlp.classroom.engine import store_url
from mlp.i18n import _
from views.text import plain

CLASS, TEACHER, ME = "class", "teacher", "me"  # the query parameters: the code, the teacher's key, a student's token


def class_store() -> ClassStore:
    """The server's one class store: $MLP_CLASS_DB, else an SQLite file in the data folder."""
    return store_at(store_url())  # resolved here, so that the cache is keyed by the address it opens


@st.cache_resource(show_spinner=False)
def store_at(url: str) -> ClassStore:
    """One store per address, shared by every session."""
    return ClassStore.open(url)


def mode() -> str | None:
    """Which page the address asks for: 'wall' (a teacher key is given), 'student' (a class code
    alone), or None (the page as usual)."""
    if not st.query_params.get(CLASS):
        return None
    return "wall" if st.query_params.get(TEACHER) else "student"


def code() -> str:
    """The class code in the address, as typed (the store finds it whatever its case)."""
    return st.query_params.get(CLASS, "").strip()


def keep_code(spelled: str) -> None:
    """Write the class's code into the address as the class spells it (a code typed in lower case or with
    a dash works, but the link and the QR code handed on from this page then show the code as it is read aloud)."""
    if st.query_params.get(CLASS) != spelled:
        st.query_params[CLASS] = spelled


def start_class() -> None:
    """Callback: start a class and go to its wall; the wall's address is the teacher's (a reload keeps it)."""
    try:
        info = class_store().new_class()
    except ClassError as err:
        st.session_state.class_start_problem = str(err)
        return
    st.session_state.class_start_problem = None
    kept = {key: st.query_params[key] for key in ("lang",) if key in st.query_params}  # the page's language
    st.query_params.from_dict({CLASS: info.code, TEACHER: info.teacher_key, **kept})


def start_button() -> None:
    """Presenter mode's 'Start a class' button, and why starting failed when it did."""
    st.button(_("Start a class"), icon=":material/groups:", on_click=start_class,
              help=_("A code and a QR code for students' phones; their drawings come to a wall on this screen. "
                     "The wall's address holds the teacher key: keep it to yourself."))
    if st.session_state.class_start_problem:
        st.error(_("Could not start a class: {reason}").format(reason=plain(st.session_state.class_start_problem)))
