"""The writers' lock (:func:`okrdata.db.writer_lock`), taken by every write transaction: writers
of every process and thread queue for it and are woken as soon as it is free; the wait is
bounded, and a writer that gave up leaves nothing held."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from okrdata import db as okrdb
from okrdata.db import DatabaseBusy, connect, transaction, writer_lock

pytestmark = pytest.mark.slow  # processes and threads queueing for the lock

ROOT = Path(__file__).resolve().parent.parent


def hold_writer_lock(path: Path, seconds: float | None = None) -> subprocess.Popen:
    """Another process holding the writers' lock (as a long import does) until its standard input
    closes, or for ``seconds``; it prints the time it let go."""
    release = f"time.sleep({seconds})" if seconds is not None else "sys.stdin.read()"
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from okrdata.db import writer_lock
        with writer_lock({str(path)!r}):
            print("locked", flush=True)
            {release}
            let_go = time.time()
        print(let_go, flush=True)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def add_setting(db, key: str) -> None:
    with transaction(db):
        db.execute("INSERT INTO settings (key, value) VALUES (?, 'x')", [key])


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(okrdb, "BUSY_TIMEOUT_MS", 300)


def test_a_writer_gives_up_after_the_wait_with_a_readable_refusal(db, tmp_path, refused, short_wait):
    holder = hold_writer_lock(tmp_path / "okr.db")
    try:
        started = time.monotonic()
        error = refused(db, "database", lambda: add_setting(db, "mine"))
        assert 0.25 <= time.monotonic() - started < 5
        assert "busy" in error.message and "nothing was saved" in error.message
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_a_waiting_writer_goes_as_soon_as_the_lock_is_free(db, tmp_path):
    holder = hold_writer_lock(tmp_path / "okr.db", seconds=0.5)
    try:
        add_setting(db, "after")
        got_it = time.time()
        let_go = float(holder.stdout.readline())
    finally:
        holder.wait(timeout=30)
    assert db.execute("SELECT value FROM settings WHERE key = 'after'").fetchone() == ("x",)
    assert got_it - let_go < 0.5, "woken when the lock was let go, not at a later poll"


def test_a_writer_that_gave_up_holds_nothing_afterwards(db, tmp_path, short_wait):
    holder = hold_writer_lock(tmp_path / "okr.db")
    with pytest.raises(DatabaseBusy):
        add_setting(db, "gave up")
    holder.stdin.close()
    holder.wait(timeout=30)
    time.sleep(0.1)  # the waiting thread lets go as soon as it gets the lock
    with writer_lock(tmp_path / "okr.db", timeout=0.05):
        pass
    add_setting(db, "next")
    assert db.execute("SELECT count(*) FROM settings WHERE key IN ('gave up', 'next')").fetchone() == (1,)


def test_threads_of_one_process_queue_too(db, tmp_path):
    other = connect(tmp_path / "okr.db")
    inside = threading.Event()
    order = []

    def slow_write():
        with transaction(other):
            inside.set()
            other.execute("INSERT INTO settings (key, value) VALUES ('slow', 'x')")
            time.sleep(0.3)
            order.append("slow")

    thread = threading.Thread(target=slow_write)
    thread.start()
    inside.wait(5)
    add_setting(db, "quick")
    order.append("quick")
    thread.join()
    other.close()
    assert order == ["slow", "quick"]


def test_the_lock_is_reentrant_within_a_thread(db, tmp_path):
    with writer_lock(tmp_path / "okr.db", timeout=0.1):
        add_setting(db, "inside")  # the transaction's own lock is the one held
    assert db.execute("SELECT count(*) FROM settings WHERE key = 'inside'").fetchone() == (1,)


def test_in_memory_and_unwritable_folders_take_no_lock(memory_db, tmp_path):
    add_setting(memory_db, "memory")
    with writer_lock(tmp_path / "no such folder" / "okr.db", timeout=0.01):
        pass  # no lock file can be made there: the write itself will say why it fails
