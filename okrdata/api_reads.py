"""What the HTTP API answers, as plain dicts: the pages' figures, computed by the pages' functions.

Every figure here comes from :mod:`okrdata.queries` (which takes its rules from
:mod:`okrdata.numbers`), called as the pages call it, so the API and the dashboard never
disagree: progress, expected progress and pace are fractions (0.25 is 25 %; a pace of -0.1 is
ten points behind), status is one of ``on_track``, ``at_risk``, ``stale``, ``off_track``,
a KPI's health one of ``healthy``, ``warning``, ``breached``, ``no_data``.

Filters work as the sidebar's: ``cycle`` (an id or a name; default the current cycle, as the
pages choose it) and ``unit`` (an id or a name: that unit and every unit below it). Lists come
a page at a time (:func:`page`). Nothing here knows HTTP: :mod:`okrdata.api` turns what these
return, and the :class:`NotFound` and ValidationErrors they raise, into responses.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlite_utils

from okrdata import queries, writes
from okrdata.errors import ValidationError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class NotFound(ValidationError):
    """The thing a request names (by id, in its path) does not exist, or is archived: HTTP 404."""


# What each resource shows, in order: the API's name for a field -> the query's column.
CYCLE_FIELDS = {"id": "id", "name": "name", "start_date": "start_date", "end_date": "end_date", "state": "state"}
UNIT_FIELDS = {
    "id": "id",
    "name": "name",
    "parent_id": "parent_id",
    "kind": "kind",
    "path": "path",
    "depth": "depth",
    "lead_id": "lead_id",
    "lead_name": "lead_name",
    "description": "description",
    "objective_count": "objective_count",
    "progress": "progress",
    "expected": "expected",
    "pace": "pace",
    "status": "status",
}
OBJECTIVE_FIELDS = {
    "id": "objective_id",
    "cycle_id": "cycle_id",
    "unit_id": "unit_id",
    "unit_name": "unit_name",
    "title": "title",
    "description": "description",
    "owner_id": "owner_id",
    "owner_name": "owner_name",
    "kind": "kind",
    "weight": "weight",
    "parent_objective_id": "parent_objective_id",
    "parent_key_result_id": "parent_kr_id",
    "key_result_count": "kr_count",
    "progress": "progress",
    "expected": "expected",
    "pace": "pace",
    "status": "status",
    "forecast_score": "forecast_score",
    "score": "score",
    "score_reason": "score_reason",
    "reflection": "reflection",
}
KEY_RESULT_FIELDS = {
    "id": "kr_id",
    "objective_id": "objective_id",
    "objective_title": "objective_title",
    "unit_id": "unit_id",
    "unit_name": "unit_name",
    "cycle_id": "cycle_id",
    "title": "title",
    "type": "kr_type",
    "baseline": "baseline",
    "target": "target",
    "unit_label": "unit_label",
    "weight": "weight",
    "owner_id": "owner_id",
    "owner_name": "owner_name",
    "kpi_id": "kpi_id",
    "cadence_days": "cadence_days",
    "value": "value",
    "confidence": "confidence",
    "last_checkin_id": "checkin_id",
    "last_checkin_date": "last_checkin_date",
    "last_note": "note",
    "checkin_count": "checkin_count",
    "days_since_checkin": "days_since_checkin",
    "progress": "progress",
    "expected": "expected",
    "pace": "pace",
    "status": "status",
    "forecast_value": "forecast_value",
    "forecast_score": "forecast_score",
    "trending_off_track": "trending_off_track",
    "divergence": "divergence",
}
KPI_FIELDS = {
    "id": "kpi_id",
    "unit_id": "unit_id",
    "unit_name": "unit_name",
    "name": "name",
    "unit_label": "unit_label",
    "target_type": "target_type",
    "target": "target",
    "warning": "warning",
    "frequency_days": "frequency_days",
    "description": "description",
    "last_value": "last_value",
    "last_reading_date": "last_reading_date",
    "reading_count": "reading_count",
    "health": "health",
    "days_since_reading": "days_since_reading",
    "overdue": "overdue",
    "linked_key_result_ids": "linked_krs",
}
READING_FIELDS = {"kpi_id": "kpi_id", "date": "reading_date", "value": "value", "author_id": "author_id"}
CHECKIN_FIELDS = {
    "id": "checkin_id",
    "key_result_id": "kr_id",
    "date": "checkin_date",
    "value": "value",
    "confidence": "confidence",
    "note": "note",
    "author_id": "author_id",
    "author_name": "author_name",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "version": "version",
}


def _plain(value: Any) -> Any:
    """A value JSON can hold: None for every kind of missing, Python numbers for numpy's."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):  # a numpy scalar
        return _plain(value.item())
    return value


WHOLE = {"depth", "cadence_days", "frequency_days", "days_since_checkin", "days_since_reading", "version", "confidence"}
"""Fields that are whole numbers, though pandas holds them as floats in a column with gaps."""


def _is_whole(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_count")) or name in WHOLE


def _whole_number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def records(df: pd.DataFrame, fields: Mapping[str, str]) -> list[dict]:
    """The rows of ``df`` as dicts with the API's field names (``fields``: name -> column)."""
    if df.empty:
        return []
    names, columns = list(fields), list(fields.values())
    whole = [_is_whole(name) for name in names]
    return [
        {name: (_whole_number(v) if w else v) for name, w, v in zip(names, whole, map(_plain, row))}
        for row in df[columns].itertuples(index=False, name=None)
    ]


def paging(limit: Any = None, offset: Any = None) -> tuple[int, int]:
    """``limit`` (1 to :data:`MAX_LIMIT`, default :data:`DEFAULT_LIMIT`) and ``offset`` (from 0), checked."""
    return _whole("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT), _whole("offset", offset, 0, 0, None)


def page(rows: list[dict], limit: Any = None, offset: Any = None, **extra: Any) -> dict:
    """One page of ``rows``: ``{"data", "total", "limit", "offset"}`` (and ``extra``, such as the cycle used)."""
    size, start = paging(limit, offset)
    return {**extra, "data": rows[start : start + size], "total": len(rows), "limit": size, "offset": start}


def _whole(field: str, value: Any, default: int, low: int, high: int | None) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    text = str(value).strip()
    if not text.lstrip("-").isdigit():
        raise ValidationError(field, f"must be a whole number, not {text!r}.")
    number = int(text)
    if number < low or (high is not None and number > high):
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise ValidationError(field, f"must be {bounds}; got {number}.")
    return number


def _id(field: str, value: Any) -> int | None:
    text = str(value).strip().lstrip("#")
    return int(text) if text.isdigit() else None


def _named(db: sqlite_utils.Database, table: str, field: str, ref: Any) -> int:
    """The id of the row of ``table`` a filter names by id or by name (any case)."""
    key = _id(field, ref)
    if key is not None:
        row = db.execute(f"SELECT id FROM {table} WHERE id = ?", [key]).fetchone()
    else:
        row = db.execute(f"SELECT id FROM {table} WHERE name = ? COLLATE NOCASE", [str(ref).strip()]).fetchone()
    if row is None:
        raise ValidationError(field, f"there is no {field} {str(ref).strip()!r} (give its id or its name).")
    return row[0]


def cycle_id(db: sqlite_utils.Database, ref: Any = None, today: dt.date | None = None) -> int | None:
    """The cycle a ``cycle`` filter names (an id or a name, any case); the current cycle when not given.

    None when the database has no cycle at all.
    """
    if ref is None or not str(ref).strip():
        return queries.default_cycle_id(db, today)
    return _named(db, "cycles", "cycle", ref)


def unit_id(db: sqlite_utils.Database, ref: Any = None) -> int | None:
    """The unit a ``unit`` filter names (an id or a name, any case); None when not given (everything)."""
    if ref is None or not str(ref).strip():
        return None
    return _named(db, "units", "unit", ref)


def _path_id(field: str, value: Any, noun: str) -> int:
    key = _id(field, value)
    if key is None:
        raise NotFound(field, f"there is no {noun} with id {value!r}.")
    return key


# --- cycles and units --------------------------------------------------------------------


def cycles(db: sqlite_utils.Database, today: dt.date | None = None) -> list[dict]:
    """Every cycle, newest first, each marked ``current`` when it is the one the pages open on."""
    current = queries.default_cycle_id(db, today)
    rows = records(queries.cycles(db), CYCLE_FIELDS)
    for row in rows:
        row["current"] = row["id"] == current
    return rows


def cycle(db: sqlite_utils.Database, ref: Any, unit: Any = None, today: dt.date | None = None) -> dict:
    """One cycle with its headline figures (the Overview's) for the company, or a unit's branch."""
    key = _path_id("cycle", ref, "cycle")
    row = queries.cycle(db, key)
    if row is None:
        raise NotFound("cycle", f"there is no cycle with id {key}.")
    branch = unit_id(db, unit)
    summary = queries.cycle_summary(db, key, branch, today)
    out = {name: _plain(row[column]) for name, column in CYCLE_FIELDS.items()}
    out["current"] = key == queries.default_cycle_id(db, today)
    out["figures"] = {
        "unit_id": branch,
        "as_of": summary["as_of"].isoformat(),
        **{k: _plain(summary[k]) for k in ("progress", "expected", "pace", "days_left", "objective_count", "kr_count")},
        "status_counts": summary["status_counts"],
        "objective_status_counts": summary["objective_status_counts"],
    }
    out["figures"]["key_result_count"] = out["figures"].pop("kr_count")
    return out


def units(
    db: sqlite_utils.Database, cycle: Any = None, unit: Any = None, today: dt.date | None = None
) -> tuple[int | None, list[dict]]:
    """The unit tree (not archived) in outline order, each with its branch's figures for the cycle.

    Returns the cycle used and the rows; narrowed to a unit's branch when ``unit`` is given.
    """
    used = cycle_id(db, cycle, today)
    tree = queries.units(db)
    if used is None:
        figures = pd.DataFrame(columns=["unit_id", "objective_count", "progress", "expected", "pace", "status"])
    else:
        figures = queries.unit_progress(db, used, today)
    merged = tree.merge(
        figures[["unit_id", "objective_count", "progress", "expected", "pace", "status"]],
        left_on="id",
        right_on="unit_id",
        how="left",
    )
    branch = unit_id(db, unit)
    if branch is not None:
        merged = merged[merged["id"].isin(queries.subtree_ids(db, branch))]
    return used, records(merged, UNIT_FIELDS)


def unit(db: sqlite_utils.Database, ref: Any, cycle: Any = None, today: dt.date | None = None) -> dict:
    """One unit with its branch's figures for the cycle (archived units are not found)."""
    key = _path_id("unit", ref, "unit")
    used, rows = units(db, cycle, None, today)
    found = [r for r in rows if r["id"] == key]
    if not found:
        raise NotFound("unit", f"there is no unit with id {key}.")
    return {**found[0], "cycle_id": used}


# --- objectives and key results ------------------------------------------------------------


def objectives(
    db: sqlite_utils.Database, cycle: Any = None, unit: Any = None, today: dt.date | None = None
) -> tuple[int | None, list[dict]]:
    """A cycle's objectives (a unit's branch when given) with progress, pace, status, forecast and score."""
    used = cycle_id(db, cycle, today)
    if used is None:
        return None, []
    return used, records(queries.objectives(db, used, unit_id(db, unit), today), OBJECTIVE_FIELDS)


def _where(db: sqlite_utils.Database, table: str, key: int) -> dict | None:
    """The cycle of an objective or key result, and whether it is live (shown on the pages)."""
    if table == "objectives":
        sql = "SELECT o.id, o.cycle_id, o.state = 'active' AS live FROM objectives o WHERE o.id = ?"
    else:
        sql = (
            "SELECT kr.id, o.cycle_id, o.id AS objective_id, kr.archived = 0 AND o.state = 'active' AS live "
            "FROM key_results kr JOIN objectives o ON o.id = kr.objective_id WHERE kr.id = ?"
        )
    rows = list(db.query(sql, [key]))
    return rows[0] if rows and rows[0]["live"] else None


def objective(db: sqlite_utils.Database, ref: Any, today: dt.date | None = None) -> dict:
    """One objective with its figures and its key results' (archived ones are not found)."""
    key = _path_id("objective", ref, "objective")
    found = _where(db, "objectives", key)
    if found is None:
        raise NotFound("objective", f"there is no objective with id {key}.")
    krs = queries.key_results(db, found["cycle_id"], None, today, objective_ids=[key])
    row = queries.objectives(db, found["cycle_id"], None, today, krs=krs)
    row = row[row["objective_id"] == key]
    return {**records(row, OBJECTIVE_FIELDS)[0], "key_results": records(krs, KEY_RESULT_FIELDS)}


def key_results(
    db: sqlite_utils.Database, cycle: Any = None, unit: Any = None, objective: Any = None, today: dt.date | None = None
) -> tuple[int | None, list[dict]]:
    """A cycle's key results (a unit's branch, or one objective's) with every figure the pages show."""
    used = cycle_id(db, cycle, today)
    if used is None:
        return None, []
    wanted = None
    if objective is not None and str(objective).strip():
        key = _id("objective", objective)
        if key is None:
            raise ValidationError("objective", f"must be an objective's id, not {objective!r}.")
        wanted = [key]
    return used, records(
        queries.key_results(db, used, unit_id(db, unit), today, objective_ids=wanted), KEY_RESULT_FIELDS
    )


def _live_key_result(db: sqlite_utils.Database, ref: Any) -> dict:
    key = _path_id("key_result", ref, "key result")
    found = _where(db, "key_results", key)
    if found is None:
        raise NotFound("key_result", f"there is no key result with id {key}.")
    return found


def key_result(db: sqlite_utils.Database, ref: Any, today: dt.date | None = None) -> dict:
    """One key result with its figures (archived ones, or those of archived objectives, are not found)."""
    found = _live_key_result(db, ref)
    krs = queries.key_results(db, found["cycle_id"], None, today, objective_ids=[found["objective_id"]])
    return records(krs[krs["kr_id"] == found["id"]], KEY_RESULT_FIELDS)[0]


def checkins(db: sqlite_utils.Database, ref: Any) -> list[dict]:
    """A key result's check-ins (not withdrawn), oldest first."""
    found = _live_key_result(db, ref)
    return records(queries.checkin_history(db, found["cycle_id"], kr_ids=[found["id"]]), CHECKIN_FIELDS)


# --- KPIs ----------------------------------------------------------------------------------


def kpis(db: sqlite_utils.Database, unit: Any = None, today: dt.date | None = None) -> list[dict]:
    """The KPIs (not archived) of a unit's branch, or all, with the latest reading, health and lateness."""
    return records(queries.kpis(db, unit_id(db, unit), today), KPI_FIELDS)


def _live_kpi(db: sqlite_utils.Database, ref: Any) -> tuple[int, int]:
    """A KPI's id and its unit's; NotFound when there is none or it is archived."""
    key = _path_id("kpi", ref, "KPI")
    row = db.execute("SELECT unit_id FROM kpis WHERE id = ? AND archived = 0", [key]).fetchone()
    if row is None:
        raise NotFound("kpi", f"there is no KPI with id {key}.")
    return key, row[0]


def kpi(db: sqlite_utils.Database, ref: Any, today: dt.date | None = None) -> dict:
    """One KPI (archived ones are not found)."""
    key, unit_key = _live_kpi(db, ref)
    return next(r for r in kpis(db, unit_key, today) if r["id"] == key)


def readings(db: sqlite_utils.Database, ref: Any, since: Any = None) -> list[dict]:
    """A KPI's readings, oldest first, from the day ``since`` (YYYY-MM-DD) when given."""
    key, _ = _live_kpi(db, ref)
    start = None
    if since is not None and str(since).strip():
        from okrdata import validate

        start = validate.date("since", str(since).strip())
    return records(queries.kpi_readings(db, [key], start), READING_FIELDS)


# --- writes ----------------------------------------------------------------------------------

CHECKIN_BODY = ("value", "confidence", "note", "date")
READING_BODY = ("value", "date")


def _body(body: Any, allowed: tuple[str, ...], what: str) -> dict:
    if not isinstance(body, dict):
        raise ValidationError("body", f"must be a JSON object with {', '.join(allowed)}.")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ValidationError(unknown[0], f"is not a field of {what}; send {', '.join(allowed)}.")
    return body


def add_checkin(db: sqlite_utils.Database, ref: Any, body: Any, *, person: dict, today: dt.date | None = None) -> dict:
    """Record a check-in on a key result as ``person``, as the Check-in page does (same checks,
    one transaction); return it, with the key result's new figures."""
    key = _live_key_result(db, ref)["id"]
    fields = _body(body, CHECKIN_BODY, "a check-in")
    entry = {
        "kr_id": key,
        "value": fields.get("value"),
        "confidence": fields.get("confidence"),
        "note": fields.get("note") or "",
        "checkin_date": fields.get("date") or (today or dt.date.today()),
    }
    try:
        (new_id,) = writes.add_checkins(db, [entry], person=person)
    except ValidationError as error:  # the batch names the key result; here it is the URL's
        raise ValidationError(error.field, error.message) from None
    saved = db.execute(
        """
        SELECT c.id, c.kr_id, c.checkin_date, c.value, c.confidence, c.note, c.author_id, p.name,
               c.created_at, c.updated_at, c.version
        FROM checkins c LEFT JOIN people p ON p.id = c.author_id WHERE c.id = ?
        """,
        [new_id],
    ).fetchone()
    return {**dict(zip(CHECKIN_FIELDS, saved)), "key_result": key_result(db, key, today)}


def add_reading(db: sqlite_utils.Database, ref: Any, body: Any, *, person: dict, today: dt.date | None = None) -> dict:
    """Record a KPI reading as ``person``, as the Manage page does; return it, with the KPI's new figures."""
    key, _ = _live_kpi(db, ref)
    fields = _body(body, READING_BODY, "a KPI reading")
    when = fields.get("date") or (today or dt.date.today())
    new_id = writes.add_kpi_reading(db, key, when, fields.get("value"), person=person)
    row = dict(
        next(
            iter(
                db.query(
                    "SELECT id, kpi_id, reading_date AS date, value, author_id FROM kpi_readings WHERE id = ?", [new_id]
                )
            )
        )
    )
    return {**row, "kpi": kpi(db, key, today)}
