"""The app's pages, in menu order: each one's file, title, icon and menu group.

``app.py`` builds Streamlit's navigation from :data:`PAGES` (:func:`menu`); the tests and the
speed benchmark walk the same list, so a new page is added in one place.
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st


class Page(NamedTuple):
    """One page of the menu."""

    path: str
    """The page's script, relative to the app's folder (``pages/overview.py``)."""
    title: str
    icon: str
    group: str
    """The menu section it is listed under."""
    default: bool = False
    """The page ``/`` opens."""


PAGES = (
    Page("pages/overview.py", "Overview", ":material/dashboard:", "Dashboard", default=True),
    Page("pages/alignment.py", "Alignment", ":material/account_tree:", "Dashboard"),
    Page("pages/trends.py", "Confidence trends", ":material/trending_up:", "Dashboard"),
    Page("pages/kpis.py", "KRs vs KPIs", ":material/monitor_heart:", "Dashboard"),
    Page("pages/okrs.py", "All OKRs", ":material/view_list:", "Dashboard"),
    Page("pages/wall.py", "Wall screen", ":material/tv:", "Dashboard"),
    Page("pages/checkin.py", "Check-in", ":material/edit_note:", "Work"),
    Page("pages/manage.py", "Manage", ":material/settings:", "Work"),
    Page("pages/review.py", "Review", ":material/flag:", "Work"),
    Page("pages/summary.py", "Executive summary", ":material/summarize:", "Work"),
)


def menu() -> dict[str, list[st.Page]]:
    """:data:`PAGES` as ``st.navigation`` takes them: Streamlit pages by menu section."""
    sections: dict[str, list[st.Page]] = {}
    for p in PAGES:
        sections.setdefault(p.group, []).append(st.Page(p.path, title=p.title, icon=p.icon, default=p.default))
    return sections
