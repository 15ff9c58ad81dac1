"""A consistent copy of the database while the app is running, through SQLite's online backup API.

Copying the file by hand while someone saves a check-in can catch it half-written (and misses
whatever still sits in the ``-wal`` file). :func:`backup` asks SQLite instead: it copies every
page in one step under a read transaction, which in WAL mode does not stop anyone writing and
sees the database as it was at one instant. The copy is written beside its destination, checked
with ``PRAGMA integrity_check``, switched to a single self-contained file (journal mode
DELETE, no ``-wal`` beside it) and only then moved into place, so a failed backup never leaves
a half-copied file under the destination's name.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from okrdata.db import BUSY_TIMEOUT_MS, db_path
from okrdata.errors import ValidationError


@dataclass(frozen=True)
class BackupReport:
    """Where the copy went, its size in bytes, and the row counts of its main tables."""

    path: Path
    size: int
    counts: dict[str, int]


COUNTED = ("people", "units", "cycles", "objectives", "key_results", "checkins", "kpis", "kpi_readings")


def destination(source: Path, dest: str | os.PathLike, now: dt.datetime | None = None) -> Path:
    """The file to write: ``dest`` itself, or inside the folder ``dest`` a name with the date and time."""
    dest = Path(dest)
    if dest.is_dir():
        stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
        return dest / f"{source.stem}-{stamp}{source.suffix or '.db'}"
    return dest


def backup(
    source: str | os.PathLike | None,
    dest: str | os.PathLike,
    *,
    overwrite: bool = False,
) -> BackupReport:
    """Copy the database at ``source`` (default: ``$OKR_DB``) to ``dest`` (a file, or a folder).

    Refused, with a ValidationError naming the field, when the source does not exist, the
    destination exists (unless ``overwrite``), is the source itself, or lies in a folder that
    does not exist. Raises a ValidationError (``DEST``) if the copy fails its integrity check.
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
    partial = target.with_name(target.name + ".part")
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)

    source_conn = sqlite3.connect(src, timeout=BUSY_TIMEOUT_MS / 1000)
    copy_conn = sqlite3.connect(partial)
    try:
        source_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # pages=-1: every page in one step, so the copy is one snapshot. (Copying in small steps
        # would restart each time the app writes, and might never finish on a busy database.)
        source_conn.backup(copy_conn, pages=-1)
        copy_conn.execute("PRAGMA journal_mode = DELETE")
        result = copy_conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise ValidationError("DEST", "the copy failed its integrity check: "
                                          + "; ".join(r[0] for r in result[:5]))
        tables = {r[0] for r in copy_conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {t: copy_conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in COUNTED if t in tables}
    except BaseException:
        copy_conn.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        source_conn.close()
    copy_conn.close()
    os.replace(partial, target)
    return BackupReport(target, target.stat().st_size, counts)
