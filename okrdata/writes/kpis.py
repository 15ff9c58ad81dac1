"""Writes to KPIs: adding, editing and archiving one, and recording a reading."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.schema import (
    KPI_TARGET_TYPES,
    VERSIONED,
)
from okrdata.writes.actors import Actor, _author, _check_unit, _row, now_iso
from okrdata.writes.versions import _check_changes, _check_version, _save


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


KPI_FIELDS = VERSIONED["kpis"]
"""What an edit may change of a KPI: exactly the columns whose change moves its version, so that
no edit can slip past :func:`_check_version`."""


def update_kpi(
    db: sqlite_utils.Database,
    kpi_id: int,
    *,
    person: Actor,
    version: int,
    seen: Mapping | None = None,
    **changes: Any,
) -> None:
    """Edit a KPI (any of :data:`KPI_FIELDS`); the target type, target and warning are checked together.

    ``person`` must be allowed to change its unit (and the new unit, when it moves). ``version``
    is the KPI's version when the edit was read; ``seen`` the row as read (see
    :func:`read_for_edit`).
    """
    _check_changes("update_kpi", changes, KPI_FIELDS)
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


def archive_kpi(db: sqlite_utils.Database, kpi_id: int, *, person: Actor, version: int, archived: bool = True) -> None:
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
