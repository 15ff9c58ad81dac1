"""Every ``okr`` command on a bad database file: one clear line, a non-zero exit, nothing damaged.

The files: not SQLite at all, zero bytes (or SQLite with no tables), written by a newer version,
read-only (the file, or its folder), and on a full disk. Read-only commands (``lint``,
``export``, ``user list``, ``report``, ``backup``) never write a schema into an empty file nor
create a missing one.

Read-only cases: the tests run the command as ``nobody`` when they run as root (root writes
through any file mode). Full disk: a real 1 MB tmpfs when the tests may mount one (root), and
everywhere a simulated one, SQLite's ``PRAGMA max_page_count`` set on every connection to the
file's current size, which fails the next write with SQLITE_FULL exactly as a full disk does.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from disk_fixtures import fill, full_disk, unprivileged  # noqa: F401

from okrdata.cli import cli
from okrdata.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "seed" / "import-example.csv"
KR_TITLE = "trial-to-paid conversion from 12% to 18%"

COMMANDS = {
    "init": ["init"],
    "demo": ["demo"],
    "synth": ["synth", "--scale", "1"],
    "lint": ["lint"],
    "export": ["export", "{out}/okrs.csv"],
    "export --full": ["export", "{out}/all.json", "--full"],
    "import": ["import", str(SAMPLE)],
    "import new": ["import", "{new}"],
    "backup": ["backup", "{out}/copy.db"],
    "user list": ["user", "list"],
    "user add": ["user", "add", "new@example.com", "--name", "New Person", "--no-password"],
    "user role": ["user", "role", "carla.diaz@brightwave.example", "admin"],
    "checkin": ["checkin", "--kr", KR_TITLE, "--value", "15%", "--confidence", "7"],
    "report": ["report", "{out}/r.html"],
}
READ_ONLY = ("lint", "export", "export --full", "backup", "user list", "report")
WRITES = ("import new", "user add", "user role", "checkin")
NEW_CSV = Path(tempfile.gettempdir()) / f"okr-bad-files-new-{os.getpid()}.csv"
NEW_ROWS = (
    "Cycle,Unit,Objective,Key result,Type,Baseline,Target\n"
    "2026 Q4,Brightwave,Open a second office,Desks taken from 0 to 40,Increase to,0,40\n"
)


def run(name: str, db: Path, out: Path, *extra: str):
    args = [a.format(out=out, new=NEW_CSV) for a in COMMANDS[name]] + ["--db", str(db), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (name, result.output)
    assert "Traceback" not in result.output
    return result


def one_line_error(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def state(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (an empty -wal is no change)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and not (p.name.endswith(("-wal", "-shm")) and p.stat().st_size == 0)
        and not p.name.endswith("-shm")
    }


@pytest.fixture(scope="module", autouse=True)
def new_rows():
    """A small import that adds an objective to the template's organisation."""
    NEW_CSV.write_text(NEW_ROWS)
    NEW_CSV.chmod(0o644)
    yield NEW_CSV
    NEW_CSV.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A database holding the import example (cycle 2026 Q4, people of Brightwave)."""
    path = tmp_path_factory.mktemp("template") / "okr.db"
    result = CliRunner().invoke(cli, ["import", str(SAMPLE), "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def place():
    """A folder anyone may write in (so ``nobody`` can too), with ``out/`` for the files written."""
    folder = Path(tempfile.mkdtemp(prefix="okr-bad-files-"))
    folder.chmod(0o777)
    (folder / "out").mkdir()
    (folder / "out").chmod(0o777)
    yield folder
    for p in [folder, *folder.rglob("*")]:
        if p.is_dir():
            p.chmod(0o777)
    shutil.rmtree(folder, ignore_errors=True)


def warm_up(name: str, template: Path, tmp_path: Path) -> None:
    """Run the command once as ourselves: modules it imports late cannot be read by ``nobody``
    where Python is installed for root only."""
    scratch = tmp_path / "warm-up"
    scratch.mkdir(exist_ok=True)
    (scratch / "out").mkdir(exist_ok=True)
    run(name, good_copy(template, scratch), scratch / "out")


def good_copy(template: Path, folder: Path) -> Path:
    target = folder / "okr.db"
    shutil.copyfile(template, target)
    target.chmod(0o666)
    return target


# --- not a database ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_file_that_is_not_sqlite_is_one_clear_line_and_stays_as_it_was(place, name):
    db = place / "okr.db"
    db.write_text("email,name\nann@example.com,Ann\n" * 50)
    before = state(place)
    result = run(name, db, place / "out")
    one_line_error(result, str(db), "not an SQLite database")
    assert state(place) == before


# --- empty ---------------------------------------------------------------------------------


@pytest.mark.parametrize("empty", ["zero bytes", "no tables"])
@pytest.mark.parametrize("name", READ_ONLY + ("user add", "user role", "checkin"))
def test_commands_that_need_data_never_write_a_schema_into_an_empty_file(place, name, empty):
    db = place / "okr.db"
    if empty == "zero bytes":
        db.write_bytes(b"")
    else:
        sqlite3.connect(db).execute("PRAGMA user_version = 0").close()
    before = state(place)
    result = run(name, db, place / "out")
    one_line_error(result, str(db), "okr init")
    assert state(place) == before
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["init", "demo", "import"])
def test_commands_that_create_a_database_fill_an_empty_file(place, name):
    db = place / "okr.db"
    db.write_bytes(b"")
    result = run(name, db, place / "out")
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    conn.close()


@pytest.mark.parametrize("name", READ_ONLY + ("user add", "checkin"))
def test_commands_that_need_data_never_create_a_missing_file_or_folder(place, name):
    db = place / "nowhere" / "okr.db"
    before = state(place)
    result = run(name, db, place / "out")
    one_line_error(result, "does not exist")
    assert not (place / "nowhere").exists()
    assert state(place) == before


# --- written by a newer version ------------------------------------------------------------


def make_newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - {"backup"}))
def test_a_database_of_a_newer_version_is_refused_by_every_command(template, place, name):
    db = good_copy(template, place)
    make_newer(db)
    before = state(place)
    result = run(name, db, place / "out")
    one_line_error(
        result,
        f"this database was written by a newer version ({SCHEMA_VERSION + 1} > "
        f"{SCHEMA_VERSION}); upgrade the dashboard",
    )
    assert state(place) == before


def test_a_database_of_a_newer_version_can_still_be_backed_up_as_it_is(template, place):
    db = good_copy(template, place)
    make_newer(db)
    result = run("backup", db, place / "out")
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(place / "out" / "copy.db")
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION + 1,)
    conn.close()


# --- read-only -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", READ_ONLY)
def test_read_only_commands_work_on_a_read_only_file(template, place, tmp_path, name):
    warm_up(name, template, tmp_path)
    db = good_copy(template, place)
    db.chmod(0o444)
    before = state(place)
    with unprivileged():
        result = run(name, db, place / "out")
    assert result.exit_code == 0, result.output
    assert {k: v for k, v in state(place).items() if not k.startswith("out")} == before


@pytest.mark.parametrize("name", WRITES)
def test_writes_to_a_read_only_file_are_one_clear_line(template, place, tmp_path, name):
    warm_up(name, template, tmp_path)
    db = good_copy(template, place)
    db.chmod(0o444)
    before = state(place)
    with unprivileged():
        result = run(name, db, place / "out")
    one_line_error(result, "read-only", "nothing was saved")
    assert state(place) == before


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_read_only_folder_is_one_clear_line_or_works(template, place, tmp_path, name):
    warm_up(name, template, tmp_path)
    db = good_copy(template, place)
    place.chmod(0o555)
    before = state(place)
    try:
        with unprivileged():
            result = run(name, db, place / "out")
    finally:
        place.chmod(0o777)
    if result.exit_code != 0:
        one_line_error(result, str(place))
        if name not in ("demo", "synth"):  # these say the file holds data already
            assert "read-only" in result.output, result.output
    assert state(place) == before or name in ("export", "export --full", "backup", "report")


# --- a full disk ---------------------------------------------------------------------------


def rows(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return (
            conn.execute("SELECT count(*) FROM checkins").fetchone()[0],
            conn.execute("SELECT count(*) FROM people").fetchone()[0],
        )
    finally:
        conn.close()


@pytest.mark.parametrize("name", WRITES)
def test_writes_on_a_full_disk_are_one_clear_line_and_damage_nothing(template, full_disk, name):
    db = good_copy(template, full_disk)
    (full_disk / "out").mkdir()
    before = rows(db)
    app = sqlite3.connect(db)  # the running app keeps the database open (its -wal and -shm exist)
    app.execute("SELECT count(*) FROM units").fetchall()
    try:
        fill(full_disk)
        result = run(name, db, full_disk / "out")
        one_line_error(result, "full", "nothing was saved")
        (full_disk / "filler").unlink()
    finally:
        app.close()
    assert rows(db) == before


def test_a_large_import_on_a_simulated_full_disk_is_one_clear_line(template, tmp_path, monkeypatch):
    """Without a tmpfs: every connection may not grow the file past its current size
    (``PRAGMA max_page_count``), and the import adds far more than the free pages hold."""
    db = good_copy(template, tmp_path)
    big = tmp_path / "big.csv"
    lines = ["Cycle,Unit,Objective,Key result,Type,Baseline,Target"]
    lines += [
        f"2026 Q4,Brightwave,Objective {i // 3},Key result {i} from 0 to 100,Increase to,0,100" for i in range(3000)
    ]
    big.write_text("\n".join(lines) + "\n")
    before = rows(db)
    real_connect = sqlite3.connect

    def connect_to_a_full_disk(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect_to_a_full_disk)
    result = CliRunner().invoke(cli, ["import", str(big), "--db", str(db)])
    monkeypatch.undo()
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    one_line_error(result, "full", "nothing was saved")
    assert rows(db) == before
