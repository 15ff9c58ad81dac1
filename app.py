"""The OKR dashboard's entry point: page setup, the database, navigation and the shared frame; and
the server around the pages, with the HTTP API and the notification scheduler.

Run with ``streamlit run app.py``. The database is ``$OKR_DB`` (default ``data/okr.db``); on
the first run of the process its schema is brought up to date, and a brand-new file is filled
with the demo organisation. Every page then gets the same frame (:mod:`ui.frame`): the cycle
and unit pickers, deep-linked as ``?cycle=ID&unit=ID``, and, while the data is the demo's, a
notice saying so. A database the app cannot use (not SQLite, written by a newer version,
read-only, on a full disk) gives one message on every page instead of an exception.

This file is read twice. ``streamlit run`` finds the ``st.App`` below and imports the file as
the module ``app`` to serve it: that builds the server, with the HTTP API (:mod:`okrdata.api`)
mounted at ``/api/v1``, and its lifespan (:func:`ui.process.lifespan`): the notification
scheduler (:mod:`okrdata.notify.schedule`, when switched on) and the warmer that brings the
pages' cached figures up to date after each write (:mod:`ui.data.warm`). Then each browser session runs the file as its script
(``__main__``), which draws the pages.
"""

from __future__ import annotations

import streamlit as st

if __name__ == "__main__":
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
else:
    from starlette.routing import Mount

    from okrdata import api
    from ui import process

    app = st.App(__file__, routes=[Mount(api.PREFIX, app=api.make_app())], lifespan=process.lifespan)
    process.settle()  # the collections after each run skip what is loaded by now
