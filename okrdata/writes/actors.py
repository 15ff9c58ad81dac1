"""Who writes, and the row lookups every write shares.

:data:`Actor` and :data:`SYSTEM` (the one actor that skips the checks, recognised by identity
only), the permission checks every write makes before it changes anything (:func:`check_admin`,
``_check_unit``, ``_author`` for the name a check-in or reading is recorded in), ``_row`` (a row
by id, or a ValidationError naming the field), :func:`now_iso` for the ``created_at`` columns,
and ``_wake_notifications`` that lets a running notification scheduler look at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import sqlite_utils

from okrdata.errors import ValidationError

Actor = Mapping[str, Any] | None
"""Who writes: a person's row (``id``, ``role``...), :data:`SYSTEM`, or None for a signed-out visitor."""


SYSTEM: Mapping[str, Any] = MappingProxyType({"id": None, "name": "the system", "role": "system", "archived": 0})
"""The actor of the CLI, the command-line importer, the seed loader and the generator: the
machine's owner, who may write anything. Recognised by identity only (:func:`is_system`), so
no row or dict a page builds can pass for it."""


def is_system(person: Any) -> bool:
    """True for :data:`SYSTEM` itself (not a copy of it)."""
    return person is SYSTEM


def now_iso() -> str:
    """The current UTC time as an ISO string, for ``created_at`` columns."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _row(db: sqlite_utils.Database, table: str, row_id: Any, field: str) -> dict:
    """The row ``row_id`` of ``table``, or a ValidationError naming ``field``."""
    try:
        key = int(row_id)
    except (TypeError, ValueError):
        raise ValidationError(field, f"must be the id of a row of {table}, not {row_id!r}.") from None
    if isinstance(row_id, float) and row_id != key:
        raise ValidationError(field, f"must be the id of a row of {table}, not {row_id!r}.")
    rows = list(db.query(f"SELECT * FROM {table} WHERE id = ?", [key]))
    if not rows:
        raise ValidationError(field, f"there is no {table[:-1].replace('_', ' ')} with id {key}.")
    return rows[0]


def _optional_row(db, table: str, row_id: Any, field: str) -> dict | None:
    if row_id is None or (isinstance(row_id, str) and not row_id.strip()):
        return None
    return _row(db, table, row_id, field)


def _check_unit(db: sqlite_utils.Database, person: Mapping | None, unit_id: Any) -> None:
    """Refuse (field ``unit``) unless ``person`` may change unit ``unit_id`` (:data:`SYSTEM` may)."""
    if is_system(person):
        return
    from okrdata import auth  # imported here: auth may one day import writes

    auth.check_can_edit(db, dict(person) if person else None, unit_id)


def check_admin(db: sqlite_utils.Database, person: Mapping | None) -> None:
    """Refuse (field ``role``) unless ``person`` is (still) an admin or is :data:`SYSTEM`."""
    if is_system(person):
        return
    from okrdata import auth

    auth.check_admin(db, dict(person) if person else None)


_check_admin = check_admin


def acts_as_admin(db: sqlite_utils.Database, person: Actor) -> bool:
    """True for :data:`SYSTEM` and for a person who is (still) an admin."""
    if is_system(person):
        return True
    from okrdata import auth

    return bool(person) and person.get("id") is not None and auth.is_admin(auth.person_by_id(db, person["id"]))


def _author(db: sqlite_utils.Database, person: Mapping, author_id: Any, what: str) -> int | None:
    """Who a check-in or reading is recorded as written by: the actor, unless an admin or the
    system names someone else (field ``author``)."""
    if not person:
        raise ValidationError("role", "sign in to make changes.")
    if author_id is None or (isinstance(author_id, str) and not author_id.strip()):
        return None if is_system(person) else person.get("id")
    author = _row(db, "people", author_id, "author")
    if author["id"] == person.get("id") or acts_as_admin(db, person):
        return author["id"]
    raise ValidationError(
        "author",
        f"names {author['name']}; {what} is recorded in the name of whoever saves it, and only an admin may "
        "record one in someone else's name.",
    )


def _wake_notifications() -> None:
    """Let a running notification scheduler look at once, so that a key result turning off
    track or a cycle closing is posted now, not at its next round; it never waits for it."""
    from okrdata.notify.schedule import poke

    poke()
