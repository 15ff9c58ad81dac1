"""What changed and who changed it: check-in revisions and moved goalposts.

Two records are kept so that nothing changes silently:

- ``checkin_revisions``: every correction or withdrawal of a check-in, with the values before
  and after (:func:`okrdata.writes.edit_checkin`, :func:`okrdata.writes.delete_checkin`);
- ``key_result_changes``: every change to a key result's type, baseline or target made after
  its cycle started (:func:`okrdata.writes.update_key_result`).

The functions here read them back for the pages (as DataFrames, newest first) and put a
change into words (:func:`describe_revision`, :func:`describe_goalpost_change`), so every page
tells the story the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlite_utils

from okrdata import wording

REVISION_COLUMNS = [
    "revision_id",
    "checkin_id",
    "kr_id",
    "kr_title",
    "action",
    "changed_by",
    "changed_by_name",
    "changed_at",
    "before",
    "after",
    "checkin_deleted",
    "author_name",
]
GOALPOST_COLUMNS = [
    "change_id",
    "kr_id",
    "kr_title",
    "field",
    "before",
    "after",
    "changed_by",
    "changed_by_name",
    "changed_at",
    "reason",
]
FIELD_WORDS = {
    "checkin_date": "date",
    "value": "value",
    "confidence": "confidence",
    "note": "note",
    "kr_type": "type",
    "baseline": "baseline",
    "target": "target",
}


def _ids(values: Sequence[Any] | None) -> list[int]:
    return [int(i) for i in (values or [])] or [-1]


def _marks(ids: list[int]) -> str:
    return ", ".join("?" * len(ids))


def checkin_revisions(db: sqlite_utils.Database, kr_ids: Sequence[int]) -> pd.DataFrame:
    """Every revision of the check-ins of some key results (deleted check-ins included), newest first.

    ``before`` and ``after`` are dicts (date, value, confidence, note); ``after`` is None for a
    withdrawal (action ``delete``).
    """
    ids = _ids(kr_ids)
    rows = list(
        db.query(
            f"""
            SELECT r.id AS revision_id, r.checkin_id, c.kr_id, kr.title AS kr_title, r.action, r.changed_by,
                   p.name AS changed_by_name, r.changed_at, r.before, r.after, c.deleted AS checkin_deleted,
                   a.name AS author_name
            FROM checkin_revisions r
            JOIN checkins c ON c.id = r.checkin_id
            JOIN key_results kr ON kr.id = c.kr_id
            LEFT JOIN people p ON p.id = r.changed_by
            LEFT JOIN people a ON a.id = c.author_id
            WHERE c.kr_id IN ({_marks(ids)})
            ORDER BY r.changed_at DESC, r.id DESC
            """,
            ids,
        )
    )
    for row in rows:
        row["before"] = json.loads(row["before"]) if row["before"] else {}
        row["after"] = json.loads(row["after"]) if row["after"] else None
        row["checkin_deleted"] = bool(row["checkin_deleted"])
    return pd.DataFrame(rows, columns=REVISION_COLUMNS)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return wording.number(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    return str(value)


def describe_revision(action: str, before: dict, after: dict | None) -> str:
    """A revision in words: ``"value 20 → 25; confidence 7 → 6"``, or ``"withdrew (value 20, ...)"``.

    Only the fields that changed are named; an edit that changed nothing says so.
    """
    if action == "delete" or after is None:
        kept = ", ".join(
            f"{FIELD_WORDS.get(k, k)} {_show(before.get(k))}" for k in ("checkin_date", "value", "confidence")
        )
        return f"withdrew the check-in ({kept})"
    parts = [
        f"{FIELD_WORDS.get(k, k)} {_show(before.get(k))} → {_show(after.get(k))}"
        for k in ("checkin_date", "value", "confidence", "note")
        if before.get(k) != after.get(k)
    ]
    return "; ".join(parts) if parts else "saved without changes"


def goalpost_changes(db: sqlite_utils.Database, kr_ids: Sequence[int]) -> pd.DataFrame:
    """The recorded goalpost changes of some key results (type, baseline, target after the cycle
    started; see :func:`okrdata.writes.update_key_result`), newest first, with who and why."""
    ids = _ids(kr_ids)
    rows = list(
        db.query(
            f"""
            SELECT g.id AS change_id, g.kr_id, kr.title AS kr_title, g.field, g.before, g.after, g.changed_by,
                   p.name AS changed_by_name, g.changed_at, g.reason
            FROM key_result_changes g
            JOIN key_results kr ON kr.id = g.kr_id
            LEFT JOIN people p ON p.id = g.changed_by
            WHERE g.kr_id IN ({_marks(ids)})
            ORDER BY g.changed_at DESC, g.id DESC
            """,
            ids,
        )
    )
    return pd.DataFrame(rows, columns=GOALPOST_COLUMNS)


def moved_goalposts(db: sqlite_utils.Database, kr_ids: Sequence[int]) -> dict[int, bool]:
    """``{kr_id: moved}`` for every id given: True when its type, baseline or target changed
    after its cycle started (the ``moved`` flag the pages show beside a key result)."""
    ids = _ids(kr_ids)
    moved = {
        r[0]
        for r in db.execute(
            f"SELECT DISTINCT kr_id FROM key_result_changes WHERE kr_id IN ({_marks(ids)})", ids
        ).fetchall()
    }
    return {int(i): int(i) in moved for i in (kr_ids or [])}


def with_moved_flag(db: sqlite_utils.Database, krs: pd.DataFrame) -> pd.DataFrame:
    """A copy of a key-results frame (with a ``kr_id`` column, e.g. :func:`okrdata.queries.key_results`)
    with a boolean ``moved`` column added."""
    out = krs.copy()
    flags = moved_goalposts(db, list(out["kr_id"])) if not out.empty else {}
    out["moved"] = [flags.get(int(i), False) for i in out["kr_id"]] if not out.empty else pd.Series(dtype=bool)
    return out


def describe_goalpost_change(field: str, before: Any, after: Any) -> str:
    """A goalpost change in words: ``"target 100 → 120"``, ``"type increase → stay_above"``."""

    def plain(value: Any) -> str:
        return str(value).replace("_", " ") if isinstance(value, str) else _show(value)

    return f"{FIELD_WORDS.get(field, field)} {plain(before)} → {plain(after)}"
