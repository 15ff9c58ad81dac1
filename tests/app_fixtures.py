"""Shared fixtures for the Streamlit AppTests: a demo database file per test, clean caches.

The demo organisation comes from :func:`okrdata.seed.load_demo`: a company with departments
and teams, a closed cycle and an active one, check-ins and KPIs. The database is built once
per test session and copied (with SQLite's backup API, so the copy is consistent) into each
test's own temporary folder.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from okrdata import queries as q  # noqa: E402
from okrdata.db import connect  # noqa: E402
from okrdata.schema import migrate  # noqa: E402
from okrdata.seed import load_demo  # noqa: E402

APP = str(ROOT / "app.py")


def build_demo(path: Path) -> Path:
    """Create a database at ``path`` holding the demo organisation (:func:`okrdata.seed.load_demo`)."""
    db = connect(path)
    try:
        migrate(db)
        load_demo(db)
    finally:
        db.close()
    return path


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a SQLite file (WAL included) through the backup API."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dst


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """One demo database per test session, never opened by the app itself."""
    return build_demo(tmp_path_factory.mktemp("demo-template") / "okr.db")


@pytest.fixture
def demo_db(demo_template, tmp_path, monkeypatch) -> Path:
    """This test's own copy of the demo database, set as ``$OKR_DB``."""
    path = copy_db(demo_template, tmp_path / "okr.db")
    monkeypatch.setenv("OKR_DB", str(path))
    return path


@pytest.fixture
def empty_db(tmp_path, monkeypatch) -> Path:
    """A database path with nothing in it yet, set as ``$OKR_DB``."""
    path = tmp_path / "empty" / "okr.db"
    monkeypatch.setenv("OKR_DB", str(path))
    return path


@pytest.fixture(autouse=True)
def clear_streamlit_caches():
    """Streamlit's caches and the readers' (:func:`ui.data.clear`) live as long as the process:
    start and end every test with none."""
    from ui import data

    data.clear()
    st.cache_resource.clear()
    yield
    data.clear()
    st.cache_resource.clear()


def ok(at):
    """The AppTest, after checking its last run raised nothing (the exceptions are the message)."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def with_db(path, fn):
    """``fn(db)`` on a connection to ``path`` that is closed afterwards."""
    db = connect(path)
    try:
        return fn(db)
    finally:
        db.close()


def facts(path):
    """Cycles, units and figures straight from okrdata, to compare the screen with."""
    db = connect(path)
    try:
        return {
            "cycles": [int(i) for i in q.cycles(db)["id"]],
            "default": q.default_cycle_id(db),
            "units": q.units(db),
        }
    finally:
        db.close()


def summary(path, cycle_id, unit_id=None):
    """:func:`okrdata.queries.cycle_summary` straight from the file."""
    db = connect(path)
    try:
        return q.cycle_summary(db, cycle_id, unit_id)
    finally:
        db.close()


def metrics(at) -> dict[str, str]:
    """The page's metrics, label to value, as the screen shows them."""
    return {m.label: m.value for m in at.metric}
