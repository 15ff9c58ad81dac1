"""Tabs and expanders whose hidden content is drawn only once it has been opened.

Every element a run draws is a message the browser decodes and lays out at each click (README,
"A click in the browser"), hidden or not: a page's tabs behind the first one and its collapsed
expanders cost as much as what shows. These containers track whether they are open (Streamlit's
``on_change="rerun"``: opening one reruns the page), and their content is drawn from the first
time they are opened on this visit of the page, then at every run until the visitor leaves the
page (``keep``), or only while open for what holds no input (``keep=False``).

Why not only while open: a form's inputs hold what was typed in the browser until it is
submitted, and the browser drops an input the run no longer draws; Streamlit forgets the state
of any widget a run does not draw (a picker's choice, an expander left open). A tab left with a
half-filled form, or a collapsed expander holding one, must find it as it was when it is opened
again, so what was opened once stays drawn, hidden, as every tab and expander was before.

A visit starts when the container's own key is missing from the session state: Streamlit drops
the state of a widget that a run of another page did not draw, so a later visit starts with only
the default tab drawn again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import streamlit as st

SEEN = "okr_lazy_seen"
"""Session-state key: for each lazy container's key, what was opened on this visit (a set of tab
labels, or ``{True}`` for an expander), in a plain dict that is no widget's state."""


def _seen(key: str, fresh: bool) -> set:
    """What the container ``key`` showed on this visit; forgotten when the visit is ``fresh``."""
    seen = st.session_state.get(SEEN)
    if seen is None:
        seen = st.session_state[SEEN] = {}
    if fresh or key not in seen:
        seen[key] = set()
    return seen[key]


def tabs(labels: Sequence[str], key: str, keep: bool = True) -> list[tuple[Any, bool]]:
    """``st.tabs(labels)`` keyed ``key``, the first tab selected: each tab with whether to draw
    its content (it is selected, or, with ``keep``, was on this visit of the page)."""
    fresh = key not in st.session_state
    containers = st.tabs(list(labels), key=key, on_change="rerun")
    seen = _seen(key, fresh or not keep)
    for label, tab in zip(labels, containers):
        if tab.open:
            seen.add(label)
    return [(tab, label in seen) for label, tab in zip(labels, containers)]


@contextmanager
def expander(label: str, key: str, keep: bool = True, **options: Any) -> Iterator[bool]:
    """``with st.expander(label, **options)`` keyed ``key``, collapsed at first; yields whether
    to draw its content (it is open, or, with ``keep``, was on this visit of the page)."""
    fresh = key not in st.session_state
    with st.expander(label, key=key, on_change="rerun", **options) as box:
        seen = _seen(key, fresh or not keep)
        if box.open:
            seen.add(True)
        yield bool(seen)
