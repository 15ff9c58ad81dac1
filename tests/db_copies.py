"""Databases for the tests, built once and copied: a database built once per session (the
migrated schema, the small organisation, the demo; fixtures in ``conftest.py``) is copied into
each test's own folder, so no test shares a file with another and none pays for building it
again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from okrdata.db import connect
from okrdata.schema import migrate
from okrdata.seed import load_demo
from okrdata.synth import synthesize


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a SQLite file (WAL included) through the backup API."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dst


def build_demo(path: Path) -> Path:
    """Create a database at ``path`` holding the demo organisation (:func:`okrdata.seed.load_demo`)."""
    db = connect(path)
    try:
        migrate(db)
        load_demo(db)
    finally:
        db.close()
    return path


def build_large(path: Path) -> Path:
    """Create a database at ``path`` holding a generated organisation twice the demo's size
    (:func:`okrdata.synth.synthesize`): more units, objectives and key results than a page draws."""
    db = connect(path)
    try:
        migrate(db)
        synthesize(db, 2)
    finally:
        db.close()
    return path
