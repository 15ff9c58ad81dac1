"""okr backup: a consistent copy through SQLite's online backup API, even while someone writes."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from okrdata import writes
from okrdata.backup import backup
from okrdata.db import connect
from okrdata.errors import ValidationError


def fill(db, kr_id: int, rows: int) -> None:
    """Bulk check-ins (straight SQL: this is test data volume, not a user's write)."""
    db.conn.executemany(
        "INSERT INTO checkins (kr_id, checkin_date, value, confidence, note, created_at, updated_at) "
        "VALUES (?, '2026-01-10', ?, 5, ?, '2026-01-10T12:00:00+00:00', '2026-01-10T12:00:00+00:00')",
        [(kr_id, i, "x" * 200) for i in range(rows)],
    )
    db.conn.commit()


@pytest.mark.slow
def test_backups_taken_while_a_writer_saves_are_whole_and_consistent(db, org, tmp_path):
    fill(db, org.kr_increase, 20_000)  # a few MB, so each backup takes a moment
    path = tmp_path / "okr.db"
    stop = threading.Event()
    saved: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        own = connect(path)
        try:
            i = 0
            while not stop.is_set():
                saved.append(
                    writes.add_checkin(
                        own, org.kr_decrease, "2026-01-20", 500 - i % 100, 6, f"w{i}", person=writes.SYSTEM
                    )
                )
                i += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.close()

    thread = threading.Thread(target=writer)
    thread.start()
    copies = []
    try:
        while len(saved) < 5:  # the writer is running
            time.sleep(0.01)
        for n in range(4):
            low = len(saved)
            report = backup(path, tmp_path / f"copy{n}.db")
            high = len(saved)
            copies.append((report, low, high))
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    # The writer really saved while the copies were taken.
    assert sum(high - low for _, low, high in copies) > 0, copies
    for report, low, high in copies:
        copy = sqlite3.connect(report.path)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
            # One snapshot: the writer's rows form an unbroken run, as many as were saved at some
            # instant between the start and the end of the backup.
            ids = [r[0] for r in copy.execute("SELECT id FROM checkins WHERE kr_id = ? ORDER BY id", [org.kr_decrease])]
            assert ids == saved[: len(ids)]
            assert low - 1 <= len(ids) <= high + 1
            assert report.counts["checkins"] == copy.execute("SELECT count(*) FROM checkins").fetchone()[0]
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        finally:
            copy.close()
        assert not (report.path.parent / (report.path.name + "-wal")).exists()
        assert not (report.path.parent / (report.path.name + ".part")).exists()


def test_a_backup_into_a_folder_gets_a_dated_name(db, org, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    report = backup(tmp_path / "okr.db", folder)
    assert report.path.parent == folder and report.path.name.startswith("okr-") and report.path.suffix == ".db"
    assert report.counts["key_results"] == 4 and report.size > 0


@pytest.mark.parametrize(
    ("case", "field", "words"),
    [
        ("exists", "DEST", "--force"),
        ("itself", "DEST", "database itself"),
        ("no folder", "DEST", "does not exist"),
        ("no source", "--db", "does not exist"),
    ],
)
def test_bad_backups_are_refused_and_touch_nothing(db, org, tmp_path, case, field, words):
    source = tmp_path / "okr.db"
    dest = tmp_path / "copy.db"
    if case == "exists":
        dest.write_bytes(b"precious")
    elif case == "itself":
        dest = source
    elif case == "no folder":
        dest = tmp_path / "missing" / "copy.db"
    elif case == "no source":
        source = tmp_path / "nothing.db"
    with pytest.raises(ValidationError) as info:
        backup(source, dest)
    assert info.value.field == field and words in info.value.message
    if case == "exists":
        assert dest.read_bytes() == b"precious"
        assert backup(source, dest, overwrite=True).path == dest
        assert sqlite3.connect(dest).execute("SELECT count(*) FROM units").fetchone() == (5,)
