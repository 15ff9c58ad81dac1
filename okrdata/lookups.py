"""Small reads the writes check against and the forms offer: the units above a unit, the units
each person may edit besides those they lead, whether a cycle is under way, what an objective
may align to, and a deployment setting. Read-only: the writes live in :mod:`okrdata.writes`."""

from __future__ import annotations

import datetime as dt

import sqlite_utils


def unit_ancestors(db: sqlite_utils.Database, unit_id: int) -> list[int]:
    """Ids of the units above ``unit_id``, nearest first (its parent, then grandparent, ...)."""
    rows = db.execute(
        """
        WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM units WHERE id = ?
            UNION ALL
            SELECT u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id
            WHERE up.depth < 100
        )
        SELECT id FROM up WHERE depth > 0 ORDER BY depth
        """,
        [unit_id],
    ).fetchall()
    return [r[0] for r in rows]


def person_unit_ids(db: sqlite_utils.Database, person_id: int) -> list[int]:
    """The units a person was given to edit (besides those they lead), as :func:`set_person_units` stored them."""
    return [
        r[0]
        for r in db.execute(
            "SELECT unit_id FROM person_units WHERE person_id = ? ORDER BY unit_id", [int(person_id)]
        ).fetchall()
    ]


def person_units_map(db: sqlite_utils.Database) -> dict[int, list[int]]:
    """``{person_id: [unit ids]}``: everyone's units to edit besides those they lead."""
    out: dict[int, list[int]] = {}
    for person_id, unit_id in db.execute("SELECT person_id, unit_id FROM person_units ORDER BY person_id, unit_id"):
        out.setdefault(person_id, []).append(unit_id)
    return out


def cycle_started(cycle: dict, today: dt.date | None = None) -> bool:
    """True once a cycle is under way: active or closed, or its start date has come."""
    today = today or dt.date.today()
    return cycle["state"] != "planning" or dt.date.fromisoformat(str(cycle["start_date"])[:10]) <= today


def alignment_choices(
    db: sqlite_utils.Database, cycle_id: int, unit_id: int, objective_id: int | None = None
) -> list[dict]:
    """What an objective of ``unit_id`` in ``cycle_id`` may align to, as :func:`add_objective` accepts.

    The active objectives of the same cycle owned by the unit itself or a unit above it, each
    followed by its active key results; never the objective itself (``objective_id``) nor one
    aligned below it. Each choice is ``{"kind": "objective" | "key_result", "objective_id",
    "kr_id" (None for an objective), "title", "unit_name"}``, parents' units first.
    """
    allowed = [int(unit_id), *unit_ancestors(db, int(unit_id))]
    order = {u: i for i, u in enumerate(reversed(allowed))}
    below: set[int] = set()
    if objective_id is not None:
        # The objective and everything aligned below it would make a loop.
        frontier = {int(objective_id)}
        while frontier:
            below |= frontier
            marks = ", ".join("?" * len(frontier))
            frontier = {
                r[0]
                for r in db.execute(
                    f"SELECT id FROM objectives WHERE parent_objective_id IN ({marks})", list(frontier)
                ).fetchall()
            } - below
    marks = ", ".join("?" * len(allowed))
    objs = [
        o
        for o in db.query(
            f"SELECT o.id, o.title, o.unit_id, u.name AS unit_name FROM objectives o JOIN units u ON u.id = o.unit_id "
            f"WHERE o.cycle_id = ? AND o.state = 'active' AND o.unit_id IN ({marks}) ORDER BY o.id",
            [int(cycle_id), *allowed],
        )
        if o["id"] not in below
    ]
    objs.sort(key=lambda o: (order[o["unit_id"]], o["id"]))
    choices = []
    for o in objs:
        choices.append(
            {
                "kind": "objective",
                "objective_id": o["id"],
                "kr_id": None,
                "title": o["title"],
                "unit_name": o["unit_name"],
            }
        )
        for kr in db.query(
            "SELECT id, title FROM key_results WHERE objective_id = ? AND archived = 0 ORDER BY id", [o["id"]]
        ):
            choices.append(
                {
                    "kind": "key_result",
                    "objective_id": o["id"],
                    "kr_id": kr["id"],
                    "title": kr["title"],
                    "unit_name": o["unit_name"],
                }
            )
    return choices


def get_setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """A deployment setting, or ``default``."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default
