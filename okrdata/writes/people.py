"""Writes to people: adding one, editing one (name, e-mail, role, archiving) and the
units each may edit besides those they lead; an admin's or the system's only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.lookups import person_unit_ids
from okrdata.schema import (
    ROLES,
)
from okrdata.writes.actors import Actor, _check_admin, _row
from okrdata.writes.versions import _check_changes, _check_version, _save


def add_person(
    db: sqlite_utils.Database,
    name: str,
    email: str,
    role: str = "viewer",
    unit_ids: list[int] | tuple[int, ...] = (),
    password_hash: str | None = None,
    *,
    person: Actor,
) -> int:
    """Add a person; ``unit_ids`` are the units they may edit besides those they lead.

    ``person`` is who adds them: only an admin may.
    """
    _check_admin(db, person)
    name = v.text("name", name)
    email = v.email("email", email)
    role = v.choice("role", role, ROLES)
    for unit_id in unit_ids:
        _row(db, "units", unit_id, "units")
    if db.execute("SELECT 1 FROM people WHERE email = ?", [email]).fetchone():
        raise ValidationError("email", f"{email} belongs to someone already.")
    with transaction(db):
        person_id = (
            db["people"].insert({"name": name, "email": email, "role": role, "password_hash": password_hash}).last_pk
        )
        for unit_id in unit_ids:
            db["person_units"].insert({"person_id": person_id, "unit_id": int(unit_id)}, ignore=True)
    return person_id


def update_person(
    db: sqlite_utils.Database,
    person_id: int,
    *,
    person: Actor,
    version: int,
    seen: Mapping | None = None,
    **changes: Any,
) -> None:
    """Change a person's name, e-mail, role, ``archived`` flag or ``unit_ids`` (the units they
    may edit besides those they lead), all in one edit; only an admin may.

    ``version`` is the person's version when the edit was read; ``seen`` the row as read (see
    :func:`read_for_edit`). The last admin can neither lose the role nor be archived, since
    nobody could then manage people any more.
    """
    _check_changes("update_person", changes, ("name", "email", "role", "archived", "unit_ids"))
    _check_admin(db, person)
    target = _row(db, "people", person_id, "person")
    _check_version(db, "people", target, version, seen)
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = v.text("name", changes["name"])
    if "email" in changes:
        clean["email"] = v.email("email", changes["email"])
        if db.execute("SELECT 1 FROM people WHERE email = ? AND id != ?", [clean["email"], target["id"]]).fetchone():
            raise ValidationError("email", f"{clean['email']} belongs to someone else already.")
    if "role" in changes:
        clean["role"] = v.choice("role", changes["role"], ROLES)
    if "archived" in changes:
        clean["archived"] = int(bool(changes["archived"]))
    units = None
    if "unit_ids" in changes:
        units = _unit_ids(db, changes["unit_ids"])
        if units == person_unit_ids(db, target["id"]):
            units = None
    with transaction(db):
        still_admin = clean.get("role", target["role"]) == "admin" and not clean.get("archived", target["archived"])
        if target["role"] == "admin" and not target["archived"] and not still_admin:
            admins = db.execute("SELECT count(*) FROM people WHERE role = 'admin' AND archived = 0").fetchone()[0]
            if admins <= 1:
                field = "role" if clean.get("role", "admin") != "admin" else "archived"
                raise ValidationError(field, f"{target['email']} is the last admin; make someone else admin first.")
        changed = {k: x for k, x in clean.items() if x != target[k]}
        # The units live in another table: their change moves the person's version by hand.
        _save(db, "people", target, changed, version, seen, bump=units is not None and not changed)
        if units is not None:
            _replace_units(db, target["id"], units)


def _unit_ids(db: sqlite_utils.Database, unit_ids: Any) -> list[int]:
    return sorted({_row(db, "units", unit_id, "units")["id"] for unit_id in (unit_ids or ())})


def _replace_units(db: sqlite_utils.Database, person_id: int, unit_ids: list[int]) -> None:
    db.execute("DELETE FROM person_units WHERE person_id = ?", [person_id])
    for unit_id in unit_ids:
        db["person_units"].insert({"person_id": person_id, "unit_id": unit_id})


def set_person_units(
    db: sqlite_utils.Database,
    person_id: int,
    unit_ids: list[int] | tuple[int, ...],
    *,
    person: Actor,
    version: int,
) -> None:
    """Replace the units a person may edit (besides those they lead); only an admin may.

    ``version`` is the person's version when the edit was read (see :func:`update_person`).
    """
    update_person(db, person_id, person=person, version=version, unit_ids=unit_ids)
