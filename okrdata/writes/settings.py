"""Writes to the deployment settings (an admin's or the system's); read them with
:func:`okrdata.lookups.get_setting`."""

from __future__ import annotations

import sqlite_utils

from okrdata.db import transaction
from okrdata.writes.actors import Actor, check_admin


def set_setting(db: sqlite_utils.Database, key: str, value: str, *, person: Actor) -> None:
    """Store a deployment setting (``demo`` = ``"1"`` marks a database holding demo data); an
    admin's or the system's."""
    check_admin(db, person)
    with transaction(db):
        db["settings"].upsert({"key": key, "value": str(value)}, pk="key")
