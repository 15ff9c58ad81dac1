"""Writes to key results: the check of a goal for its type (:func:`check_kr_goal`),
adding, editing (goalposts moved after the cycle started are recorded) and archiving one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata import wording
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.lookups import cycle_started
from okrdata.schema import (
    KR_TYPES,
    VERSIONED,
)
from okrdata.writes.actors import Actor, _check_unit, _optional_row, _row, now_iso
from okrdata.writes.cycles import _open_cycle
from okrdata.writes.versions import _check_changes, _check_version, _save


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


KR_FIELDS = tuple(c for c in VERSIONED["key_results"] if c != "objective_id")
"""What an edit may change of a key result (besides moving it to another objective): exactly the
columns whose change moves its version, so that no edit can slip past :func:`_check_version`."""


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
    _check_changes("update_key_result", changes, (*KR_FIELDS, "objective_id"))
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
        db,
        merged["kr_type"],
        merged["baseline"],
        merged["target"],
        merged["unit_label"],
        merged["weight"],
        merged["owner_id"],
        merged["kpi_id"],
        merged["cadence_days"],
    )
    for key in fields:
        if key in changes or (key in ("baseline", "target") and "kr_type" in changes):
            clean[key] = fields[key]
    if "archived" in changes:
        clean["archived"] = int(bool(changes["archived"]))
        if clean["archived"] and not kr["archived"]:
            aligned = [
                r[0]
                for r in db.execute(
                    "SELECT title FROM objectives WHERE parent_kr_id = ? AND state = 'active' ORDER BY id", [kr["id"]]
                ).fetchall()
            ]
            if aligned:
                raise ValidationError(
                    "archived",
                    f"{wording.plural(len(aligned), 'objective')} align to this key result "
                    f"({', '.join(repr(t) for t in aligned[:3])}); re-align them first.",
                )
    new_type = clean.get("kr_type", kr["kr_type"])
    if new_type == "milestone" and kr["kr_type"] != "milestone":
        outside = db.execute(
            "SELECT count(*) FROM checkins WHERE kr_id = ? AND deleted = 0 AND (value < 0 OR value > 1)", [kr["id"]]
        ).fetchone()[0]
        if outside:
            raise ValidationError(
                "type",
                f"{wording.plural(outside, 'check-in value')} lie outside 0 to 1, "
                "which a milestone cannot hold; correct them first.",
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
