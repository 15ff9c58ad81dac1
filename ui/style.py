"""The CSS every page shares: a phone's layout, and the keyed containers it switches on.

Streamlit draws on the server and cannot know how wide the reader's screen is (``st.context``
tells the URL, headers and locale, not the viewport), so a page that needs two layouts draws
both, each in a container with a key, and CSS media queries in the browser show the one that
fits: a table for a screen wider than :data:`PHONE_MAX` pixels (:func:`wide`), a list for a
phone (:func:`phone`). Streamlit gives a container made with ``key="x"`` the CSS class
``st-key-x``; the rules below match the key prefixes.

A row of metrics (or of charts, cards) is :func:`row`: one horizontal container whose elements
each take an equal share of the width, as ``st.columns`` would give them, but sent as one block
instead of a block per column (every block and element is a message the browser decodes and
lays out at each click). On a phone a row stacks its elements, as columns do, or shows them two
a row (metrics).

On a phone, too: button groups (the status pills of All OKRs) wrap instead of scrolling
sideways, and rows of metrics show two a row instead of one under another, their words wrapping
rather than cut with an ellipsis.

:func:`install` puts the rules on the page; ``ui.frame`` calls it before every page.
"""

from __future__ import annotations

import streamlit as st

PHONE_MAX = 640
"""Widest screen, in CSS pixels, that gets the phone layout (Streamlit stacks columns below it)."""
WIDE_PREFIX = "okr_wide_"
PHONE_PREFIX = "okr_phone_"
ROW_PREFIX = "okr_row_"
"""Key prefix of a :func:`row` that shows its elements two a row on a phone."""
STACK_PREFIX = "okr_stack_"
"""Key prefix of a :func:`row` that stacks its elements on a phone, as ``st.columns`` does."""

CSS = f"""<style>
[class*="st-key-{ROW_PREFIX}"] > *, [class*="st-key-{STACK_PREFIX}"] > * {{ flex: 1 1 0; min-width: 0; }}
@media (max-width: {PHONE_MAX}px) {{
  [class*="st-key-{ROW_PREFIX}"] > * {{ flex: 1 1 calc(50% - 0.5rem); min-width: calc(50% - 0.5rem); }}
  [class*="st-key-{STACK_PREFIX}"] > * {{ flex: 1 1 100%; min-width: 100%; }}
  [class*="st-key-{WIDE_PREFIX}"] {{ display: none !important; }}
  [data-testid="stButtonGroup"] [role="toolbar"] {{ flex-wrap: wrap; row-gap: 0.4rem; }}
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {{
    flex-flow: row wrap;
  }}
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] {{
    min-width: calc(50% - 0.5rem) !important; width: calc(50% - 0.5rem) !important;
    flex: 1 1 calc(50% - 0.5rem) !important;
  }}
  [data-testid="stMetricValue"] *, [data-testid="stMetricLabel"] *, [data-testid="stMetricDelta"] * {{
    white-space: normal !important; text-overflow: clip !important; overflow-wrap: break-word;
  }}
  [class*="st-key-{PHONE_PREFIX}"] li {{ margin-bottom: 0.6rem; }}
}}
@media (min-width: {PHONE_MAX + 1}px) {{
  [class*="st-key-{PHONE_PREFIX}"] {{ display: none !important; }}
}}
</style>"""


def install() -> None:
    """Put the shared rules on the page (a style element takes no room)."""
    st.html(CSS)


def wide(key: str):
    """A container shown on screens wider than a phone (a table's place); ``key`` names it."""
    return st.container(key=WIDE_PREFIX + key)


def phone(key: str):
    """A container shown on a phone only (the list that stands in for a table); ``key`` names it."""
    return st.container(key=PHONE_PREFIX + key)


def row(key: str, *, gap: str = "small", stack: bool = False, where=st):
    """A row of equal-width elements or containers: one block where ``st.columns`` sends one per
    column, laid out as those columns at every width. On a phone it shows them two a row (a
    page's metrics), or with ``stack`` one under another. ``key`` names it (CSS class
    ``st-key-okr_row_KEY``, ``st-key-okr_stack_KEY``), ``gap`` as ``st.columns``'s, ``where`` is
    the container it goes in. Put elements in with ``row(key).metric(...)`` or ``with row(key):``.
    Not for buttons: a row stretches each element to its share, where a column left a button as
    wide as its label."""
    return where.container(horizontal=True, gap=gap, key=(STACK_PREFIX if stack else ROW_PREFIX) + key)
