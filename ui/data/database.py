"""Opening the database: its path, a short connection for one unit of work, the day the
figures are computed for, and the one-time init each process runs before a page reads.

Each cached reader (:mod:`ui.data.cache`) opens its own short connection (:func:`opened`) and
closes it: each Streamlit script run is its own thread, so no connection is ever shared between
runs. A database the app cannot use (not SQLite, a newer version's, read-only, a full disk,
busy) raises a :class:`okrdata.db.DatabaseError` from :func:`opened`, whose message ``app.py``
shows on the page; a form's write shows it beside the form (:func:`ui.forms.run_write`).

The one-time init also keeps one idle connection open for as long as the process runs
(:func:`okrdata.db.hold`), so that ``okr restore`` knows the app is using the database.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import sqlite_utils
import streamlit as st

from okrdata import queries as q
from okrdata.db import (
    DatabaseError,
    connect,
    db_path,
    explained,
    file_stamp,
    hold,
    writer_lock,
)
from okrdata.schema import migrate, schema_version
from ui import badges

if TYPE_CHECKING:
    from ui.data.cache import _Deps

Stamp = tuple
MAX_ENTRIES = 64
"""Results kept per reader (distinct arguments), and files found usable per stamp
(:func:`ensure_database`); the least recently used fall out."""


_building: contextvars.ContextVar[_Deps | None] = contextvars.ContextVar("okr_reader_deps", default=None)
"""What the result being built right now has read (:class:`ui.data.cache._Deps`), None outside a
build: :func:`opened` adds the file's stamp to it when its reader declared nothing."""


def path() -> str:
    """The database file in use: ``$OKR_DB``, else ``data/okr.db`` (absolute)."""
    return str(db_path().absolute())


def stamp(db_file: str | None = None) -> Stamp:
    """(mtime_ns, size) of the database file and of its ``-wal`` file (:func:`okrdata.db.file_stamp`)."""
    return file_stamp(db_file or path())


@contextlib.contextmanager
def opened(db_file: str | None = None) -> Iterator[sqlite_utils.Database]:
    """A short connection for one unit of work (a read here, or a page's write), then closed.

    An error of SQLite or of the file system inside the block leaves it as a
    :class:`okrdata.db.DatabaseError` that says what is wrong.
    """
    db_file = db_file or path()
    deps = _building.get()
    if deps is not None and not deps.declared:
        # Read straight from the file by a reader that declared nothing (Manage's notification tables):
        # it then moves with any write to the file, as every cache once did.
        deps.add("stamp", file_stamp(db_file))
    db = connect(db_file)
    try:
        with explained(db_file):
            yield db
    finally:
        db.close()


def today() -> dt.date:
    """The day the figures are computed for."""
    return dt.date.today()


# --- the one-time init -------------------------------------------------------------------


def _load_demo(db: sqlite_utils.Database) -> bool:
    try:
        from okrdata.seed import load_demo
    except ModuleNotFoundError as exc:  # the seed loader is not installed: start empty
        if exc.name not in ("okrdata.seed",):
            raise
        return False
    load_demo(db)
    return True


class _Held:
    """The path, and the idle connection kept open while the app serves it (never used)."""

    def __init__(self, db_file: str):
        self.path = db_file
        self._connection = hold(db_file)


@st.cache_resource(show_spinner="Preparing the database…")
def _init(db_file: str) -> _Held:
    """Bring the schema up to date; a brand-new database (no schema yet) gets the demo organisation.

    A database that has a schema but no data was started empty on purpose (``okr init``) and
    is left so. Not cached when it fails (a bad file), so the next run tries again. Done under
    the writers' lock, so that several processes of the app starting on one new file load the
    demo once.
    """
    with opened(db_file) as db, writer_lock(db_file):
        fresh = schema_version(db) == 0 and not db.table_names()
        migrate(db)
        if fresh and q.cycles(db).empty and q.units(db).empty:
            _load_demo(db)
    return _Held(db_file)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _usable(db_file: str, db_stamp: Stamp) -> bool:
    # Opening checks the file (SQLite, a version this one reads): once per stamp, so a file
    # swapped under the running app, by a newer version's restore say, is caught at once.
    with opened(db_file):
        return True


def ensure_database() -> str:
    """Run the one-time init for the current path (once per process and path), check the file
    (once per stamp) and return the path.

    When the file cannot be used, the page shows why (:func:`show_problem`) and stops there.
    """
    db_file = path()
    try:
        _init(db_file)
        _usable(db_file, stamp(db_file))
    except DatabaseError as error:
        show_problem(error)
        st.stop()
    return db_file


def show_problem(error: DatabaseError) -> None:
    """Say on the page why the database cannot be used (instead of an exception)."""
    st.error(
        "The dashboard cannot use its database: " + badges.escape_markdown(error.message),
        icon=":material/database_off:",
    )
