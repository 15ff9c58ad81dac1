"""The schema: tables and foreign keys as DESIGN.md declares them, connection settings, and
migrations that are safe to run twice and upgrade an older file in place."""

from __future__ import annotations

import pytest

from okrdata import db as okrdb
from okrdata import lookups, writes
from okrdata.db import connect
from okrdata.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    TABLES,
    VERSIONED,
    applied_migrations,
    migrate,
    schema_version,
)

DESIGN_TABLES = (
    "units",
    "people",
    "cycles",
    "objectives",
    "key_results",
    "checkins",
    "checkin_revisions",
    "kpis",
    "kpi_readings",
)


def test_every_table_of_the_design_exists(db):
    assert set(DESIGN_TABLES) <= set(TABLES)
    assert set(TABLES) <= set(db.table_names())


FOREIGN_KEYS = {
    "units": {("parent_id", "units"), ("lead_id", "people")},
    "people": set(),
    "person_units": {("person_id", "people"), ("unit_id", "units")},
    "cycles": set(),
    "objectives": {
        ("cycle_id", "cycles"),
        ("unit_id", "units"),
        ("owner_id", "people"),
        ("parent_objective_id", "objectives"),
        ("parent_kr_id", "key_results"),
    },
    "key_results": {("objective_id", "objectives"), ("owner_id", "people"), ("kpi_id", "kpis")},
    "checkins": {("kr_id", "key_results"), ("author_id", "people")},
    "checkin_revisions": {("checkin_id", "checkins"), ("changed_by", "people")},
    "kpis": {("unit_id", "units")},
    "kpi_readings": {("kpi_id", "kpis"), ("author_id", "people")},
    "settings": set(),
    "key_result_changes": {("kr_id", "key_results"), ("changed_by", "people")},
    "digest_choices": {("person_id", "people")},
    "webhooks": {("unit_id", "units"), ("created_by", "people")},
    "deliveries": {
        ("person_id", "people"),
        ("unit_id", "units"),
        ("webhook_id", "webhooks"),
        ("cycle_id", "cycles"),
        ("kr_id", "key_results"),
    },
    "api_tokens": {("person_id", "people"), ("created_by", "people"), ("revoked_by", "people")},
}


def test_foreign_keys_cover_every_table():
    assert set(FOREIGN_KEYS) == set(TABLES)


@pytest.mark.parametrize("table", sorted(FOREIGN_KEYS))
def test_foreign_keys_are_declared(db, table):
    declared = db[table].foreign_keys
    assert {(fk.column, fk.other_table) for fk in declared} == FOREIGN_KEYS[table]
    assert all(fk.other_column == "id" for fk in declared)


def test_foreign_keys_are_enforced(db):
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO checkins (kr_id, checkin_date, value, confidence, created_at, updated_at)"
            " VALUES (999, '2026-01-01', 1, 5, 'now', 'now')"
        )
    assert db["checkins"].count == 0


# --- connection settings ----------------------------------------------------------------------


def test_a_file_database_uses_wal(db, tmp_path):
    assert db.journal_mode == "wal"
    # WAL is a property of the file: a new connection sees it without being told.
    other = connect(tmp_path / "okr.db")
    assert other.journal_mode == "wal"
    other.close()


@pytest.mark.parametrize("where", ["file", "memory"])
def test_every_connection_has_foreign_keys_and_a_busy_timeout(tmp_path, where):
    database = connect(":memory:" if where == "memory" else tmp_path / "okr.db")
    assert database.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute("PRAGMA busy_timeout").fetchone()[0] == okrdb.BUSY_TIMEOUT_MS
    assert okrdb.BUSY_TIMEOUT_MS >= 1000
    database.close()


def test_connect_creates_the_folder_of_the_file(tmp_path):
    database = connect(tmp_path / "a" / "b" / "okr.db")
    migrate(database)
    assert (tmp_path / "a" / "b" / "okr.db").exists()
    database.close()


def test_db_path_comes_from_the_argument_then_okr_db_then_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("OKR_DB", raising=False)
    assert str(okrdb.db_path()) == str(okrdb.DEFAULT_DB_PATH) == "data/okr.db"
    monkeypatch.setenv("OKR_DB", str(tmp_path / "env.db"))
    assert okrdb.db_path() == tmp_path / "env.db"
    assert okrdb.db_path(tmp_path / "arg.db") == tmp_path / "arg.db"


# --- migrations -------------------------------------------------------------------------------


def test_schema_version_is_the_number_of_migrations(db):
    assert schema_version(db) == len(MIGRATIONS) == SCHEMA_VERSION
    assert applied_migrations(db) == [name for name, _ in MIGRATIONS]


def test_migration_names_are_unique_and_ordered():
    names = [name for name, _ in MIGRATIONS]
    assert len(names) == len(set(names))
    assert names == sorted(names)


def test_an_empty_database_has_version_0():
    database = connect(":memory:")
    assert schema_version(database) == 0
    assert applied_migrations(database) == []


def test_migrating_twice_runs_nothing_the_second_time(db, snapshot):
    schema_before = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    rows_before = snapshot(db)
    assert migrate(db) == []
    assert db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall() == schema_before
    assert snapshot(db) == rows_before
    assert schema_version(db) == len(MIGRATIONS)


def test_migrate_reports_what_it_ran(tmp_path):
    database = connect(tmp_path / "okr.db")
    assert migrate(database, upto=1) == [MIGRATIONS[0][0]]
    assert migrate(database) == [name for name, _ in MIGRATIONS[1:]]
    assert migrate(database) == []


def test_an_older_database_upgrades_in_place_keeping_every_row(tmp_path, snapshot):
    path = tmp_path / "old.db"
    old = connect(path)
    migrate(old, upto=1)
    assert schema_version(old) == 1
    assert "settings" not in old.table_names()
    # Fill the version-1 file the way the application does.
    lead = writes.add_person(old, "Lee Lead", "lee@acme.test", role="lead", person=writes.SYSTEM)
    company = writes.add_unit(old, "Acme", lead_id=lead, person=writes.SYSTEM)
    team = writes.add_unit(old, "Platform", parent_id=company, person=writes.SYSTEM)
    cycle = writes.add_cycle(old, "2026 Q1", "2026-01-01", "2026-03-31", state="active", person=writes.SYSTEM)
    objective = writes.add_objective(old, cycle, team, "Make the API fast", person=writes.SYSTEM)
    kr = writes.add_key_result(
        old, objective, "p95 latency from 800 to 200 ms", "decrease", 800, 200, person=writes.SYSTEM
    )
    checkin = writes.add_checkin(old, kr, "2026-01-08", 700, 6, author_id=lead, person=writes.SYSTEM)
    writes.edit_checkin(
        old,
        checkin,
        value=650,
        confidence=6,
        changed_by=lead,
        person=writes.SYSTEM,
        version=writes.version_of(old, "checkins", checkin),
    )
    kpi = writes.add_kpi(old, company, "Uptime", "stay_above", 99.9, person=writes.SYSTEM)
    writes.add_kpi_reading(old, kpi, "2026-01-05", 99.95, person=writes.SYSTEM)
    before = snapshot(old)
    old.close()

    upgraded = connect(path)
    ran = migrate(upgraded)
    assert ran == [name for name, _ in MIGRATIONS[1:]]
    assert schema_version(upgraded) == len(MIGRATIONS)
    after = snapshot(upgraded)
    for table, rows in before.items():
        if table == "_migrations":
            assert after[table][: len(rows)] == rows
        elif table in VERSIONED and table != "checkins":
            # m005 gave every row of an edited table a version, the first one.
            assert after[table] == [(*row, 1) for row in rows], f"{table} lost or changed rows in the upgrade"
        else:
            assert after[table] == rows, f"{table} lost or changed rows in the upgrade"
    # and the upgraded file works like a new one
    writes.set_setting(upgraded, "demo", "0", person=writes.SYSTEM)
    assert lookups.get_setting(upgraded, "demo") == "0"
    upgraded.close()


# --- indexes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, leading_column",
    [
        ("checkins", "kr_id"),
        ("objectives", "cycle_id"),
        ("kpi_readings", "kpi_id"),
        ("key_results", "objective_id"),
        ("units", "parent_id"),
    ],
)
def test_indexes_lead_with_the_columns_queries_filter_by(db, table, leading_column):
    assert any(index.columns[0] == leading_column for index in db[table].indexes), db[table].indexes


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM checkins WHERE kr_id = 1 AND deleted = 0 ORDER BY checkin_date",
        "SELECT * FROM objectives WHERE cycle_id = 1",
        "SELECT * FROM kpi_readings WHERE kpi_id = 1 ORDER BY reading_date",
    ],
)
def test_the_common_lookups_use_an_index(db, sql):
    plan = " ".join(str(row[-1]) for row in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan


# --- a database of a newer version ------------------------------------------------------------


def newer_database(path):
    """A database this version wrote, then given one migration more (as a newer version would)."""
    database = connect(path)
    migrate(database)
    writes.set_setting(database, "demo", "0", person=writes.SYSTEM)
    database.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    database.close()
    return path


NEWER = f"this database was written by a newer version ({SCHEMA_VERSION + 1} > {SCHEMA_VERSION}); upgrade the dashboard"


def test_a_database_written_by_a_newer_version_is_refused_when_opened(tmp_path):
    from okrdata.errors import ValidationError

    path = newer_database(tmp_path / "okr.db")
    before = path.read_bytes()
    with pytest.raises(ValidationError) as info:
        connect(path)
    assert info.value.field == "database" and NEWER in info.value.message
    assert path.read_bytes() == before


def test_migrate_refuses_a_newer_database_opened_any_other_way(tmp_path):
    import sqlite3

    import sqlite_utils

    from okrdata.errors import ValidationError

    path = newer_database(tmp_path / "okr.db")
    database = sqlite_utils.Database(sqlite3.connect(path))
    rows = database.execute("SELECT count(*) FROM _migrations").fetchone()
    with pytest.raises(ValidationError) as info:
        migrate(database)
    assert NEWER in info.value.message
    assert database.execute("SELECT count(*) FROM _migrations").fetchone() == rows
    assert schema_version(database) == SCHEMA_VERSION + 1
    database.close()


# --- row versions (m007) -------------------------------------------------------------------------


def test_every_edited_table_has_a_version_that_the_database_moves(db):
    assert "m007_row_versions" in applied_migrations(db)
    assert set(VERSIONED) == {"cycles", "units", "people", "objectives", "key_results", "kpis", "checkins"}
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for table in VERSIONED:
        column = db[table].columns_dict.get("version")
        assert column is int, f"{table} has no whole-number version"
        assert f"{table}_version" in triggers
    assert migrate(db) == []


@pytest.mark.parametrize(
    "table, column, value",
    [
        ("people", "role", "admin"),
        ("units", "description", "moved"),
        ("cycles", "name", "Q9"),
    ],
)
def test_a_change_moves_the_version_and_a_save_of_the_same_value_does_not(db, table, column, value):
    person = writes.add_person(db, "Ada", "ada@acme.test", role="lead", person=writes.SYSTEM)
    ids = {
        "people": person,
        "units": writes.add_unit(db, "Acme", person=writes.SYSTEM),
        "cycles": writes.add_cycle(db, "2026 Q1", "2026-01-01", "2026-03-31", person=writes.SYSTEM),
    }
    row_id = ids[table]
    db.execute(f"UPDATE [{table}] SET [{column}] = ? WHERE id = ?", [value, row_id])
    assert writes.version_of(db, table, row_id) == 2
    db.execute(f"UPDATE [{table}] SET [{column}] = ? WHERE id = ?", [value, row_id])
    assert writes.version_of(db, table, row_id) == 2


def test_a_new_password_leaves_the_persons_version_alone(db):
    from okrdata import auth

    person = writes.add_person(db, "Ada", "ada@acme.test", role="lead", person=writes.SYSTEM)
    auth.set_password(db, person, "a long enough password")
    assert writes.version_of(db, "people", person) == 1
