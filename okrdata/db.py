"""Opening the SQLite file: where it lives, the per-connection settings, write transactions,
and what to tell a person when the file cannot be used.

Every unit of work opens its own short connection with :func:`connect`; WAL is switched on
once when the schema is created, while ``foreign_keys`` and ``busy_timeout`` are set on every
connection because SQLite keeps them per connection. Writes go through :func:`transaction`,
which takes the write lock up front (``BEGIN IMMEDIATE``) so that two people saving at once
queue behind each other instead of one of them failing half-way.

A file that cannot be used (not SQLite, written by a newer version, read-only, on a full disk,
busy with a long import) gives a :class:`DatabaseError`: a ValidationError on the field
``database`` whose message says what is wrong in a sentence, raised by :func:`connect` and
:func:`transaction` (and by :func:`explained` around any other work), with nothing written.

A process that serves the database for a long time (the app) keeps one idle connection open
(:func:`hold`); :func:`exclusive` then knows the file is in use, and the commands that swap the
database (``okr restore``, ``okr init --fresh``) refuse.

Writers queue fairly: :func:`transaction` first takes an exclusive ``flock`` on a lock file
beside the database (:func:`writer_lock`), so waiting writers are woken by the kernel the moment
the lock is free, instead of polling SQLite's lock with ever longer sleeps, where a writer that
just finished can take it again and again while another sleeps for seconds. What changed is
told by :class:`Watch`: the versions of the data by scope, kept by triggers in the database
(:func:`okrdata.schema.m009_data_versions`), so every process sees every other's writes.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from okrdata.errors import ValidationError
from okrdata.files import reason

DEFAULT_DB_PATH = "data/okr.db"
BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another one to finish. A burst of saves queues well within it;
a long import (100,000 rows take half a minute) does not, and the writer is told so rather
than left looking at a spinner."""

BUSY = "the database is busy with an import or another long write; nothing was saved, try again in a minute."


class DatabaseError(ValidationError):
    """The database file cannot be used as it is; nothing was written. The field is ``database``."""

    def __init__(self, message: str):
        super().__init__("database", message)


class DatabaseBusy(DatabaseError):
    """Another connection held the write lock for longer than :data:`BUSY_TIMEOUT_MS`."""

    def __init__(self) -> None:
        super().__init__(BUSY)


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database file to use: ``path`` if given, else ``$OKR_DB``, else ``data/okr.db``."""
    return Path(path or os.environ.get("OKR_DB") or DEFAULT_DB_PATH)


def explain(error: BaseException, path: str | os.PathLike | None = None) -> DatabaseError | None:
    """The :class:`DatabaseError` for an error SQLite or the system raised while using the
    database at ``path``; None for any other error (a bug, to be seen as one)."""
    if isinstance(error, DatabaseError):
        return error
    where = str(path) if path else "the database"
    if isinstance(error, OSError):
        return DatabaseError(f"cannot use {where}: {reason(error)}; nothing was saved.")
    if not isinstance(error, sqlite3.Error):
        return None
    code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
    text = str(error).lower()
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "database is locked" in text:
        return DatabaseBusy()
    if code == sqlite3.SQLITE_READONLY or "readonly database" in text:
        return DatabaseError(
            f"{where} cannot be written (the file or its folder is read-only): nothing was saved. The "
            "user running the dashboard needs write access to both; SQLite keeps its -wal and -shm files "
            "beside the database."
        )
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return DatabaseError(f"the disk holding {where} is full: nothing was saved. Free some space and try again.")
    if code == sqlite3.SQLITE_IOERR or "disk i/o error" in text:
        return DatabaseError(
            f"reading or writing {where} failed (a disk I/O error: the disk may be full, or failing); "
            "nothing was saved."
        )
    if code == sqlite3.SQLITE_CANTOPEN or "unable to open database file" in text:
        return DatabaseError(
            f"cannot open {where}: its folder must exist and be readable and writable (not read-only) "
            "by the user running the dashboard."
        )
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT) or "not a database" in text or "malformed" in text:
        return DatabaseError(
            f"{where} is not an SQLite database, or it is damaged; check the path (--db or $OKR_DB), "
            "or put a backup back with `okr restore`."
        )
    return None


def _file_of(db: sqlite_utils.Database) -> str | None:
    try:
        return db.conn.execute("PRAGMA database_list").fetchone()[2] or None
    except sqlite3.Error:
        return None


@contextlib.contextmanager
def explained(path: str | os.PathLike | None = None) -> Iterator[None]:
    """Turn an error of SQLite or of the file system inside the block into a :class:`DatabaseError`."""
    try:
        yield
    except (sqlite3.Error, OSError) as error:
        readable = explain(error, path)
        if readable is None:
            raise
        raise readable from None


def connect(path: str | os.PathLike | None = None, *, create: bool = True) -> sqlite_utils.Database:
    """Open a connection to the database at :func:`db_path`.

    With ``create`` (the default) a missing file and its folder are created; without, a missing
    file is refused and nothing is created. Refused with a :class:`DatabaseError` when the file
    is not an SQLite database, cannot be opened, or was written by a newer version of the
    dashboard (:func:`okrdata.schema.refuse_newer`). ``":memory:"`` gives a private in-memory
    database, which the tests use.
    """
    if path == ":memory:":
        target, where = ":memory:", None
    else:
        where = db_path(path)
        target = str(where)
        if not create and not where.exists():
            raise DatabaseError(f"{where} does not exist; create it with `okr init` or `okr demo`.")
    conn = None
    with explained(where):
        if where is not None and create:
            where.parent.mkdir(parents=True, exist_ok=True)
        if where is not None and not create:
            # mode=rw: SQLite must not create the file should it vanish meanwhile.
            target = f"file:{urllib.parse.quote(str(where.absolute()))}?mode=rw"
        try:
            conn = sqlite3.connect(
                target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, uri=not create and where is not None
            )
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # reads the file's header
        except BaseException:
            if conn is not None:
                conn.close()
            raise
    # Imported here: the schema module imports this one for its transactions.
    from okrdata.schema import refuse_newer

    try:
        refuse_newer(version)
    except DatabaseError:
        conn.close()
        raise
    return db


LOCK_SUFFIX = "-lock"
"""The writers' lock file sits beside the database: ``data/okr.db-lock``."""

_locks_held = threading.local()


def _wait_for_flock(fd: int, timeout: float) -> bool:
    """Take an exclusive flock on ``fd`` within ``timeout`` seconds; False when it could not be had.

    The kernel wakes a blocked ``flock`` as soon as the lock is free, which polling cannot do;
    but a blocked ``flock`` has no timeout, so it waits in a thread of its own. Should that
    thread get the lock after the caller gave up, it lets go of it at once (and closes ``fd``).
    """
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    got, guard = threading.Event(), threading.Lock()
    state = {"abandoned": False, "held": False}

    def wait() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            got.set()
            return
        with guard:
            if state["abandoned"]:
                os.close(fd)  # closing lets go of the lock
                return
            state["held"] = True
        got.set()

    threading.Thread(target=wait, name="okr-writer-lock", daemon=True).start()
    got.wait(timeout)
    with guard:
        if state["held"]:
            return True
        state["abandoned"] = True
        return False


def _writable(path: str | os.PathLike) -> bool:
    # As this process (its effective user), not as whoever started it.
    effective = os.access in os.supports_effective_ids
    return os.access(path, os.W_OK, effective_ids=effective)


@contextlib.contextmanager
def writer_lock(path: str | os.PathLike | None, timeout: float | None = None) -> Iterator[None]:
    """Hold the writers' lock of the database at ``path`` for the block; writers queue for it in turn.

    Raises :class:`DatabaseBusy` when it cannot be had within ``timeout`` seconds (default
    :data:`BUSY_TIMEOUT_MS`). Re-entrant within a thread; nothing is locked for an in-memory
    database, nor for a file that cannot be written or whose lock file cannot be created (a
    read-only file or folder: the write then fails on its own, with SQLite's reason).
    """
    if not path or str(path) == ":memory:":
        yield
        return
    lock_file = os.path.abspath(str(path)) + LOCK_SUFFIX
    held: dict[str, int] = _locks_held.__dict__.setdefault("depth", {})
    if held.get(lock_file):
        held[lock_file] += 1
        try:
            yield
        finally:
            held[lock_file] -= 1
        return
    try:
        # A file that cannot be written gets no lock file beside it: the write fails on its own.
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o664) if _writable(path) else -1
    except OSError:
        fd = -1
    if fd < 0:
        yield
        return
    wait = BUSY_TIMEOUT_MS / 1000 if timeout is None else timeout
    if not _wait_for_flock(fd, wait):
        raise DatabaseBusy()  # fd is closed by the waiting thread once it gets the lock
    held[lock_file] = 1
    try:
        yield
    finally:
        held.pop(lock_file, None)
        os.close(fd)  # closing lets go of the lock


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block as one write: all of it is committed, or none of it on any exception.

    The outermost block first takes the writers' lock (:func:`writer_lock`), then starts with
    ``BEGIN IMMEDIATE``, so the write lock is held from the first statement and a concurrent
    writer waits its turn (up to :data:`BUSY_TIMEOUT_MS`) rather than failing half-way. When
    the lock cannot be had in that time, or the file cannot be written (read-only, full disk),
    the block raises a :class:`DatabaseError` and nothing was written. Nested blocks become
    savepoints.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    with writer_lock(_file_of(db)):
        try:
            db.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise explain(error, _file_of(db)) or error from None
        try:
            yield db
            db.conn.execute("COMMIT")
        except BaseException as error:
            with contextlib.suppress(sqlite3.Error):
                db.conn.rollback()
            readable = explain(error, _file_of(db)) if isinstance(error, sqlite3.OperationalError) else None
            if readable is None:
                raise
            raise readable from None


class Watch:
    """What the data of one database file is at now, by scope, for the caches of a long-running process.

    Holds one connection open (so that, like :func:`hold`, :func:`exclusive` sees the file in
    use). :meth:`versions` asks SQLite's ``PRAGMA data_version``, which moves whenever another
    connection, in this process or any other, commits to the file, and reads the
    ``data_versions`` table only then: a few microseconds when nothing changed. A file swapped
    under it (a new inode) is opened afresh.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._file: tuple[int, int] | None = None
        self._seen: int | None = None
        self._versions: dict[str, Any] = {}

    def versions(self) -> dict[str, Any]:
        """The version of every scope (:data:`okrdata.schema.WATCHED`), plus ``file`` (which file
        this is). A database without the versions table (one that could not be migrated) has
        the file's modification stamp under ``*``: every scope then moves with any write."""
        with self._lock, explained(self.path):
            info = os.stat(self.path)
            file = (info.st_dev, info.st_ino)
            if self._conn is None or file != self._file:
                self._close()
                self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                self._file, self._seen = file, None
            seen = self._conn.execute("PRAGMA data_version").fetchone()[0]
            if seen != self._seen:
                try:
                    rows = self._conn.execute("SELECT scope, version FROM data_versions").fetchall()
                except sqlite3.OperationalError:  # not migrated (a read-only old file): the file's stamp
                    return {"*": file_stamp(self.path), "file": file}
                self._versions, self._seen = {**dict(rows), "file": file}, seen
            return self._versions

    def changed_key_results(self, cycle_id: int, since: int) -> set[int] | None:
        """The key results of a cycle whose check-ins changed after version ``since`` (of scope
        ``cycle:ID``); None when the record of changes does not reach back that far."""
        with self._lock, explained(self.path):
            if self._conn is None:
                return None
            try:
                pruned = self._conn.execute("SELECT version FROM data_versions WHERE scope = 'pruned'").fetchone()
                if pruned is None or pruned[0] > since:
                    return None
                rows = self._conn.execute(
                    "SELECT DISTINCT kr_id FROM data_changes WHERE cycle_id = ? AND version > ?", [cycle_id, since]
                ).fetchall()
            except sqlite3.OperationalError:
                return None
        return {r[0] for r in rows}

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None

    def close(self) -> None:
        """Let go of the file."""
        with self._lock:
            self._close()

    def __del__(self) -> None:
        self._close()


def file_stamp(path: str | os.PathLike) -> tuple:
    """(mtime_ns, size) of the database file and of its ``-wal`` file; None for a missing file.

    An empty ``-wal`` counts as missing: SQLite creates one when a reader opens the file and
    removes it when the last connection closes, so reads alone never change the stamp.
    """
    parts: list[tuple[int, int] | None] = []
    for name in (str(path), str(path) + "-wal"):
        try:
            info = os.stat(name)
        except FileNotFoundError:
            parts.append(None)
        else:
            parts.append(None if name.endswith("-wal") and info.st_size == 0 else (info.st_mtime_ns, info.st_size))
    return tuple(parts)


def hold(path: str | os.PathLike | None = None) -> sqlite3.Connection:
    """An idle connection to keep open while this process serves the database (the app does).

    It never reads or writes after opening, so it blocks nobody; it makes SQLite count the
    file as in use, so that :func:`exclusive` (and ``okr restore``) refuse to swap it.
    """
    with explained(db_path(path)):
        conn = sqlite3.connect(str(db_path(path)), check_same_thread=False)
        # One read maps the WAL index; from then on the connection counts as a user of the file.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    return conn


IN_USE = (
    "{path} is open in another process (the dashboard, or an okr command); stop it first and run "
    "this again. Nothing was changed."
)


@contextlib.contextmanager
def exclusive(path: str | os.PathLike) -> Iterator[sqlite3.Connection]:
    """A connection that has the database at ``path`` to itself for the block.

    Refused with a :class:`DatabaseError` while any other connection has the file open (a
    running app holds one, :func:`hold`): in WAL mode SQLite grants the exclusive lock only to
    the last connection open. Others that open the file meanwhile wait.
    """
    path = Path(path)
    # Connections this process dropped but Python has not freed yet (sqlite-utils objects sit in
    # reference cycles) are still open; collect them so that they do not count as another user.
    gc.collect()
    with explained(path):
        conn = sqlite3.connect(str(path), timeout=1, isolation_level=None, check_same_thread=False)
    try:
        with explained(path):
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            try:
                conn.execute("BEGIN EXCLUSIVE")
                conn.execute("COMMIT")
            except sqlite3.OperationalError as error:
                if isinstance(explain(error, path), DatabaseBusy):
                    raise DatabaseError(IN_USE.format(path=path)) from None
                raise
        yield conn
    finally:
        conn.close()
