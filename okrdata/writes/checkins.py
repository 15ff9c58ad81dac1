"""Writes to check-ins: one, a batch all or nothing (:func:`add_checkins`, checked
first by :func:`check_checkins`), editing and deleting one with its revision kept."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.writes.actors import Actor, _author, _check_unit, _row, _wake_notifications, now_iso
from okrdata.writes.cycles import _open_cycle
from okrdata.writes.versions import _check_version, _save


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


def _batch_row(db, index: int, entry: Any, seen: set[int], person: Actor) -> dict:
    """One entry of :func:`add_checkins`, checked and cleaned; errors carry the key result's title."""
    if not isinstance(entry, dict):
        raise ValidationError(
            "key_result", "each entry must be a mapping with kr_id, value and confidence.", where=f"entry {index + 1}"
        )
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
        row = _checkin_fields(
            db,
            kr,
            entry.get("checkin_date") or dt.date.today(),
            entry.get("value"),
            entry.get("confidence"),
            entry.get("note", ""),
        )
    except ValidationError as error:
        raise ValidationError(error.field, error.message, where=kr["title"]) from None
    seen.add(kr["id"])
    row["kr_id"] = kr["id"]
    return row


def check_checkins(db: sqlite_utils.Database, entries: list[dict], *, person: Actor) -> list[ValidationError]:
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
