"""Which rows of a batch check-in form are saved, and which key results moved under the form.

The Check-in page draws one row per key result, its inputs prefilled from what was stored at
that moment. What the person changed is judged against that picture, a :class:`Shown` per row
taken when the row was drawn, never against what is stored when they save: a check-in recorded
meanwhile by someone else (another session, ``okr checkin`` from a cron job), or a correction
of the latest check-in, changes a key result's stored confidence, and a row judged against the
new value would look changed although nobody touched it, and be refused for its empty value.

A key result whose latest check-in is not the one its row was drawn from has *moved*
(:func:`moved`): the page says so beside it, with who changed it and when (:func:`latest`),
and never refuses a submission because of it. Which rows a submission saves is
:func:`decide`'s rule, in one place.

Also here, what a row offers and when a check-in may be dated: the text a value box takes a
number back as (:func:`value_text`), the KPI reading offered in a row (:func:`offer`), and the
days of the date picker (:func:`day_choices`, :func:`day_label`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import sqlite_utils

from okrdata import wording

SAVE = "save"
"""The person filled the row in (or kept the KPI reading it offered): it is part of the check-in."""
SKIP = "skip"
"""The row is as it was drawn, or only emptied: not part of the check-in."""
LEFT_OUT = "left out"
"""The row still holds the KPI reading it offered, but its key result moved since: the offer was
made against a check-in that is no longer the latest, so it is not saved on nobody's say-so."""


class Shown(NamedTuple):
    """One key result's row of the form as it was drawn: its inputs' first values and the
    stored check-in they came from."""

    kr_id: int
    value: str
    """The value box's first text: ``""``, or the reading of the KPI measuring the key result."""
    confidence: int | None
    """The confidence box's first value: the latest check-in's (None when there is none)."""
    note: str
    checkin_id: int | None
    """The key result's latest check-in when the row was drawn (None: no check-in yet)."""
    version: int | None
    """That check-in's version (a correction raises it)."""


class Latest(NamedTuple):
    """A key result's latest check-in as stored now, and the last change to any of its check-ins."""

    kr_id: int
    checkin_id: int | None
    version: int | None
    value: float | None
    confidence: int | None
    action: str | None
    """What the last change was: ``"checkin"`` (one recorded), ``"edit"`` (a correction) or
    ``"delete"`` (a withdrawal); None when the key result has no check-in at all."""
    changed_by: int | None
    """Who made it (the check-in's author, or who corrected it); None when nobody was named."""
    changed_by_name: str | None
    changed_at: str | None
    """When, as stored (UTC, ISO 8601)."""


def _present(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))  # pandas gives NaN for missing


def _int(x: Any) -> int | None:
    return int(x) if _present(x) else None


def shown(kr_id: int, checkin_id: Any, version: Any, confidence: Any, offered: str = "") -> Shown:
    """The first picture of a row: drawn from the key result's latest check-in (``checkin_id``,
    ``version``, ``confidence``; missing when it has none) with ``offered`` in its value box."""
    return Shown(int(kr_id), offered, _int(confidence), "", _int(checkin_id), _int(version))


def changed(row: Shown, value: str, confidence: Any, note: str) -> bool:
    """True when the person changed anything in the row since it was drawn (texts compared stripped)."""
    return (value or "").strip() != row.value or _int(confidence) != row.confidence or (note or "").strip() != row.note


def moved(row: Shown, now: Latest | None) -> bool:
    """True when the key result's latest check-in is no longer the one the row was drawn from:
    another was recorded, it was corrected, or it was withdrawn."""
    if now is None:
        return False
    return (now.checkin_id, now.version) != (row.checkin_id, row.version)


def decide(row: Shown, value: str, confidence: Any, note: str, now: Latest | None) -> str:
    """Whether a row is part of the submission: :data:`SAVE`, :data:`SKIP` or :data:`LEFT_OUT`.

    A row the person changed is saved (and then checked: a confidence changed without a value is
    refused for the missing value), unless all they did was empty the value box the page had
    filled, which means "skip this one". A row left as drawn is skipped, except that a KPI
    reading offered in it counts as entered, until the key result moves: then the offer is
    stale and left out. What is stored now never makes a row count as changed.
    """
    value, note = (value or "").strip(), (note or "").strip()
    if changed(row, value, confidence, note):
        emptied = not value and not note and _int(confidence) == row.confidence
        return SKIP if emptied else SAVE
    if not value:
        return SKIP
    return LEFT_OUT if moved(row, now) else SAVE


class Picked(NamedTuple):
    """The outcome of :func:`pick` over a form's rows."""

    save: list[int]
    """The key results whose rows are part of the check-in, in the form's order."""
    moved: list[int]
    """Those of them that moved since the form was drawn (saved all the same)."""
    left_out: list[int]
    """Key results whose offered KPI reading was not saved because they moved."""


def pick(rows: Iterable[tuple[Shown, str, Any, str]], now: dict[int, Latest]) -> Picked:
    """:func:`decide` over rows given as (their first picture, value, confidence, note now in
    the inputs), with ``now`` the key results' :func:`latest` state."""
    save, moved_saved, left_out = [], [], []
    for row, value, confidence, note in rows:
        verdict = decide(row, value, confidence, note, now.get(row.kr_id))
        if verdict == SAVE:
            save.append(row.kr_id)
            if moved(row, now.get(row.kr_id)):
                moved_saved.append(row.kr_id)
        elif verdict == LEFT_OUT:
            left_out.append(row.kr_id)
    return Picked(save, moved_saved, left_out)


def value_text(x: Any) -> str:
    """A number as the text a value box takes back (no thousands separators); nothing → ``""``."""
    if wording.missing(x):
        return ""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)  # repr: exact, so an unchanged value reads back equal


def offer(kpi_value: Any, kpi_read_on: Any, last_checkin_date: Any) -> str:
    """What a row's value box offers from the KPI measuring its key result: the KPI's latest
    reading (``kpi_value``, read on ``kpi_read_on``) when it is newer than the key result's last
    check-in (or there is none), as :func:`value_text`; else ``""``."""
    if wording.missing(kpi_value):
        return ""
    newer = wording.missing(last_checkin_date) or str(kpi_read_on) > str(last_checkin_date)
    return value_text(kpi_value) if newer else ""


def last_day(start: dt.date, end: dt.date, today: dt.date) -> dt.date:
    """The latest day a check-in of a cycle running from ``start`` to ``end`` may be dated:
    today, within the cycle."""
    return max(start, min(end, today))


def day_choices(start: dt.date, end: dt.date, today: dt.date, also: dt.date | None = None) -> list[dt.date]:
    """The days a check-in may be dated, newest first: from :func:`last_day` back to the cycle's
    ``start`` (and ``also``, the date a check-in being corrected has now)."""
    last = last_day(start, end, today)
    days = [last - dt.timedelta(days=i) for i in range((last - start).days + 1)]
    if also is not None and also not in days:
        days = sorted([*days, also], reverse=True)
    return days


def day_label(day: dt.date, today: dt.date) -> str:
    """A day in the date picker, as every date reads: ``"5 Dec 2026 (today)"``, ``"(yesterday)"``."""
    return wording.day(day) + {today: " (today)", today - dt.timedelta(days=1): " (yesterday)"}.get(day, "")


def latest(db: sqlite_utils.Database, kr_ids: Sequence[int]) -> dict[int, Latest]:
    """Each key result's latest live check-in (by date, then id, as
    :func:`okrdata.queries.key_results` picks it) and the last change to any of its check-ins
    (recorded, corrected or withdrawn: who and when), by key result id."""
    ids = sorted({int(i) for i in kr_ids})
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    current = {
        r["kr_id"]: r
        for r in db.query(
            f"""
            SELECT kr.id AS kr_id, c.id AS checkin_id, c.version, c.value, c.confidence
            FROM key_results kr
            LEFT JOIN checkins c ON c.id = (
                SELECT c2.id FROM checkins c2
                WHERE c2.kr_id = kr.id AND c2.deleted = 0
                ORDER BY c2.checkin_date DESC, c2.id DESC LIMIT 1
            )
            WHERE kr.id IN ({marks})
            """,
            ids,
        )
    }
    # Of equal times, a revision is newer than the check-in it revises.
    events = db.query(
        f"""
        SELECT e.kr_id, e.action, e.by_id, p.name AS by_name, e.at
        FROM (
            SELECT kr_id, action, by_id, at, ROW_NUMBER() OVER (
                PARTITION BY kr_id ORDER BY at DESC, kind DESC, seq DESC
            ) AS n
            FROM (
                SELECT c.kr_id, 'checkin' AS action, c.author_id AS by_id, c.created_at AS at, 0 AS kind, c.id AS seq
                FROM checkins c WHERE c.kr_id IN ({marks})
                UNION ALL
                SELECT c.kr_id, r.action, r.changed_by, r.changed_at, 1, r.id
                FROM checkin_revisions r JOIN checkins c ON c.id = r.checkin_id
                WHERE c.kr_id IN ({marks})
            )
        ) e
        LEFT JOIN people p ON p.id = e.by_id
        WHERE e.n = 1
        """,
        ids + ids,
    )
    last = {r["kr_id"]: r for r in events}
    out = {}
    for kr_id, r in current.items():
        event = last.get(kr_id, {})
        out[kr_id] = Latest(
            kr_id,
            r["checkin_id"],
            r["version"],
            None if r["value"] is None else float(r["value"]),
            r["confidence"],
            event.get("action"),
            event.get("by_id"),
            event.get("by_name"),
            event.get("at"),
        )
    return out
