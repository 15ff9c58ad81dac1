"""The OKR dashboard's entry point: page setup, the database, navigation and the shared frame.

Run with ``streamlit run app.py``. The database is ``$OKR_DB`` (default ``data/okr.db``); on
the first run of the process its schema is brought up to date, and a brand-new file is filled
with the demo organisation. Every page then gets the same frame (:mod:`ui.frame`): the cycle
and unit pickers, deep-linked as ``?cycle=ID&unit=ID``, and, while the data is the demo's, a
notice saying so. A database the app cannot use (not SQLite, written by a newer version,
read-only, on a full disk) gives one message on every page instead of an exception.
"""

from __future__ import annotations

import streamlit as st

from okrdata.db import DatabaseError
from ui import data, frame, navigation

st.set_page_config(
    page_title="OKR dashboard",
    page_icon=":material/track_changes:",
    layout="wide",
)

page = st.navigation(navigation.menu())
try:
    frame.draw()
    page.run()
except DatabaseError as problem:  # the file broke mid-page (a read-only disk, say): say so, no traceback
    data.show_problem(problem)
