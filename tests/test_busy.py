"""A write while another process holds the write lock (a long import): the writer waits a
while, then gets a clear refusal that saved nothing, never a traceback or a raw
"database is locked". The lock is held by a real second process with ``BEGIN IMMEDIATE``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from okrdata import db as okrdb
from okrdata.cli import cli
from okrdata.db import connect, transaction

pytestmark = pytest.mark.slow  # a second process holding the write lock

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "seed" / "import-example.csv"
KR_TITLE = "trial-to-paid conversion from 12% to 18%"


def hold_write_lock(path: Path, seconds: float | None = None) -> subprocess.Popen:
    """Another process that takes the write lock, as a long import does, until its standard
    input closes (or for ``seconds``)."""
    release = f"time.sleep({seconds})" if seconds is not None else "sys.stdin.read()"
    script = textwrap.dedent(
        f"""
        import sqlite3, sys, time
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO settings (key, value) VALUES ('held', '1')")
        print("locked", flush=True)
        {release}
        conn.execute("ROLLBACK")
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def release(process: subprocess.Popen) -> None:
    if process.stdin:
        process.stdin.close()
    process.wait(timeout=30)


@pytest.fixture
def short_wait(monkeypatch):
    """Writers give up after 0.3 s instead of the real wait, so the tests stay quick."""
    monkeypatch.setattr(okrdb, "BUSY_TIMEOUT_MS", 300)


def add_setting(db, key: str) -> None:
    with transaction(db):
        db.execute("INSERT INTO settings (key, value) VALUES (?, 'x')", [key])


def test_a_write_while_another_process_holds_the_lock_is_refused_readably(db, tmp_path, refused, short_wait):
    holder = hold_write_lock(tmp_path / "okr.db")
    writer = connect(tmp_path / "okr.db")
    try:
        started = time.monotonic()
        error = refused(writer, "database", lambda: add_setting(writer, "mine"))
        assert time.monotonic() - started >= 0.25, "the writer did not wait for the lock"
        assert "busy" in error.message and "nothing was saved" in error.message and "try again" in error.message
        assert "locked" not in str(error)
    finally:
        writer.close()
        release(holder)


def test_a_writer_waits_for_a_short_write_to_end(db, tmp_path):
    holder = hold_write_lock(tmp_path / "okr.db", seconds=0.5)
    writer = connect(tmp_path / "okr.db")
    try:
        add_setting(writer, "mine")
        assert writer.execute("SELECT value FROM settings WHERE key = 'mine'").fetchone() == ("x",)
    finally:
        writer.close()
        release(holder)


def test_the_wait_is_sensible_for_a_person_at_a_form():
    # Long enough to queue behind a burst of saves, short enough for a person to wait for.
    assert 5_000 <= okrdb.BUSY_TIMEOUT_MS <= 15_000


def test_okr_checkin_while_an_import_holds_the_lock_is_one_clear_line(tmp_path, short_wait):
    path = tmp_path / "okr.db"
    assert CliRunner().invoke(cli, ["import", str(SAMPLE), "--db", str(path)]).exit_code == 0
    count = lambda: connect(path).execute("SELECT count(*) FROM checkins").fetchone()[0]
    before = count()
    holder = hold_write_lock(path)
    try:
        result = CliRunner().invoke(
            cli, ["checkin", "--db", str(path), "--kr", KR_TITLE, "--value", "15%", "--confidence", "7"]
        )
    finally:
        release(holder)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "busy" in lines[0], result.output
    assert "nothing was saved" in lines[0]
    assert count() == before
