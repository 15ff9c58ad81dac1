"""One objective's own page (``?objective=ID``): the objective and its cycle in one query, the
alignment chain above and below it, and what its page shows of the coach's findings, the key
results' history charts and their check-in notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import pandas as pd
import sqlite_utils

_MAX_DEPTH = 50
"""Alignment chains deeper than this are cut off (a guard against a loop in bad data)."""

CHAIN_COLUMNS = [
    "objective_id",
    "title",
    "unit_id",
    "unit_name",
    "cycle_id",
    "parent_objective_id",
    "parent_kr_id",
    "parent_kr_title",
    "depth",
]


def as_id(raw: Any) -> int | None:
    """A positive integer id from a query parameter's text (``"12"``), else None (``"abc"``, ``"-1"``)."""
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else None
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if not text.isdigit() or not text.isascii() or len(text) > 18:
        return None
    value = int(text)
    return value if value > 0 else None


def objective(db: sqlite_utils.Database, objective_id: Any, include_archived: bool = False) -> dict | None:
    """One objective with its cycle, unit, owner and what it aligns to, in one query; None when
    there is no such objective (or it is archived, unless ``include_archived``).

    Keys: the objective's columns (id, cycle_id, unit_id, title, description, owner_id, kind,
    parent_objective_id, parent_kr_id, weight, state, score, score_reason, reflection) and
    cycle_name, cycle_start, cycle_end, cycle_state, unit_name, owner_name, parent_title,
    parent_kr_title.
    """
    oid = as_id(objective_id)
    if oid is None:
        return None
    found = list(
        db.query(
            """
        SELECT o.*, c.name AS cycle_name, c.start_date AS cycle_start, c.end_date AS cycle_end,
               c.state AS cycle_state, u.name AS unit_name, p.name AS owner_name,
               po.title AS parent_title, pk.title AS parent_kr_title
        FROM objectives o
        JOIN cycles c ON c.id = o.cycle_id
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN people p ON p.id = o.owner_id
        LEFT JOIN objectives po ON po.id = o.parent_objective_id
        LEFT JOIN key_results pk ON pk.id = o.parent_kr_id
        WHERE o.id = ?
        """,
            [oid],
        )
    )
    if not found:
        return None
    row = found[0]
    if row["state"] != "active" and not include_archived:
        return None
    return row


def alignment_up(db: sqlite_utils.Database, objective_id: int) -> pd.DataFrame:
    """The objectives above this one, from the top (the company's) down to its direct parent.

    Columns :data:`CHAIN_COLUMNS`: ``depth`` counts from this objective (1 = its parent);
    ``parent_kr_title`` is the key result a level aligns to, when it aligns to one. An
    objective aligned to nothing gives no rows.
    """
    frame = _frame(
        db,
        f"""
        WITH RECURSIVE up(id, depth) AS (
            SELECT parent_objective_id, 1 FROM objectives WHERE id = ? AND parent_objective_id IS NOT NULL
            UNION
            SELECT o.parent_objective_id, up.depth + 1
            FROM objectives o JOIN up ON o.id = up.id
            WHERE o.parent_objective_id IS NOT NULL AND up.depth < {_MAX_DEPTH}
        )
        SELECT o.id AS objective_id, o.title, o.unit_id, u.name AS unit_name, o.cycle_id,
               o.parent_objective_id, o.parent_kr_id, pk.title AS parent_kr_title, min(up.depth) AS depth
        FROM up
        JOIN objectives o ON o.id = up.id
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN key_results pk ON pk.id = o.parent_kr_id
        GROUP BY o.id
        ORDER BY depth DESC
        """,
        [int(objective_id)],
        columns=CHAIN_COLUMNS,
    )
    return frame[CHAIN_COLUMNS].reset_index(drop=True)


def alignment_down(db: sqlite_utils.Database, objective_id: int) -> pd.DataFrame:
    """Every active objective aligned to this one, directly or further down, as a tree outline.

    Columns :data:`CHAIN_COLUMNS`: ``depth`` 1 for the objectives aligned directly to this one;
    rows come depth first (each objective followed by those aligned to it), so indenting by
    depth draws the tree. ``parent_kr_title`` is the key result an objective aligns to.
    """
    frame = _frame(
        db,
        f"""
        WITH RECURSIVE down(id, depth, path) AS (
            SELECT id, 1, printf('%010d', id) FROM objectives
            WHERE parent_objective_id = ? AND state = 'active'
            UNION ALL
            SELECT o.id, down.depth + 1, down.path || '/' || printf('%010d', o.id)
            FROM objectives o JOIN down ON o.parent_objective_id = down.id
            WHERE o.state = 'active' AND down.depth < {_MAX_DEPTH}
        )
        SELECT o.id AS objective_id, o.title, o.unit_id, u.name AS unit_name, o.cycle_id,
               o.parent_objective_id, o.parent_kr_id, pk.title AS parent_kr_title, down.depth
        FROM down
        JOIN objectives o ON o.id = down.id
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN key_results pk ON pk.id = o.parent_kr_id
        ORDER BY down.path
        """,
        [int(objective_id)],
        columns=CHAIN_COLUMNS,
    )
    return frame[CHAIN_COLUMNS].reset_index(drop=True)


def _frame(db: sqlite_utils.Database, sql: str, params: Sequence, columns: list[str]) -> pd.DataFrame:
    found = list(db.query(sql, params))
    return pd.DataFrame(found, columns=columns) if found else pd.DataFrame(columns=columns)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def objective_findings(findings: pd.DataFrame, objective_id: int, kr_ids: Collection[int] = ()) -> pd.DataFrame:
    """The coach's findings (:func:`okrdata.quality.findings_frame`) about one objective or its key results."""
    if findings.empty:
        return findings
    ids = {int(i) for i in kr_ids}
    about_objective = findings["objective_id"].apply(lambda x: not pd.isna(x) and int(x) == int(objective_id))
    about_kr = findings["kr_id"].apply(lambda x: not pd.isna(x) and int(x) in ids)
    return findings[about_objective | about_kr].reset_index(drop=True)


def kr_guides(
    kr_type: str,
    baseline: float | None,
    target: float | None,
    start: Any,
    end: Any,
) -> dict:
    """What a key result's history chart draws besides its check-ins.

    ``target``: the value to reach (or the bound to keep), None when there is none;
    ``pace``: the straight line from the baseline at the cycle's start to the target at its end,
    as two (date, value) points, for key results that move from X to Y (a milestone goes from 0
    to 1), None for stay-above/below key results and for those missing a baseline or target.
    """
    start, end = _day(start), _day(end)
    base = None if baseline is None or pd.isna(baseline) else float(baseline)
    goal = None if target is None or pd.isna(target) else float(target)
    if kr_type == "milestone":
        return {"target": 1.0 if goal is None else goal, "pace": [(start, 0.0), (end, 1.0 if goal is None else goal)]}
    if kr_type in ("increase", "decrease") and base is not None and goal is not None:
        return {"target": goal, "pace": [(start, base), (end, goal)]}
    return {"target": goal, "pace": None}


def kr_notes(history: pd.DataFrame, kr_id: int) -> pd.DataFrame:
    """One key result's check-ins, newest first: checkin_date, author_name, value, confidence, note."""
    columns = ["checkin_date", "author_name", "value", "confidence", "note"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    mine = history[history["kr_id"] == int(kr_id)]
    order = mine.sort_values(["checkin_date", "checkin_id"], ascending=False)
    return order[columns].reset_index(drop=True)
