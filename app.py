"""The OKR dashboard's entry point: page setup, the database, navigation and the shared frame.

Run with ``streamlit run app.py``. The database is ``$OKR_DB`` (default ``data/okr.db``); on
the first run of the process its schema is brought up to date, and a brand-new file is filled
with the demo organisation. Every page then gets the same frame (:mod:`ui.frame`): the cycle
and unit pickers, deep-linked as ``?cycle=ID&unit=ID``, and, while the data is the demo's, a
notice saying so.
"""

from __future__ import annotations

import streamlit as st

from ui import frame

st.set_page_config(
    page_title="OKR dashboard",
    page_icon=":material/track_changes:",
    layout="wide",
)

PAGES = {
    "Dashboard": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/alignment.py", title="Alignment", icon=":material/account_tree:"),
        st.Page("pages/trends.py", title="Confidence trends", icon=":material/trending_up:"),
        st.Page("pages/kpis.py", title="KRs vs KPIs", icon=":material/monitor_heart:"),
        st.Page("pages/okrs.py", title="All OKRs", icon=":material/view_list:"),
        st.Page("pages/wall.py", title="Wall screen", icon=":material/tv:"),
    ],
    "Work": [
        st.Page("pages/checkin.py", title="Check-in", icon=":material/edit_note:"),
        st.Page("pages/manage.py", title="Manage", icon=":material/settings:"),
        st.Page("pages/review.py", title="Review", icon=":material/flag:"),
        st.Page("pages/summary.py", title="Executive summary", icon=":material/summarize:"),
    ],
}

page = st.navigation(PAGES)
frame.draw()
page.run()
