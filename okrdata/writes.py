"""Every write to the database, each checking its input first.

A function here validates everything it is given (raising :class:`ValidationError` naming the
field) before it writes, and writes inside one transaction, so a refused or failed write
changes nothing. Pages, the CLI, the importer and the seed loader all write through these.

Who writes: every write function takes the actor as the keyword ``person``, with no default, so
forgetting it is a TypeError. A person from a page is their row as :mod:`okrdata.auth` returns
it (read afresh for each check, so a role taken away counts at once), and is refused unless they
may change the unit concerned (:func:`okrdata.auth.check_can_edit`, field ``unit``) or, for
people, cycles and settings, unless they are an admin (field ``role``). ``person=None`` is a
signed-out visitor and is refused like one. The CLI, the importer run from the command line,
the seed loader and the generator pass :data:`SYSTEM`, the one actor that skips the checks; a
copy of it does not. The checks live here, not only in the page, so a hidden button is never
the only guard.

A check-in or KPI reading is recorded in the name of whoever saves it; naming another author is
for an admin or the system only (an import of someone's history).

Lost updates: every table a person edits has a ``version`` that the database moves at each
change (:data:`okrdata.schema.VERSIONED`). An edit carries the version its form was read at
(``version``, required; :func:`read_for_edit` gives the row with it) and is refused, field
``version``, when the row has moved on since, saying what changed when the edit also passes
the row as it was read (``seen``); the check is repeated by the ``UPDATE`` itself, so two
saves at the same instant cannot both pass it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.schema import (
    CYCLE_STATES,
    KPI_TARGET_TYPES,
    KR_TYPES,
    OBJECTIVE_KINDS,
    ROLES,
    VERSIONED,
)

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
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


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


# --- versions: no lost updates ---------------------------------------------------------------

_NOUNS = {"cycles": "cycle", "units": "unit", "people": "person", "objectives": "objective",
          "key_results": "key result", "kpis": "KPI", "checkins": "check-in"}
_FIELDS = {"cycles": "cycle", "units": "unit", "people": "person", "objectives": "objective",
           "key_results": "key_result", "kpis": "kpi", "checkins": "checkin"}
_NAMED_BY = {"owner_id": ("people", "name"), "lead_id": ("people", "name"), "parent_id": ("units", "name"),
             "unit_id": ("units", "name"), "cycle_id": ("cycles", "name"), "objective_id": ("objectives", "title"),
             "parent_objective_id": ("objectives", "title"), "parent_kr_id": ("key_results", "title"),
             "kpi_id": ("kpis", "name")}


def version_of(db: sqlite_utils.Database, table: str, row_id: Any) -> int | None:
    """The version a row of an edited table is at now (None when there is no such row), for a
    caller that reads and writes in one go (the CLI, the importer, the seed loader)."""
    if table not in VERSIONED:
        raise ValueError(f"{table} carries no version")
    try:
        key = int(row_id)
    except (TypeError, ValueError):
        return None
    row = db.execute(f"SELECT version FROM [{table}] WHERE id = ?", [key]).fetchone()
    return None if row is None else row[0]


def read_for_edit(db: sqlite_utils.Database, table: str, row_id: Any) -> dict:
    """A row of an edited table as stored, with its ``version``: what an edit form shows and
    carries back (as ``version``, and whole as ``seen``). A person's row comes without its
    password hash and with ``unit_ids``, the units they may edit besides those they lead."""
    if table not in VERSIONED:
        raise ValueError(f"{table} carries no version")
    row = dict(_row(db, table, row_id, _FIELDS[table]))
    if table == "people":
        row.pop("password_hash", None)
        row["unit_ids"] = person_unit_ids(db, row["id"])
    return row


def _shown(db: sqlite_utils.Database, column: str, value: Any) -> str:
    if value is None or value == "":
        return "empty"
    if column in _NAMED_BY:
        table, name = _NAMED_BY[column]
        found = db.execute(f"SELECT [{name}] FROM [{table}] WHERE id = ?", [value]).fetchone()
        return repr(found[0]) if found else f"#{value}"
    if column == "unit_ids":
        names = [r[0] for r in db.execute(
            f"SELECT name FROM units WHERE id IN ({', '.join('?' * len(value))}) ORDER BY name", list(value)
        ).fetchall()] if value else []
        return ", ".join(names) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    if column in ("archived", "deleted"):
        return "yes" if value else "no"
    return repr(value) if isinstance(value, str) else str(value)


def changes_since(db: sqlite_utils.Database, table: str, seen: Mapping) -> list[str]:
    """What differs between a row as ``seen`` (an edit form's :func:`read_for_edit`) and as
    stored now, one phrase per column: ``"title is now 'B' (was 'A')"``."""
    now = read_for_edit(db, table, seen["id"])
    phrases = []
    for column in (*VERSIONED[table], *(("unit_ids",) if table == "people" else ())):
        if column not in seen or column not in now:
            continue
        before, after = seen[column], now[column]
        if before == after or (isinstance(before, (int, float)) and isinstance(after, (int, float))
                               and float(before) == float(after)):
            continue
        words = column.removesuffix("_ids").removesuffix("_id").replace("_", " ")
        phrases.append(f"{words} is now {_shown(db, column, after)} (was {_shown(db, column, before)})")
    return phrases


def _stale(db: sqlite_utils.Database, table: str, row_id: int, seen: Mapping | None) -> ValidationError:
    noun = _NOUNS[table]
    changed = changes_since(db, table, {**seen, "id": row_id}) if seen else []
    what = f": {'; '.join(changed)}" if changed else ""
    return ValidationError(
        "version",
        f"this {noun} was changed by someone else since you opened it{what}. Nothing was saved: reload it to see "
        "it as it is now, then make your change again.",
    )


def _check_version(db: sqlite_utils.Database, table: str, row: Mapping, version: Any,
                   seen: Mapping | None = None) -> None:
    """Refuse (field ``version``) an edit of ``row`` read at another version than the stored one."""
    if version is None or isinstance(version, bool):
        raise ValidationError("version", f"is required: the version of the {_NOUNS[table]} your edit was read at.")
    try:
        read_at = int(version)
    except (TypeError, ValueError):
        raise ValidationError("version", f"must be a whole number, not {version!r}.") from None
    if read_at != row["version"]:
        raise _stale(db, table, row["id"], seen)


def _save(db: sqlite_utils.Database, table: str, row: Mapping, clean: Mapping[str, Any], version: Any,
          seen: Mapping | None = None, bump: bool = False) -> None:
    """Write ``clean`` to ``row`` only if it is still at ``version`` (inside the caller's transaction).

    The database moves the version when a value changes; ``bump`` moves it anyway (a change
    kept in another table, such as a person's units).
    """
    sets = [f"[{k}] = ?" for k in clean] + (["version = version + 1"] if bump else [])
    if not sets:
        return
    cursor = db.execute(
        f"UPDATE [{table}] SET {', '.join(sets)} WHERE id = ? AND version = ?", [*clean.values(), row["id"], int(version)]
    )
    if cursor.rowcount == 0:  # someone saved between the check above and this write
        raise _stale(db, table, row["id"], seen)


def unit_ancestors(db: sqlite_utils.Database, unit_id: int) -> list[int]:
    """Ids of the units above ``unit_id``, nearest first (its parent, then grandparent, ...)."""
    rows = db.execute(
        """
        WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM units WHERE id = ?
            UNION ALL
            SELECT u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id
            WHERE up.depth < 100
        )
        SELECT id FROM up WHERE depth > 0 ORDER BY depth
        """,
        [unit_id],
    ).fetchall()
    return [r[0] for r in rows]


# --- people and units -------------------------------------------------------------------


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
        person_id = db["people"].insert(
            {"name": name, "email": email, "role": role, "password_hash": password_hash}
        ).last_pk
        for unit_id in unit_ids:
            db["person_units"].insert({"person_id": person_id, "unit_id": int(unit_id)}, ignore=True)
    return person_id


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
        return db["units"].insert(
            {
                "name": name,
                "parent_id": parent["id"] if parent else None,
                "lead_id": lead_id,
                "description": description,
            }
        ).last_pk


def update_unit(
    db: sqlite_utils.Database, unit_id: int, *, person: Actor, version: int, seen: Mapping | None = None,
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
    unknown = set(changes) - {"name", "description", "lead_id", "parent_id", "archived"}
    if unknown:
        raise TypeError(f"update_unit() got unexpected changes: {', '.join(sorted(unknown))}")
    unit = _row(db, "units", unit_id, "unit")
    _check_unit(db, person, unit["id"])
    _check_version(db, "units", unit, version, seen)
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = v.text("name", changes["name"])
        clash = db.execute(
            "SELECT 1 FROM units WHERE name = ? AND id != ?", [clean["name"], unit["id"]]
        ).fetchone()
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
            below = [r[0] for r in db.execute(
                "SELECT name FROM units WHERE parent_id = ? AND archived = 0 ORDER BY name", [unit["id"]]
            ).fetchall()]
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


def update_person(
    db: sqlite_utils.Database, person_id: int, *, person: Actor, version: int, seen: Mapping | None = None,
    **changes: Any,
) -> None:
    """Change a person's name, e-mail, role, ``archived`` flag or ``unit_ids`` (the units they
    may edit besides those they lead), all in one edit; only an admin may.

    ``version`` is the person's version when the edit was read; ``seen`` the row as read (see
    :func:`read_for_edit`). The last admin can neither lose the role nor be archived, since
    nobody could then manage people any more.
    """
    unknown = set(changes) - {"name", "email", "role", "archived", "unit_ids"}
    if unknown:
        raise TypeError(f"update_person() got unexpected changes: {', '.join(sorted(unknown))}")
    _check_admin(db, person)
    target = _row(db, "people", person_id, "person")
    _check_version(db, "people", target, version, seen)
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = v.text("name", changes["name"])
    if "email" in changes:
        clean["email"] = v.email("email", changes["email"])
        if db.execute(
            "SELECT 1 FROM people WHERE email = ? AND id != ?", [clean["email"], target["id"]]
        ).fetchone():
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


def person_unit_ids(db: sqlite_utils.Database, person_id: int) -> list[int]:
    """The units a person was given to edit (besides those they lead), as :func:`set_person_units` stored them."""
    return [r[0] for r in db.execute(
        "SELECT unit_id FROM person_units WHERE person_id = ? ORDER BY unit_id", [int(person_id)]
    ).fetchall()]


def person_units_map(db: sqlite_utils.Database) -> dict[int, list[int]]:
    """``{person_id: [unit ids]}``: everyone's units to edit besides those they lead."""
    out: dict[int, list[int]] = {}
    for person_id, unit_id in db.execute("SELECT person_id, unit_id FROM person_units ORDER BY person_id, unit_id"):
        out.setdefault(person_id, []).append(unit_id)
    return out


def _unit_ids(db: sqlite_utils.Database, unit_ids: Any) -> list[int]:
    return sorted({_row(db, "units", unit_id, "units")["id"] for unit_id in (unit_ids or ())})


def _replace_units(db: sqlite_utils.Database, person_id: int, unit_ids: list[int]) -> None:
    db.execute("DELETE FROM person_units WHERE person_id = ?", [person_id])
    for unit_id in unit_ids:
        db["person_units"].insert({"person_id": person_id, "unit_id": unit_id})


def set_person_units(
    db: sqlite_utils.Database, person_id: int, unit_ids: list[int] | tuple[int, ...], *, person: Actor,
    version: int,
) -> None:
    """Replace the units a person may edit (besides those they lead); only an admin may.

    ``version`` is the person's version when the edit was read (see :func:`update_person`).
    """
    update_person(db, person_id, person=person, version=version, unit_ids=unit_ids)


# --- cycles ------------------------------------------------------------------------------


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
        return db["cycles"].insert(
            {"name": name, "start_date": start.isoformat(), "end_date": end.isoformat(), "state": state}
        ).last_pk


def _check_cycles(db: sqlite_utils.Database, person: Actor, what: str) -> None:
    """Refuse (field ``role``) unless ``person`` is an admin: cycles are the whole company's."""
    if not acts_as_admin(db, person):
        raise ValidationError("role", f"only an admin can {what} a cycle: cycles are the whole company's.")


def set_cycle_state(
    db: sqlite_utils.Database, cycle_id: int, state: str, *, person: Actor, version: int,
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
    db: sqlite_utils.Database, cycle_id: int, *, person: Actor, version: int, seen: Mapping | None = None,
    **changes: Any,
) -> None:
    """Rename a cycle or move its dates (``name``, ``start_date``, ``end_date``); only an admin may.

    A closed cycle is final (reopen it first); the new dates must keep every check-in of the
    cycle inside them. ``version`` is the cycle's version when the edit was read; ``seen`` the
    row as read (see :func:`read_for_edit`).
    """
    unknown = set(changes) - {"name", "start_date", "end_date"}
    if unknown:
        raise TypeError(f"update_cycle() got unexpected changes: {', '.join(sorted(unknown))}")
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
                field, f"{count} check-in{'s' if count != 1 else ''} of this cycle would fall {words}; "
                "move or delete them first."
            )
    with transaction(db):
        _save(db, "cycles", cycle, clean, version, seen)


def cycle_started(cycle: dict, today: dt.date | None = None) -> bool:
    """True once a cycle is under way: active or closed, or its start date has come."""
    today = today or dt.date.today()
    return cycle["state"] != "planning" or dt.date.fromisoformat(str(cycle["start_date"])[:10]) <= today


def _open_cycle(db, cycle_id: Any, field: str = "cycle") -> dict:
    cycle = _row(db, "cycles", cycle_id, field)
    if cycle["state"] == "closed":
        raise ValidationError(field, f"{cycle['name']} is closed; its OKRs are read only.")
    return cycle


# --- objectives and key results ----------------------------------------------------------


def _alignment(db, cycle: dict, unit: dict, parent_objective_id: Any, parent_kr_id: Any, self_id: int | None):
    """Check an objective's alignment; return (parent_objective_id, parent_kr_id)."""
    parent_kr = _optional_row(db, "key_results", parent_kr_id, "parent_kr")
    parent_obj = _optional_row(db, "objectives", parent_objective_id, "parent_objective")
    field = "parent_objective"
    if parent_kr is not None:
        kr_objective = _row(db, "objectives", parent_kr["objective_id"], "parent_kr")
        if parent_obj is not None and parent_obj["id"] != kr_objective["id"]:
            raise ValidationError("parent_kr", "belongs to another objective than the parent objective given.")
        parent_obj, field = kr_objective, "parent_kr"
    if parent_obj is None:
        return None, None
    if self_id is not None and parent_obj["id"] == self_id:
        raise ValidationError(field, "an objective cannot align to itself.")
    if parent_obj["cycle_id"] != cycle["id"]:
        raise ValidationError(field, "belongs to another cycle; align to an objective of the same cycle.")
    allowed_units = {unit["id"], *unit_ancestors(db, unit["id"])}
    if parent_obj["unit_id"] not in allowed_units:
        raise ValidationError(
            field, "belongs to a unit that is not above this one; align to the objectives of a parent unit."
        )
    if self_id is not None:
        # Walking up from the parent must never reach this objective again.
        seen, current = set(), parent_obj
        while current and current["parent_objective_id"] and current["id"] not in seen:
            seen.add(current["id"])
            if current["parent_objective_id"] == self_id:
                raise ValidationError(field, "would make the alignment a loop.")
            current = _row(db, "objectives", current["parent_objective_id"], field)
    return parent_obj["id"], parent_kr["id"] if parent_kr else None


def add_objective(
    db: sqlite_utils.Database,
    cycle_id: int,
    unit_id: int,
    title: str,
    description: str = "",
    owner_id: int | None = None,
    kind: str = "committed",
    parent_objective_id: int | None = None,
    parent_kr_id: int | None = None,
    weight: float = 1.0,
    *,
    person: Actor,
) -> int:
    """Add an objective to a cycle that is not closed, optionally aligned to a parent's objective or key result.

    ``person`` must be allowed to change the unit.
    """
    cycle = _open_cycle(db, cycle_id)
    unit = _row(db, "units", unit_id, "unit")
    _check_unit(db, person, unit["id"])
    row = {
        "cycle_id": cycle["id"],
        "unit_id": unit["id"],
        "title": v.text("title", title),
        "description": v.text("description", description, required=False, max_length=v.MAX_TEXT),
        "owner_id": (_optional_row(db, "people", owner_id, "owner") or {}).get("id"),
        "kind": v.choice("kind", kind, OBJECTIVE_KINDS),
        "weight": v.weight("weight", weight),
    }
    row["parent_objective_id"], row["parent_kr_id"] = _alignment(
        db, cycle, unit, parent_objective_id, parent_kr_id, None
    )
    with transaction(db):
        return db["objectives"].insert(row).last_pk


def update_objective(
    db: sqlite_utils.Database, objective_id: int, *, person: Actor, version: int, seen: Mapping | None = None,
    **changes: Any,
) -> None:
    """Edit an objective of a cycle that is not closed; alignment is re-checked.

    ``person`` must be allowed to change its unit (and the new unit, when it moves). Archiving
    (``state="archived"``) is refused while active objectives still align to it. ``version``
    is the objective's version when the edit was read; ``seen`` the row as read (see
    :func:`read_for_edit`).
    """
    obj = _row(db, "objectives", objective_id, "objective")
    cycle = _open_cycle(db, obj["cycle_id"])
    _check_unit(db, person, obj["unit_id"])
    _check_version(db, "objectives", obj, version, seen)
    unit = _row(db, "units", changes.get("unit_id", obj["unit_id"]), "unit")
    if unit["id"] != obj["unit_id"]:
        _check_unit(db, person, unit["id"])
    clean: dict[str, Any] = {"unit_id": unit["id"]}
    if "title" in changes:
        clean["title"] = v.text("title", changes["title"])
    if "description" in changes:
        clean["description"] = v.text("description", changes["description"], required=False, max_length=v.MAX_TEXT)
    if "owner_id" in changes:
        clean["owner_id"] = (_optional_row(db, "people", changes["owner_id"], "owner") or {}).get("id")
    if "kind" in changes:
        clean["kind"] = v.choice("kind", changes["kind"], OBJECTIVE_KINDS)
    if "weight" in changes:
        clean["weight"] = v.weight("weight", changes["weight"])
    if "state" in changes:
        clean["state"] = v.choice("state", changes["state"], ("active", "archived"))
        if clean["state"] == "archived" and obj["state"] != "archived":
            children = [
                r[0] for r in db.execute(
                    "SELECT title FROM objectives WHERE parent_objective_id = ? AND state = 'active' ORDER BY id",
                    [obj["id"]],
                ).fetchall()
            ]
            if children:
                raise ValidationError(
                    "state",
                    f"{len(children)} objective{'s' if len(children) != 1 else ''} still align to it "
                    f"({', '.join(repr(t) for t in children[:3])}{', ...' if len(children) > 3 else ''}); "
                    "re-align them first.",
                )
    if "parent_objective_id" in changes or "parent_kr_id" in changes:
        # A new parent objective replaces the whole alignment, key result included.
        parent_objective_id = changes.get("parent_objective_id")
        parent_kr_id = changes.get("parent_kr_id")
    else:
        parent_objective_id, parent_kr_id = obj["parent_objective_id"], obj["parent_kr_id"]
    clean["parent_objective_id"], clean["parent_kr_id"] = _alignment(
        db, cycle, unit, parent_objective_id, parent_kr_id, obj["id"]
    )
    if unit["id"] != obj["unit_id"]:
        from okrdata.queries import subtree_ids  # here, not at the top: queries loads pandas (see cli_feeds)

        branch = set(subtree_ids(db, unit["id"]))
        for child in db.query(
            "SELECT o.title, o.unit_id, u.name FROM objectives o JOIN units u ON u.id = o.unit_id "
            "WHERE o.parent_objective_id = ? AND o.state = 'active'",
            [obj["id"]],
        ):
            if child["unit_id"] not in branch:
                raise ValidationError(
                    "unit",
                    f"{child['title']!r} ({child['name']}) aligns to this objective and would no longer "
                    "sit below it; re-align that objective first.",
                )
    with transaction(db):
        _save(db, "objectives", obj, clean, version, seen)


def alignment_choices(
    db: sqlite_utils.Database, cycle_id: int, unit_id: int, objective_id: int | None = None
) -> list[dict]:
    """What an objective of ``unit_id`` in ``cycle_id`` may align to, as :func:`add_objective` accepts.

    The active objectives of the same cycle owned by the unit itself or a unit above it, each
    followed by its active key results; never the objective itself (``objective_id``) nor one
    aligned below it. Each choice is ``{"kind": "objective" | "key_result", "objective_id",
    "kr_id" (None for an objective), "title", "unit_name"}``, parents' units first.
    """
    allowed = [int(unit_id), *unit_ancestors(db, int(unit_id))]
    order = {u: i for i, u in enumerate(reversed(allowed))}
    below: set[int] = set()
    if objective_id is not None:
        # The objective and everything aligned below it would make a loop.
        frontier = {int(objective_id)}
        while frontier:
            below |= frontier
            marks = ", ".join("?" * len(frontier))
            frontier = {
                r[0] for r in db.execute(
                    f"SELECT id FROM objectives WHERE parent_objective_id IN ({marks})", list(frontier)
                ).fetchall()
            } - below
    marks = ", ".join("?" * len(allowed))
    objs = [
        o for o in db.query(
            f"SELECT o.id, o.title, o.unit_id, u.name AS unit_name FROM objectives o JOIN units u ON u.id = o.unit_id "
            f"WHERE o.cycle_id = ? AND o.state = 'active' AND o.unit_id IN ({marks}) ORDER BY o.id",
            [int(cycle_id), *allowed],
        )
        if o["id"] not in below
    ]
    objs.sort(key=lambda o: (order[o["unit_id"]], o["id"]))
    choices = []
    for o in objs:
        choices.append({"kind": "objective", "objective_id": o["id"], "kr_id": None, "title": o["title"],
                        "unit_name": o["unit_name"]})
        for kr in db.query(
            "SELECT id, title FROM key_results WHERE objective_id = ? AND archived = 0 ORDER BY id", [o["id"]]
        ):
            choices.append({"kind": "key_result", "objective_id": o["id"], "kr_id": kr["id"], "title": kr["title"],
                            "unit_name": o["unit_name"]})
    return choices


def archive_objective(
    db: sqlite_utils.Database, objective_id: int, *, person: Actor, version: int, archived: bool = True
) -> None:
    """Archive an objective (it leaves every page and roll-up) or restore it; see :func:`update_objective`."""
    update_objective(db, objective_id, person=person, version=version, state="archived" if archived else "active")


def check_kr_goal(kr_type: str, baseline: float | None, target: float | None) -> None:
    """Refuse a baseline and target that make no sense for the key result's type."""
    if kr_type in ("increase", "decrease"):
        if baseline is None:
            raise ValidationError("baseline", f"is required for a key result of type {kr_type}.")
        if target is None:
            raise ValidationError("target", f"is required for a key result of type {kr_type}.")
        if target == baseline:
            raise ValidationError("target", f"equals the baseline ({baseline:g}); there would be nothing to achieve.")
        if kr_type == "increase" and target < baseline:
            raise ValidationError("target", f"{target:g} is below the baseline {baseline:g}; use type decrease.")
        if kr_type == "decrease" and target > baseline:
            raise ValidationError("target", f"{target:g} is above the baseline {baseline:g}; use type increase.")
    elif kr_type in ("stay_above", "stay_below"):
        if target is None:
            raise ValidationError("target", f"is required: it is the bound a {kr_type} key result keeps.")
    elif kr_type == "milestone":
        if target is not None and target != 1:
            raise ValidationError("target", "of a milestone is 1 (done); leave it empty.")


def _kr_fields(db, kr_type, baseline, target, unit_label, weight, owner_id, kpi_id, cadence_days) -> dict:
    kr_type = v.choice("type", kr_type, KR_TYPES)
    baseline_value = v.number("baseline", baseline, required=False)
    target_value = v.number("target", target, required=False)
    if kr_type == "milestone":
        baseline_value = 0.0 if baseline_value is None else baseline_value
        target_value = 1.0 if target_value is None else target_value
        if baseline_value != 0:
            raise ValidationError("baseline", "of a milestone is 0 (not started); leave it empty.")
    check_kr_goal(kr_type, baseline_value, target_value)
    return {
        "kr_type": kr_type,
        "baseline": baseline_value,
        "target": target_value,
        "unit_label": v.text("unit_label", unit_label, required=False, max_length=30),
        "weight": v.weight("weight", weight),
        "owner_id": (_optional_row(db, "people", owner_id, "owner") or {}).get("id"),
        "kpi_id": (_optional_row(db, "kpis", kpi_id, "kpi") or {}).get("id"),
        "cadence_days": v.integer("cadence_days", cadence_days, low=1, high=90),
    }


def add_key_result(
    db: sqlite_utils.Database,
    objective_id: int,
    title: str,
    kr_type: str,
    baseline: float | None = None,
    target: float | None = None,
    unit_label: str = "",
    weight: float = 1.0,
    owner_id: int | None = None,
    kpi_id: int | None = None,
    cadence_days: int = 7,
    *,
    person: Actor,
) -> int:
    """Add a key result to an objective whose cycle is not closed.

    ``person`` must be allowed to change the objective's unit.
    """
    obj = _row(db, "objectives", objective_id, "objective")
    _open_cycle(db, obj["cycle_id"])
    _check_unit(db, person, obj["unit_id"])
    row = {"objective_id": obj["id"], "title": v.text("title", title)}
    row.update(_kr_fields(db, kr_type, baseline, target, unit_label, weight, owner_id, kpi_id, cadence_days))
    with transaction(db):
        return db["key_results"].insert(row).last_pk


KR_FIELDS = ("title", "kr_type", "baseline", "target", "unit_label", "weight", "owner_id", "kpi_id",
             "cadence_days", "archived")
GOALPOST_FIELDS = ("kr_type", "baseline", "target")
"""The fields that set what a key result must achieve: changing one after the cycle started is
recorded in ``key_result_changes`` (see :func:`update_key_result`)."""


def update_key_result(
    db: sqlite_utils.Database,
    kr_id: int,
    *,
    person: Actor,
    version: int,
    seen: Mapping | None = None,
    reason: str = "",
    today: dt.date | None = None,
    **changes: Any,
) -> list[str]:
    """Edit a key result of a cycle that is not closed; return the goalpost fields that moved.

    ``changes`` may hold any of :data:`KR_FIELDS` (and ``objective_id``, to move it to another
    objective of the same cycle); the type, baseline and target are checked together, as for a
    new key result. ``person`` must be allowed to change its unit. ``version`` is the key
    result's version when the edit was read; ``seen`` the row as read (see :func:`read_for_edit`).

    Once the cycle has started (:func:`cycle_started`), a change to the type, baseline or target
    moves the goalposts: it needs a ``reason`` and is recorded, field by field, in
    ``key_result_changes`` (who, when, before, after, why), so the key result shows that its
    goal moved (:func:`okrdata.history.goalpost_changes`).
    """
    unknown = set(changes) - set(KR_FIELDS) - {"objective_id"}
    if unknown:
        raise TypeError(f"update_key_result() got unexpected changes: {', '.join(sorted(unknown))}")
    kr = _row(db, "key_results", kr_id, "key_result")
    obj = _row(db, "objectives", kr["objective_id"], "objective")
    cycle = _open_cycle(db, obj["cycle_id"])
    _check_unit(db, person, obj["unit_id"])
    _check_version(db, "key_results", kr, version, seen)
    clean: dict[str, Any] = {}
    if "objective_id" in changes and changes["objective_id"] is not None and int(changes["objective_id"]) != obj["id"]:
        new_obj = _row(db, "objectives", changes["objective_id"], "objective")
        if new_obj["cycle_id"] != obj["cycle_id"]:
            raise ValidationError("objective", "belongs to another cycle; a key result stays in its cycle.")
        _check_unit(db, person, new_obj["unit_id"])
        clean["objective_id"] = new_obj["id"]
    if "title" in changes:
        clean["title"] = v.text("title", changes["title"])
    merged = {k: changes.get(k, kr[k]) for k in KR_FIELDS}
    fields = _kr_fields(
        db, merged["kr_type"], merged["baseline"], merged["target"], merged["unit_label"], merged["weight"],
        merged["owner_id"], merged["kpi_id"], merged["cadence_days"],
    )
    for key in fields:
        if key in changes or (key in ("baseline", "target") and "kr_type" in changes):
            clean[key] = fields[key]
    if "archived" in changes:
        clean["archived"] = int(bool(changes["archived"]))
        if clean["archived"] and not kr["archived"]:
            aligned = [r[0] for r in db.execute(
                "SELECT title FROM objectives WHERE parent_kr_id = ? AND state = 'active' ORDER BY id", [kr["id"]]
            ).fetchall()]
            if aligned:
                raise ValidationError(
                    "archived",
                    f"{len(aligned)} objective{'s' if len(aligned) != 1 else ''} align to this key result "
                    f"({', '.join(repr(t) for t in aligned[:3])}); re-align them first.",
                )
    new_type = clean.get("kr_type", kr["kr_type"])
    if new_type == "milestone" and kr["kr_type"] != "milestone":
        outside = db.execute(
            "SELECT count(*) FROM checkins WHERE kr_id = ? AND deleted = 0 AND (value < 0 OR value > 1)", [kr["id"]]
        ).fetchone()[0]
        if outside:
            raise ValidationError(
                "type", f"{outside} check-in value{'s' if outside != 1 else ''} lie outside 0 to 1, "
                "which a milestone cannot hold; correct them first."
            )
    moved = [f for f in GOALPOST_FIELDS if f in clean and clean[f] != kr[f]]
    why = v.text("reason", reason, required=False, max_length=v.MAX_TEXT)
    record = bool(moved) and cycle_started(cycle, today)
    if record and not why:
        raise ValidationError(
            "reason",
            f"is required: the cycle {cycle['name']} has started, so changing the "
            f"{' and '.join(f.replace('kr_', '') for f in moved)} moves the goalposts; say why.",
        )
    if not clean:
        return []
    with transaction(db):
        _save(db, "key_results", kr, clean, version, seen)
        if record:
            stamp = now_iso()
            for field in moved:
                db["key_result_changes"].insert(
                    {
                        "kr_id": kr["id"],
                        "field": field,
                        "before": kr[field],
                        "after": clean[field],
                        "changed_by": person.get("id"),
                        "changed_at": stamp,
                        "reason": why,
                    }
                )
    return moved if record else []


def archive_key_result(
    db: sqlite_utils.Database, kr_id: int, *, person: Actor, version: int, archived: bool = True
) -> None:
    """Archive a key result (it leaves every page and roll-up) or restore it; see :func:`update_key_result`."""
    update_key_result(db, kr_id, person=person, version=version, archived=archived)


# --- check-ins ---------------------------------------------------------------------------


def _checkin_fields(db, kr: dict, checkin_date: Any, value: Any, confidence: Any, note: Any) -> dict:
    obj = _row(db, "objectives", kr["objective_id"], "key_result")
    cycle = _open_cycle(db, obj["cycle_id"])
    day = v.date("date", checkin_date)
    start, end = dt.date.fromisoformat(cycle["start_date"]), dt.date.fromisoformat(cycle["end_date"])
    if not start <= day <= end:
        raise ValidationError("date", f"{day} is outside the cycle {cycle['name']} ({start} to {end}).")
    if day > dt.date.today():
        raise ValidationError("date", f"{day} is in the future; a check-in records what is true today or before.")
    number = v.number("value", value)
    if kr["kr_type"] == "milestone" and not 0 <= number <= 1:
        raise ValidationError("value", f"of a milestone is the fraction done, from 0 to 1; got {number:g}.")
    return {
        "checkin_date": day.isoformat(),
        "value": number,
        "confidence": v.integer("confidence", confidence, low=0, high=10),
        "note": v.text("note", note, required=False, max_length=v.MAX_TEXT),
    }


def add_checkin(
    db: sqlite_utils.Database,
    kr_id: int,
    checkin_date: Any,
    value: Any,
    confidence: Any,
    note: str = "",
    author_id: int | None = None,
    *,
    person: Actor,
) -> int:
    """Record a check-in: the key result's new value, a confidence 0–10 and a note.

    Refused when the date is outside the key result's cycle or the cycle is closed, or when
    ``person`` may not change the key result's unit. It is recorded as written by ``person``;
    ``author_id`` may name someone else for an admin or :data:`SYSTEM` only (field ``author``).
    """
    kr = _row(db, "key_results", kr_id, "key_result")
    _check_unit(db, person, _row(db, "objectives", kr["objective_id"], "key_result")["unit_id"])
    author_id = _author(db, person, author_id, "a check-in")
    row = _checkin_fields(db, kr, checkin_date, value, confidence, note)
    stamp = now_iso()
    row.update({"kr_id": kr["id"], "author_id": author_id, "created_at": stamp, "updated_at": stamp})
    with transaction(db):
        checkin_id = db["checkins"].insert(row).last_pk
    _wake_notifications()
    return checkin_id


def _wake_notifications() -> None:
    """Let a running notification scheduler look at once, so that a key result turning off
    track or a cycle closing is posted now, not at its next round; it never waits for it."""
    from okrdata.notify.schedule import poke

    poke()


def _batch_row(db, index: int, entry: Any, seen: set[int], person: Actor) -> dict:
    """One entry of :func:`add_checkins`, checked and cleaned; errors carry the key result's title."""
    if not isinstance(entry, dict):
        raise ValidationError("key_result", "each entry must be a mapping with kr_id, value and confidence.",
                              where=f"entry {index + 1}")
    try:
        kr = _row(db, "key_results", entry.get("kr_id"), "key_result")
    except ValidationError as error:
        raise ValidationError(error.field, error.message, where=f"entry {index + 1}") from None
    try:
        obj = _row(db, "objectives", kr["objective_id"], "key_result")
        if kr["archived"] or obj["state"] != "active":
            raise ValidationError("key_result", "is archived; it takes no more check-ins.")
        if kr["id"] in seen:
            raise ValidationError("key_result", "appears twice in one check-in; enter it once.")
        _check_unit(db, person, obj["unit_id"])
        row = _checkin_fields(db, kr, entry.get("checkin_date") or dt.date.today(), entry.get("value"),
                              entry.get("confidence"), entry.get("note", ""))
    except ValidationError as error:
        raise ValidationError(error.field, error.message, where=kr["title"]) from None
    seen.add(kr["id"])
    row["kr_id"] = kr["id"]
    return row


def check_checkins(
    db: sqlite_utils.Database, entries: list[dict], *, person: Actor
) -> list[ValidationError]:
    """Every problem of a batch of check-ins, one error per entry at most (empty when all are fine).

    Each error names the field and, as ``where``, the key result's title. Writes nothing: a form
    calls it to show all the problems of a submission at once; :func:`add_checkins` checks again.
    """
    errors, seen = [], set()
    for index, entry in enumerate(entries):
        try:
            _batch_row(db, index, entry, seen, person)
        except ValidationError as error:
            errors.append(error)
    return errors


def add_checkins(
    db: sqlite_utils.Database,
    entries: list[dict],
    author_id: int | None = None,
    *,
    person: Actor,
) -> list[int]:
    """Record several check-ins at once, all or none; return their ids in the order given.

    Each entry is a mapping with ``kr_id``, ``value``, ``confidence`` and optionally ``note``
    and ``checkin_date`` (default today). Every entry is checked first, inside the one
    transaction that writes them: the first problem raises a ValidationError naming the field,
    with the key result's title as ``where``, and nothing of the batch is saved. ``person``
    must be allowed to change each key result's unit; the check-ins are recorded as written by
    ``person`` (``author_id`` may name someone else for an admin or :data:`SYSTEM` only). A key
    result may appear once per batch.
    """
    if not entries:
        raise ValidationError("value", "nothing to save: enter a value for at least one key result.")
    with transaction(db):
        seen: set[int] = set()
        rows = [_batch_row(db, index, entry, seen, person) for index, entry in enumerate(entries)]
        author_id = _author(db, person, author_id, "a check-in")
        stamp = now_iso()
        ids = []
        for row in rows:
            row.update({"author_id": author_id, "created_at": stamp, "updated_at": stamp})
            ids.append(db["checkins"].insert(row).last_pk)
    _wake_notifications()
    return ids


def _current_checkin(db, checkin_id: Any) -> dict:
    checkin = _row(db, "checkins", checkin_id, "checkin")
    if checkin["deleted"]:
        raise ValidationError("checkin", "was deleted by someone else in the meantime.")
    return checkin


def _revision(db, checkin: dict, action: str, by: int | None, after: dict | None) -> None:
    keys = ("checkin_date", "value", "confidence", "note")
    db["checkin_revisions"].insert(
        {
            "checkin_id": checkin["id"],
            "action": action,
            "changed_by": by,
            "changed_at": now_iso(),
            "before": json.dumps({k: checkin[k] for k in keys}),
            "after": json.dumps({k: after[k] for k in keys}) if after else None,
        }
    )


def edit_checkin(
    db: sqlite_utils.Database,
    checkin_id: int,
    *,
    value: Any,
    confidence: Any,
    note: str = "",
    checkin_date: Any = None,
    changed_by: int | None = None,
    person: Actor,
    version: int,
    seen: Mapping | None = None,
) -> None:
    """Correct a check-in, keeping the old values as a revision.

    ``version`` is the version the editor saw (``seen``, optionally, the row as read): if
    someone saved in between, the edit is refused instead of overwriting their change.
    ``person`` must be allowed to change the key result's unit; the revision is recorded as
    theirs (``changed_by`` may name someone else for an admin or :data:`SYSTEM` only).
    """
    with transaction(db):
        checkin = _current_checkin(db, checkin_id)
        kr = _row(db, "key_results", checkin["kr_id"], "key_result")
        _check_unit(db, person, _row(db, "objectives", kr["objective_id"], "key_result")["unit_id"])
        _check_version(db, "checkins", checkin, version, seen)
        changed_by = _author(db, person, changed_by, "a correction")
        fields = _checkin_fields(db, kr, checkin_date or checkin["checkin_date"], value, confidence, note)
        _revision(db, checkin, "edit", changed_by, fields)
        _save(db, "checkins", checkin, {**fields, "updated_at": now_iso()}, version, seen, bump=True)
    _wake_notifications()


def delete_checkin(
    db: sqlite_utils.Database,
    checkin_id: int,
    *,
    changed_by: int | None = None,
    person: Actor,
    version: int,
) -> None:
    """Withdraw a check-in; it stays in the database, marked deleted, with a revision saying who.

    ``version``, ``person`` and ``changed_by`` work as for :func:`edit_checkin`.
    """
    with transaction(db):
        checkin = _current_checkin(db, checkin_id)
        kr = _row(db, "key_results", checkin["kr_id"], "key_result")
        obj = _row(db, "objectives", kr["objective_id"], "key_result")
        _open_cycle(db, obj["cycle_id"])
        _check_unit(db, person, obj["unit_id"])
        _check_version(db, "checkins", checkin, version)
        changed_by = _author(db, person, changed_by, "a correction")
        _revision(db, checkin, "delete", changed_by, None)
        _save(db, "checkins", checkin, {"deleted": 1, "updated_at": now_iso()}, version, bump=True)


# --- KPIs --------------------------------------------------------------------------------


def _kpi_fields(target_type: Any, target: Any, warning: Any) -> dict:
    """A KPI's target type, target and warning threshold, checked together."""
    target_type = v.choice("target_type", target_type, KPI_TARGET_TYPES)
    target_value = v.number("target", target)
    warning_value = v.number("warning", warning, required=False)
    if warning_value is not None:
        upward = target_type in ("stay_above", "increase")
        if upward and warning_value < target_value:
            raise ValidationError("warning", f"must be at or above the target {target_value:g} for {target_type}.")
        if not upward and warning_value > target_value:
            raise ValidationError("warning", f"must be at or below the target {target_value:g} for {target_type}.")
    return {"target_type": target_type, "target": target_value, "warning": warning_value}


def add_kpi(
    db: sqlite_utils.Database,
    unit_id: int,
    name: str,
    target_type: str,
    target: float,
    warning: float | None = None,
    frequency_days: int = 7,
    unit_label: str = "",
    description: str = "",
    *,
    person: Actor,
) -> int:
    """Add a KPI: a health measure of a unit, with a target and an optional warning threshold.

    For ``stay_above``/``increase`` the warning threshold sits at or above the target (warned
    before breaching); for ``stay_below``/``decrease`` at or below it. ``person`` must be
    allowed to change the unit.
    """
    unit = _row(db, "units", unit_id, "unit")
    _check_unit(db, person, unit["id"])
    row = {"unit_id": unit["id"], "name": v.text("name", name)}
    row.update(_kpi_fields(target_type, target, warning))
    row.update(
        {
            "frequency_days": v.integer("frequency_days", frequency_days, low=1, high=366),
            "unit_label": v.text("unit_label", unit_label, required=False, max_length=30),
            "description": v.text("description", description, required=False, max_length=v.MAX_TEXT),
        }
    )
    with transaction(db):
        return db["kpis"].insert(row).last_pk


KPI_FIELDS = ("unit_id", "name", "target_type", "target", "warning", "frequency_days", "unit_label",
              "description", "archived")


def update_kpi(
    db: sqlite_utils.Database, kpi_id: int, *, person: Actor, version: int, seen: Mapping | None = None,
    **changes: Any,
) -> None:
    """Edit a KPI (any of :data:`KPI_FIELDS`); the target type, target and warning are checked together.

    ``person`` must be allowed to change its unit (and the new unit, when it moves). ``version``
    is the KPI's version when the edit was read; ``seen`` the row as read (see
    :func:`read_for_edit`).
    """
    unknown = set(changes) - set(KPI_FIELDS)
    if unknown:
        raise TypeError(f"update_kpi() got unexpected changes: {', '.join(sorted(unknown))}")
    kpi = _row(db, "kpis", kpi_id, "kpi")
    _check_unit(db, person, kpi["unit_id"])
    _check_version(db, "kpis", kpi, version, seen)
    clean: dict[str, Any] = {}
    if "unit_id" in changes:
        unit = _row(db, "units", changes["unit_id"], "unit")
        if unit["id"] != kpi["unit_id"]:
            _check_unit(db, person, unit["id"])
        clean["unit_id"] = unit["id"]
    if "name" in changes:
        clean["name"] = v.text("name", changes["name"])
    goal = _kpi_fields(
        changes.get("target_type", kpi["target_type"]),
        changes.get("target", kpi["target"]),
        changes.get("warning", kpi["warning"]),
    )
    clean.update({k: goal[k] for k in goal if k in changes or "target_type" in changes or "target" in changes})
    if "frequency_days" in changes:
        clean["frequency_days"] = v.integer("frequency_days", changes["frequency_days"], low=1, high=366)
    if "unit_label" in changes:
        clean["unit_label"] = v.text("unit_label", changes["unit_label"], required=False, max_length=30)
    if "description" in changes:
        clean["description"] = v.text("description", changes["description"], required=False, max_length=v.MAX_TEXT)
    if "archived" in changes:
        clean["archived"] = int(bool(changes["archived"]))
    with transaction(db):
        _save(db, "kpis", kpi, clean, version, seen)


def archive_kpi(
    db: sqlite_utils.Database, kpi_id: int, *, person: Actor, version: int, archived: bool = True
) -> None:
    """Archive a KPI (it leaves the pages; its readings and links stay for the record) or restore it."""
    update_kpi(db, kpi_id, person=person, version=version, archived=archived)


def add_kpi_reading(
    db: sqlite_utils.Database,
    kpi_id: int,
    reading_date: Any,
    value: Any,
    author_id: int | None = None,
    *,
    person: Actor,
) -> int:
    """Record a KPI reading; a reading dated in the future is refused.

    ``person`` must be allowed to change the KPI's unit; the reading is recorded as theirs
    (``author_id`` may name someone else for an admin or :data:`SYSTEM` only, field ``author``).
    """
    kpi = _row(db, "kpis", kpi_id, "kpi")
    _check_unit(db, person, kpi["unit_id"])
    author_id = _author(db, person, author_id, "a reading")
    day = v.date("date", reading_date)
    if day > dt.date.today() + dt.timedelta(days=1):
        raise ValidationError("date", f"{day} is in the future.")
    row = {
        "kpi_id": kpi["id"],
        "reading_date": day.isoformat(),
        "value": v.number("value", value),
        "author_id": author_id,
        "created_at": now_iso(),
    }
    with transaction(db):
        return db["kpi_readings"].insert(row).last_pk


# --- carrying objectives into the next cycle ----------------------------------------------


def _last_value(db, kr_id: int) -> float | None:
    row = db.execute(
        "SELECT value FROM checkins WHERE kr_id = ? AND deleted = 0 ORDER BY checkin_date DESC, id DESC LIMIT 1",
        [kr_id],
    ).fetchone()
    return None if row is None else row[0]


def carry_over(
    db: sqlite_utils.Database,
    from_cycle_id: int,
    to_cycle_id: int,
    objective_ids: list[int] | tuple[int, ...],
    *,
    person: Actor,
) -> dict:
    """Copy unfinished objectives of one cycle into another, with their key results, all or none.

    Each objective keeps its unit, title, why, owner, kind and weight; each of its active key
    results keeps its title, type, target, unit label, weight, owner, KPI and cadence, and
    starts from where it ended: its baseline becomes its last checked-in value (a milestone
    keeps 0, since a milestone starts undone). Check-ins, scores and reflections stay behind.
    A key result already at or past its target is done and is not carried. An objective's
    alignment is kept when its parent objective (or key result) is carried in the same call,
    and dropped otherwise (the lead re-aligns it in the new cycle).

    Refused when the target cycle is closed or the same cycle, when an objective is not an
    active objective of the source cycle, when the target cycle already holds an objective of
    the same unit and title, or when ``person`` may not change one of the units.

    Returns ``{"objectives": {old_id: new_id}, "key_results": {old_id: new_id},
    "done_key_results": [old ids left behind because they were reached]}``.
    """
    source = _row(db, "cycles", from_cycle_id, "from_cycle")
    target = _open_cycle(db, to_cycle_id, "to_cycle")
    if source["id"] == target["id"]:
        raise ValidationError("to_cycle", "is the cycle the objectives are in; choose the next cycle.")
    ids = []
    for raw in objective_ids:
        obj = _row(db, "objectives", raw, "objectives")
        if obj["cycle_id"] != source["id"]:
            raise ValidationError("objectives", f"{obj['title']!r} is not an objective of {source['name']}.")
        if obj["state"] != "active":
            raise ValidationError("objectives", f"{obj['title']!r} is archived.")
        if obj["id"] not in ids:
            ids.append(obj["id"])
    if not ids:
        raise ValidationError("objectives", "choose at least one objective to carry over.")
    objs = {i: _row(db, "objectives", i, "objectives") for i in ids}
    for obj in objs.values():
        _check_unit(db, person, obj["unit_id"])
        if db.execute(
            "SELECT 1 FROM objectives WHERE cycle_id = ? AND unit_id = ? AND title = ? AND state = 'active'",
            [target["id"], obj["unit_id"], obj["title"]],
        ).fetchone():
            raise ValidationError("objectives", f"{obj['title']!r} is in {target['name']} already.")

    # Parents before children, so a carried child can point at its carried parent.
    def depth(obj: dict) -> int:
        d, current = 0, obj
        while current["parent_objective_id"] in objs and d < len(objs):
            current, d = objs[current["parent_objective_id"]], d + 1
        return d

    order = sorted(objs.values(), key=lambda o: (depth(o), o["id"]))
    new_objs: dict[int, int] = {}
    new_krs: dict[int, int] = {}
    done: list[int] = []
    with transaction(db):
        for obj in order:
            parent_obj = new_objs.get(obj["parent_objective_id"])
            # A key result parent left behind (it was done) leaves the alignment on its objective.
            parent_kr = new_krs.get(obj["parent_kr_id"]) if parent_obj is not None else None
            new_id = db["objectives"].insert(
                {
                    "cycle_id": target["id"],
                    "unit_id": obj["unit_id"],
                    "title": obj["title"],
                    "description": obj["description"],
                    "owner_id": obj["owner_id"],
                    "kind": obj["kind"],
                    "weight": obj["weight"],
                    "parent_objective_id": parent_obj,
                    "parent_kr_id": parent_kr,
                    "state": "active",
                }
            ).last_pk
            new_objs[obj["id"]] = new_id
            for kr in db.query(
                "SELECT * FROM key_results WHERE objective_id = ? AND archived = 0 ORDER BY id", [obj["id"]]
            ):
                last = _last_value(db, kr["id"])
                baseline = kr["baseline"]
                if kr["kr_type"] in ("increase", "decrease") and last is not None:
                    reached = last >= kr["target"] if kr["kr_type"] == "increase" else last <= kr["target"]
                    if reached:
                        done.append(kr["id"])
                        continue
                    baseline = last
                elif kr["kr_type"] in ("stay_above", "stay_below") and last is not None:
                    baseline = last
                fields = _kr_fields(
                    db, kr["kr_type"], baseline, kr["target"], kr["unit_label"], kr["weight"], kr["owner_id"],
                    kr["kpi_id"], kr["cadence_days"],
                )
                fields.update({"objective_id": new_id, "title": kr["title"]})
                new_krs[kr["id"]] = db["key_results"].insert(fields).last_pk
    return {"objectives": new_objs, "key_results": new_krs, "done_key_results": done}


# --- the end of a cycle: scores and closing ----------------------------------------------


def score_objective(
    db: sqlite_utils.Database,
    objective_id: int,
    score: Any,
    reason: Any = "",
    reflection: Any = "",
    *,
    person: Actor,
    today: dt.date | None = None,
) -> dict:
    """Record an objective's score (0.0–1.0), the reason for it and the reflection on the cycle.

    The score is proposed from the objective's final progress
    (:func:`okrdata.review.proposed_score`); a score more than 0.05 away from the proposal needs
    a ``reason``. Refused when the objective is archived, when its cycle is closed (read only)
    or not at its end yet (:func:`okrdata.review.scoring_refusal`), or when ``person`` may not
    change its unit. A score equal to the proposal keeps any reason given. Returns
    ``{"objective_id", "score", "proposal"}``.
    """
    from okrdata import review

    obj = _row(db, "objectives", objective_id, "objective")
    if obj["state"] != "active":
        raise ValidationError("objective", "is archived; restore it before scoring it.", obj["title"])
    cycle = _open_cycle(db, obj["cycle_id"])
    refusal = review.scoring_refusal(cycle, today)
    if refusal:
        raise ValidationError("cycle", refusal, obj["title"])
    _check_unit(db, person, obj["unit_id"])
    value = v.number("score", score)
    if not 0.0 <= value <= 1.0:
        raise ValidationError("score", f"must be between 0.0 and 1.0, not {value:g}.", obj["title"])
    clean_reason = v.text("reason", reason, required=False, max_length=v.MAX_TEXT)
    clean_reflection = v.text("reflection", reflection, required=False, max_length=v.MAX_TEXT)
    sheet = review.proposals(db, cycle["id"], today, unit_id=obj["unit_id"])
    row = sheet[sheet["objective_id"] == obj["id"]]
    proposal = float(row["proposal"].iloc[0]) if len(row) else 0.0
    if review.needs_reason(value, proposal) and not clean_reason:
        raise ValidationError(
            "reason",
            f"is required: {value:.2f} differs from the proposed {proposal:.2f} (the final progress) by more than "
            f"{review.REASON_TOLERANCE:g}; say why.",
            obj["title"],
        )
    if clean_reason == review.PROPOSED_AT_CLOSE:
        clean_reason = ""  # that sentence marks a score nobody reviewed; a lead's score is reviewed
    with transaction(db):
        # Checked again under the write lock: an admin may have closed the cycle meanwhile.
        _open_cycle(db, cycle["id"])
        db["objectives"].update(
            obj["id"],
            {"score": round(value, 4), "score_reason": clean_reason or None, "reflection": clean_reflection or None},
        )
    return {"objective_id": obj["id"], "score": round(value, 4), "proposal": proposal}


def close_cycle(
    db: sqlite_utils.Database, cycle_id: int, *, person: Actor, today: dt.date | None = None
) -> dict:
    """Close a cycle at its end, all or nothing; only an admin may.

    Every active objective no lead scored gets its proposed score (its final progress) with the
    reason :data:`okrdata.review.PROPOSED_AT_CLOSE`, so the record shows it was proposed, not
    reviewed (a proposal from an earlier close, before the cycle was reopened, is renewed); then
    the cycle becomes closed and its OKRs read only. Refused for a cycle already closed or still
    in planning before its end. Returns ``{"cycle", "scored", "proposed"}``:
    the cycle's name and how many objectives had a lead's score and how many got the proposal.
    """
    from okrdata import review

    _check_admin(db, person)
    cycle = _open_cycle(db, cycle_id)
    refusal = review.scoring_refusal(cycle, today)
    if refusal:
        raise ValidationError("cycle", refusal)
    with transaction(db):
        # Read under the write lock, so a lead's score saved a moment ago is kept, never replaced.
        # A proposal left by an earlier close (the cycle was reopened since) is proposed afresh.
        sheet = review.proposals(db, cycle["id"], today)
        unscored = sheet[sheet["recorded"].isna() | sheet["score_reason"].eq(review.PROPOSED_AT_CLOSE)]
        for objective_id, proposal in zip(unscored["objective_id"], unscored["proposal"]):
            db.execute(
                "UPDATE objectives SET score = ?, score_reason = ? "
                "WHERE id = ? AND (score IS NULL OR score_reason = ?)",
                [float(proposal), review.PROPOSED_AT_CLOSE, int(objective_id), review.PROPOSED_AT_CLOSE],
            )
        db["cycles"].update(cycle["id"], {"state": "closed"})
    _wake_notifications()
    return {"cycle": cycle["name"], "scored": int(len(sheet) - len(unscored)), "proposed": int(len(unscored))}


# --- settings ----------------------------------------------------------------------------


def set_setting(db: sqlite_utils.Database, key: str, value: str, *, person: Actor) -> None:
    """Store a deployment setting (``demo`` = ``"1"`` marks a database holding demo data); an
    admin's or the system's."""
    check_admin(db, person)
    with transaction(db):
        db["settings"].upsert({"key": key, "value": str(value)}, pk="key")


def get_setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """A deployment setting, or ``default``."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default
