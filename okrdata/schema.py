"""The schema, built by ordered, named migrations.

Each migration is a function that takes the database and changes it; :func:`migrate` runs,
in order, those that the ``_migrations`` table does not record yet, each in its own
transaction, and sets ``PRAGMA user_version`` to the number applied (the schema version).
Running it twice changes nothing, and running it on an older database upgrades it in place
without losing a row: a migration only ever adds to what is there. A database whose version is
past this version's last migration was written by a newer dashboard: it is refused wherever a
database is opened (:func:`refuse_newer`, called by :func:`okrdata.db.connect` and
:func:`migrate`), never read nor written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable

import sqlite_utils

from okrdata.db import DatabaseError, explained, transaction

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
    "digest_choices",
    "webhooks",
    "deliveries",
    "api_tokens",
)
SERVER_TABLES = ("sign_in_failures", "sign_in_clients", "data_versions", "data_changes")
"""This server's own bookkeeping (sign-in throttling: failed tries and the addresses people
signed in from; what changed when, for the caches), not the organisation's data: never in a
full export, and no reason for a database not to count as empty."""


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
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


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
def m005_sign_in_throttle(db: sqlite_utils.Database) -> None:
    """What slows down password guessing (:func:`okrdata.auth.sign_in`), kept in the file so
    that every process of the app and every restart see the same: the failed sign-ins of the
    last hour, and the addresses each e-mail has signed in from.

    E-mails are stored lower-cased and need not belong to anyone (a made-up e-mail is slowed
    down like a real one); times are seconds since the epoch, for arithmetic. Bookkeeping, not
    the organisation's data: these tables are not in :data:`TABLES`.
    """
    db.execute(
        """
        CREATE TABLE sign_in_failures (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL,
            client TEXT NOT NULL,
            at REAL NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_sign_in_failures_email ON sign_in_failures(email, client, at)")
    db.execute("CREATE INDEX idx_sign_in_failures_client ON sign_in_failures(client, at)")
    db.execute("CREATE INDEX idx_sign_in_failures_at ON sign_in_failures(at)")
    db.execute(
        """
        CREATE TABLE sign_in_clients (
            email TEXT NOT NULL,
            client TEXT NOT NULL,
            last_success REAL NOT NULL,
            PRIMARY KEY (email, client)
        )
        """
    )


DIGEST_CHOICES = ("all", "company", "units", "none")
WEBHOOK_PROVIDERS = ("slack", "teams", "mattermost", "google_chat")
DELIVERY_KINDS = ("reminder", "digest", "off_track", "cycle_closed", "test")
DELIVERY_CHANNELS = ("email", "webhook")
DELIVERY_STATES = ("pending", "sending", "sent", "failed")


@migration
def m006_notifications(db: sqlite_utils.Database) -> None:
    """Reminders, digests and chat posts: each person's digest choice, the chat webhooks of
    units, and the delivery log that makes every message go out once.

    A person without a row in ``digest_choices`` follows the default the admins chose (the
    ``digest_default`` setting). ``deliveries.dedupe_key`` is UNIQUE: a message is claimed by
    inserting its row, so two runs, two servers or a restart can never send it twice.
    (``IF NOT EXISTS``: a database that ran this migration under an earlier number keeps its rows.)
    """
    db.execute(
        f"""
        CREATE TABLE IF NOT EXISTS digest_choices (
            person_id INTEGER PRIMARY KEY REFERENCES people(id),
            digest TEXT NOT NULL CHECK (digest IN {_in(DIGEST_CHOICES)}),
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        f"""
        CREATE TABLE IF NOT EXISTS webhooks (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units(id),
            provider TEXT NOT NULL CHECK (provider IN {_in(WEBHOOK_PROVIDERS)}),
            url TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            created_by INTEGER REFERENCES people(id),
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_webhooks_unit ON webhooks(unit_id)")
    db.execute(
        f"""
        CREATE TABLE IF NOT EXISTS deliveries (
            id INTEGER PRIMARY KEY,
            dedupe_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN {_in(DELIVERY_KINDS)}),
            period TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN {_in(DELIVERY_CHANNELS)}),
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            payload TEXT NOT NULL,
            person_id INTEGER REFERENCES people(id),
            unit_id INTEGER REFERENCES units(id),
            webhook_id INTEGER REFERENCES webhooks(id) ON DELETE SET NULL,
            cycle_id INTEGER REFERENCES cycles(id),
            kr_id INTEGER REFERENCES key_results(id),
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN {_in(DELIVERY_STATES)}),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            claimed_by TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_deliveries_due ON deliveries(status, next_attempt_at)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_deliveries_created ON deliveries(created_at)")


VERSIONED: dict[str, tuple[str, ...]] = {
    "cycles": ("name", "start_date", "end_date", "state"),
    "units": ("name", "parent_id", "lead_id", "description", "archived"),
    "people": ("name", "email", "role", "archived"),
    "objectives": (
        "cycle_id",
        "unit_id",
        "title",
        "description",
        "owner_id",
        "kind",
        "parent_objective_id",
        "parent_kr_id",
        "weight",
        "state",
    ),
    "key_results": (
        "objective_id",
        "title",
        "kr_type",
        "baseline",
        "target",
        "unit_label",
        "weight",
        "owner_id",
        "kpi_id",
        "cadence_days",
        "archived",
    ),
    "kpis": (
        "unit_id",
        "name",
        "unit_label",
        "target_type",
        "target",
        "warning",
        "frequency_days",
        "description",
        "archived",
    ),
    "checkins": ("checkin_date", "value", "confidence", "note", "deleted"),
}
"""The tables a person edits, each with a ``version`` column, and the columns whose change moves it.

Left out: a person's password and an objective's score, reason and reflection, which Manage's
forms never show (the Review page scores); changing them must not make an open form stale."""


def _version_trigger(table: str, columns: tuple[str, ...]) -> str:
    changed = " OR ".join(f"NEW.[{c}] IS NOT OLD.[{c}]" for c in columns)
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_version AFTER UPDATE OF {', '.join(f'[{c}]' for c in columns)} "
        f"ON [{table}] FOR EACH ROW WHEN NEW.version = OLD.version AND ({changed}) "
        f"BEGIN UPDATE [{table}] SET version = OLD.version + 1 WHERE id = NEW.id; END"
    )


@migration
def m007_row_versions(db: sqlite_utils.Database) -> None:
    """A ``version`` on every table a person edits, moved by the database itself at each change.

    An edit carries the version its form was read at and is refused when the row has moved on
    since (:mod:`okrdata.writes`), so two people editing the same thing never lose a change. A
    trigger moves the version whenever one of the columns of :data:`VERSIONED` changes value,
    whoever writes (the write functions, ``okr user role``, closing a cycle), and leaves it alone
    when a save changes nothing or sets the version itself. Check-ins had their version already.
    """
    for table, columns in VERSIONED.items():
        if "version" not in db[table].columns_dict:
            db.execute(f"ALTER TABLE [{table}] ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
        db.execute(_version_trigger(table, columns))


@migration
def m008_api_tokens(db: sqlite_utils.Database) -> None:
    """Bearer tokens for the HTTP API (:mod:`okrdata.tokens`): whose, what for, until when.

    Only a token's SHA-256 digest is kept (``token_hash``, unique: it is the lookup key), with
    its first characters (``prefix``) so a list can tell tokens apart. ``expires_on`` is the
    last day it works (NULL: no expiry); ``revoked_at`` once revoked; ``last_used_at`` to the
    minute. (``IF NOT EXISTS``: a database that ran this migration under an earlier number keeps
    its rows.)
    """
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS api_tokens (
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
    db.execute("CREATE INDEX IF NOT EXISTS idx_api_tokens_person ON api_tokens(person_id)")


# --- what changed, for the caches of every process ----------------------------------------

CHANGES_KEPT = 4000
"""Check-ins remembered in ``data_changes``: a cache older than that many check-ins is rebuilt whole."""

_CYCLE_OF_KR = "SELECT o.cycle_id FROM key_results k JOIN objectives o ON o.id = k.objective_id WHERE k.id = {kr}"
_CYCLE_OF_CHECKIN = (
    "SELECT o.cycle_id FROM checkins c JOIN key_results k ON k.id = c.kr_id "
    "JOIN objectives o ON o.id = k.objective_id WHERE c.id = {checkin}"
)

WATCHED: dict[str, Callable[[str], list[str]]] = {
    # table: row ("NEW" or "OLD") -> SELECTs, each giving the scopes (one column, named s) the row belongs to
    "units": lambda row: ["SELECT 'org' AS s"],
    "people": lambda row: ["SELECT 'org' AS s"],
    "person_units": lambda row: ["SELECT 'org' AS s"],
    "settings": lambda row: ["SELECT 'org' AS s"],
    "cycles": lambda row: ["SELECT 'org' AS s"],
    "kpis": lambda row: ["SELECT 'kpis' AS s"],
    "kpi_readings": lambda row: ["SELECT 'kpis' AS s"],
    "objectives": lambda row: [
        f"SELECT 'cycle:' || {row}.cycle_id AS s",
        f"SELECT 'plan:' || {row}.cycle_id AS s",
        # what aligns to it shows its title, in whatever cycle
        f"SELECT DISTINCT 'cycle:' || cycle_id AS s FROM objectives WHERE parent_objective_id = {row}.id",
        f"SELECT DISTINCT 'plan:' || cycle_id AS s FROM objectives WHERE parent_objective_id = {row}.id",
    ],
    "key_results": lambda row: [
        f"SELECT 'cycle:' || cycle_id AS s FROM objectives WHERE id = {row}.objective_id",
        f"SELECT 'plan:' || cycle_id AS s FROM objectives WHERE id = {row}.objective_id",
        "SELECT 'kpis' AS s",  # a KPI lists the key results linked to it
        f"SELECT DISTINCT 'cycle:' || cycle_id AS s FROM objectives WHERE parent_kr_id = {row}.id",
        f"SELECT DISTINCT 'plan:' || cycle_id AS s FROM objectives WHERE parent_kr_id = {row}.id",
    ],
    "checkins": lambda row: [
        "SELECT 'cycle:' || (" + _CYCLE_OF_KR.format(kr=f"{row}.kr_id") + ") AS s",
    ],
    "checkin_revisions": lambda row: [],
    "key_result_changes": lambda row: [],
}
"""The tables the dashboard's figures come from, and the scopes a change to a row of each moves.

Scopes: ``org`` (units, people, cycles, settings: everything shows them), ``kpis``,
``cycle:ID`` (anything of a cycle, check-ins included) and ``plan:ID`` (a cycle's objectives and
key results as entered, without check-ins). Every change also moves ``all``, the counter that
numbers changes. A table added later that a cached reader reads gets its entry here and a
migration calling :func:`_watch`."""


def _watch(db: sqlite_utils.Database, table: str) -> None:
    """Triggers that move the versions of :data:`WATCHED` ``table``'s scopes on every insert,
    update and delete, whoever writes (the app, a command, an import)."""
    for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
        selects = [sql for row in rows for sql in WATCHED[table](row)]
        body = ["UPDATE data_versions SET version = version + 1 WHERE scope = 'all';"]
        if selects:
            body.append(
                "INSERT INTO data_versions (scope, version) "
                "SELECT s, (SELECT version FROM data_versions WHERE scope = 'all') "
                f"FROM ({' UNION '.join(selects)}) WHERE s IS NOT NULL "
                "ON CONFLICT (scope) DO UPDATE SET version = excluded.version;"
            )
        if table == "checkins":
            # Which key result moved, so that a cache of the cycle redoes that row alone.
            body.extend(
                "INSERT INTO data_changes (version, cycle_id, kr_id) "
                f"SELECT (SELECT version FROM data_versions WHERE scope = 'all'), ({_CYCLE_OF_KR.format(kr=row + '.kr_id')}), "
                f"{row}.kr_id WHERE ({_CYCLE_OF_KR.format(kr=row + '.kr_id')}) IS NOT NULL;"
                for row in rows
            )
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_changes_{event.lower()} AFTER {event} ON [{table}] "
            f"FOR EACH ROW BEGIN {' '.join(body)} END"
        )


@migration
def m009_data_versions(db: sqlite_utils.Database) -> None:
    """Versions of the data by scope, moved by triggers in the writing transaction, so that the
    caches of every process of the app are dropped exactly when what they were built from changed.

    ``data_versions`` holds one counter per scope (:data:`WATCHED`); ``all`` numbers every
    change and ``id`` tells this database from another file (a restore, a fresh start).
    ``data_changes`` lists the key results whose check-ins changed, by the version of the
    change, so that a cache of a whole cycle redoes those rows alone; it keeps the last
    :data:`CHANGES_KEPT` (``pruned``: the newest version forgotten).
    """
    db.execute("CREATE TABLE IF NOT EXISTS data_versions (scope TEXT PRIMARY KEY, version INTEGER NOT NULL)")
    db.execute("INSERT OR IGNORE INTO data_versions (scope, version) VALUES ('all', 0), ('pruned', 0)")
    db.execute("INSERT OR IGNORE INTO data_versions (scope, version) VALUES ('id', abs(random()))")
    db.execute(
        "CREATE TABLE IF NOT EXISTS data_changes ("
        "id INTEGER PRIMARY KEY, version INTEGER NOT NULL, cycle_id INTEGER NOT NULL, kr_id INTEGER NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_data_changes_cycle ON data_changes(cycle_id, version)")
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS data_changes_prune AFTER INSERT ON data_changes "
        f"WHEN NEW.id % 1000 = 0 BEGIN "
        "UPDATE data_versions SET version = max(version, coalesce("
        f"(SELECT max(version) FROM data_changes WHERE id <= NEW.id - {CHANGES_KEPT}), 0)) WHERE scope = 'pruned'; "
        f"DELETE FROM data_changes WHERE id <= NEW.id - {CHANGES_KEPT}; END"
    )
    for table in WATCHED:
        _watch(db, table)


SCHEMA_VERSION = len(MIGRATIONS)


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations this database has run, oldest first."""
    if "_migrations" not in db.table_names():
        return []
    return [r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY id")]


def schema_version(db: sqlite_utils.Database) -> int:
    """The schema version recorded in the file (``PRAGMA user_version``)."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def refuse_newer(version: int) -> None:
    """Refuse, with a DatabaseError, a schema version past this version's last migration.

    A newer dashboard wrote that file: this one may misread its tables, and a write could break
    what the newer one keeps there. The last migration is counted now, not at import, so that
    a migration registered later in this module counts too.
    """
    latest = len(MIGRATIONS)
    if version > latest:
        raise DatabaseError(
            f"this database was written by a newer version ({version} > {latest}); upgrade the dashboard."
        )


def migrate(db: sqlite_utils.Database, upto: int | None = None) -> list[str]:
    """Bring the database up to date (or up to migration number ``upto``); return what ran.

    Switches the file to WAL first (a no-op for in-memory databases). Refuses a database of a
    newer version (:func:`refuse_newer`). An up-to-date database is not written at all, so a
    read-only file, or one busy with a long import, can still be read.
    """
    refuse_newer(schema_version(db))
    if not db.memory and db.journal_mode != "wal":
        # A read-only copy (a backup in rollback-journal mode) can still be read without WAL;
        # a migration that has to run on it fails with its own clear error below.
        with contextlib.suppress(DatabaseError), explained(db.conn.execute("PRAGMA database_list").fetchone()[2]):
            db.enable_wal()
    wanted = [name for name, _ in (MIGRATIONS if upto is None else MIGRATIONS[:upto])]
    if "_migrations" in db.table_names() and set(wanted) <= set(applied_migrations(db)):
        return []
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
            # Another process of the app may have run it while this one waited for the lock.
            if name in applied_migrations(db):
                continue
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
            )
            db.execute(f"PRAGMA user_version = {number}")
        ran.append(name)
    return ran
