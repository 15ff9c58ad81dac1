"""The schema, built by ordered, named migrations.

Each migration is a function that takes the database and changes it; :func:`migrate` runs,
in order, those that the ``_migrations`` table does not record yet, each in its own
transaction, and sets ``PRAGMA user_version`` to the number applied (the schema version).
Running it twice changes nothing, and running it on an older database upgrades it in place
without losing a row: a migration only ever adds to what is there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlite_utils

from okrdata.db import transaction

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []

KR_TYPES = ("increase", "decrease", "stay_above", "stay_below", "milestone")
KPI_TARGET_TYPES = ("stay_above", "stay_below", "increase", "decrease")
ROLES = ("viewer", "lead", "admin")
CYCLE_STATES = ("planning", "active", "closed")
OBJECTIVE_KINDS = ("committed", "aspirational")
OBJECTIVE_STATES = ("active", "archived")
TABLES = (
    "units",
    "people",
    "person_units",
    "cycles",
    "objectives",
    "key_results",
    "checkins",
    "checkin_revisions",
    "kpis",
    "kpi_readings",
    "settings",
    "key_result_changes",
    "api_tokens",
)


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration; its name is recorded once it has run."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


@migration
def m001_initial_tables(db: sqlite_utils.Database) -> None:
    """The tables of DESIGN.md, with their foreign keys and checks."""
    db.executescript(
        f"""
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN {_in(ROLES)}),
            password_hash TEXT,
            archived INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            parent_id INTEGER REFERENCES units(id),
            lead_id INTEGER REFERENCES people(id),
            description TEXT NOT NULL DEFAULT '',
            archived INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE person_units (
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
            PRIMARY KEY (person_id, unit_id)
        );
        CREATE TABLE cycles (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            start_date TEXT NOT NULL,
            end_date TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'planning' CHECK (state IN {_in(CYCLE_STATES)}),
            CHECK (end_date > start_date)
        );
        CREATE TABLE kpis (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units(id),
            name TEXT NOT NULL,
            unit_label TEXT NOT NULL DEFAULT '',
            target_type TEXT NOT NULL CHECK (target_type IN {_in(KPI_TARGET_TYPES)}),
            target REAL NOT NULL,
            warning REAL,
            frequency_days INTEGER NOT NULL DEFAULT 7 CHECK (frequency_days > 0),
            description TEXT NOT NULL DEFAULT '',
            archived INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE kpi_readings (
            id INTEGER PRIMARY KEY,
            kpi_id INTEGER NOT NULL REFERENCES kpis(id),
            reading_date TEXT NOT NULL,
            value REAL NOT NULL,
            author_id INTEGER REFERENCES people(id),
            created_at TEXT NOT NULL
        );
        CREATE TABLE objectives (
            id INTEGER PRIMARY KEY,
            cycle_id INTEGER NOT NULL REFERENCES cycles(id),
            unit_id INTEGER NOT NULL REFERENCES units(id),
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            owner_id INTEGER REFERENCES people(id),
            kind TEXT NOT NULL DEFAULT 'committed' CHECK (kind IN {_in(OBJECTIVE_KINDS)}),
            parent_objective_id INTEGER REFERENCES objectives(id),
            parent_kr_id INTEGER REFERENCES key_results(id),
            weight REAL NOT NULL DEFAULT 1 CHECK (weight >= 0),
            state TEXT NOT NULL DEFAULT 'active' CHECK (state IN {_in(OBJECTIVE_STATES)}),
            score REAL CHECK (score IS NULL OR (score >= 0 AND score <= 1)),
            score_reason TEXT,
            reflection TEXT
        );
        CREATE TABLE key_results (
            id INTEGER PRIMARY KEY,
            objective_id INTEGER NOT NULL REFERENCES objectives(id),
            title TEXT NOT NULL,
            kr_type TEXT NOT NULL CHECK (kr_type IN {_in(KR_TYPES)}),
            baseline REAL,
            target REAL,
            unit_label TEXT NOT NULL DEFAULT '',
            weight REAL NOT NULL DEFAULT 1 CHECK (weight >= 0),
            owner_id INTEGER REFERENCES people(id),
            kpi_id INTEGER REFERENCES kpis(id),
            cadence_days INTEGER NOT NULL DEFAULT 7 CHECK (cadence_days > 0),
            archived INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE checkins (
            id INTEGER PRIMARY KEY,
            kr_id INTEGER NOT NULL REFERENCES key_results(id),
            checkin_date TEXT NOT NULL,
            value REAL NOT NULL,
            confidence INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 10),
            note TEXT NOT NULL DEFAULT '',
            author_id INTEGER REFERENCES people(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            deleted INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE checkin_revisions (
            id INTEGER PRIMARY KEY,
            checkin_id INTEGER NOT NULL REFERENCES checkins(id),
            action TEXT NOT NULL CHECK (action IN ('edit', 'delete')),
            changed_by INTEGER REFERENCES people(id),
            changed_at TEXT NOT NULL,
            before TEXT NOT NULL,
            after TEXT
        );
        """
    )


@migration
def m002_indexes(db: sqlite_utils.Database) -> None:
    """Indexes on every column the queries filter or join by, so reads stay flat as history grows."""
    db.executescript(
        """
        CREATE INDEX idx_units_parent ON units(parent_id);
        CREATE INDEX idx_objectives_cycle_unit ON objectives(cycle_id, unit_id);
        CREATE INDEX idx_objectives_parent_objective ON objectives(parent_objective_id);
        CREATE INDEX idx_objectives_parent_kr ON objectives(parent_kr_id);
        CREATE INDEX idx_key_results_objective ON key_results(objective_id);
        CREATE INDEX idx_key_results_kpi ON key_results(kpi_id);
        CREATE INDEX idx_checkins_kr_date ON checkins(kr_id, deleted, checkin_date, id);
        CREATE INDEX idx_checkin_revisions_checkin ON checkin_revisions(checkin_id);
        CREATE INDEX idx_kpis_unit ON kpis(unit_id);
        CREATE INDEX idx_kpi_readings_kpi_date ON kpi_readings(kpi_id, reading_date, id);
        """
    )


@migration
def m003_settings(db: sqlite_utils.Database) -> None:
    """A key/value table for facts about the deployment, such as whether it holds demo data."""
    db.execute(
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    )


@migration
def m004_key_result_changes(db: sqlite_utils.Database) -> None:
    """A record of every change to a key result's goalposts (type, baseline, target) made
    after its cycle started, with who, when and why, so a moved target is never silent.

    ``before`` and ``after`` are declared without a type so a number stays a number and a type
    name stays text.
    """
    # One statement per execute (not executescript, which would commit the migration's
    # transaction half-way).
    db.execute(
        """
        CREATE TABLE key_result_changes (
            id INTEGER PRIMARY KEY,
            kr_id INTEGER NOT NULL REFERENCES key_results(id),
            field TEXT NOT NULL CHECK (field IN ('kr_type', 'baseline', 'target')),
            before,
            after,
            changed_by INTEGER REFERENCES people(id),
            changed_at TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE INDEX idx_key_result_changes_kr ON key_result_changes(kr_id, changed_at)")


@migration
def m005_api_tokens(db: sqlite_utils.Database) -> None:
    """Bearer tokens for the HTTP API (:mod:`okrdata.tokens`): whose, what for, until when.

    Only a token's SHA-256 digest is kept (``token_hash``, unique: it is the lookup key), with
    its first characters (``prefix``) so a list can tell tokens apart. ``expires_on`` is the
    last day it works (NULL: no expiry); ``revoked_at`` once revoked; ``last_used_at`` to the
    minute.
    """
    db.execute(
        """
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id),
            name TEXT NOT NULL DEFAULT '',
            token_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES people(id),
            expires_on TEXT,
            last_used_at TEXT,
            revoked_at TEXT,
            revoked_by INTEGER REFERENCES people(id)
        )
        """
    )
    db.execute("CREATE INDEX idx_api_tokens_person ON api_tokens(person_id)")


SCHEMA_VERSION = len(MIGRATIONS)


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations this database has run, oldest first."""
    if "_migrations" not in db.table_names():
        return []
    return [r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY id")]


def schema_version(db: sqlite_utils.Database) -> int:
    """The schema version recorded in the file (``PRAGMA user_version``)."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, upto: int | None = None) -> list[str]:
    """Bring the database up to date (or up to migration number ``upto``); return what ran.

    Switches the file to WAL first (a no-op for in-memory databases).
    """
    if not db.memory and db.journal_mode != "wal":
        db.enable_wal()
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations ("
        "id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
    )
    done = set(applied_migrations(db))
    ran = []
    for number, (name, fn) in enumerate(MIGRATIONS, start=1):
        if upto is not None and number > upto:
            break
        if name in done:
            continue
        with transaction(db):
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")],
            )
            db.execute(f"PRAGMA user_version = {number}")
        ran.append(name)
    return ran
