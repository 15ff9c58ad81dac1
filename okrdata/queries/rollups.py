"""Objectives, units and the cycle summary: the figures rolled up from the key results
(:mod:`okrdata.queries.key_result_figures`), weighted as :mod:`okrdata.numbers` says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
import sqlite_utils

from okrdata import numbers as n
from okrdata.queries.frames import _day, _frame
from okrdata.queries.key_result_figures import key_results
from okrdata.queries.organisation import _scope, as_of, cycle, units

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

OBJECTIVE_COLUMNS = OBJECTIVE_ROW_COLUMNS + [
    "kr_count",
    "progress",
    "expected",
    "pace",
    "status",
    "forecast_score",
    "score",
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
        rows, above = n.branch_pairs(tree["id"], tree["parent_id"], objs["unit_id"])
        if unit_ids is not None:
            keep = np.isin(above, out["unit_id"].to_numpy(dtype=np.int64))
            rows, above = rows[keep], above[keep]
        ancestor = pd.Series(above, name="ancestor")
        progress = n.grouped_weighted_mean(
            ancestor, objs["progress"].to_numpy(dtype=float)[rows], objs["weight"].to_numpy(dtype=float)[rows]
        )
        ranks = pd.Series(n.status_rank(objs["status"])[rows]).groupby(ancestor).min()
        counts = ancestor.value_counts()
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
