"""Writes to units (teams and departments): adding, editing (never into a loop of
parents) and archiving one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.lookups import unit_ancestors
from okrdata.writes.actors import Actor, _check_admin, _check_unit, _optional_row, _row
from okrdata.writes.versions import _check_changes, _check_version, _save


def add_unit(
    db: sqlite_utils.Database,
    name: str,
    parent_id: int | None = None,
    lead_id: int | None = None,
    description: str = "",
    *,
    person: Actor,
) -> int:
    """Add a unit (the company when it has no parent; there is only one company).

    ``person`` must be allowed to change the parent unit (an admin, for the company).
    """
    name = v.text("name", name)
    description = v.text("description", description, required=False, max_length=v.MAX_TEXT)
    parent = _optional_row(db, "units", parent_id, "parent")
    if parent is None:
        _check_admin(db, person)
    else:
        _check_unit(db, person, parent["id"])
    _optional_row(db, "people", lead_id, "lead")
    if parent is None and db.execute("SELECT 1 FROM units WHERE parent_id IS NULL").fetchone():
        raise ValidationError("parent", "is required: the organisation has its company unit already.")
    if db.execute("SELECT 1 FROM units WHERE name = ?", [name]).fetchone():
        raise ValidationError("name", f"a unit called {name!r} exists already.")
    with transaction(db):
        return (
            db["units"]
            .insert(
                {
                    "name": name,
                    "parent_id": parent["id"] if parent else None,
                    "lead_id": lead_id,
                    "description": description,
                }
            )
            .last_pk
        )


def update_unit(
    db: sqlite_utils.Database,
    unit_id: int,
    *,
    person: Actor,
    version: int,
    seen: Mapping | None = None,
    **changes: Any,
) -> None:
    """Change a unit's name, parent, lead, description or ``archived`` flag.

    ``version`` is the unit's version when the edit was read; ``seen`` the row as read (see
    :func:`read_for_edit`).

    A unit cannot move below itself. ``person`` must be allowed to change the unit; moving it
    also needs the right to change the new parent, and changing its lead or archiving it needs
    the right to change its parent (an admin, for the company), since leading a unit grants
    the right to edit it. A unit with active units below it cannot be archived, nor can the
    company.
    """
    _check_changes("update_unit", changes, ("name", "description", "lead_id", "parent_id", "archived"))
    unit = _row(db, "units", unit_id, "unit")
    _check_unit(db, person, unit["id"])
    _check_version(db, "units", unit, version, seen)
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = v.text("name", changes["name"])
        clash = db.execute("SELECT 1 FROM units WHERE name = ? AND id != ?", [clean["name"], unit["id"]]).fetchone()
        if clash:
            raise ValidationError("name", f"a unit called {clean['name']!r} exists already.")
    if "description" in changes:
        clean["description"] = v.text("description", changes["description"], required=False, max_length=v.MAX_TEXT)
    if "parent_id" in changes:
        parent = _optional_row(db, "units", changes["parent_id"], "parent")
        if parent is None:
            if unit["parent_id"] is not None:
                raise ValidationError("parent", "is required: only the company unit has no parent.")
            clean["parent_id"] = None
        else:
            if unit["parent_id"] is None:
                raise ValidationError("parent", "the company unit sits at the top; it cannot move below another unit.")
            if parent["id"] == unit["id"] or unit["id"] in unit_ancestors(db, parent["id"]):
                raise ValidationError(
                    "parent", f"{parent['name']!r} is {unit['name']!r} or below it; a unit cannot be its own ancestor."
                )
            if parent["archived"]:
                raise ValidationError("parent", f"{parent['name']!r} is archived.")
            if parent["id"] != unit["parent_id"]:
                _check_unit(db, person, parent["id"])
            clean["parent_id"] = parent["id"]

    def check_above() -> None:
        if unit["parent_id"] is None:
            _check_admin(db, person)
        else:
            _check_unit(db, person, unit["parent_id"])

    if "lead_id" in changes:
        lead = _optional_row(db, "people", changes["lead_id"], "lead")
        clean["lead_id"] = lead["id"] if lead else None
        if clean["lead_id"] != unit["lead_id"]:
            check_above()
    if "archived" in changes:
        clean["archived"] = int(bool(changes["archived"]))
        if clean["archived"] != unit["archived"]:
            check_above()
        if clean["archived"] and not unit["archived"]:
            if unit["parent_id"] is None:
                raise ValidationError("archived", "the company unit cannot be archived.")
            below = [
                r[0]
                for r in db.execute(
                    "SELECT name FROM units WHERE parent_id = ? AND archived = 0 ORDER BY name", [unit["id"]]
                ).fetchall()
            ]
            if below:
                raise ValidationError(
                    "archived", f"{', '.join(below)} still sit below {unit['name']}; move or archive them first."
                )
        if not clean["archived"] and unit["archived"] and unit["parent_id"] is not None:
            parent = _row(db, "units", clean.get("parent_id", unit["parent_id"]), "parent")
            if parent["archived"]:
                raise ValidationError("parent", f"{parent['name']!r} is archived; restore it first or move this unit.")
    with transaction(db):
        _save(db, "units", unit, clean, version, seen)


def archive_unit(
    db: sqlite_utils.Database, unit_id: int, *, person: Actor, version: int, archived: bool = True
) -> None:
    """Archive a unit (or restore it with ``archived=False``); see :func:`update_unit` for the rules."""
    update_unit(db, unit_id, person=person, version=version, archived=archived)
