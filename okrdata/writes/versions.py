"""No lost updates: the version each edited row carries, and the checks on it.

:func:`version_of` and :func:`read_for_edit` give the version an edit carries back;
``_check_version`` refuses (field ``version``) an edit read before the row last moved, saying
what changed (:func:`changes_since`), and ``_save`` repeats the check in the ``UPDATE`` itself,
so two saves at the same instant cannot both pass it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlite_utils

from okrdata.errors import ValidationError
from okrdata.lookups import person_unit_ids
from okrdata.schema import (
    VERSIONED,
)
from okrdata.writes.actors import _row

_NOUNS = {
    "cycles": "cycle",
    "units": "unit",
    "people": "person",
    "objectives": "objective",
    "key_results": "key result",
    "kpis": "KPI",
    "checkins": "check-in",
}


_FIELDS = {
    "cycles": "cycle",
    "units": "unit",
    "people": "person",
    "objectives": "objective",
    "key_results": "key_result",
    "kpis": "kpi",
    "checkins": "checkin",
}


_NAMED_BY = {
    "owner_id": ("people", "name"),
    "lead_id": ("people", "name"),
    "parent_id": ("units", "name"),
    "unit_id": ("units", "name"),
    "cycle_id": ("cycles", "name"),
    "objective_id": ("objectives", "title"),
    "parent_objective_id": ("objectives", "title"),
    "parent_kr_id": ("key_results", "title"),
    "kpi_id": ("kpis", "name"),
}


def version_of(db: sqlite_utils.Database, table: str, row_id: Any) -> int | None:
    """The version a row of an edited table is at now (None when there is no such row), for a
    caller that reads and writes in one go (the CLI, the importer, the seed loader)."""
    if table not in VERSIONED:
        raise ValueError(f"{table} carries no version")
    try:
        key = int(row_id)
    except (TypeError, ValueError):
        return None
    row = db.execute(f"SELECT version FROM [{table}] WHERE id = ?", [key]).fetchone()
    return None if row is None else row[0]


def read_for_edit(db: sqlite_utils.Database, table: str, row_id: Any) -> dict:
    """A row of an edited table as stored, with its ``version``: what an edit form shows and
    carries back (as ``version``, and whole as ``seen``). A person's row comes without its
    password hash and with ``unit_ids``, the units they may edit besides those they lead."""
    if table not in VERSIONED:
        raise ValueError(f"{table} carries no version")
    row = dict(_row(db, table, row_id, _FIELDS[table]))
    if table == "people":
        row.pop("password_hash", None)
        row["unit_ids"] = person_unit_ids(db, row["id"])
    return row


def _shown(db: sqlite_utils.Database, column: str, value: Any) -> str:
    if value is None or value == "":
        return "empty"
    if column in _NAMED_BY:
        table, name = _NAMED_BY[column]
        found = db.execute(f"SELECT [{name}] FROM [{table}] WHERE id = ?", [value]).fetchone()
        return repr(found[0]) if found else f"#{value}"
    if column == "unit_ids":
        names = (
            [
                r[0]
                for r in db.execute(
                    f"SELECT name FROM units WHERE id IN ({', '.join('?' * len(value))}) ORDER BY name", list(value)
                ).fetchall()
            ]
            if value
            else []
        )
        return ", ".join(names) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    if column in ("archived", "deleted"):
        return "yes" if value else "no"
    return repr(value) if isinstance(value, str) else str(value)


def changes_since(db: sqlite_utils.Database, table: str, seen: Mapping) -> list[str]:
    """What differs between a row as ``seen`` (an edit form's :func:`read_for_edit`) and as
    stored now, one phrase per column: ``"title is now 'B' (was 'A')"``."""
    now = read_for_edit(db, table, seen["id"])
    phrases = []
    for column in (*VERSIONED[table], *(("unit_ids",) if table == "people" else ())):
        if column not in seen or column not in now:
            continue
        before, after = seen[column], now[column]
        if before == after or (
            isinstance(before, (int, float)) and isinstance(after, (int, float)) and float(before) == float(after)
        ):
            continue
        words = column.removesuffix("_ids").removesuffix("_id").replace("_", " ")
        phrases.append(f"{words} is now {_shown(db, column, after)} (was {_shown(db, column, before)})")
    return phrases


def _stale(db: sqlite_utils.Database, table: str, row_id: int, seen: Mapping | None) -> ValidationError:
    noun = _NOUNS[table]
    changed = changes_since(db, table, {**seen, "id": row_id}) if seen else []
    what = f": {'; '.join(changed)}" if changed else ""
    return ValidationError(
        "version",
        f"this {noun} was changed by someone else since you opened it{what}. Nothing was saved: reload it to see "
        "it as it is now, then make your change again.",
    )


def _check_changes(edit: str, changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse with a TypeError (a caller's mistake, not a person's) changes ``edit`` knows nothing of."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"{edit}() got unexpected changes: {', '.join(sorted(unknown))}")


def _check_version(
    db: sqlite_utils.Database, table: str, row: Mapping, version: Any, seen: Mapping | None = None
) -> None:
    """Refuse (field ``version``) an edit of ``row`` read at another version than the stored one."""
    if version is None or isinstance(version, bool):
        raise ValidationError("version", f"is required: the version of the {_NOUNS[table]} your edit was read at.")
    try:
        read_at = int(version)
    except (TypeError, ValueError):
        raise ValidationError("version", f"must be a whole number, not {version!r}.") from None
    if read_at != row["version"]:
        raise _stale(db, table, row["id"], seen)


def _save(
    db: sqlite_utils.Database,
    table: str,
    row: Mapping,
    clean: Mapping[str, Any],
    version: Any,
    seen: Mapping | None = None,
    bump: bool = False,
) -> None:
    """Write ``clean`` to ``row`` only if it is still at ``version`` (inside the caller's transaction).

    The database moves the version when a value changes; ``bump`` moves it anyway (a change
    kept in another table, such as a person's units).
    """
    sets = [f"[{k}] = ?" for k in clean] + (["version = version + 1"] if bump else [])
    if not sets:
        return
    cursor = db.execute(
        f"UPDATE [{table}] SET {', '.join(sets)} WHERE id = ? AND version = ?",
        [*clean.values(), row["id"], int(version)],
    )
    if cursor.rowcount == 0:  # someone saved between the check above and this write
        raise _stale(db, table, row["id"], seen)
