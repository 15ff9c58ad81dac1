"""Immediate chat posts: a key result turning off track, a cycle closing.

Both are found by comparing the database with what was seen before, whenever the job runs (the
scheduler every few minutes, or ``okr notify`` from cron), so no save ever waits for a chat
server:

- **Turned off track**: a check-in saved or corrected since the last look (``updated_at``) that
  is its key result's latest, whose confidence is in the off-track band
  (:func:`okrdata.numbers.confidence_band`), while the check-in before it was not (or there was
  none). One post per such check-in to the channels of the key result's unit, or of the
  nearest unit above it with one.
- **Cycle closed**: a cycle whose state is ``closed`` and was not when last seen. One post to the
  company's channels, with its final progress and scores.

"Since the last look" starts at the first run: the ``notify_events_since`` setting holds the
moment from which check-ins count (and at most :data:`WINDOW` back), ``notify_closed_cycles`` the
cycles already seen closed, so setting up notifications on an old database posts nothing about
its past.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from okrdata import numbers as n
from okrdata import queries, report
from okrdata import wording as words
from okrdata.notify import chat, webhooks
from okrdata.notify.deliveries import Outgoing, iso
from okrdata.notify.settings import Settings, page_link

SINCE_KEY = "notify_events_since"
CLOSED_KEY = "notify_closed_cycles"
WINDOW = dt.timedelta(days=2)
"""A check-in older than this is not news any more, even when no job ran since."""


def _setting(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def _put(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def turned_off_track(db: sqlite_utils.Database, since: str) -> list[dict]:
    """Check-ins saved since ``since`` (UTC ISO) that turned their key result off track."""
    rows = list(
        db.query(
            """
        SELECT c.id AS checkin_id, c.kr_id, c.checkin_date, c.value, c.confidence, c.note, c.updated_at,
               kr.title, kr.unit_label, o.id AS objective_id, o.title AS objective_title, o.unit_id, o.cycle_id,
               u.name AS unit_name, cy.name AS cycle_name, p.name AS author_name,
               (SELECT c3.confidence FROM checkins c3
                WHERE c3.kr_id = c.kr_id AND c3.deleted = 0
                  AND (c3.checkin_date < c.checkin_date OR (c3.checkin_date = c.checkin_date AND c3.id < c.id))
                ORDER BY c3.checkin_date DESC, c3.id DESC LIMIT 1) AS previous_confidence
        FROM checkins c
        JOIN key_results kr ON kr.id = c.kr_id
        JOIN objectives o ON o.id = kr.objective_id
        JOIN cycles cy ON cy.id = o.cycle_id
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN people p ON p.id = c.author_id
        WHERE c.deleted = 0 AND c.updated_at >= :since AND cy.state = 'active' AND o.state = 'active'
          AND kr.archived = 0
          AND c.id = (SELECT c2.id FROM checkins c2 WHERE c2.kr_id = c.kr_id AND c2.deleted = 0
                      ORDER BY c2.checkin_date DESC, c2.id DESC LIMIT 1)
        ORDER BY c.updated_at, c.id
        """,
            {"since": since},
        )
    )
    return [
        r
        for r in rows
        if n.confidence_band(r["confidence"]) == n.OFF_TRACK
        and (r["previous_confidence"] is None or n.confidence_band(r["previous_confidence"]) != n.OFF_TRACK)
    ]


def off_track_message(settings: Settings, event: dict) -> chat.ChatMessage:
    """The post for a key result that turned off track."""
    was = (
        "its first check-in"
        if event["previous_confidence"] is None
        else f"was {words.confidence(event['previous_confidence'])}"
    )
    lines = [
        f"{event['unit_name']} · {event['objective_title']} · {event['cycle_name']}",
        f"Confidence {words.confidence(event['confidence'])} on {words.day(event['checkin_date'])} ({was}); "
        f"value {words.number(event['value'], event['unit_label'])}"
        + (f", by {event['author_name']}" if event["author_name"] else ""),
    ]
    if (event["note"] or "").strip():
        lines.append(f"“{report.shorten(event['note'], 300)}”")
    return chat.ChatMessage(
        title=f"Off track: {event['title']}",
        lines=lines,
        link_label="Open the objective",
        link_url=page_link(settings, "okrs", cycle=event["cycle_id"], objective=event["objective_id"]),
    )


def closed_message(db: sqlite_utils.Database, settings: Settings, cycle: dict) -> chat.ChatMessage:
    """The post for a cycle that closed: final progress and the objectives' score bands."""
    objs = queries.objectives(db, cycle["id"])
    summary = queries.cycle_summary(db, cycle["id"], objs=objs)
    bands = {"green": 0, "yellow": 0, "red": 0}
    for score in objs["score"] if not objs.empty else []:
        band = words.score_band(score)
        if band:
            bands[band] += 1
    lines = [
        f"Final progress {words.pct(summary['progress'])} across {words.plural(len(objs), 'objective')}.",
        f"Scores: {bands['green']} green (0.7 and above), {bands['yellow']} yellow, {bands['red']} red.",
    ]
    return chat.ChatMessage(
        title=f"Cycle closed: {cycle['name']}",
        lines=lines,
        link_label="Open the review",
        link_url=page_link(settings, "review", cycle=cycle["id"]),
    )


def plan(db: sqlite_utils.Database, settings: Settings, now: dt.datetime) -> tuple[list[Outgoing], dict[str, str]]:
    """The posts for what happened since the last look, and the settings that record this look
    (to be written in the same transaction as the posts are queued: :func:`remember`)."""
    stamp = iso(now)
    first = _setting(db, SINCE_KEY)
    closed_now = [dict(r) for r in db.query("SELECT * FROM cycles WHERE state = 'closed' ORDER BY id")]
    seen_raw = _setting(db, CLOSED_KEY)
    closed_ids = sorted(int(c["id"]) for c in closed_now)
    if first is None:
        # The first look: what is there already is the past, not news.
        return [], {SINCE_KEY: stamp, CLOSED_KEY: json.dumps(closed_ids)}
    seen = set(closed_ids) if seen_raw is None else {int(i) for i in json.loads(seen_raw)}
    since = max(first, iso(now - WINDOW))
    hooks = webhooks.by_unit(db)
    out: list[Outgoing] = []
    for event in turned_off_track(db, since):
        message = off_track_message(settings, event)
        for hook in webhooks.nearest(db, event["unit_id"], hooks):
            out.append(
                webhooks.outgoing(
                    hook,
                    message,
                    key=f"off_track:webhook:{hook['id']}:checkin:{event['checkin_id']}",
                    kind="off_track",
                    period=str(event["checkin_date"]),
                    unit_id=event["unit_id"],
                    cycle_id=event["cycle_id"],
                    kr_id=event["kr_id"],
                )
            )
    newly = [c for c in closed_now if int(c["id"]) not in seen]
    root = db.execute("SELECT id FROM units WHERE parent_id IS NULL").fetchone()
    for cycle in newly:
        message = closed_message(db, settings, cycle)
        for hook in hooks.get(int(root[0]), []) if root else []:
            out.append(
                webhooks.outgoing(
                    hook,
                    message,
                    key=f"cycle_closed:webhook:{hook['id']}:cycle:{cycle['id']}",
                    kind="cycle_closed",
                    period=str(cycle["end_date"]),
                    unit_id=int(root[0]),
                    cycle_id=cycle["id"],
                )
            )
    # The list follows the cycles closed now; the log's key keeps a cycle from being announced twice.
    remembered = {CLOSED_KEY: json.dumps(closed_ids)} if set(closed_ids) != seen else {}
    return out, remembered


def remember(db: sqlite_utils.Database, values: dict[str, str]) -> None:
    """Record a look (:func:`plan`'s second result); call inside the transaction that queues its posts."""
    for key, value in values.items():
        _put(db, key, value)
