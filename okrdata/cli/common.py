"""What every ``okr`` command shares: the ``--db`` option, the one error handler, opening an
existing database, and turning a cycle or unit named on the command line into its id.

The command modules of :mod:`okrdata.cli` import from here, never from
:mod:`okrdata.cli.group` (which imports them), so each of them imports on its own. This module
loads nothing heavy (the queries, and pandas behind them, only when a cycle or unit is
resolved), so that the script commands (``okr checkin``, ``okr reading``: :mod:`okrdata.cli.feeds`) start quickly.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path

import click

from okrdata import schema
from okrdata.backup import EMPTY
from okrdata.db import connect, db_path, explain
from okrdata.errors import ValidationError
from okrdata.files import reason

DB_OPTION = click.option(
    "--db",
    "db_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The database file (default: $OKR_DB, else data/okr.db).",
)


def friendly_errors(fn: Callable) -> Callable:
    """The one error handler of every command: ``Error: field: message`` and exit status 2.

    For a ValidationError (a DatabaseError too: a file that cannot be used, a busy database),
    and for an error of SQLite or of the file system that escaped them, told in words
    (:func:`okrdata.db.explain`). Anything else is a bug and shows as one.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            click.echo(f"Error: {exc}", err=True)
        except sqlite3.Error as exc:
            readable = explain(exc, db_path(kwargs.get("db_file")))
            if readable is None:
                raise
            click.echo(f"Error: {readable}", err=True)
        except OSError as exc:
            where = exc.filename or db_path(kwargs.get("db_file"))
            click.echo(f"Error: {where}: {reason(exc)}; nothing was saved.", err=True)
        raise SystemExit(2)

    return wrapper


def has_data(path: Path) -> bool:
    """True when the file exists and holds at least one unit."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    db = connect(path, create=False)
    try:
        return "units" in db.table_names() and db["units"].count > 0
    finally:
        db.close()


def resolve_cycle(db, cycle: str | None) -> int:
    """A cycle id from a name or id given on the command line (default: the current cycle)."""
    from okrdata import queries

    if cycle is None:
        found = queries.default_cycle_id(db, dt.date.today())
        if found is None:
            raise ValidationError("--cycle", "the database has no cycles yet.")
        return found
    table = queries.cycles(db)
    match = table[(table["name"].str.lower() == cycle.strip().lower()) | (table["id"].astype(str) == cycle.strip())]
    if match.empty:
        raise ValidationError("--cycle", f"no cycle is called {cycle!r}; known: {', '.join(table['name'])}.")
    return int(match.iloc[0]["id"])


def resolve_unit(db, unit: str | None) -> int | None:
    """A unit id from a name or id given on the command line (None: the whole organisation)."""
    if unit is None:
        return None
    from okrdata import queries

    table = queries.units(db)
    match = table[(table["name"].str.lower() == unit.strip().lower()) | (table["id"].astype(str) == unit.strip())]
    if match.empty:
        raise ValidationError("--unit", f"no unit is called {unit!r}.")
    return int(match.iloc[0]["id"])


def open_existing(db_file: Path | None):
    """Connect to a database that must exist already and hold the dashboard's schema (brought
    up to date); a missing file is not created, and an empty one is refused, not filled."""
    path = db_path(db_file)
    if not path.exists():
        raise ValidationError("--db", f"{path} does not exist; create it with `okr init` or `okr demo`.")
    db = connect(path, create=False)
    try:
        if schema.schema_version(db) == 0 and not db.table_names():
            raise ValidationError("--db", EMPTY.format(path=path))
        schema.migrate(db)
    except BaseException:
        db.close()
        raise
    return db
