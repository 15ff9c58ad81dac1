"""The schema: tables and foreign keys as DESIGN.md declares them, connection settings, and
migrations that are safe to run twice and upgrade an older file in place."""

from __future__ import annotations

import pytest

from okrdata import db as okrdb
from okrdata import writes
from okrdata.db import connect
from okrdata.schema import MIGRATIONS, SCHEMA_VERSION, TABLES, applied_migrations, migrate, schema_version

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
    lead = writes.add_person(old, "Lee Lead", "lee@acme.test", role="lead")
    company = writes.add_unit(old, "Acme", lead_id=lead)
    team = writes.add_unit(old, "Platform", parent_id=company)
    cycle = writes.add_cycle(old, "2026 Q1", "2026-01-01", "2026-03-31", state="active")
    objective = writes.add_objective(old, cycle, team, "Make the API fast")
    kr = writes.add_key_result(old, objective, "p95 latency from 800 to 200 ms", "decrease", 800, 200)
    checkin = writes.add_checkin(old, kr, "2026-01-08", 700, 6, author_id=lead)
    writes.edit_checkin(old, checkin, value=650, confidence=6, changed_by=lead)
    kpi = writes.add_kpi(old, company, "Uptime", "stay_above", 99.9)
    writes.add_kpi_reading(old, kpi, "2026-01-05", 99.95)
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
        else:
            assert after[table] == rows, f"{table} lost or changed rows in the upgrade"
    # and the upgraded file works like a new one
    writes.set_setting(upgraded, "demo", "0")
    assert writes.get_setting(upgraded, "demo") == "0"
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
