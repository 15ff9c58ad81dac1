"""What a page says instead of its figures when there is nothing to show, and the way on.

A page with nothing to show (no cycle yet, no objectives in the chosen scope) says why in one
line, links to Manage where the missing thing is made, and stops there: never an empty chart
or a zero that reads like a result.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from ui import sidebar

NO_CYCLES = "There are no cycles yet. Run `okr demo` to load the demo organisation, or create a cycle in Manage."


def stop(
    message: str, *, icon: str = ":material/inbox:", link: str | None = "Open Manage", query_params: dict | None = None
) -> NoReturn:
    """Say why the page has nothing to show (``message``, Markdown: escape what a person typed),
    offer Manage under the label ``link`` (None: no link), and end this run of the page."""
    st.info(message, icon=icon)
    if link is not None:
        st.page_link("pages/manage.py", label=link, icon=":material/settings:", query_params=query_params)
    st.stop()


def need_cycle(scope: sidebar.Scope, *, link: bool = True) -> None:
    """End the page's run, saying how to start, while there is no cycle (``link``: with a link
    to Manage); otherwise say under the title which cycle and unit the page shows."""
    if scope.cycle_id is None:
        stop(NO_CYCLES, icon=":material/event_busy:", link="Open Manage" if link else None)
    sidebar.scope_caption(scope)
