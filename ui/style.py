"""The CSS every page shares: a phone's layout, and the keyed containers it switches on.

Streamlit draws on the server and cannot know how wide the reader's screen is (``st.context``
tells the URL, headers and locale, not the viewport), so a page that needs two layouts draws
both, each in a container with a key, and CSS media queries in the browser show the one that
fits: a table for a screen wider than :data:`PHONE_MAX` pixels (:func:`wide`), a list for a
phone (:func:`phone`). Streamlit gives a container made with ``key="x"`` the CSS class
``st-key-x``; the rules below match the key prefixes.

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

CSS = f"""<style>
@media (max-width: {PHONE_MAX}px) {{
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
