"""Copies of SQLite files for the tests: a database built once per session (the migrated schema,
the small organisation, the demo) is copied into each test's own folder, so no test shares a file
with another and none pays for building it again."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a SQLite file (WAL included) through the backup API."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dst
