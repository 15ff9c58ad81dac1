"""okr restore BACKUP: the backup checked first, the database in use refused, the one it
replaces kept under its own name, and no leftover ``-wal`` replayed on top of the backup."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from okrdata.cli import cli
from okrdata.schema import SCHEMA_VERSION

pytestmark = pytest.mark.slow  # second processes holding the database open


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def count(path: Path, table: str = "checkins") -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
    finally:
        conn.close()


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def crash_after_writing(path: Path, rows: int) -> None:
    """Add ``rows`` check-ins in another process that then dies without closing its connection,
    as a killed app does: they stay in ``okr.db-wal``, not yet copied into ``okr.db``."""
    script = textwrap.dedent(
        f"""
        import os, sqlite3
        conn = sqlite3.connect({str(path)!r})
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        kr = conn.execute("SELECT min(id) FROM key_results").fetchone()[0]
        conn.executemany(
            "INSERT INTO checkins (kr_id, checkin_date, value, confidence, note, created_at, updated_at) "
            "VALUES (?, '2026-01-10', ?, 5, 'after the backup', '2026-01-10T12:00', '2026-01-10T12:00')",
            [(kr, i) for i in range({rows})])
        conn.commit()
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert Path(str(path) + "-wal").stat().st_size > 0


@pytest.fixture
def demo(tmp_path) -> Path:
    path = tmp_path / "okr.db"
    assert run("demo", "--db", path).exit_code == 0
    return path


@pytest.fixture
def backup_file(demo, tmp_path) -> Path:
    dest = tmp_path / "backups"
    dest.mkdir()
    assert run("backup", dest / "okr-monday.db", "--db", demo).exit_code == 0
    return dest / "okr-monday.db"


def test_copying_a_backup_by_hand_replays_a_leftover_wal_on_top(demo, backup_file):
    """Why `okr restore` exists: the README's old advice (stop the app, copy the backup over the
    database) gives the backup plus whatever a killed app left in okr.db-wal."""
    in_backup = count(backup_file)
    crash_after_writing(demo, 3000)
    demo.write_bytes(backup_file.read_bytes())
    assert count(demo) == in_backup + 3000


def test_restore_gives_exactly_the_backup_despite_a_leftover_wal(demo, backup_file, tmp_path):
    in_backup = count(backup_file)
    crash_after_writing(demo, 3000)
    result = run("restore", backup_file, "--db", demo)
    assert result.exit_code == 0, result.output
    assert count(demo) == in_backup
    conn = sqlite3.connect(demo)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    assert not Path(str(demo) + "-wal").exists() and not Path(str(demo) + "-shm").exists()
    # The database it replaced, the killed app's check-ins included, is kept under its own name.
    found = re.search(r"(\S+\.bak)\b", result.output)
    assert found, result.output
    kept = Path(found.group(1))
    assert kept.parent == tmp_path and kept.is_file()
    assert count(kept) == in_backup + 3000
    assert f"{in_backup:,} check-ins" in result.output or f"{in_backup} check-ins" in result.output


def test_restore_twice_keeps_every_replaced_database(demo, backup_file, tmp_path):
    first = run("restore", backup_file, "--db", demo)
    second = run("restore", backup_file, "--db", demo)
    assert first.exit_code == second.exit_code == 0
    kept = [Path(m) for r in (first, second) for m in re.findall(r"(\S+\.bak)\b", r.output)]
    assert len(kept) == 2 and kept[0] != kept[1] and all(p.is_file() for p in kept)


def test_restore_into_a_missing_database_creates_it(backup_file, tmp_path):
    target = tmp_path / "new" / "okr.db"
    target.parent.mkdir()
    result = run("restore", backup_file, "--db", target)
    assert result.exit_code == 0, result.output
    assert count(target) == count(backup_file)


def test_restore_over_a_damaged_database_sets_it_aside(backup_file, tmp_path):
    target = tmp_path / "damaged.db"
    target.write_bytes(b"this is not a database" * 100)
    result = run("restore", backup_file, "--db", target)
    assert result.exit_code == 0, result.output
    assert count(target) == count(backup_file)
    kept = [p for p in tmp_path.iterdir() if p.name.endswith(".bak")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"this is not a database" * 100


def holder(path: Path) -> subprocess.Popen:
    """Another process with the database open (and idle), as a running dashboard has."""
    script = textwrap.dedent(
        f"""
        import sqlite3, sys
        conn = sqlite3.connect({str(path)!r})
        conn.execute("SELECT count(*) FROM units").fetchall()
        print("open", flush=True)
        sys.stdin.read()
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "open"
    return process


@pytest.mark.parametrize("command", [["restore", "{backup}"], ["init", "--fresh"], ["demo", "--force"]])
def test_replacing_the_database_is_refused_while_another_process_has_it_open(demo, backup_file, tmp_path, command):
    process = holder(demo)
    try:
        before = files(tmp_path)
        result = run(*[a.format(backup=backup_file) for a in command], "--db", demo)
        assert result.exit_code == 2
        assert "open" in result.output and "stop" in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert files(tmp_path) == before
    finally:
        process.stdin.close()
        process.wait(timeout=30)
    assert run("restore", backup_file, "--db", demo).exit_code == 0


def newer(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    return path


def damaged(path: Path) -> Path:
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, len(data), 4096):  # every page after the third: garbage
        data[offset + 8 : offset + 200] = b"\xa5" * 192
    path.write_bytes(bytes(data))
    return path


def other_app(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("missing", "does not exist"),
        ("not sqlite", "not an SQLite database"),
        ("zero bytes", "no OKR dashboard data"),
        ("another app's", "no OKR dashboard data"),
        ("damaged", "damaged"),
        ("newer", f"newer version ({SCHEMA_VERSION + 1} > {SCHEMA_VERSION})"),
    ],
)
def test_a_bad_backup_is_refused_and_nothing_changes(demo, backup_file, tmp_path, case, words):
    bad = tmp_path / "bad.db"
    if case == "not sqlite":
        bad.write_text("name,email\nAnn,ann@example.com\n")
    elif case == "zero bytes":
        bad.write_bytes(b"")
    elif case == "another app's":
        other_app(bad)
    elif case == "damaged":
        bad.write_bytes(backup_file.read_bytes())
        damaged(bad)
    elif case == "newer":
        bad.write_bytes(backup_file.read_bytes())
        newer(bad)
    before = files(tmp_path)
    result = run("restore", bad, "--db", demo)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: BACKUP: ") and words in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert files(tmp_path) == before, "a refused restore changed a file"
