"""The page's language: ?lang=de|ja|en in the address (kept there like ?present=1), else the browser's,
else English; a chooser for the sidebar and one for presenter mode."""

from __future__ import annotations

import streamlit as st

from mlp import i18n
from mlp.i18n import _

PARAM = "lang"


def from_browser() -> str | None:
    """The browser's language (navigator.language, e.g. 'de-DE'), when the page speaks it."""
    try:
        return i18n.supported(st.context.locale)
    except Exception:  # no browser behind this session (a test harness without context)
        return None


def chosen() -> str:
    """This session's language: ?lang= when it names one the page speaks, else the browser's, else English."""
    return i18n.supported(st.query_params.get(PARAM)) or from_browser() or i18n.DEFAULT


def apply() -> str:
    """Set this run's language (called first thing on every run of the page) -> its code.

    A fragment's rerun runs in a thread of its own without the page's start: there the language
    comes from the session (i18n.follow), where this leaves it.
    """
    code = chosen()
    st.session_state.lang = code
    return i18n.activate(code)


def _session_language() -> str | None:
    try:
        return st.session_state["lang"] if "lang" in st.session_state else None
    except Exception:  # outside a script run (a thread of the server's own): English
        return None


i18n.follow(_session_language)  # the language of a fragment's rerun, whose thread the page did not start


def to_url(key: str) -> None:
    """Callback of a chooser: the address keeps the language from then on (a bookmark, the join code)."""
    code = i18n.supported(st.session_state[key])
    if code is not None:
        st.query_params[PARAM] = code
        st.session_state.lang = code
        i18n.activate(code)


def chooser(key: str = "lang_sidebar", compact: bool = False) -> None:
    """The language chooser: a select box (sidebar), or, `compact`, a small button showing the language's
    code that opens the choice (presenter mode's row, which has no room for another row on a projector)."""
    st.session_state[key] = i18n.current()  # the address may have changed it since the last run
    options = list(i18n.LANGUAGES)
    if compact:
        with st.popover(short_name(i18n.current()), icon=":material/translate:", help=_("Language")):
            st.segmented_control(_("Language"), options, key=key, format_func=i18n.LANGUAGES.get,
                                 on_change=to_url, args=(key,), label_visibility="collapsed",
                                 required=True)
    else:
        st.selectbox(_("Language"), options, key=key, format_func=i18n.LANGUAGES.get,
                     on_change=to_url, args=(key,))


# Presenter mode's chooser sits in the band above the page, top right, where the sidebar's toggle leaves
# room: the row of presenter controls has no room to spare on a 1024-pixel projector or a phone, and another
# row there would take its height from the canvas.
# The container's wrapper is what leaves the page's flow (the container alone left an empty wrapper there,
# and the gap above it cost the canvas 20 pixels).
_CORNER = ("<style>[data-testid='stLayoutWrapper']:has(> .st-key-present_language) { position: fixed; "
           "top: 0.6rem; right: 1.5rem; z-index: 999990; width: auto; }</style>")


def corner_chooser() -> None:
    """Presenter mode's language chooser, in the top-right corner of the window."""
    st.html(_CORNER)
    with st.container(key="present_language", width="content"):
        chooser("lang_present", compact=True)


def short_name(code: str) -> str:
    """'de' -> 'DE': presenter mode's row has little room."""
    return code.upper()


def labels(names: list[str]) -> list[str]:
    """The tab titles of `names` (English, marked with N_) in the current language."""
    return [_(name) for name in names]


def follow_tab(names: list[str], key: str = "view") -> None:
    """Before the tabs are drawn: a tab named in another language (a switch of language, an old
    bookmark's ?view=Train) becomes the same tab's title in this one."""
    here = dict(zip(names, labels(names)))
    opened = st.query_params.get(key) or (st.session_state[key] if key in st.session_state else None)
    if opened is None or opened in here.values():
        return
    for name in names:
        if opened in {name, *(_in(code, name) for code in i18n.LANGUAGES)}:
            st.session_state[key] = here[name]  # the tabs, bound to the address, write it there
            return


def _in(code: str, message: str) -> str:
    """`message` in the language `code`, whatever the current one."""
    return i18n.translations(code).gettext(message)
