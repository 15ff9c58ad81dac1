"""Writes to cycles: adding one, editing its dates and name, and moving it between
planning, active and closed; ``_open_cycle`` refuses a write to the OKRs of a closed cycle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata import wording
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.schema import (
    CYCLE_STATES,
)
from okrdata.writes.actors import Actor, _row, acts_as_admin
from okrdata.writes.versions import _check_changes, _check_version, _save


def add_cycle(
    db: sqlite_utils.Database,
    name: str,
    start_date: Any,
    end_date: Any,
    state: str = "planning",
    *,
    person: Actor,
) -> int:
    """Add a cycle; it must end after it starts, and its name must be new.

    ``person`` must be an admin: cycles are the whole company's.
    """
    _check_cycles(db, person, "add")
    name = v.text("name", name)
    start = v.date("start_date", start_date)
    end = v.date("end_date", end_date)
    state = v.choice("state", state, CYCLE_STATES)
    if end <= start:
        raise ValidationError("end_date", f"{end} is not after the start date {start}.")
    if db.execute("SELECT 1 FROM cycles WHERE name = ?", [name]).fetchone():
        raise ValidationError("name", f"a cycle called {name!r} exists already.")
    with transaction(db):
        return (
            db["cycles"]
            .insert({"name": name, "start_date": start.isoformat(), "end_date": end.isoformat(), "state": state})
            .last_pk
        )


def _check_cycles(db: sqlite_utils.Database, person: Actor, what: str) -> None:
    """Refuse (field ``role``) unless ``person`` is an admin: cycles are the whole company's."""
    if not acts_as_admin(db, person):
        raise ValidationError("role", f"only an admin can {what} a cycle: cycles are the whole company's.")


def set_cycle_state(
    db: sqlite_utils.Database,
    cycle_id: int,
    state: str,
    *,
    person: Actor,
    version: int,
    seen: Mapping | None = None,
) -> None:
    """Move a cycle to planning, active or closed; only an admin may.

    ``version`` is the cycle's version when the change was read (see :func:`update_cycle`).
    """
    cycle = _row(db, "cycles", cycle_id, "cycle")
    state = v.choice("state", state, CYCLE_STATES)
    _check_cycles(db, person, "change")
    _check_version(db, "cycles", cycle, version, seen)
    with transaction(db):
        _save(db, "cycles", cycle, {"state": state}, version, seen)


def update_cycle(
    db: sqlite_utils.Database,
    cycle_id: int,
    *,
    person: Actor,
    version: int,
    seen: Mapping | None = None,
    **changes: Any,
) -> None:
    """Rename a cycle or move its dates (``name``, ``start_date``, ``end_date``); only an admin may.

    A closed cycle is final (reopen it first); the new dates must keep every check-in of the
    cycle inside them. ``version`` is the cycle's version when the edit was read; ``seen`` the
    row as read (see :func:`read_for_edit`).
    """
    _check_changes("update_cycle", changes, ("name", "start_date", "end_date"))
    _check_cycles(db, person, "change")
    cycle = _open_cycle(db, cycle_id)
    _check_version(db, "cycles", cycle, version, seen)
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = v.text("name", changes["name"])
        if db.execute("SELECT 1 FROM cycles WHERE name = ? AND id != ?", [clean["name"], cycle["id"]]).fetchone():
            raise ValidationError("name", f"a cycle called {clean['name']!r} exists already.")
    start = v.date("start_date", changes.get("start_date", cycle["start_date"]))
    end = v.date("end_date", changes.get("end_date", cycle["end_date"]))
    if end <= start:
        raise ValidationError("end_date", f"{end} is not after the start date {start}.")
    clean["start_date"], clean["end_date"] = start.isoformat(), end.isoformat()
    for field, sql, words in (
        ("start_date", "c.checkin_date < ?", f"before {start}"),
        ("end_date", "c.checkin_date > ?", f"after {end}"),
    ):
        count = db.execute(
            f"SELECT count(*) FROM checkins c JOIN key_results kr ON kr.id = c.kr_id "
            f"JOIN objectives o ON o.id = kr.objective_id WHERE o.cycle_id = ? AND c.deleted = 0 AND {sql}",
            [cycle["id"], clean[field]],
        ).fetchone()[0]
        if count:
            raise ValidationError(
                field,
                f"{wording.plural(count, 'check-in')} of this cycle would fall {words}; move or delete them first.",
            )
    with transaction(db):
        _save(db, "cycles", cycle, clean, version, seen)


def _open_cycle(db, cycle_id: Any, field: str = "cycle") -> dict:
    cycle = _row(db, "cycles", cycle_id, field)
    if cycle["state"] == "closed":
        raise ValidationError(field, f"{cycle['name']} is closed; its OKRs are read only.")
    return cycle
