"""Cycles, units and people as pages list them, the date a cycle's figures are computed for,
the unit branch a query is narrowed to, and whether the database holds the demo."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlite_utils

from okrdata.queries.frames import _day, _frame

UNIT_COLUMNS = ["id", "name", "parent_id", "lead_id", "lead_name", "description", "depth", "path", "kind"]


# --- cycles ------------------------------------------------------------------------------


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


def as_of(cycle_row: dict, today: dt.date | None = None) -> dt.date:
    """The date a cycle's figures are computed for: today, or the cycle's end once it is over."""
    today = today or dt.date.today()
    return min(today, _day(cycle_row["end_date"]))


# --- units and people ---------------------------------------------------------------------


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


def _scope(db: sqlite_utils.Database, unit_id: int | None) -> tuple[str, list[int]]:
    if unit_id is None:
        return "", []
    ids = subtree_ids(db, unit_id) or [-1]
    return f" AND o.unit_id IN ({', '.join('?' * len(ids))})", ids


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


# --- the demo -----------------------------------------------------------------------------


def is_demo(db: sqlite_utils.Database) -> bool:
    """True when the database holds the demo organisation (until the owner starts their own)."""
    if "settings" not in db.table_names():
        return False
    row = db.execute("SELECT value FROM settings WHERE key = 'demo'").fetchone()
    return bool(row and row[0] == "1")
