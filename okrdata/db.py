"""Opening the SQLite file: where it lives, the per-connection settings, write transactions.

Every unit of work opens its own short connection with :func:`connect`; WAL is switched on
once when the schema is created, while ``foreign_keys`` and ``busy_timeout`` are set on every
connection because SQLite keeps them per connection. Writes go through :func:`transaction`,
which takes the write lock up front (``BEGIN IMMEDIATE``) so that two people saving at once
queue behind each other instead of one of them failing with "database is locked".
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

DEFAULT_DB_PATH = "data/okr.db"
BUSY_TIMEOUT_MS = 30_000


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database file to use: ``path`` if given, else ``$OKR_DB``, else ``data/okr.db``."""
    return Path(path or os.environ.get("OKR_DB") or DEFAULT_DB_PATH)


def connect(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open a connection to the database at :func:`db_path` (creating its folder if needed).

    ``":memory:"`` gives a private in-memory database, which the tests use.
    """
    target = str(path) if path == ":memory:" else str(db_path(path))
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block as one write: all of it is committed, or none of it on any exception.

    The outermost block starts with ``BEGIN IMMEDIATE``, so the write lock is held from the
    first statement and a concurrent writer waits (up to the busy timeout) rather than failing
    half-way. Nested blocks become savepoints.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise
