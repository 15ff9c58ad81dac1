"""The frame every page shares, drawn by ``app.py`` before the page: database, pickers, demo notice.

:func:`draw` runs the one-time database init, draws the cycle and unit pickers and, while the
data is the demo's, a notice saying so; pages ask for the chosen scope with
:func:`ui.sidebar.current`.

Why a page might run without ``app.py``: Streamlit still knows the old multipage layout, where
every file in a ``pages/`` folder is a page of its own. Until a script run has called
``st.navigation``, a process takes the folder as such an app, so the first run of a fresh
server opened on a sub-page (``/kpis``), and every run in Streamlit's ``AppTest`` (which
forgets the setting before each run), executes the page file alone. :func:`adopt_navigation`
tells Streamlit that this app routes with ``st.navigation`` and reruns through ``app.py``.
"""

from __future__ import annotations

import streamlit as st

from ui import auth, data, sidebar, style

DEMO_NOTICE = "You are looking at demo data — run `okr init --fresh` to start your own."
ADOPT_KEY = "okr_adopt_attempts"
DEMO_NOTICE_KEY = "okr_demo_notice"


def draw() -> sidebar.Scope:
    """Make sure the database is ready, draw the pickers and the demo notice; return the scope."""
    data.ensure_database()
    auth.gate()  # a private deployment shows nothing, not even the pickers, before sign-in
    scope = sidebar.scope_pickers()
    st.session_state[ADOPT_KEY] = 0
    style.install()
    if data.is_demo():
        # In a keyed container, so a page can fold it away (the wall on a TV says it otherwise).
        with st.container(key=DEMO_NOTICE_KEY):
            st.info(DEMO_NOTICE, icon=":material/science:")
    auth.sign_in_sidebar()
    return scope


def legacy_run() -> bool:
    """True when this run executes a page file without ``app.py`` (see the module docstring).

    ``st.navigation`` in ``app.py`` switches Streamlit's ``pages/`` folder handling off before
    any page runs, so a page that finds it still on was run alone.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the legacy path
        return False
    return bool(getattr(PagesManager, "uses_pages_directory", False))


def adopt_navigation() -> sidebar.Scope:
    """Send a page run without ``app.py`` back through it: turn the legacy ``pages/`` folder
    handling off and rerun. Should the rerun not get there, draw the frame here, so the page
    still works.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    attempts = st.session_state.get(ADOPT_KEY, 0)
    if attempts < 1:
        st.session_state[ADOPT_KEY] = attempts + 1
        st.rerun()
    return draw()
