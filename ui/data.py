"""Cached readers: ``st.cache_data`` wrappers over :mod:`okrdata.queries`, and the one-time init.

Every reader is keyed by the database path and a cheap *stamp* of the file: the modification
time (in nanoseconds) and size of the database file and of its ``-wal`` file. A write by
anyone, in this session, another browser session or the ``okr`` command line, changes the
stamp, so every session sees it at its next rerun without polling the database. After a write
of its own a page also calls :func:`clear`, which drops what the wrappers hold.

Each reader opens its own short connection (:func:`okrdata.db.connect`) and closes it: each
Streamlit script run is its own thread, so no connection is ever shared between runs. A
database the app cannot use (not SQLite, a newer version's, read-only, a full disk, busy)
raises a :class:`okrdata.db.DatabaseError` from :func:`opened`, whose message ``app.py`` shows
on the page; a form's write shows it beside the form (:func:`ui.forms.run_write`).

The one-time init also keeps one idle connection open for as long as the process runs
(:func:`okrdata.db.hold`), so that ``okr restore`` knows the app is using the database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

import pandas as pd
import streamlit as st
import sqlite_utils

from okrdata import quality
from okrdata import trends as trends_module
from okrdata import queries as q
from okrdata.db import DatabaseError, connect, db_path, explained, hold
from okrdata.schema import migrate, schema_version
from ui import badges

Stamp = tuple
MAX_ENTRIES = 64
"""Entries kept per reader: old stamps fall out as new writes come in."""


def path() -> str:
    """The database file in use: ``$OKR_DB``, else ``data/okr.db`` (absolute)."""
    return str(db_path().absolute())


def stamp(db_file: str | None = None) -> Stamp:
    """(mtime_ns, size) of the database file and of its ``-wal`` file; None for a missing file.

    An empty ``-wal`` counts as missing: SQLite creates one when a reader opens the file and
    removes it when the last connection closes, so reads alone never change the stamp.
    """
    db_file = db_file or path()
    parts = []
    for name in (db_file, db_file + "-wal"):
        try:
            info = os.stat(name)
        except FileNotFoundError:
            parts.append(None)
        else:
            if name.endswith("-wal") and info.st_size == 0:
                parts.append(None)
                continue
            parts.append((info.st_mtime_ns, info.st_size))
    return tuple(parts)


@contextlib.contextmanager
def opened(db_file: str | None = None) -> Iterator[sqlite_utils.Database]:
    """A short connection for one unit of work (a read here, or a page's write), then closed.

    An error of SQLite or of the file system inside the block leaves it as a
    :class:`okrdata.db.DatabaseError` that says what is wrong.
    """
    db_file = db_file or path()
    db = connect(db_file)
    try:
        with explained(db_file):
            yield db
    finally:
        db.close()


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
    is left so. Not cached when it fails (a bad file), so the next run tries again.
    """
    with opened(db_file) as db:
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
    st.error("The dashboard cannot use its database: " + badges.escape(error.message), icon=":material/database_off:")


# --- the cached readers ------------------------------------------------------------------


def _today() -> dt.date:
    return dt.date.today()


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _is_demo(db_file: str, db_stamp: Stamp) -> bool:
    with opened(db_file) as db:
        return q.is_demo(db)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _cycles(db_file: str, db_stamp: Stamp) -> pd.DataFrame:
    with opened(db_file) as db:
        return q.cycles(db)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _default_cycle_id(db_file: str, db_stamp: Stamp, today: dt.date) -> int | None:
    with opened(db_file) as db:
        return q.default_cycle_id(db, today)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _units(db_file: str, db_stamp: Stamp, include_archived: bool = False) -> pd.DataFrame:
    with opened(db_file) as db:
        return q.units(db, include_archived=include_archived)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _subtree_ids(db_file: str, db_stamp: Stamp, unit_id: int) -> list[int]:
    with opened(db_file) as db:
        return q.subtree_ids(db, unit_id)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _people(db_file: str, db_stamp: Stamp) -> pd.DataFrame:
    with opened(db_file) as db:
        return q.people(db)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _key_results(db_file: str, db_stamp: Stamp, today: dt.date, cycle_id: int, unit_id: int | None) -> pd.DataFrame:
    with opened(db_file) as db:
        return q.key_results(db, cycle_id, unit_id, today)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _objectives(db_file: str, db_stamp: Stamp, today: dt.date, cycle_id: int, unit_id: int | None) -> pd.DataFrame:
    krs = _key_results(db_file, db_stamp, today, cycle_id, unit_id)
    with opened(db_file) as db:
        return q.objectives(db, cycle_id, unit_id, today, krs=krs)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _objective_rows(db_file: str, db_stamp: Stamp, cycle_id: int, unit_id: int | None) -> pd.DataFrame:
    with opened(db_file) as db:
        return q.objective_rows(db, cycle_id, unit_id)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _unit_progress(db_file: str, db_stamp: Stamp, today: dt.date, cycle_id: int) -> pd.DataFrame:
    objs = _objectives(db_file, db_stamp, today, cycle_id, None)
    with opened(db_file) as db:
        return q.unit_progress(db, cycle_id, today, objs=objs)


# A resource, not data: the weekly frames of a large organisation take longer to copy out of
# the cache (as cache_data does on every call) than a page takes to draw. Read only.
@st.cache_resource(show_spinner=False, max_entries=4)
def _trends(db_file: str, db_stamp: Stamp, today: dt.date, cycle_id: int, unit_id: int | None):
    krs = _key_results(db_file, db_stamp, today, cycle_id, unit_id)
    objs = _objectives(db_file, db_stamp, today, cycle_id, unit_id)
    with opened(db_file) as db:
        cyc = q.cycle(db, cycle_id)
        history = q.checkin_history(db, cycle_id, unit_id)
    return trends_module.build(cyc, krs, objs, history, today)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _cycle_summary(db_file: str, db_stamp: Stamp, today: dt.date, cycle_id: int, unit_id: int | None) -> dict:
    krs = _key_results(db_file, db_stamp, today, cycle_id, unit_id)
    objs = _objectives(db_file, db_stamp, today, cycle_id, unit_id)
    with opened(db_file) as db:
        return q.cycle_summary(db, cycle_id, unit_id, today, objs=objs, krs=krs)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _checkin_history(
    db_file: str, db_stamp: Stamp, cycle_id: int, unit_id: int | None, kr_ids: tuple[int, ...] | None
) -> pd.DataFrame:
    with opened(db_file) as db:
        return q.checkin_history(db, cycle_id, unit_id, kr_ids)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _kpis(db_file: str, db_stamp: Stamp, today: dt.date, unit_id: int | None) -> pd.DataFrame:
    with opened(db_file) as db:
        return q.kpis(db, unit_id, today)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _kpi_readings(db_file: str, db_stamp: Stamp, kpi_ids: tuple[int, ...], since: dt.date | None) -> pd.DataFrame:
    with opened(db_file) as db:
        return q.kpi_readings(db, kpi_ids, since)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _quality(db_file: str, db_stamp: Stamp, cycle_id: int, unit_id: int | None) -> pd.DataFrame:
    with opened(db_file) as db:
        return quality.findings_frame(db, cycle_id, unit_id)


_CACHED = (
    _is_demo, _cycles, _default_cycle_id, _units, _subtree_ids, _people, _key_results, _objectives,
    _unit_progress, _cycle_summary, _checkin_history, _kpis, _kpi_readings, _quality,
)


def clear() -> None:
    """Forget every cached read (call after a write; the stamp catches everyone else's)."""
    for fn in _CACHED:
        fn.clear()


def _key() -> tuple[str, Stamp]:
    db_file = path()
    return db_file, stamp(db_file)


def is_demo() -> bool:
    """True while the database holds the demo organisation."""
    return _is_demo(*_key())


def cycles() -> pd.DataFrame:
    """All cycles, newest first (:func:`okrdata.queries.cycles`)."""
    return _cycles(*_key())


def cycle(cycle_id: int) -> dict | None:
    """One cycle's row as a dict, or None."""
    df = cycles()
    rows = df[df["id"] == cycle_id].to_dict("records") if not df.empty else []
    return rows[0] if rows else None


def default_cycle_id() -> int | None:
    """The cycle shown when none is chosen (:func:`okrdata.queries.default_cycle_id`)."""
    return _default_cycle_id(*_key(), _today())


def units(include_archived: bool = False) -> pd.DataFrame:
    """The unit tree in outline order (:func:`okrdata.queries.units`): the units a picker offers,
    or with ``include_archived`` every unit, as a figure that rolls up the tree needs."""
    return _units(*_key(), include_archived)


def subtree_ids(unit_id: int) -> list[int]:
    """A unit and every unit below it."""
    return _subtree_ids(*_key(), int(unit_id))


def people() -> pd.DataFrame:
    """Everyone (:func:`okrdata.queries.people`)."""
    return _people(*_key())


def key_results(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's key results with every figure (:func:`okrdata.queries.key_results`)."""
    return _key_results(*_key(), _today(), int(cycle_id), unit_id)


def objective_rows(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's objectives as entered, without figures (:func:`okrdata.queries.objective_rows`):
    for pickers and forms, which need no key result's check-ins."""
    return _objective_rows(*_key(), int(cycle_id), unit_id)


def objectives(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's objectives with progress, status and score (:func:`okrdata.queries.objectives`)."""
    return _objectives(*_key(), _today(), int(cycle_id), unit_id)


def unit_progress(cycle_id: int) -> pd.DataFrame:
    """Every unit's roll-up for a cycle (:func:`okrdata.queries.unit_progress`)."""
    return _unit_progress(*_key(), _today(), int(cycle_id))


def cycle_summary(cycle_id: int, unit_id: int | None = None) -> dict:
    """The headline figures of a cycle for a unit's branch (:func:`okrdata.queries.cycle_summary`)."""
    return _cycle_summary(*_key(), _today(), int(cycle_id), unit_id)


def trends(cycle_id: int, unit_id: int | None = None):
    """Every weekly figure of a cycle for a unit's branch (:func:`okrdata.trends.build`).

    Shared by every session without a copy: read it, never change it."""
    return _trends(*_key(), _today(), int(cycle_id), unit_id)


def checkin_history(cycle_id: int, unit_id: int | None = None, kr_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Check-ins of a cycle, oldest first (:func:`okrdata.queries.checkin_history`)."""
    ids = None if kr_ids is None else tuple(int(i) for i in kr_ids)
    return _checkin_history(*_key(), int(cycle_id), unit_id, ids)


def kpis(unit_id: int | None = None) -> pd.DataFrame:
    """KPIs of a unit's branch with their health (:func:`okrdata.queries.kpis`)."""
    return _kpis(*_key(), _today(), unit_id)


def kpi_readings(kpi_ids: Sequence[int], since: dt.date | None = None) -> pd.DataFrame:
    """Readings of some KPIs, oldest first (:func:`okrdata.queries.kpi_readings`)."""
    return _kpi_readings(*_key(), tuple(int(i) for i in kpi_ids), since)


def quality_findings(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """The OKR coach's findings for a cycle and a unit's branch (:func:`okrdata.quality.findings_frame`)."""
    return _quality(*_key(), int(cycle_id), unit_id)


# --- readers added for large organisations ------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _unit_paths(db_file: str, db_stamp: Stamp) -> dict[int, str]:
    tree = _units(db_file, db_stamp)
    if tree.empty:
        return {}
    # Without the company's name ("Product & Engineering / Web App"); the company by its own name.
    return {
        int(i): str(p).split(" / ", 1)[-1] if int(d) else str(p)
        for i, p, d in zip(tree["id"], tree["path"], tree["depth"])
    }


def unit_paths() -> dict[int, str]:
    """Every unit's label for a picker, in outline order: its path without the company's name
    ("Product & Engineering / Web App"), the company's own name for the company. Cached, so a
    picker of a thousand units costs nothing to prepare at a rerun."""
    return _unit_paths(*_key())


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _scope_choices(db_file: str, db_stamp: Stamp) -> dict:
    cycles_df = _cycles(db_file, db_stamp)
    tree = _units(db_file, db_stamp)
    roots = tree[tree["depth"] == 0] if not tree.empty else tree
    return {
        "cycle_rows": {int(r["id"]): r for r in cycles_df.to_dict("records")},
        "root_id": int(roots["id"].iloc[0]) if not roots.empty else None,
        "company_name": str(roots["name"].iloc[0]) if not roots.empty else "Company",
        "unit_names": {int(i): str(name) for i, name in zip(tree["id"], tree["name"])},
        "unit_paths": _unit_paths(db_file, db_stamp),
    }


def scope_choices() -> dict:
    """What the sidebar pickers offer, prepared once per database stamp.

    Keys: ``cycle_rows`` (id → row, newest first), ``root_id`` and ``company_name`` (the unit at
    the top; None and "Company" before there is one), ``unit_names`` (id → name) and
    ``unit_paths`` (:func:`unit_paths`).
    """
    return _scope_choices(*_key())


_CACHED = _CACHED + (_unit_paths, _scope_choices, _objective_rows, _usable)


# --- whatever a page derives from the readers ----------------------------------------------


@st.cache_data(show_spinner=False, max_entries=4 * MAX_ENTRIES)
def _memo(db_file: str, db_stamp: Stamp, today: dt.date, key: tuple, _build: Callable[[], Any]) -> Any:
    return _build()


def memo(build: Callable[[], Any], *key: Hashable) -> Any:
    """``build()``, worked out once per database stamp, day and ``key``, then taken from the cache.

    For what a page derives from the readers and draws again at every rerun, a chart spec above
    all (:func:`ui.charts.spec`). ``key`` names the thing and everything it depends on besides
    the database and the day (``"trends.heatmap", cycle_id, unit_id``): two builds under one key
    are taken to be the same. The result must pickle.
    """
    return _memo(*_key(), _today(), tuple(key), _build=build)


_CACHED = _CACHED + (_memo,)
