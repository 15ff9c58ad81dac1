"""Copies of the database, taken and put back through SQLite, and databases set aside.

Copying the file by hand while someone saves a check-in can catch it half-written (and misses
whatever still sits in the ``-wal`` file); copying a backup over the database by hand replays a
leftover ``-wal`` on top of it. Everything here asks SQLite instead:

- :func:`backup` copies every page in one step under a read transaction, which in WAL mode does
  not stop anyone writing and sees the database as it was at one instant. The copy is written
  beside its destination under a temporary name, checked with ``PRAGMA integrity_check``,
  switched to a single self-contained file (journal mode DELETE, no ``-wal`` beside it) and
  only then moved into place.
- :func:`restore` checks a backup the same way (SQLite, intact, a schema this version reads),
  keeps the database it replaces under a name of its own (:func:`set_aside`), and writes the
  backup's pages into the database through SQLite, which consumes any ``-wal`` the database
  had: no stale ``-wal`` or ``-shm`` is left to be replayed on top.
- :func:`swap` is the one way a command replaces a whole database (``okr restore``,
  ``okr init --fresh``, ``okr demo --force``): refused while another process has the file open
  (:func:`okrdata.db.exclusive`), and the old one is never overwritten nor deleted.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from okrdata.db import (
    BUSY_TIMEOUT_MS,
    DatabaseError,
    db_path,
    exclusive,
    explain,
    explained,
)
from okrdata.errors import ValidationError
from okrdata.files import reason, temporary_beside


@dataclass(frozen=True)
class BackupReport:
    """Where the copy went, its size in bytes, and the row counts of its main tables."""

    path: Path
    size: int
    counts: dict[str, int]


@dataclass(frozen=True)
class RestoreReport:
    """The database restored, the backup it came from, its row counts and schema version, and
    where the database it replaced was kept (None when there was none)."""

    path: Path
    source: Path
    counts: dict[str, int]
    version: int
    replaced: Path | None


COUNTED = ("people", "units", "cycles", "objectives", "key_results", "checkins", "kpis", "kpi_readings")
SIDECARS = ("-journal", "-wal", "-shm")
EMPTY = "{path} is empty: it holds no OKR dashboard data yet; create it with `okr init` (or `okr demo`, `okr import`)."


def destination(source: Path, dest: str | os.PathLike, now: dt.datetime | None = None) -> Path:
    """The file to write: ``dest`` itself, or inside the folder ``dest`` a name with the date and time."""
    dest = Path(dest)
    if dest.is_dir():
        stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
        return dest / f"{source.stem}-{stamp}{source.suffix or '.db'}"
    return dest


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that reads ``path`` and never creates it."""
    uri = f"file:{urllib.parse.quote(str(path.absolute()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _remove(path: Path) -> None:
    for suffix in ("", *SIDECARS):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in COUNTED if t in tables}


def _integrity(conn: sqlite3.Connection) -> str | None:
    """None when ``PRAGMA integrity_check`` says ok, else its first findings."""
    result = conn.execute("PRAGMA integrity_check").fetchall()
    return None if result == [("ok",)] else "; ".join(r[0] for r in result[:5])


def backup(
    source: str | os.PathLike | None,
    dest: str | os.PathLike,
    *,
    overwrite: bool = False,
) -> BackupReport:
    """Copy the database at ``source`` (default: ``$OKR_DB``) to ``dest`` (a file, or a folder).

    Refused, with a ValidationError naming the field, when the source does not exist, is not
    an SQLite database or holds nothing, the destination exists (unless ``overwrite``), is the
    source itself, or lies in a folder that does not exist. Raises a ValidationError (``DEST``)
    if the copy fails its integrity check or cannot be written (full disk, read-only folder).
    A database of a newer version is copied as it is: a copy is safe to take of anything.
    """
    src = db_path(source)
    if not src.exists():
        raise ValidationError("--db", f"{src} does not exist.")
    target = destination(src, dest)
    if not target.parent.is_dir():
        raise ValidationError("DEST", f"the folder {target.parent} does not exist.")
    if target.exists():
        if target.resolve() == src.resolve():
            raise ValidationError("DEST", "is the database itself; choose another file.")
        if not overwrite:
            raise ValidationError("DEST", f"{target} exists already; pass --force to replace it.")
    partial = temporary_beside(target)

    with explained(src):
        source_conn = sqlite3.connect(
            f"file:{urllib.parse.quote(str(src.absolute()))}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            source_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not source_conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise ValidationError("--db", EMPTY.format(path=src))
        except BaseException:
            source_conn.close()
            raise
    try:
        copy_conn = sqlite3.connect(partial)
        try:
            # pages=-1: every page in one step, so the copy is one snapshot. (Copying in small
            # steps would restart each time the app writes, and might never finish on a busy
            # database.)
            source_conn.backup(copy_conn, pages=-1)
            copy_conn.execute("PRAGMA journal_mode = DELETE")
            problems = _integrity(copy_conn)
            if problems:
                raise ValidationError("DEST", "the copy failed its integrity check: " + problems)
            counts = _counts(copy_conn)
        finally:
            copy_conn.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as error:
        _remove(partial)
        if isinstance(error, OSError) or _code(error) in _WRITE_FAILURES:
            # The source was read above; what failed is writing the copy.
            raise ValidationError("DEST", f"cannot write {target}: {_why(error)}; nothing was written.") from None
        readable = explain(error, src)
        if readable is None:
            raise
        raise readable from None
    except BaseException:
        _remove(partial)
        raise
    finally:
        source_conn.close()
    return BackupReport(target, target.stat().st_size, counts)


_WRITE_FAILURES = (sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR)


def _code(error: BaseException) -> int:
    """SQLite's primary result code of an error (0 for anything else)."""
    return (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF


def _why(error: BaseException) -> str:
    """Why a copy could not be written, in words."""
    if isinstance(error, OSError):
        return reason(error)
    return {
        sqlite3.SQLITE_FULL: "the disk is full",
        sqlite3.SQLITE_READONLY: "the folder is read-only",
        sqlite3.SQLITE_CANTOPEN: "the file cannot be created (is the folder read-only?)",
        sqlite3.SQLITE_IOERR: "a disk I/O error (is the disk full?)",
    }.get(_code(error), str(error))


# --- setting a database aside -------------------------------------------------------------


def aside_name(path: Path, now: dt.datetime | None = None) -> Path:
    """A name of its own, beside ``path``, for the database it holds now, reserved at once
    (created empty, so that no other run takes it): ``okr.db.20260105-141502.bak``, then
    ``okr.db.20260105-141502-2.bak``... Never the name of an existing file."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        candidate = path.with_name(f"{path.name}.{stamp}{'' if n == 1 else f'-{n}'}.bak")
        if any(Path(str(candidate) + s).exists() for s in SIDECARS):
            continue
        try:
            with open(candidate, "xb"):
                return candidate
        except FileExistsError:
            continue
    raise DatabaseError(f"cannot find a free name beside {path} to keep the old database under.")


def _is_sqlite(path: Path) -> bool:
    """True when ``path`` opens as an SQLite database (even an empty one)."""
    try:
        conn = _read_only(path)
    except sqlite3.Error:
        return False
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.DatabaseError as error:
        if _code(error) in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
            return False
        raise
    finally:
        conn.close()


def _move_aside(path: Path) -> Path:
    """Rename the file at ``path`` (and its ``-wal``/``-shm``, which belong to it) under a name
    of its own; for a file SQLite cannot open, which nothing can be using as a database."""
    kept = aside_name(path)
    os.replace(path, kept)
    for suffix in SIDECARS:
        sidecar = Path(str(path) + suffix)
        if sidecar.exists():
            os.replace(sidecar, Path(str(kept) + suffix))
    return kept


def swap(path: str | os.PathLike | None, new: Path | None = None) -> Path | None:
    """Replace the database at ``path`` with the checked SQLite file ``new`` (None: an empty
    database), keeping what was there under a name of its own; return that name (None when
    there was nothing to keep).

    Refused, with a DatabaseError and nothing changed, while another process has the database
    open. A healthy database is copied aside and overwritten through SQLite's backup API, with
    the exclusive lock held throughout, so a connection opened meanwhile waits and then sees
    the new database, and the database's own ``-wal`` is consumed rather than left behind. A
    file SQLite cannot open is renamed aside (with any ``-wal``/``-shm`` beside it) and ``new``
    moved into its place.
    """
    target = db_path(path)
    wal = Path(str(target) + "-wal")
    if not target.exists() or (target.stat().st_size == 0 and not wal.exists()):
        _remove(target)
        if new is not None:
            os.replace(new, target)
        return None
    with explained(target):
        healthy = _is_sqlite(target)
    if not healthy:
        kept = _move_aside(target)
        if new is not None:
            os.replace(new, target)
        return kept
    with exclusive(target) as live, explained(target):
        kept = aside_name(target)
        try:
            copy = sqlite3.connect(kept)
            try:
                live.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        except BaseException:
            _remove(kept)
            raise
        source = sqlite3.connect(new if new is not None else ":memory:")
        try:
            page_size = live.execute("PRAGMA page_size").fetchone()[0]
            if new is not None and source.execute("PRAGMA page_size").fetchone()[0] != page_size:
                # A database in WAL mode takes pages of its own size only.
                source.execute(f"PRAGMA page_size = {page_size}")
                source.execute("VACUUM")
            source.backup(live, pages=-1)
        finally:
            source.close()
    if new is not None:
        _remove(new)
    return kept


def set_aside(path: str | os.PathLike | None) -> Path | None:
    """Start the database at ``path`` empty, keeping what it held under a name of its own
    (:func:`swap` with nothing); return that name, or None when there was nothing to keep."""
    return swap(path, None)


# --- restoring -----------------------------------------------------------------------------


def _staged_copy(source: Path, target: Path) -> tuple[Path, dict[str, int], int]:
    """A checked copy of the backup ``source`` beside ``target``: (its path, counts, version).

    Raises a ValidationError on ``BACKUP`` when the backup is not SQLite, damaged, holds no
    dashboard data or was written by a newer version; the copy is then removed.
    """
    from okrdata.schema import refuse_newer

    staged = temporary_beside(target)
    try:
        try:
            origin = _read_only(source)
        except sqlite3.Error as error:
            raise ValidationError("BACKUP", f"cannot open {source}: {error}.") from None
        try:
            copy = sqlite3.connect(staged)
            try:
                origin.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode = DELETE")
                version = copy.execute("PRAGMA user_version").fetchone()[0]
                tables = {r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if "_migrations" not in tables or version == 0:
                    raise ValidationError(
                        "BACKUP",
                        f"{source} holds no OKR dashboard data: it is not a backup of this dashboard's database.",
                    )
                try:
                    refuse_newer(version)
                except DatabaseError as error:
                    raise ValidationError("BACKUP", f"{source}: {error.message}") from None
                problems = _integrity(copy)
                if problems:
                    raise ValidationError("BACKUP", f"{source} is damaged (integrity check: {problems}).")
                counts = _counts(copy)
            finally:
                copy.close()
        finally:
            origin.close()
    except sqlite3.Error as error:
        _remove(staged)
        code = _code(error)
        if code == sqlite3.SQLITE_NOTADB:
            raise ValidationError("BACKUP", f"{source} is not an SQLite database.") from None
        if code == sqlite3.SQLITE_CORRUPT:
            raise ValidationError("BACKUP", f"{source} is damaged ({error}).") from None
        readable = explain(error, target)
        if readable is None:
            raise
        raise readable from None
    except OSError as error:
        _remove(staged)
        raise ValidationError("--db", f"cannot write beside {target}: {reason(error)}; nothing was changed.") from None
    except BaseException:
        _remove(staged)
        raise
    return staged, counts, version


def restore(source: str | os.PathLike, path: str | os.PathLike | None = None) -> RestoreReport:
    """Put the backup ``source`` back as the database at ``path`` (default: ``$OKR_DB``).

    The backup is checked first (SQLite, ``PRAGMA integrity_check``, a dashboard database of
    this version or an older one, which the next start upgrades), then :func:`swap` puts it in
    place: refused while another process (the app) has the database open, and the database it
    replaces is kept under a name of its own. Nothing is changed when anything is refused.
    """
    source = Path(source)
    target = db_path(path)
    if not source.is_file():
        raise ValidationError("BACKUP", f"{source} does not exist.")
    if target.exists() and source.resolve() == target.resolve():
        raise ValidationError("BACKUP", "is the database itself; give the backup's file.")
    if not target.parent.is_dir():
        raise ValidationError("--db", f"the folder {target.parent} does not exist.")
    staged, counts, version = _staged_copy(source, target)
    try:
        replaced = swap(target, staged)
    finally:
        _remove(staged)
    return RestoreReport(target, source, counts, version, replaced)
