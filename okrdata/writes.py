"""Every write to the database, each checking its input first.

A function here validates everything it is given (raising :class:`ValidationError` naming the
field) before it writes, and writes inside one transaction, so a refused or failed write
changes nothing. Pages, the CLI, the importer and the seed loader all write through these.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.queries import subtree_ids
from okrdata.schema import (
    CYCLE_STATES,
    KPI_TARGET_TYPES,
    KR_TYPES,
    OBJECTIVE_KINDS,
    ROLES,
)


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
) -> int:
    """Add a person; ``unit_ids`` are the units they may edit besides those they lead."""
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
) -> int:
    """Add a unit (the company when it has no parent; there is only one company)."""
    name = v.text("name", name)
    description = v.text("description", description, required=False, max_length=v.MAX_TEXT)
    parent = _optional_row(db, "units", parent_id, "parent")
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


def update_unit(db: sqlite_utils.Database, unit_id: int, **changes: Any) -> None:
    """Change a unit's name, parent, lead or description; a unit cannot move below itself."""
    unit = _row(db, "units", unit_id, "unit")
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
    if "lead_id" in changes:
        lead = _optional_row(db, "people", changes["lead_id"], "lead")
        clean["lead_id"] = lead["id"] if lead else None
    if "parent_id" in changes:
        parent = _optional_row(db, "units", changes["parent_id"], "parent")
        if parent is None:
            if unit["parent_id"] is not None:
                raise ValidationError("parent", "is required: only the company unit has no parent.")
            clean["parent_id"] = None
        else:
            if parent["id"] == unit["id"] or unit["id"] in unit_ancestors(db, parent["id"]):
                raise ValidationError(
                    "parent", f"{parent['name']!r} is {unit['name']!r} or below it; a unit cannot be its own ancestor."
                )
            clean["parent_id"] = parent["id"]
    if "archived" in changes:
        clean["archived"] = int(bool(changes["archived"]))
    if clean:
        with transaction(db):
            db["units"].update(unit["id"], clean)


# --- cycles ------------------------------------------------------------------------------


def add_cycle(
    db: sqlite_utils.Database, name: str, start_date: Any, end_date: Any, state: str = "planning"
) -> int:
    """Add a cycle; it must end after it starts, and its name must be new."""
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


def set_cycle_state(db: sqlite_utils.Database, cycle_id: int, state: str) -> None:
    """Move a cycle to planning, active or closed."""
    cycle = _row(db, "cycles", cycle_id, "cycle")
    state = v.choice("state", state, CYCLE_STATES)
    with transaction(db):
        db["cycles"].update(cycle["id"], {"state": state})


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
) -> int:
    """Add an objective to a cycle that is not closed, optionally aligned to a parent's objective or key result."""
    cycle = _open_cycle(db, cycle_id)
    unit = _row(db, "units", unit_id, "unit")
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


def update_objective(db: sqlite_utils.Database, objective_id: int, **changes: Any) -> None:
    """Edit an objective of a cycle that is not closed; alignment is re-checked."""
    obj = _row(db, "objectives", objective_id, "objective")
    cycle = _open_cycle(db, obj["cycle_id"])
    unit = _row(db, "units", changes.get("unit_id", obj["unit_id"]), "unit")
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
        db["objectives"].update(obj["id"], clean)


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
) -> int:
    """Add a key result to an objective whose cycle is not closed."""
    obj = _row(db, "objectives", objective_id, "objective")
    _open_cycle(db, obj["cycle_id"])
    row = {"objective_id": obj["id"], "title": v.text("title", title)}
    row.update(_kr_fields(db, kr_type, baseline, target, unit_label, weight, owner_id, kpi_id, cadence_days))
    with transaction(db):
        return db["key_results"].insert(row).last_pk


# --- check-ins ---------------------------------------------------------------------------


def _checkin_fields(db, kr: dict, checkin_date: Any, value: Any, confidence: Any, note: Any) -> dict:
    obj = _row(db, "objectives", kr["objective_id"], "key_result")
    cycle = _open_cycle(db, obj["cycle_id"])
    day = v.date("date", checkin_date)
    start, end = dt.date.fromisoformat(cycle["start_date"]), dt.date.fromisoformat(cycle["end_date"])
    if not start <= day <= end:
        raise ValidationError("date", f"{day} is outside the cycle {cycle['name']} ({start} to {end}).")
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
) -> int:
    """Record a check-in: the key result's new value, a confidence 0–10 and a note.

    Refused when the date is outside the key result's cycle or the cycle is closed.
    """
    kr = _row(db, "key_results", kr_id, "key_result")
    row = _checkin_fields(db, kr, checkin_date, value, confidence, note)
    _optional_row(db, "people", author_id, "author")
    stamp = now_iso()
    row.update({"kr_id": kr["id"], "author_id": author_id, "created_at": stamp, "updated_at": stamp})
    with transaction(db):
        return db["checkins"].insert(row).last_pk


def _current_checkin(db, checkin_id: Any, expected_version: int | None) -> dict:
    checkin = _row(db, "checkins", checkin_id, "checkin")
    if checkin["deleted"]:
        raise ValidationError("checkin", "was deleted by someone else in the meantime.")
    if expected_version is not None and checkin["version"] != expected_version:
        raise ValidationError(
            "checkin",
            "was changed by someone else since you opened it; reload to see their change, then edit again.",
        )
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
    expected_version: int | None = None,
) -> None:
    """Correct a check-in, keeping the old values as a revision.

    ``expected_version`` is the version the editor saw; if someone saved in between, the edit
    is refused instead of overwriting their change.
    """
    with transaction(db):
        checkin = _current_checkin(db, checkin_id, expected_version)
        kr = _row(db, "key_results", checkin["kr_id"], "key_result")
        fields = _checkin_fields(db, kr, checkin_date or checkin["checkin_date"], value, confidence, note)
        _revision(db, checkin, "edit", changed_by, fields)
        fields.update({"updated_at": now_iso(), "version": checkin["version"] + 1})
        db["checkins"].update(checkin["id"], fields)


def delete_checkin(
    db: sqlite_utils.Database,
    checkin_id: int,
    *,
    changed_by: int | None = None,
    expected_version: int | None = None,
) -> None:
    """Withdraw a check-in; it stays in the database, marked deleted, with a revision saying who."""
    with transaction(db):
        checkin = _current_checkin(db, checkin_id, expected_version)
        kr = _row(db, "key_results", checkin["kr_id"], "key_result")
        _open_cycle(db, _row(db, "objectives", kr["objective_id"], "key_result")["cycle_id"])
        _revision(db, checkin, "delete", changed_by, None)
        db["checkins"].update(
            checkin["id"], {"deleted": 1, "updated_at": now_iso(), "version": checkin["version"] + 1}
        )


# --- KPIs --------------------------------------------------------------------------------


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
) -> int:
    """Add a KPI: a health measure of a unit, with a target and an optional warning threshold.

    For ``stay_above``/``increase`` the warning threshold sits at or above the target (warned
    before breaching); for ``stay_below``/``decrease`` at or below it.
    """
    unit = _row(db, "units", unit_id, "unit")
    target_type = v.choice("target_type", target_type, KPI_TARGET_TYPES)
    target_value = v.number("target", target)
    warning_value = v.number("warning", warning, required=False)
    if warning_value is not None:
        upward = target_type in ("stay_above", "increase")
        if upward and warning_value < target_value:
            raise ValidationError("warning", f"must be at or above the target {target_value:g} for {target_type}.")
        if not upward and warning_value > target_value:
            raise ValidationError("warning", f"must be at or below the target {target_value:g} for {target_type}.")
    row = {
        "unit_id": unit["id"],
        "name": v.text("name", name),
        "target_type": target_type,
        "target": target_value,
        "warning": warning_value,
        "frequency_days": v.integer("frequency_days", frequency_days, low=1, high=366),
        "unit_label": v.text("unit_label", unit_label, required=False, max_length=30),
        "description": v.text("description", description, required=False, max_length=v.MAX_TEXT),
    }
    with transaction(db):
        return db["kpis"].insert(row).last_pk


def add_kpi_reading(
    db: sqlite_utils.Database, kpi_id: int, reading_date: Any, value: Any, author_id: int | None = None
) -> int:
    """Record a KPI reading; a reading dated in the future is refused."""
    kpi = _row(db, "kpis", kpi_id, "kpi")
    day = v.date("date", reading_date)
    if day > dt.date.today() + dt.timedelta(days=1):
        raise ValidationError("date", f"{day} is in the future.")
    _optional_row(db, "people", author_id, "author")
    row = {
        "kpi_id": kpi["id"],
        "reading_date": day.isoformat(),
        "value": v.number("value", value),
        "author_id": author_id,
        "created_at": now_iso(),
    }
    with transaction(db):
        return db["kpi_readings"].insert(row).last_pk


# --- settings ----------------------------------------------------------------------------


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Store a deployment setting (``demo`` = ``"1"`` marks a database holding demo data)."""
    with transaction(db):
        db["settings"].upsert({"key": key, "value": str(value)}, pk="key")


def get_setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """A deployment setting, or ``default``."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default
