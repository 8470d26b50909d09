"""The digit filter the test grid and the mistakes share."""

from __future__ import annotations

import streamlit as st

from mlp.i18n import _
from views.state import ANY


def digit_choice(label: str, key: str, on_change=None) -> int | None:
    """A selectbox Any/0-9 -> None or the chosen digit; kept while another view is open."""
    # Streamlit forgets a widget's value in a run that does not draw it: without persist_state a
    # filter was back to Any after a visit to the Draw view.
    choice = st.selectbox(label, [ANY, *range(10)], key=key, on_change=on_change, persist_state="page",
                          format_func=lambda option: _(option) if option == ANY else str(option))
    return None if choice == ANY else int(choice)
