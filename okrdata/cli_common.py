"""What every ``okr`` command shares: the ``--db`` option, errors as one line, opening the database.

Kept apart from :mod:`okrdata.cli` (which registers every command and so imports them all) so
that the script commands (``okr checkin``, ``okr reading``, :mod:`okrdata.cli_feeds`) can be
started without loading the rest: this module imports only click and the database layer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import click

from okrdata import schema
from okrdata.db import connect, db_path
from okrdata.errors import ValidationError

DB_OPTION = click.option(
    "--db",
    "db_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The database file (default: $OKR_DB, else data/okr.db).",
)


def friendly_errors(fn: Callable) -> Callable:
    """Report a ValidationError as ``Error: field: message`` with exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            click.echo(f"Error: {exc}", err=True)
            raise SystemExit(2) from None

    return wrapper


def open_existing(db_file: Path | None):
    """Connect to a database that must exist already (and bring its schema up to date)."""
    path = db_path(db_file)
    if not path.exists():
        raise ValidationError("--db", f"{path} does not exist; create it with `okr init` or `okr demo`.")
    db = connect(path)
    schema.migrate(db)
    return db
