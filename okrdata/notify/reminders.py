"""Check-in reminders: once a week, each lead whose units have key results due hears which ones.

**Due** is DESIGN.md's stale rule without the grace period: a key result of a running, active
cycle is due when it has had no check-in within its cadence (``cadence_days``, default 7) —
:func:`okrdata.numbers.is_stale` with ``grace_days=0``, so a weekly key result checked in 7 days
ago is up to date and one checked in 8 days ago is due; one never checked in is due. Stale
key results (past the grace period as well) are due too. Nobody who is up to date is reminded.

**Who**: the lead of the key result's unit (``units.lead_id``), when they are not archived and
may still change the unit (:func:`okrdata.auth.editable_unit_ids`), by e-mail: one message a
week (ISO week) naming every due key result of every unit they lead, with a link to the
Check-in page of each unit (``/checkin?cycle=ID&unit=ID``). And each unit's chat channels
(:mod:`okrdata.notify.webhooks`), one post a week for the unit's own due key results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from okrdata import auth, queries
from okrdata import numbers as n
from okrdata import wording as words
from okrdata.notify import chat, mail, webhooks
from okrdata.notify.deliveries import Outgoing
from okrdata.notify.settings import Settings, iso_week, page_link
from okrdata.report import _e as escape

CHAT_LIMIT = 10
"""At most this many key results are named in a chat post; the rest are counted."""
DUE_COLUMNS = [
    "kr_id",
    "title",
    "unit_id",
    "unit_name",
    "cycle_id",
    "cycle_name",
    "objective_title",
    "last_checkin_date",
    "days_since_checkin",
    "cadence_days",
    "status",
]


def is_due(last_checkin: dt.date | None, as_of: dt.date, cadence_days: int) -> bool:
    """True when a key result has had no check-in within its cadence (the stale rule, no grace)."""
    return n.is_stale(last_checkin, as_of, int(cadence_days), grace_days=0)


def running_cycles(db: sqlite_utils.Database, today: dt.date) -> list[dict]:
    """The active cycles running on a day (its start to its end)."""
    return list(
        db.query(
            "SELECT * FROM cycles WHERE state = 'active' AND start_date <= :d AND end_date >= :d ORDER BY start_date, id",
            {"d": today.isoformat()},
        )
    )


def due_key_results(db: sqlite_utils.Database, today: dt.date) -> pd.DataFrame:
    """Every due key result of the running cycles, by unit: :data:`DUE_COLUMNS`."""
    frames = []
    for cycle in running_cycles(db, today):
        krs = queries.key_results(db, cycle["id"], None, today)
        if krs.empty:
            continue
        as_of = queries.as_of(cycle, today)
        last = [None if pd.isna(d) else dt.date.fromisoformat(str(d)[:10]) for d in krs["last_checkin_date"]]
        due = [is_due(d, as_of, c) for d, c in zip(last, krs["cadence_days"])]
        picked = krs[due].assign(cycle_name=cycle["name"])
        frames.append(picked)
    if not frames:
        return pd.DataFrame(columns=DUE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[DUE_COLUMNS]


def reason(row: dict) -> str:
    """Why a key result is due: ``"last check-in 15 Jan 2026, 25 days ago (every 7 days); stale"``."""
    if words.missing(row["last_checkin_date"]):
        text = "no check-in yet"
    else:
        text = (
            f"last check-in {words.day(row['last_checkin_date'])}, {words.days(row['days_since_checkin'])} ago "
            f"(every {words.days(row['cadence_days'])})"
        )
    return text + ("; stale" if row["status"] == n.STALE else "")


@dataclass
class Group:
    """The due key results of one unit in one cycle."""

    unit_id: int
    unit_name: str
    cycle_id: int
    cycle_name: str
    rows: list[dict]


def _groups(due: pd.DataFrame) -> list[Group]:
    out = []
    for (unit_id, cycle_id), frame in due.groupby(["unit_id", "cycle_id"], sort=False):
        first = frame.iloc[0]
        out.append(
            Group(
                int(unit_id), str(first["unit_name"]), int(cycle_id), str(first["cycle_name"]), frame.to_dict("records")
            )
        )
    return sorted(out, key=lambda g: (g.unit_name.lower(), g.cycle_id))


def _names(groups: Sequence[Group]) -> str:
    names = list(dict.fromkeys(g.unit_name for g in groups))
    if len(names) <= 2:
        return " and ".join(names)
    return f"{names[0]}, {names[1]} and {len(names) - 2} more"


def _count(k: int) -> str:
    return words.plural(k, "key result")


INTRO = (
    "These key results have had no check-in within their cadence. A check-in takes a minute: the new value, "
    "a confidence from 0 to 10 and what you learned."
)
WHY = "You get this because you lead these units. It comes once a week, and only while a key result is due."


def email(settings: Settings, lead: dict, groups: Sequence[Group]) -> tuple[str, str, str]:
    """A lead's reminder as (subject, plain text, HTML)."""
    total = sum(len(g.rows) for g in groups)
    subject = f"Check-in due: {_count(total)} of {_names(groups)}"
    text = [f"Hello {lead['name']},", "", INTRO, ""]
    html = [
        f'<p style="{mail.STYLE["p"]}">Hello {escape(lead["name"])},</p>',
        f'<p style="{mail.STYLE["p"]}">{escape(INTRO)}</p>',
    ]
    for g in groups:
        link = page_link(settings, "checkin", cycle=g.cycle_id, unit=g.unit_id)
        text += [f"{g.unit_name} · {g.cycle_name}", f"Check in: {link}"]
        text += [f"  - {r['title']}: {reason(r)}" for r in g.rows]
        text.append("")
        items = "".join(
            f'<li style="{mail.STYLE["li"]}"><strong>{escape(r["title"])}</strong><br>'
            f'<span style="{mail.STYLE["muted"]}">{escape(reason(r))}</span></li>'
            for r in g.rows
        )
        html.append(
            f'<h2 style="{mail.STYLE["h2"]}">{escape(g.unit_name)} · {escape(g.cycle_name)}</h2>'
            f'<ul style="{mail.STYLE["ul"]}">{items}</ul>' + mail.button(link, f"Check in for {g.unit_name}")
        )
    text.append(WHY)
    return subject, "\n".join(text), mail.page(subject, "Check-in reminder", "".join(html), WHY)


def chat_message(settings: Settings, group: Group, lead_name: str | None) -> chat.ChatMessage:
    """A unit's reminder for its chat channel."""
    lines = [
        f"{_count(len(group.rows))} had no check-in within their cadence"
        + (f" (lead: {lead_name})." if lead_name else ".")
    ]
    lines += [f"• {r['title']}: {reason(r)}" for r in group.rows[:CHAT_LIMIT]]
    if len(group.rows) > CHAT_LIMIT:
        lines.append(f"…and {len(group.rows) - CHAT_LIMIT} more.")
    return chat.ChatMessage(
        title=f"Check-in due for {group.unit_name} ({group.cycle_name})",
        lines=lines,
        link_label="Check in",
        link_url=page_link(settings, "checkin", cycle=group.cycle_id, unit=group.unit_id),
    )


def plan(db: sqlite_utils.Database, settings: Settings, now: dt.datetime) -> list[Outgoing]:
    """This week's reminders: one e-mail per lead with due key results, one post per unit channel."""
    today = now.date()
    week = iso_week(today)
    groups = _groups(due_key_results(db, today))
    if not groups:
        return []
    units = {r[0]: r for r in db.execute("SELECT id, lead_id, archived FROM units").fetchall()}
    out: list[Outgoing] = []
    by_lead: dict[int, list[Group]] = {}
    leads: dict[int, dict] = {}
    for g in groups:
        _, lead_id, archived = units[g.unit_id]
        if lead_id is None or archived:
            continue
        if lead_id not in leads:
            person = auth.person_by_id(db, lead_id)
            may = auth.editable_unit_ids(db, lead_id) if person and not person["archived"] else set()
            leads[lead_id] = {"person": person, "may": may}
        if g.unit_id in leads[lead_id]["may"]:
            by_lead.setdefault(lead_id, []).append(g)
    for lead_id, mine in sorted(by_lead.items()):
        lead = leads[lead_id]["person"]
        subject, text, html = email(settings, lead, mine)
        out.append(
            mail.outgoing(
                lead["email"],
                subject,
                text,
                html,
                key=f"reminder:email:person:{lead_id}:{week}",
                kind="reminder",
                period=week,
                person_id=lead_id,
                unit_id=mine[0].unit_id,
                cycle_id=mine[0].cycle_id,
            )
        )
    hooks = webhooks.by_unit(db)
    for g in groups:
        _, lead_id, archived = units[g.unit_id]
        if archived:
            continue
        lead = leads.get(lead_id, {}).get("person") if lead_id is not None else None
        message = chat_message(settings, g, lead["name"] if lead else None)
        for hook in hooks.get(g.unit_id, []):
            out.append(
                webhooks.outgoing(
                    hook,
                    message,
                    key=f"reminder:webhook:{hook['id']}:unit:{g.unit_id}:cycle:{g.cycle_id}:{week}",
                    kind="reminder",
                    period=week,
                    unit_id=g.unit_id,
                    cycle_id=g.cycle_id,
                )
            )
    return out
