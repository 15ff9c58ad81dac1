"""The delivery log: every reminder, digest and chat post, sent once, retried, never lost silently.

A message is first *planned* (:class:`Outgoing`: its kind, who or which channel, the ISO week or
event it belongs to, what to send) and written with :func:`enqueue` as a ``deliveries`` row whose
``dedupe_key`` is UNIQUE: ``INSERT OR IGNORE`` means a second run, a second server or a restart
planning the same message finds it there and adds nothing. Then :func:`deliver_due` takes each
row that is due, *claims* it in a write transaction (``pending`` → ``sending``, only if it is
still pending), sends it outside the transaction, and records the result:

- sent: ``sent`` with the time;
- a temporary failure (a refused connection, a timeout, HTTP 429 or 5xx, an SMTP 4xx answer):
  back to ``pending``, due again after :data:`RETRY_DELAYS` (1, 5, 15, 60 minutes), until
  :data:`MAX_ATTEMPTS` tries have failed: then ``failed``;
- a permanent failure (HTTP 4xx, an address the mail server refuses, a webhook removed):
  ``failed`` at once, with the error.

A row left ``sending`` for longer than :data:`LEASE` (the process died mid-send) is marked
``failed`` rather than sent again: it may have arrived, and nobody gets a message twice. An
admin can send a failed one again with :func:`retry`. :func:`log` and :func:`summary` are what
Manage and ``okr deliveries`` show.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from okrdata.db import transaction
from okrdata.errors import ValidationError

RETRY_DELAYS = (60, 300, 900, 3600)
"""Seconds to wait after the 1st, 2nd, 3rd and 4th failed try."""
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = dt.timedelta(minutes=15)
"""A claim older than this without a result is taken as a process that died mid-send."""
INTERRUPTED = (
    "interrupted while sending (the process stopped): it may or may not have arrived, so it is not "
    "sent again by itself; send it again from the log if it did not."
)
LOG_LIMIT = 200
ERROR_CHARS = 500

LOG_COLUMNS = [
    "id",
    "kind",
    "period",
    "channel",
    "recipient",
    "subject",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "updated_at",
    "sent_at",
    "next_attempt_at",
    "unit_id",
    "person_id",
    "webhook_id",
]


class DeliveryError(Exception):
    """A message could not be sent; ``transient`` when trying again later may work."""

    def __init__(self, message: str, transient: bool, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.retry_after = retry_after


@dataclass
class Outgoing:
    """A planned message: what :func:`enqueue` writes and a dry run prints."""

    key: str
    """Unique per message: ``reminder:email:person:4:2026-W07``."""
    kind: str
    period: str
    channel: str
    recipient: str
    subject: str
    payload: dict[str, Any]
    person_id: int | None = None
    unit_id: int | None = None
    webhook_id: int | None = None
    cycle_id: int | None = None
    kr_id: int | None = None
    preview: str = ""
    """The message as plain text, for ``--dry-run --verbose``."""


@dataclass
class Planned:
    """An :class:`Outgoing` and what the log knew of it: ``new``, or the status it already had."""

    outgoing: Outgoing
    status: str
    row_id: int | None = None

    @property
    def new(self) -> bool:
        return self.status == "new"


@dataclass
class Result:
    """One try at sending a row: its status afterwards and the error, if any."""

    row_id: int
    kind: str
    recipient: str
    subject: str
    status: str
    error: str | None = None
    next_attempt_at: str | None = None


@dataclass
class Batch:
    """What a run planned and what it sent."""

    planned: list[Planned] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: Batch) -> Batch:
        self.planned += other.planned
        self.results += other.results
        self.notes += other.notes
        return self


def iso(moment: dt.datetime) -> str:
    """A moment as the UTC ISO text the log stores (naive moments are local time)."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def worker_id() -> str:
    """Who claims a row: host, process and a random part, so two workers never look alike."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# --- writing the plan ------------------------------------------------------------------------


def known(db: sqlite_utils.Database, keys: Iterable[str]) -> dict[str, tuple[int, str]]:
    """The rows already in the log for some keys: key → (id, status)."""
    keys = list(dict.fromkeys(keys))
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = db.execute(
            f"SELECT dedupe_key, id, status FROM deliveries WHERE dedupe_key IN ({', '.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        found.update({k: (i, s) for k, i, s in rows})
    return found


def check(db: sqlite_utils.Database, items: Sequence[Outgoing]) -> list[Planned]:
    """The plan as it stands in the log, writing nothing (a dry run)."""
    seen = known(db, [o.key for o in items])
    return [Planned(o, seen[o.key][1], seen[o.key][0]) if o.key in seen else Planned(o, "new") for o in items]


def enqueue(db: sqlite_utils.Database, items: Sequence[Outgoing], now: dt.datetime) -> list[Planned]:
    """Write the planned messages that are not in the log yet, in one transaction.

    A message whose key is there already (sent, pending or failed, by this run or another) is
    left as it is and reported with its status.
    """
    stamp = iso(now)
    planned = []
    with transaction(db):
        for o in items:
            cursor = db.execute(
                """
                INSERT OR IGNORE INTO deliveries
                    (dedupe_key, kind, period, channel, recipient, subject, payload, person_id, unit_id,
                     webhook_id, cycle_id, kr_id, status, attempts, next_attempt_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
                """,
                [
                    o.key,
                    o.kind,
                    o.period,
                    o.channel,
                    o.recipient,
                    o.subject,
                    json.dumps(o.payload),
                    o.person_id,
                    o.unit_id,
                    o.webhook_id,
                    o.cycle_id,
                    o.kr_id,
                    stamp,
                    stamp,
                    stamp,
                ],
            )
            if cursor.rowcount == 1:
                planned.append(Planned(o, "new", cursor.lastrowid))
            else:
                row_id, status = db.execute(
                    "SELECT id, status FROM deliveries WHERE dedupe_key = ?", [o.key]
                ).fetchone()
                planned.append(Planned(o, status, row_id))
    return planned


# --- sending ---------------------------------------------------------------------------------


def claim(db: sqlite_utils.Database, row_id: int, worker: str, now: dt.datetime) -> dict | None:
    """Take a due row for sending (``pending`` → ``sending``); None when another worker has it,
    it was sent already, or it is not due."""
    stamp = iso(now)
    with transaction(db):
        cursor = db.execute(
            """
            UPDATE deliveries SET status = 'sending', claimed_by = ?, attempts = attempts + 1, updated_at = ?
            WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?
            """,
            [worker, stamp, row_id, stamp],
        )
        if cursor.rowcount != 1:
            return None
        rows = list(db.query("SELECT * FROM deliveries WHERE id = ?", [row_id]))
    return rows[0]


def _finish(db: sqlite_utils.Database, row: dict, worker: str, now: dt.datetime, error: DeliveryError | None) -> Result:
    stamp = iso(now)
    if error is None:
        status, message, next_at = "sent", None, None
    else:
        message = error.message[:ERROR_CHARS]
        attempts = int(row["attempts"])
        if error.transient and attempts < MAX_ATTEMPTS:
            wait = max(RETRY_DELAYS[attempts - 1], error.retry_after or 0)
            status, next_at = "pending", iso(now + dt.timedelta(seconds=wait))
        else:
            status, next_at = "failed", None
            if error.transient:
                message = f"gave up after {attempts} tries: {message}"[:ERROR_CHARS]
    with transaction(db):
        db.execute(
            """
            UPDATE deliveries SET status = ?, last_error = ?, updated_at = ?,
                   sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,
                   next_attempt_at = COALESCE(?, next_attempt_at), claimed_by = NULL
            WHERE id = ? AND claimed_by = ?
            """,
            [status, message, stamp, status, stamp, next_at, row["id"], worker],
        )
    return Result(row["id"], row["kind"], row["recipient"], row["subject"], status, message, next_at)


def expire_stuck(db: sqlite_utils.Database, now: dt.datetime) -> int:
    """Mark rows claimed longer than :data:`LEASE` ago and never finished as failed; how many."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE deliveries SET status = 'failed', last_error = ?, claimed_by = NULL, updated_at = ? "
            "WHERE status = 'sending' AND updated_at < ?",
            [INTERRUPTED, iso(now), iso(now - LEASE)],
        )
    return cursor.rowcount


Sender = Callable[[dict], None]
"""Sends one claimed row (its ``payload`` decoded into ``row["message"]``) or raises DeliveryError;
its ``close()``, if it has one, is called when the run is over."""


def deliver_due(
    db: sqlite_utils.Database,
    send: Sender,
    now: dt.datetime,
    kinds: Sequence[str] | None = None,
    ids: Sequence[int] | None = None,
) -> list[Result]:
    """Send every pending row that is due (of some kinds, or some rows), each claimed first."""
    expire_stuck(db, now)
    where, params = ["status = 'pending'", "next_attempt_at <= ?"], [iso(now)]
    if kinds is not None:
        where.append(f"kind IN ({', '.join('?' * len(kinds))})")
        params += list(kinds)
    if ids is not None:
        wanted = [int(i) for i in ids] or [-1]
        where.append(f"id IN ({', '.join('?' * len(wanted))})")
        params += wanted
    due = [
        r[0]
        for r in db.execute(f"SELECT id FROM deliveries WHERE {' AND '.join(where)} ORDER BY id", params).fetchall()
    ]
    worker = worker_id()
    results = []
    try:
        for row_id in due:
            row = claim(db, row_id, worker, now)
            if row is None:
                continue
            row["message"] = json.loads(row["payload"])
            try:
                send(row)
            except DeliveryError as exc:
                results.append(_finish(db, row, worker, now, exc))
            except Exception as exc:  # noqa: BLE001 - a bug in a sender must not leave the row claimed for good
                results.append(_finish(db, row, worker, now, DeliveryError(f"{type(exc).__name__}: {exc}", False)))
            else:
                results.append(_finish(db, row, worker, now, None))
    finally:
        close = getattr(send, "close", None)
        if callable(close):
            close()
    return results


# --- what admins see -------------------------------------------------------------------------


def log(db: sqlite_utils.Database, limit: int = LOG_LIMIT, status: str | None = None) -> list[dict]:
    """The newest rows of the log (failed ones only with ``status="failed"``), newest first."""
    where = "WHERE status = ?" if status else ""
    params: list[Any] = [status] if status else []
    rows = db.execute(
        f"SELECT {', '.join(LOG_COLUMNS)} FROM deliveries {where} ORDER BY id DESC LIMIT ?",
        params + [max(int(limit), 0)],
    ).fetchall()
    return [dict(zip(LOG_COLUMNS, r)) for r in rows]


def failures(db: sqlite_utils.Database, limit: int = LOG_LIMIT) -> list[dict]:
    """The failed deliveries, newest first: what admins must look at."""
    return log(db, limit, "failed")


def summary(db: sqlite_utils.Database, since: dt.datetime) -> dict[str, int]:
    """Rows per status created since a moment (every status present)."""
    counts = dict(
        db.execute(
            "SELECT status, count(*) FROM deliveries WHERE created_at >= ? GROUP BY status", [iso(since)]
        ).fetchall()
    )
    return {s: int(counts.get(s, 0)) for s in ("sent", "pending", "sending", "failed")}


def retry(db: sqlite_utils.Database, row_id: Any, *, person: dict | None, now: dt.datetime | None = None) -> dict:
    """Put a failed delivery back in the queue, due now; only an admin (or the command line) may.

    ``person`` is the admin asking, or :data:`okrdata.notify.prefs.SYSTEM` for the ``okr``
    command run by the machine's owner. Refused for a row that is not failed: a sent message is
    never sent twice.
    """
    from okrdata.notify.prefs import check_admin_or_system

    check_admin_or_system(db, person)
    try:
        key = int(row_id)
    except (TypeError, ValueError):
        raise ValidationError("delivery", f"must be the number of a delivery, not {row_id!r}.") from None
    rows = list(db.query("SELECT * FROM deliveries WHERE id = ?", [key]))
    if not rows:
        raise ValidationError("delivery", f"there is no delivery number {key}.")
    if rows[0]["status"] != "failed":
        raise ValidationError(
            "delivery", f"number {key} is {rows[0]['status']}, not failed: only a failed one is sent again."
        )
    stamp = iso(now or dt.datetime.now(dt.UTC))
    with transaction(db):
        db.execute(
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'failed'",
            [stamp, stamp, key],
        )
    return rows[0]
