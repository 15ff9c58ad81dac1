"""KPIs with their latest reading, health and whether a reading is overdue, and their readings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlite_utils

from okrdata import numbers as n
from okrdata.queries.frames import _day, _frame
from okrdata.queries.organisation import subtree_ids

KPI_COLUMNS = [
    "kpi_id",
    "unit_id",
    "unit_name",
    "name",
    "unit_label",
    "target_type",
    "target",
    "warning",
    "frequency_days",
    "description",
    "last_value",
    "last_reading_date",
    "reading_count",
    "health",
    "days_since_reading",
    "overdue",
    "linked_krs",
]


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def kpi_health(target_type: str, target: float, warning: float | None, value: float | None) -> str:
    """A KPI's health from its latest reading: ``healthy``, ``warning``, ``breached`` or ``no_data``.

    For stay above / increase to, a value below the target is breached and one below the
    warning threshold (which sits above the target) is a warning; mirrored for stay below /
    decrease to.
    """
    if value is None:
        return "no_data"
    upward = target_type in ("stay_above", "increase")
    if upward:
        if value < target:
            return "breached"
        if warning is not None and value < warning:
            return "warning"
    else:
        if value > target:
            return "breached"
        if warning is not None and value > warning:
            return "warning"
    return "healthy"


def kpis(db: sqlite_utils.Database, unit_id: int | None = None, today: dt.date | None = None) -> pd.DataFrame:
    """The KPIs of a unit's branch (or all), each with its latest reading, health and whether it is overdue.

    A KPI is overdue when its last reading is older than its expected frequency plus the grace
    period (or it has none).
    """
    today = today or dt.date.today()
    scope = ""
    params: list = []
    if unit_id is not None:
        ids = subtree_ids(db, unit_id) or [-1]
        scope = f" AND k.unit_id IN ({', '.join('?' * len(ids))})"
        params = ids
    df = _frame(
        db,
        f"""
        SELECT k.id AS kpi_id, k.unit_id, u.name AS unit_name, k.name, k.unit_label, k.target_type,
               k.target, k.warning, k.frequency_days, k.description,
               r.value AS last_value, r.reading_date AS last_reading_date,
               (SELECT count(*) FROM kpi_readings r3 WHERE r3.kpi_id = k.id) AS reading_count,
               (SELECT group_concat(kr.id) FROM key_results kr WHERE kr.kpi_id = k.id AND kr.archived = 0) AS linked_krs
        FROM kpis k
        JOIN units u ON u.id = k.unit_id
        LEFT JOIN kpi_readings r ON r.id = (
            SELECT r2.id FROM kpi_readings r2 WHERE r2.kpi_id = k.id
            ORDER BY r2.reading_date DESC, r2.id DESC LIMIT 1
        )
        WHERE k.archived = 0 {scope}
        ORDER BY u.name, k.name
        """,
        params,
    )
    if df.empty:
        return pd.DataFrame(columns=KPI_COLUMNS)
    health, since, overdue = [], [], []
    for r in df.to_dict("records"):
        value = _num(r["last_value"])
        health.append(kpi_health(r["target_type"], r["target"], _num(r["warning"]), value))
        if value is None:
            since.append(None)
            overdue.append(True)
        else:
            days = (today - _day(r["last_reading_date"])).days
            since.append(days)
            overdue.append(n.gap(days, int(r["frequency_days"]) + n.GRACE_DAYS) > 0)
    df["health"], df["days_since_reading"], df["overdue"] = health, since, overdue
    df["linked_krs"] = [
        [] if not isinstance(x, str) or not x else [int(i) for i in x.split(",")] for x in df["linked_krs"]
    ]
    return df[KPI_COLUMNS]


def kpi_readings(db: sqlite_utils.Database, kpi_ids: Sequence[int], since: dt.date | None = None) -> pd.DataFrame:
    """Readings of some KPIs, oldest first, optionally from a date on."""
    ids = [int(i) for i in kpi_ids] or [-1]
    params: list = list(ids)
    extra = ""
    if since is not None:
        extra = " AND reading_date >= ?"
        params.append(since.isoformat())
    return _frame(
        db,
        f"""
        SELECT kpi_id, reading_date, value, author_id FROM kpi_readings
        WHERE kpi_id IN ({", ".join("?" * len(ids))}) {extra}
        ORDER BY kpi_id, reading_date, id
        """,
        params,
        columns=["kpi_id", "reading_date", "value", "author_id"],
    )
