"""A unit's breakdown week by week, for the Confidence trends page: which heat-map row each
objective falls in, the confidence and progress of each row and week, and how many key results
were in each status each week.

The rows of a unit's heat map are its child units, each covering its whole branch (plus one for
the objectives the unit owns itself), or, for a team with no units below it, its objectives:
:func:`breakdown_rows`. They follow the plan, so a check-in leaves them as they are. The figures
come from the weekly frames of :mod:`okrdata.trends` (:func:`~okrdata.trends.kr_weeks`,
:func:`~okrdata.trends.objective_weeks`), rolled up the same way: a row's progress is the
weighted mean of its objectives, its confidence the mean over its key results that have one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from okrdata import numbers as n
from okrdata import trends as tr

MAX_ROWS = 40
"""Rows a heat map draws at most: more make a chart taller than anyone reads."""
HEATMAP_COLUMNS = [
    "row",
    "row_order",
    "row_kind",
    "row_id",
    "week",
    "date",
    "confidence",
    "confident_count",
    "kr_count",
    "progress",
]


def breakdown_rows(tree: pd.DataFrame, objs: pd.DataFrame, unit_id: int | None) -> pd.DataFrame:
    """Which heat-map row each objective of a unit's branch falls in.

    The rows are the chosen unit's child units (each covering its whole branch), in outline
    order, plus one for the objectives the unit owns itself, if any; a unit with no units below
    it (a team) is broken down by its objectives instead. ``unit_id`` None is the company.
    Columns: objective_id, row, row_order, row_kind (``unit``, ``own`` or ``objective``), row_id.
    """
    columns = ["objective_id", "row", "row_order", "row_kind", "row_id"]
    if objs.empty or tree.empty:
        return pd.DataFrame(columns=columns)
    if unit_id is None:
        roots = tree[tree["parent_id"].isna()]
        if roots.empty:
            return pd.DataFrame(columns=columns)
        unit_id = int(roots["id"].iloc[0])
    unit_id = int(unit_id)
    parent = {int(i): (None if pd.isna(p) else int(p)) for i, p in zip(tree["id"], tree["parent_id"])}
    names = {int(i): str(nm) for i, nm in zip(tree["id"], tree["name"])}
    order = {int(i): k for k, i in enumerate(tree["id"])}
    children = [u for u in tree["id"].astype(int) if parent.get(u) == unit_id]

    def row_of(u: int) -> int | None:
        # Walk up to the child of the chosen unit; 50 steps as the schema's tree queries allow.
        for _ in range(50):
            p = parent.get(u)
            if p is None:
                return None
            if p == unit_id:
                return u
            u = p
        return None

    rows = []
    if children:
        for r in objs[["objective_id", "unit_id"]].to_dict("records"):
            uid = int(r["unit_id"])
            if uid == unit_id:
                rows.append((r["objective_id"], f"{names[unit_id]} (own objectives)", -1, "own", unit_id))
                continue
            top = row_of(uid)
            if top is not None:
                rows.append((r["objective_id"], names[top], order.get(top, 0), "unit", top))
    else:
        for k, r in enumerate(objs[["objective_id", "title"]].to_dict("records")):
            title = str(r["title"])
            label = title if len(title) <= 60 else title[:59] + "…"
            rows.append((r["objective_id"], label, k, "objective", int(r["objective_id"])))
    out = pd.DataFrame(rows, columns=columns)
    out["objective_id"] = out["objective_id"].astype("int64")
    # Two rows with one label (namesakes under one parent, objectives with one title) would
    # share a line of the chart: tell them apart by id.
    ids_per_label = out.groupby("row")["row_id"].nunique()
    twins = out["row"].isin(ids_per_label[ids_per_label > 1].index)
    out.loc[twins, "row"] = [f"{r} (#{i})" for r, i in zip(out.loc[twins, "row"], out.loc[twins, "row_id"])]
    return out


def _in_rows(weekly: pd.DataFrame, row_of: pd.Series) -> pd.DataFrame:
    """The weekly rows of the objectives that fall in a heat-map row, with that row's ``row_order``."""
    order = weekly["objective_id"].map(row_of)
    kept = order.notna().to_numpy()
    return weekly[kept].assign(row_order=order[kept].astype("int64"))


def heatmap(
    obj_weekly: pd.DataFrame,
    kr_weekly: pd.DataFrame,
    rows: pd.DataFrame,
    max_cells: int | None = None,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Unit × week confidence: for each breakdown row (:func:`breakdown_rows`) and week, the mean
    latest confidence of the row's key results (empty where none has one yet), how many have
    one, and the row's progress (weighted mean of its objectives).

    ``max_cells`` and ``max_rows`` keep the rows with the most key results (ties: outline order)
    so that rows × weeks, and the rows, stay within them. Columns :data:`HEATMAP_COLUMNS`, rows
    in ``row_order``.
    """
    if rows.empty or obj_weekly.empty:
        return pd.DataFrame(columns=HEATMAP_COLUMNS)
    # Each objective falls in one row, told by its row_order: group by that number and the week,
    # then name the rows (grouping by their four columns costs several times more).
    keys = ["row_order", "week"]
    row_of = pd.Series(rows["row_order"].to_numpy(dtype="int64"), index=rows["objective_id"].to_numpy(dtype="int64"))
    objw = _in_rows(obj_weekly, row_of)
    if objw.empty:
        return pd.DataFrame(columns=HEATMAP_COLUMNS)
    g = objw.groupby(keys, sort=True)
    out = g[["date"]].first()
    out["progress"] = tr.weighted(objw, keys, "progress", "weight")
    krw = _in_rows(kr_weekly, row_of) if not kr_weekly.empty else kr_weekly
    if krw.empty:
        out["confidence"], out["confident_count"], out["kr_count"] = np.nan, 0, 0
    else:
        kg = krw.groupby(keys, sort=True)
        out["confidence"] = kg["confidence"].mean().astype(float)
        out["confident_count"] = kg["confidence"].count()
        out["kr_count"] = kg["kr_id"].size()
        out["confident_count"] = out["confident_count"].fillna(0).astype(int)
        out["kr_count"] = out["kr_count"].fillna(0).astype(int)
    names = rows.drop_duplicates("row_order").set_index("row_order")[["row", "row_kind", "row_id"]]
    out = out.join(names, on="row_order")
    out = out.reset_index()
    if max_cells is not None or max_rows is not None:
        n_weeks = max(1, out["week"].nunique())
        keep = min(
            max(1, max_cells // n_weeks) if max_cells is not None else len(out),
            max_rows if max_rows is not None else len(out),
        )
        sizes = out.groupby("row_order")["kr_count"].max().sort_values(ascending=False, kind="stable")
        if len(sizes) > keep:
            out = out[out["row_order"].isin(set(sizes.index[:keep]))]
    return out.sort_values(["row_order", "week"], kind="stable").reset_index(drop=True)[HEATMAP_COLUMNS]


def status_mix(kr_weekly: pd.DataFrame) -> pd.DataFrame:
    """How many key results were in each status on each week's day.

    Statuses as :func:`okrdata.numbers.kr_status` gives them (never checked in counts as stale).
    Columns week, date, status, count: every status of :data:`okrdata.numbers.STATUSES` every week.
    """
    if kr_weekly.empty:
        return pd.DataFrame(columns=["week", "date", "status", "count"])
    counts = kr_weekly.groupby(["week", "status"]).size()
    wk = kr_weekly.groupby("week")["date"].first()
    index = pd.MultiIndex.from_product([wk.index, list(n.STATUSES)], names=["week", "status"])
    out = counts.reindex(index, fill_value=0).rename("count").reset_index()
    out["date"] = out["week"].map(wk)
    out["count"] = out["count"].astype(int)
    return out[["week", "date", "status", "count"]]


class Shown(NamedTuple):
    """What a heat map's rows are, and how many of them it draws."""

    kind: str
    """``"objective"`` when the rows are a team's objectives, else ``"unit"``."""
    shown: int
    """Rows drawn (:func:`heatmap` keeps those with the most key results)."""
    total: int
    """Rows of the breakdown."""
    has_own: bool
    """Whether one row holds the objectives the unit owns itself."""


def shown(rows: pd.DataFrame, cells: pd.DataFrame) -> Shown:
    """What the rows of a heat map are and how many it draws, from :func:`breakdown_rows` and
    the :func:`heatmap` cells drawn from them."""
    kind = "objective" if bool((rows["row_kind"] == "objective").all()) else "unit"
    return Shown(kind, int(cells["row"].nunique()), int(rows["row"].nunique()), bool((rows["row_kind"] == "own").any()))
