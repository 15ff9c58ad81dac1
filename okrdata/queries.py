"""The read side: every query a page needs, returning pandas DataFrames.

Each query is bounded by what a page shows (one cycle, one unit's branch, some key results),
never by the whole history, and filters on indexed columns; the latest check-in of each key
result is picked by SQLite through the ``(kr_id, deleted, checkin_date, id)`` index rather
than by loading every check-in. The numbers themselves come from :mod:`okrdata.numbers`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from okrdata import numbers as n

UNIT_COLUMNS = ["id", "name", "parent_id", "lead_id", "lead_name", "description", "depth", "path", "kind"]
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
OBJECTIVE_COLUMNS = [
    "objective_id",
    "cycle_id",
    "unit_id",
    "unit_name",
    "title",
    "description",
    "owner_id",
    "owner_name",
    "kind",
    "weight",
    "parent_objective_id",
    "parent_kr_id",
    "parent_title",
    "score_override",
    "score_reason",
    "reflection",
    "kr_count",
    "progress",
    "expected",
    "pace",
    "status",
    "forecast_score",
    "score",
]


def _frame(
    db: sqlite_utils.Database, sql: str, params: Sequence | dict = (), columns: list[str] | None = None
) -> pd.DataFrame:
    cursor = db.execute(sql, list(params) if not isinstance(params, dict) else params)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return pd.DataFrame(columns=columns or names)
    return pd.DataFrame.from_records(rows, columns=names)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# --- cycles, units, people ---------------------------------------------------------------


def cycles(db: sqlite_utils.Database) -> pd.DataFrame:
    """All cycles, newest first: id, name, start_date, end_date, state."""
    return _frame(
        db,
        "SELECT id, name, start_date, end_date, state FROM cycles ORDER BY start_date DESC, id DESC",
        columns=["id", "name", "start_date", "end_date", "state"],
    )


def cycle(db: sqlite_utils.Database, cycle_id: int) -> dict | None:
    """One cycle as a dict, or None when there is no such cycle."""
    rows = list(db.query("SELECT * FROM cycles WHERE id = ?", [cycle_id]))
    return rows[0] if rows else None


def default_cycle_id(db: sqlite_utils.Database, today: dt.date | None = None) -> int | None:
    """The cycle to show when none is chosen: the active one running today, else the latest active, else the latest."""
    today = today or dt.date.today()
    row = db.execute(
        """
        SELECT id FROM cycles
        ORDER BY (state = 'active' AND start_date <= :d AND end_date >= :d) DESC,
                 (state = 'active') DESC, start_date DESC, id DESC
        LIMIT 1
        """,
        {"d": today.isoformat()},
    ).fetchone()
    return row[0] if row else None


def units(db: sqlite_utils.Database, include_archived: bool = False) -> pd.DataFrame:
    """The unit tree in outline order: id, name, parent, lead, depth, path and kind.

    ``kind`` is ``company`` for the root, ``team`` for a unit with no units below it, else
    ``department``.
    """
    where = "" if include_archived else "WHERE u.archived = 0"
    df = _frame(
        db,
        f"""
        WITH RECURSIVE tree(id, depth, path) AS (
            SELECT id, 0, name FROM units WHERE parent_id IS NULL
            UNION ALL
            SELECT u.id, t.depth + 1, t.path || ' / ' || u.name
            FROM units u JOIN tree t ON u.parent_id = t.id
            WHERE t.depth < 50
        )
        SELECT u.id, u.name, u.parent_id, u.lead_id, p.name AS lead_name, u.description,
               t.depth, t.path,
               EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id AND c.archived = 0) AS has_children
        FROM tree t JOIN units u ON u.id = t.id
        LEFT JOIN people p ON p.id = u.lead_id
        {where}
        ORDER BY t.path
        """,
        columns=UNIT_COLUMNS + ["has_children"],
    )
    if df.empty:
        return pd.DataFrame(columns=UNIT_COLUMNS)
    df["kind"] = [
        "company" if depth == 0 else ("department" if children else "team")
        for depth, children in zip(df["depth"], df["has_children"])
    ]
    return df[UNIT_COLUMNS].reset_index(drop=True)


def subtree_ids(db: sqlite_utils.Database, unit_id: int) -> list[int]:
    """The unit and every unit below it, at any depth."""
    rows = db.execute(
        """
        WITH RECURSIVE down(id, depth) AS (
            SELECT id, 0 FROM units WHERE id = ?
            UNION ALL
            SELECT u.id, d.depth + 1 FROM units u JOIN down d ON u.parent_id = d.id WHERE d.depth < 50
        )
        SELECT id FROM down
        """,
        [unit_id],
    ).fetchall()
    return [r[0] for r in rows]


def people(db: sqlite_utils.Database) -> pd.DataFrame:
    """Everyone: id, name, email, role, and the names of the units they lead."""
    return _frame(
        db,
        """
        SELECT p.id, p.name, p.email, p.role, p.archived, l.leads
        FROM people p
        LEFT JOIN (
            SELECT lead_id, group_concat(name, ', ') AS leads FROM units
            WHERE lead_id IS NOT NULL GROUP BY lead_id
        ) l ON l.lead_id = p.id
        ORDER BY p.name
        """,
        columns=["id", "name", "email", "role", "archived", "leads"],
    )


# --- key results and objectives ----------------------------------------------------------


def _scope(db: sqlite_utils.Database, unit_id: int | None) -> tuple[str, list[int]]:
    if unit_id is None:
        return "", []
    ids = subtree_ids(db, unit_id) or [-1]
    return f" AND o.unit_id IN ({', '.join('?' * len(ids))})", ids


def as_of(cycle_row: dict, today: dt.date | None = None) -> dt.date:
    """The date a cycle's figures are computed for: today, or the cycle's end once it is over."""
    today = today or dt.date.today()
    return min(today, _day(cycle_row["end_date"]))


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
        tail = recent.merge(df[["kr_id", "kr_type", "baseline", "target"]], on="kr_id", how="inner")
        days = (pd.to_datetime(tail["checkin_date"]) - pd.Timestamp(start)).dt.days.astype(float)
        tail["pace"] = n.progress_array(tail["kr_type"], tail["baseline"], tail["target"], tail["value"]) - np.clip(
            days / length, 0.0, 1.0
        )
        tail["kind"] = n.divergence_array(tail["confidence"], tail["pace"])
        kinds = tail.groupby("kr_id")["kind"].agg(["size", "count", "nunique", "last"])
        # A full run of the same flag: as many check-ins as the run, all flagged, all alike.
        full = (kinds["size"] == n.DIVERGENCE_RUN) & (kinds["count"] == n.DIVERGENCE_RUN) & (kinds["nunique"] == 1)
        flagged = kinds[full].rename(columns={"last": "kind"})
        divergence = df["kr_id"].map(flagged["kind"])
        df["divergence"] = divergence.astype(object).where(divergence.notna(), None)
    # Trending off track: the forecast score, once rounded, in the red band (below 0.4).
    df["trending_off_track"] = n.score_colour_array(df["forecast_score"].to_numpy(dtype=float)) == "red"
    return df[KR_COLUMNS].reset_index(drop=True)


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


OBJECTIVE_ROW_COLUMNS = [
    "objective_id",
    "cycle_id",
    "unit_id",
    "unit_name",
    "title",
    "description",
    "owner_id",
    "owner_name",
    "kind",
    "weight",
    "parent_objective_id",
    "parent_kr_id",
    "parent_title",
    "score_override",
    "score_reason",
    "reflection",
]


def objective_rows(
    db: sqlite_utils.Database,
    cycle_id: int,
    unit_id: int | None = None,
    limit: int | None = None,
    objective_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The objectives :func:`objectives` lists, in its order, as entered: no figure is computed
    and no check-in read (for pickers, forms and counts). With ``limit``, the first ``limit``;
    with ``objective_ids``, only those."""
    scope_sql, params = _scope(db, unit_id)
    if objective_ids is not None:
        wanted = [int(i) for i in objective_ids] or [-1]
        scope_sql += f" AND o.id IN ({', '.join('?' * len(wanted))})"
        params = params + wanted
    return _frame(
        db,
        f"""
        SELECT o.id AS objective_id, o.cycle_id, o.unit_id, u.name AS unit_name, o.title, o.description,
               o.owner_id, p.name AS owner_name, o.kind, o.weight, o.parent_objective_id, o.parent_kr_id,
               po.title AS parent_title, o.score AS score_override, o.score_reason, o.reflection
        FROM objectives o
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN people p ON p.id = o.owner_id
        LEFT JOIN objectives po ON po.id = o.parent_objective_id
        WHERE o.cycle_id = ? AND o.state = 'active' {scope_sql}
        ORDER BY u.name, o.id
        {"" if limit is None else "LIMIT ?"}
        """,
        [cycle_id] + params + ([] if limit is None else [max(int(limit), 0)]),
        columns=OBJECTIVE_ROW_COLUMNS,
    )


def objectives(
    db: sqlite_utils.Database,
    cycle_id: int,
    unit_id: int | None = None,
    today: dt.date | None = None,
    krs: pd.DataFrame | None = None,
    limit: int | None = None,
    objective_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The objectives of a cycle (a unit's branch when given) with progress, status, forecast and score.

    Progress is the weighted mean of the objective's key results; status is its weakest key
    result's; ``score`` is the recorded score for a closed cycle (or its final progress rounded
    half up to two decimals when none was recorded) and empty while the cycle runs. Pass ``krs`` (from :func:`key_results`) to
    avoid computing the key results twice. With ``limit``, only the first ``limit`` objectives,
    from their own key results alone; with ``objective_ids``, only those (each row is the same as
    in the whole list).
    """
    cyc = cycle(db, cycle_id)
    if cyc is None:
        return pd.DataFrame(columns=OBJECTIVE_COLUMNS)
    df = objective_rows(db, cycle_id, unit_id, limit, objective_ids)
    if df.empty:
        return pd.DataFrame(columns=OBJECTIVE_COLUMNS)
    if krs is None:
        wanted = None if limit is None and objective_ids is None else [int(i) for i in df["objective_id"]]
        krs = key_results(db, cycle_id, unit_id, today, objective_ids=wanted)
    expected = n.expected_progress(_day(cyc["start_date"]), _day(cyc["end_date"]), as_of(cyc, today))
    df = df.copy()
    df["score_override"] = pd.to_numeric(df["score_override"], errors="coerce").astype(float)
    df["weight"] = df["weight"].astype(float)
    if krs.empty:
        df["kr_count"], df["progress"], df["status"], df["forecast_score"] = 0, 0.0, n.STALE, np.nan
    else:
        oid = krs["objective_id"]
        counts = oid.value_counts()
        progress = n.grouped_weighted_mean(oid, krs["progress"], krs["weight"])
        projected = n.grouped_weighted_mean(oid, krs["forecast_score"].fillna(krs["progress"]), krs["weight"])
        ranks = pd.Series(n.status_rank(krs["status"]), index=krs.index).groupby(oid).min()
        df["kr_count"] = df["objective_id"].map(counts).fillna(0).astype(int)
        df["progress"] = df["objective_id"].map(progress).fillna(0.0).astype(float)
        df["status"] = df["objective_id"].map(ranks).map(lambda r: n.STATUSES[int(r)] if pd.notna(r) else n.STALE)
        df["forecast_score"] = df["objective_id"].map(projected).where(df["kr_count"] > 0)
    df["expected"] = expected
    df["pace"] = df["progress"] - expected
    if cyc["state"] == "closed":
        # Unscored at close: the final progress, rounded half up as every score is.
        df["score"] = (
            df["score_override"]
            .fillna(pd.Series(n.round_score(df["progress"].clip(0.0, 1.0).to_numpy(dtype=float)), index=df.index))
            .clip(0.0, 1.0)
        )
    else:
        # A lead's score before the close is a draft (score_override, shown on Review only).
        df["score"] = np.nan
    return df[OBJECTIVE_COLUMNS].reset_index(drop=True)


def unit_progress(
    db: sqlite_utils.Database,
    cycle_id: int,
    today: dt.date | None = None,
    objs: pd.DataFrame | None = None,
    unit_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """Each unit's progress for a cycle: the weighted mean of the objectives of its whole branch.

    Columns: unit_id, name, parent_id, depth, kind, objective_count, progress, expected, pace,
    status (the weakest of its branch's objectives; stale when it has none).

    Archived units count like any other: archiving hides a unit from pickers and new work, never
    from the figures, so an objective an archived unit still owns rolls up into every unit
    above it (the company's row is always :func:`cycle_summary`'s figure) and a closed cycle's
    figures never change. An archived unit has a row of its own only while its branch owns
    objectives in the cycle. With ``unit_ids``, only those units' rows (each the same as in the
    whole list).
    """
    tree = units(db, include_archived=True)
    archived = {int(row[0]) for row in db.execute("SELECT id FROM units WHERE archived = 1").fetchall()}
    if objs is None:
        objs = objectives(db, cycle_id, None, today)
    cyc = cycle(db, cycle_id)
    expected = n.expected_progress(_day(cyc["start_date"]), _day(cyc["end_date"]), as_of(cyc, today)) if cyc else 0.0
    parent = {int(u): (None if pd.isna(p) else int(p)) for u, p in zip(tree["id"], tree["parent_id"])}
    columns = [
        "unit_id",
        "name",
        "parent_id",
        "depth",
        "kind",
        "objective_count",
        "progress",
        "expected",
        "pace",
        "status",
    ]
    out = tree.rename(columns={"id": "unit_id"})[["unit_id", "name", "parent_id", "depth", "kind"]].copy()
    if unit_ids is not None:
        out = out[out["unit_id"].isin([int(u) for u in unit_ids])]
    if objs.empty:
        out["objective_count"], out["progress"], out["status"] = 0, 0.0, n.STALE
    else:
        # Each objective counts once for its own unit and once for every unit above it.
        pairs = []
        wanted = None if unit_ids is None else {int(u) for u in unit_ids}
        for i, unit in enumerate(objs["unit_id"]):
            seen, u = set(), int(unit)
            while u is not None and u not in seen:
                seen.add(u)
                if wanted is None or u in wanted:
                    pairs.append((u, i))
                u = parent.get(u)
        up = pd.DataFrame(pairs, columns=["ancestor", "row"])
        rolled = objs.reset_index(drop=True).iloc[up["row"]].reset_index(drop=True)
        rolled["ancestor"] = up["ancestor"].to_numpy()
        progress = n.grouped_weighted_mean(rolled["ancestor"], rolled["progress"], rolled["weight"])
        ranks = pd.Series(n.status_rank(rolled["status"])).groupby(rolled["ancestor"]).min()
        counts = rolled["ancestor"].value_counts()
        out["objective_count"] = out["unit_id"].map(counts).fillna(0).astype(int)
        out["progress"] = out["unit_id"].map(progress).fillna(0.0).astype(float)
        out["status"] = out["unit_id"].map(ranks).map(lambda r: n.STATUSES[int(r)] if pd.notna(r) else n.STALE)
    out["expected"] = expected
    out["pace"] = out["progress"] - expected
    gone = out["unit_id"].isin(archived) & (out["objective_count"] == 0)
    return out.loc[~gone, columns].reset_index(drop=True)


def cycle_summary(
    db: sqlite_utils.Database,
    cycle_id: int,
    unit_id: int | None = None,
    today: dt.date | None = None,
    objs: pd.DataFrame | None = None,
    krs: pd.DataFrame | None = None,
) -> dict:
    """The headline figures of a cycle for a unit's branch (the whole company when ``unit_id`` is None).

    Keys: cycle (its row), as_of, progress (weighted mean of the objectives in scope, each once),
    expected, pace, days_left, objective_count, kr_count, status_counts (key results per status,
    every status present), and the objectives' status counts as objective_status_counts.
    """
    cyc = cycle(db, cycle_id)
    if cyc is None:
        raise KeyError(f"no cycle with id {cycle_id}")
    if krs is None:
        krs = key_results(db, cycle_id, unit_id, today)
    if objs is None:
        objs = objectives(db, cycle_id, unit_id, today, krs=krs)
    on = as_of(cyc, today)
    start, end = _day(cyc["start_date"]), _day(cyc["end_date"])
    expected = n.expected_progress(start, end, on)
    progress = n.weighted_mean(list(objs["progress"]), list(objs["weight"])) if not objs.empty else 0.0
    return {
        "cycle": cyc,
        "as_of": on,
        "progress": progress,
        "expected": expected,
        "pace": n.pace(progress, expected),
        "days_left": n.days_left(end, today or dt.date.today()),
        "objective_count": len(objs),
        "kr_count": len(krs),
        "status_counts": {s: int((krs["status"] == s).sum()) if not krs.empty else 0 for s in n.STATUSES},
        "objective_status_counts": {s: int((objs["status"] == s).sum()) if not objs.empty else 0 for s in n.STATUSES},
    }


# --- KPIs --------------------------------------------------------------------------------

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


def is_demo(db: sqlite_utils.Database) -> bool:
    """True when the database holds the demo organisation (until the owner starts their own)."""
    if "settings" not in db.table_names():
        return False
    row = db.execute("SELECT value FROM settings WHERE key = 'demo'").fetchone()
    return bool(row and row[0] == "1")
