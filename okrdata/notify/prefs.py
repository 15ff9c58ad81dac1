"""Who gets the weekly digest: each person's choice, the default admins set, and who may change them.

A person chooses one of :data:`CHOICES` (``digest_choices`` row); without a row they follow the
default (the ``digest_default`` setting, :data:`SHIPPED_DEFAULT` until an admin changes it):

- ``all``: the company's digest and one for each unit they lead or are attached to;
- ``company``: the company's digest only;
- ``units``: their units' digests only;
- ``none``: no digest.

Writes name their actor (``person``): the person themselves or an admin may change a person's
choice; only an admin may change the default. :data:`SYSTEM` is the ``okr`` command run by the
machine's owner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from okrdata import auth, writes
from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.schema import DIGEST_CHOICES

CHOICES = DIGEST_CHOICES
SHIPPED_DEFAULT = "all"
DEFAULT_KEY = "digest_default"
CHOICE_WORDS = {
    "all": "company and own units",
    "company": "company only",
    "units": "own units only",
    "none": "no digest",
}

SYSTEM: dict = getattr(writes, "SYSTEM", None) or {"id": None, "name": "okr command", "role": "system"}
"""The actor of the ``okr`` command (okrdata.writes' own, once it has one)."""


def is_system(person: Any) -> bool:
    """True for the command line's actor."""
    check = getattr(writes, "is_system", None)
    return person is SYSTEM or (callable(check) and bool(check(person)))


def check_admin_or_system(db: sqlite_utils.Database, person: dict | None) -> None:
    """Refuse (field ``role``) unless ``person`` is an admin or the command line."""
    if not is_system(person):
        auth.check_admin(db, person)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def default_choice(db: sqlite_utils.Database) -> str:
    """The digest choice of everyone who has not made their own."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [DEFAULT_KEY]).fetchone()
    return row[0] if row and row[0] in CHOICES else SHIPPED_DEFAULT


def choice_of(db: sqlite_utils.Database, person_id: int) -> tuple[str, bool]:
    """A person's digest choice, and whether it is the default (they made none of their own)."""
    row = db.execute("SELECT digest FROM digest_choices WHERE person_id = ?", [int(person_id)]).fetchone()
    return (row[0], False) if row else (default_choice(db), True)


def set_choice(db: sqlite_utils.Database, person_id: Any, choice: Any, *, person: dict | None) -> str:
    """Set a person's digest choice (``"default"`` goes back to following the default).

    ``person`` is who asks: that same person, an admin, or :data:`SYSTEM`. Returns the choice now
    in force.
    """
    target = auth.person_by_id(db, v.integer("person", person_id)) if str(person_id).strip().isdigit() else None
    if target is None:
        raise ValidationError("person", f"there is no person with id {person_id!r}.")
    wanted = v.choice("digest", choice, CHOICES + ("default",))
    if not is_system(person):
        if not person or person.get("id") is None:
            raise ValidationError("person", "sign in to choose your digest.")
        me = auth.person_by_id(db, person["id"])
        if me is None or me["archived"]:
            raise ValidationError("person", "your account is archived or gone; ask an admin.")
        if me["id"] != target["id"] and not auth.is_admin(me):
            raise ValidationError("person", "you may choose only your own digest; an admin may choose anyone's.")
    with transaction(db):
        if wanted == "default":
            db.execute("DELETE FROM digest_choices WHERE person_id = ?", [target["id"]])
        else:
            db.execute(
                "INSERT INTO digest_choices (person_id, digest, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (person_id) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at",
                [target["id"], wanted, _now()],
            )
    return choice_of(db, target["id"])[0]


def set_default(db: sqlite_utils.Database, choice: Any, *, person: dict | None) -> str:
    """Set the digest choice of everyone who has not made their own; only an admin may."""
    check_admin_or_system(db, person)
    wanted = v.choice("digest", choice, CHOICES)
    with transaction(db):
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [DEFAULT_KEY, wanted],
        )
    return wanted


def everyone(db: sqlite_utils.Database) -> list[dict]:
    """Every person not archived with their digest choice: id, name, email, digest, is_default."""
    fallback = default_choice(db)
    rows = db.execute(
        """
        SELECT p.id, p.name, p.email, d.digest FROM people p
        LEFT JOIN digest_choices d ON d.person_id = p.id
        WHERE p.archived = 0 ORDER BY p.name, p.id
        """
    ).fetchall()
    return [
        {"id": i, "name": name, "email": email, "digest": digest or fallback, "is_default": digest is None}
        for i, name, email, digest in rows
    ]


def own_units(db: sqlite_utils.Database) -> dict[int, list[int]]:
    """Each person's units for the digest: those they lead or are attached to (not archived)."""
    rows = db.execute(
        """
        SELECT lead_id, id FROM units WHERE lead_id IS NOT NULL AND archived = 0
        UNION
        SELECT pu.person_id, pu.unit_id FROM person_units pu JOIN units u ON u.id = pu.unit_id WHERE u.archived = 0
        ORDER BY 1, 2
        """
    ).fetchall()
    out: dict[int, list[int]] = {}
    for person_id, unit_id in rows:
        out.setdefault(int(person_id), []).append(int(unit_id))
    return out
