"""The okr command: each command works on a path, and bad input is a clear error, not a traceback."""

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from okrdata import schema
from okrdata.cli import cli
from okrdata.db import connect

README = Path(__file__).parent.parent / "README.md"


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_every_command_is_documented_in_the_readme():
    readme = README.read_text()
    assert cli.commands, "the CLI has no commands: nothing to check"
    for name in cli.commands:
        assert re.search(rf"`okr {name}\b", readme), f"okr {name} is missing from the README"


def test_init_creates_an_empty_database_at_the_current_schema(tmp_path):
    path = tmp_path / "new.db"
    result = run("init", "--db", path)
    assert result.exit_code == 0
    db = connect(path)
    assert schema.schema_version(db) == schema.SCHEMA_VERSION
    assert db["units"].count == 0


def test_init_upgrades_an_older_database_keeping_its_rows(tmp_path):
    path = tmp_path / "old.db"
    db = connect(path)
    schema.migrate(db, upto=1)
    db["people"].insert({"name": "Ann", "email": "ann@example.com", "role": "admin"})
    db.close()
    result = run("init", "--db", path)
    assert result.exit_code == 0
    assert f"applied {schema.SCHEMA_VERSION - 1} migration" in result.output
    db = connect(path)
    assert db["people"].count == 1
    assert schema.schema_version(db) == schema.SCHEMA_VERSION


@pytest.mark.slow
def test_demo_fills_a_new_database_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "demo.db"
    assert run("demo", "--db", path).exit_code == 0
    db = connect(path)
    units = db["units"].count
    assert units >= 10
    db.close()
    again = run("demo", "--db", path)
    assert again.exit_code == 2
    assert "--db" in again.output and "--force" in again.output
    assert run("demo", "--db", path, "--force").exit_code == 0
    assert connect(path)["units"].count == units


def units_in(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM units").fetchone()[0]
    finally:
        conn.close()


def set_aside(output: str, folder: Path) -> Path:
    """The file a command said it moved the old database to (it must exist in ``folder``)."""
    found = re.search(r"Moved the old database to (\S+?\.bak)\b", output)
    assert found, output
    moved = Path(found.group(1))
    assert moved.parent == folder and moved.is_file()
    return moved


@pytest.mark.slow
def test_init_fresh_moves_the_demo_aside(tmp_path):
    path = tmp_path / "okr.db"
    run("demo", "--db", path)
    demo_units = units_in(path)
    result = run("init", "--fresh", "--db", path)
    assert result.exit_code == 0
    assert units_in(set_aside(result.output, tmp_path)) == demo_units
    assert connect(path)["units"].count == 0


@pytest.mark.slow
def test_init_fresh_twice_never_overwrites_the_first_backup(tmp_path):
    # The first --fresh sets the real data aside; a second one must not replace it with the
    # empty database (it used to: both went to okr.db.bak).
    path = tmp_path / "okr.db"
    run("demo", "--db", path)
    demo_units = units_in(path)
    first = set_aside(run("init", "--fresh", "--db", path).output, tmp_path)
    second = set_aside(run("init", "--fresh", "--db", path).output, tmp_path)
    assert first != second
    assert units_in(first) == demo_units, "the real data was lost"
    assert units_in(second) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if ".bak" in p.name) == sorted([first.name, second.name])


@pytest.mark.slow
def test_demo_force_sets_the_old_database_aside_too(tmp_path):
    path = tmp_path / "okr.db"
    run("init", "--db", path)
    db = connect(path)
    db["units"].insert({"name": "Our own company"})
    db.close()
    result = run("demo", "--db", path, "--force")
    assert result.exit_code == 0, result.output
    kept = set_aside(result.output, tmp_path)
    assert sqlite3.connect(kept).execute("SELECT name FROM units").fetchall() == [("Our own company",)]


@pytest.mark.slow
def test_lint_on_the_demo_names_the_planted_problems(tmp_path):
    path = tmp_path / "demo.db"
    run("demo", "--db", path)
    result = run("lint", "--db", path)
    assert result.exit_code == 0
    for title in (
        "Too many objectives",
        "Key result count",
        "Activity, not outcome",
        "Not aligned",
        "Owner overloaded",
    ):
        assert title in result.output
    assert "Too many key results" not in result.output
    assert "finding(s)" not in result.output and re.search(r": \d+ findings\n", result.output)


@pytest.mark.slow
def test_lint_strict_fails_on_warnings(tmp_path):
    path = tmp_path / "demo.db"
    run("demo", "--db", path)
    assert run("lint", "--db", path, "--strict").exit_code == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["lint", "--db", "{missing}"], "does not exist"),
        (["lint", "--db", "{demo}", "--cycle", "1999 Q9"], "--cycle: no cycle is called"),
        (["lint", "--db", "{demo}", "--unit", "Nowhere"], "--unit: no unit is called"),
        (["synth", "--db", "{new}", "--scale", "0"], "Invalid value for '--scale'"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path, args, message):
    demo = tmp_path / "demo.db"
    run("demo", "--db", demo)
    before = sqlite3.connect(demo).execute("SELECT count(*) FROM checkins").fetchone()
    paths = {"missing": tmp_path / "missing.db", "demo": demo, "new": tmp_path / "new.db"}
    result = run(*[a.format(**paths) for a in args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert sqlite3.connect(demo).execute("SELECT count(*) FROM checkins").fetchone() == before


@pytest.mark.slow
def test_synth_generates_a_larger_organisation(tmp_path):
    demo, big = tmp_path / "demo.db", tmp_path / "big.db"
    run("demo", "--db", demo)
    result = run("synth", "--db", big, "--scale", 2)
    assert result.exit_code == 0, result.output
    count = lambda p, t: sqlite3.connect(p).execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: E731
    assert count(big, "units") > count(demo, "units")
    assert count(big, "cycles") == 8
