"""Key results with every figure a page shows (progress, pace, status, staleness, forecast,
divergence), their labels for pickers, and the check-in history of a cycle.

The latest check-in of each key result is picked by SQLite through the
``(kr_id, deleted, checkin_date, id)`` index, and the forecast's sums are gathered by SQLite
too, rather than by loading every check-in; the numbers come from :mod:`okrdata.numbers`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlite_utils

from okrdata import numbers as n
from okrdata.queries.frames import _day, _frame
from okrdata.queries.organisation import _scope, as_of, cycle

KR_COLUMNS = [
    "kr_id",
    "objective_id",
    "objective_title",
    "objective_kind",
    "unit_id",
    "unit_name",
    "cycle_id",
    "title",
    "kr_type",
    "baseline",
    "target",
    "unit_label",
    "weight",
    "owner_id",
    "owner_name",
    "kpi_id",
    "cadence_days",
    "checkin_id",
    "value",
    "confidence",
    "last_checkin_date",
    "note",
    "checkin_version",
    "checkin_count",
    "progress",
    "expected",
    "pace",
    "status",
    "days_since_checkin",
    "forecast_value",
    "forecast_score",
    "trending_off_track",
    "divergence",
]


def checkin_history(
    db: sqlite_utils.Database,
    cycle_id: int,
    unit_id: int | None = None,
    kr_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Every check-in (not deleted) of a cycle's key results, oldest first, with author names.

    Narrowed to a unit's branch and/or some key results when given.
    """
    scope_sql, params = _scope(db, unit_id)
    if kr_ids is not None:
        ids = [int(i) for i in kr_ids] or [-1]
        scope_sql += f" AND kr.id IN ({', '.join('?' * len(ids))})"
        params = params + ids
    return _frame(
        db,
        f"""
        SELECT c.id AS checkin_id, c.kr_id, kr.title AS kr_title, kr.objective_id, o.unit_id,
               c.checkin_date, c.value, c.confidence, c.note, c.author_id, p.name AS author_name,
               c.created_at, c.updated_at, c.version
        FROM checkins c
        JOIN key_results kr ON kr.id = c.kr_id
        JOIN objectives o ON o.id = kr.objective_id
        LEFT JOIN people p ON p.id = c.author_id
        WHERE o.cycle_id = ? AND c.deleted = 0 {scope_sql}
        ORDER BY c.kr_id, c.checkin_date, c.id
        """,
        [cycle_id] + params,
        columns=[
            "checkin_id",
            "kr_id",
            "kr_title",
            "objective_id",
            "unit_id",
            "checkin_date",
            "value",
            "confidence",
            "note",
            "author_id",
            "author_name",
            "created_at",
            "updated_at",
            "version",
        ],
    )


def key_results(
    db: sqlite_utils.Database,
    cycle_id: int,
    unit_id: int | None = None,
    today: dt.date | None = None,
    limit: int | None = None,
    objective_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The key results of a cycle (a unit's branch when given) with every computed figure.

    One row per key result: its objective and unit, latest check-in (value, confidence, date,
    note), progress, expected progress and pace, status (with staleness), forecast and
    divergence. Archived objectives and key results are left out. Ordered by unit name,
    objective and key result; with ``limit``, only the first ``limit`` of them, and the
    check-ins of the rest are not read (:func:`key_result_labels` lists them all). With
    ``objective_ids``, only the key results of those objectives.
    """
    cyc = cycle(db, cycle_id)
    if cyc is None:
        return pd.DataFrame(columns=KR_COLUMNS)
    scope_sql, params = _scope(db, unit_id)
    if objective_ids is not None:
        wanted = [int(i) for i in objective_ids] or [-1]
        scope_sql += f" AND o.id IN ({', '.join('?' * len(wanted))})"
        params = params + wanted
    df = _frame(
        db,
        f"""
        SELECT kr.id AS kr_id, kr.objective_id, o.title AS objective_title, o.kind AS objective_kind,
               o.unit_id, u.name AS unit_name, o.cycle_id, kr.title, kr.kr_type, kr.baseline, kr.target,
               kr.unit_label, kr.weight, kr.owner_id, p.name AS owner_name, kr.kpi_id, kr.cadence_days,
               c.id AS checkin_id, c.value, c.confidence, c.checkin_date AS last_checkin_date, c.note,
               c.version AS checkin_version
        FROM key_results kr
        JOIN objectives o ON o.id = kr.objective_id
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN people p ON p.id = kr.owner_id
        LEFT JOIN checkins c ON c.id = (
            SELECT c2.id FROM checkins c2
            WHERE c2.kr_id = kr.id AND c2.deleted = 0
            ORDER BY c2.checkin_date DESC, c2.id DESC LIMIT 1
        )
        WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 {scope_sql}
        ORDER BY u.name, o.id, kr.id
        {"" if limit is None else "LIMIT ?"}
        """,
        [cycle_id] + params + ([] if limit is None else [max(int(limit), 0)]),
    )
    if df.empty:
        return pd.DataFrame(columns=KR_COLUMNS)
    if limit is None and objective_ids is None:
        from_sql = "FROM objectives o JOIN key_results kr ON kr.objective_id = o.id"
        where_sql = f"o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 {scope_sql}"
        krs_params = [cycle_id] + params
    else:  # the rows kept, by id: SQLite then starts from them, not from every objective of the cycle
        krs_params = [int(i) for i in df["kr_id"]]
        from_sql, where_sql = "FROM key_results kr", f"kr.id IN ({', '.join('?' * len(krs_params))})"
    sums, recent = _checkin_stats(db, from_sql, where_sql, krs_params, cyc["start_date"])
    return _with_figures(df, sums, recent, cyc, today)


def key_result_labels(db: sqlite_utils.Database, cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """The key results :func:`key_results` lists, in its order, without figures: kr_id, title,
    unit_name, unit_label and objective_id, for pickers and counts (no check-in is read)."""
    scope_sql, params = _scope(db, unit_id)
    return _frame(
        db,
        f"""
        SELECT kr.id AS kr_id, kr.title, u.name AS unit_name, kr.unit_label, kr.objective_id
        FROM key_results kr
        JOIN objectives o ON o.id = kr.objective_id
        JOIN units u ON u.id = o.unit_id
        WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 {scope_sql}
        ORDER BY u.name, o.id, kr.id
        """,
        [cycle_id] + params,
        columns=["kr_id", "title", "unit_name", "unit_label", "objective_id"],
    )


def _checkin_stats(
    db: sqlite_utils.Database, from_sql: str, where_sql: str, params: list, cycle_start: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the forecast and divergence need, computed by SQLite rather than by loading every check-in.

    ``from_sql`` and ``where_sql`` pick the key results, named ``kr`` (``params``: the values
    of ``where_sql``). ``sums``: per key result the count and the sums of x (days since ``cycle_start``),
    y (value), x² and xy, from which the least-squares line follows. ``recent``: the last
    :data:`numbers.DIVERGENCE_RUN` check-ins of each key result.
    """
    sums = _frame(
        db,
        f"""
        SELECT kr_id, COUNT(*) AS cnt, SUM(x) AS sx, SUM(value) AS sy, SUM(x * x) AS sxx, SUM(x * value) AS sxy
        FROM (
            SELECT c.kr_id, c.value, julianday(c.checkin_date) - julianday(?) AS x
            {from_sql} JOIN checkins c ON c.kr_id = kr.id AND c.deleted = 0
            WHERE {where_sql}
        )
        GROUP BY kr_id
        """,
        [cycle_start] + params,
        columns=["kr_id", "cnt", "sx", "sy", "sxx", "sxy"],
    )
    # Each key result's last check-ins picked through the (kr_id, deleted, checkin_date, id)
    # index: a window over every check-in of the cycle costs four times as much.
    recent = _frame(
        db,
        f"""
        SELECT c.kr_id, c.checkin_date, c.value, c.confidence
        {from_sql}
        JOIN checkins c ON c.id IN (
            SELECT c2.id FROM checkins c2
            WHERE c2.kr_id = kr.id AND c2.deleted = 0
            ORDER BY c2.checkin_date DESC, c2.id DESC LIMIT {n.DIVERGENCE_RUN}
        )
        WHERE {where_sql}
        ORDER BY c.kr_id, c.checkin_date, c.id
        """,
        params,
        columns=["kr_id", "checkin_date", "value", "confidence"],
    )
    return sums, recent


def _with_figures(
    df: pd.DataFrame, sums: pd.DataFrame, recent: pd.DataFrame, cyc: dict, today: dt.date | None
) -> pd.DataFrame:
    """Add progress, pace, status, forecast and divergence to the key results, column-wise."""
    start, end = _day(cyc["start_date"]), _day(cyc["end_date"])
    on = as_of(cyc, today)
    length = max((end - start).days, 1)
    expected = n.expected_progress(start, end, on)
    df = df.copy()
    for column in ("value", "confidence", "baseline", "target", "weight"):
        if df[column].dtype != np.float64:
            df[column] = pd.to_numeric(df[column], errors="coerce").astype(float)
    last = pd.to_datetime(df["last_checkin_date"], errors="coerce")
    df["days_since_checkin"] = (pd.Timestamp(on) - last).dt.days.astype(float)
    df["progress"] = n.progress_array(df["kr_type"], df["baseline"], df["target"], df["value"])
    df["expected"] = expected
    df["pace"] = df["progress"] - expected
    df["status"] = n.status_array(df["confidence"], df["days_since_checkin"], df["cadence_days"])
    df["checkin_count"] = 0
    df["forecast_value"] = np.nan
    df["forecast_score"] = np.nan
    df["divergence"] = None
    if not sums.empty:
        # The least-squares line numbers.forecast fits, from the sums SQLite gathered.
        sums = sums.set_index("kr_id").astype(float)
        count = sums["cnt"]
        mean_x, mean_y = sums["sx"] / count, sums["sy"] / count
        sxx = sums["sxx"] - count * mean_x * mean_x
        sxy = sums["sxy"] - count * mean_x * mean_y
        fits = (count >= n.FORECAST_MIN_CHECKINS) & (sxx > 1e-9)
        with np.errstate(divide="ignore", invalid="ignore"):
            projected = mean_y + (sxy / sxx) * (length - mean_x)
        df["checkin_count"] = df["kr_id"].map(count).fillna(0).astype(int)
        df["forecast_value"] = df["kr_id"].map(projected.where(fits)).astype(float)
        df["forecast_score"] = np.where(
            df["forecast_value"].notna(),
            n.progress_array(df["kr_type"], df["baseline"], df["target"], df["forecast_value"]),
            np.nan,
        )
    if not recent.empty:
        # Divergence: the last two check-ins of a key result tell the same contradiction.
        # Column-wise over the check-ins of the listed key results (a row's key result by position).
        rows = pd.Index(df["kr_id"]).get_indexer(recent["kr_id"])
        mine = rows >= 0
        tail, rows = recent[mine], rows[mine]
        days = (pd.to_datetime(tail["checkin_date"]) - pd.Timestamp(start)).dt.days.to_numpy(dtype=float)
        pace = n.progress_array(
            df["kr_type"].to_numpy(dtype=object)[rows],
            df["baseline"].to_numpy(dtype=float)[rows],
            df["target"].to_numpy(dtype=float)[rows],
            tail["value"],
        ) - np.clip(days / length, 0.0, 1.0)
        kinds, names = pd.factorize(pd.Series(n.divergence_array(tail["confidence"], pace), dtype=object))
        # A full run of the same flag: as many check-ins as the run, all flagged, all alike.
        size = np.bincount(rows, minlength=len(df))
        flagged = np.bincount(rows[kinds >= 0], minlength=len(df))
        lowest = np.full(len(df), len(names))
        highest = np.full(len(df), -1)
        np.minimum.at(lowest, rows, np.where(kinds >= 0, kinds, len(names)))
        np.maximum.at(highest, rows, kinds)
        full = (size == n.DIVERGENCE_RUN) & (flagged == n.DIVERGENCE_RUN) & (lowest == highest)
        divergence = np.full(len(df), None, dtype=object)
        divergence[full] = np.asarray(names, dtype=object)[lowest[full]]
        df["divergence"] = pd.Series(divergence, index=df.index, dtype=object)
    # Trending off track: the forecast score, once rounded, in the red band (below 0.4).
    df["trending_off_track"] = n.score_colour_array(df["forecast_score"].to_numpy(dtype=float)) == "red"
    return df[KR_COLUMNS].reset_index(drop=True)
