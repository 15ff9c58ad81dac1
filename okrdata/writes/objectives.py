"""Writes to objectives: adding, editing and archiving one, with the check of what it
may align to (an objective or key result of its own unit or one above it, never a loop)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata import wording
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.lookups import unit_ancestors
from okrdata.schema import (
    OBJECTIVE_KINDS,
)
from okrdata.writes.actors import Actor, _check_unit, _optional_row, _row
from okrdata.writes.cycles import _open_cycle
from okrdata.writes.versions import _check_version, _save


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
    db: sqlite_utils.Database,
    objective_id: int,
    *,
    person: Actor,
    version: int,
    seen: Mapping | None = None,
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
                r[0]
                for r in db.execute(
                    "SELECT title FROM objectives WHERE parent_objective_id = ? AND state = 'active' ORDER BY id",
                    [obj["id"]],
                ).fetchall()
            ]
            if children:
                raise ValidationError(
                    "state",
                    f"{wording.plural(len(children), 'objective')} still align to it "
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
        from okrdata.queries import subtree_ids  # here, not at the top: queries loads pandas (see okrdata.cli.feeds)

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


def archive_objective(
    db: sqlite_utils.Database, objective_id: int, *, person: Actor, version: int, archived: bool = True
) -> None:
    """Archive an objective (it leaves every page and roll-up) or restore it; see :func:`update_objective`."""
    update_objective(db, objective_id, person=person, version=version, state="archived" if archived else "active")
