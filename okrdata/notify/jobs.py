"""The jobs: plan this week's reminders and digests and the immediate posts, queue them once, send.

Each job plans its messages (:mod:`~okrdata.notify.reminders`, :mod:`~okrdata.notify.digest`,
:mod:`~okrdata.notify.events`), writes the new ones to the delivery log in one transaction
(:func:`okrdata.notify.deliveries.enqueue`: a message already there is never queued twice), then
sends what is due (:func:`okrdata.notify.deliveries.deliver_due`). With ``dry_run`` nothing is
written or sent: the plan comes back with what the log already knows of each message.

:func:`run_due` is what the scheduler and ``okr notify`` run every few minutes: the reminders
once this week's reminder time has come (``remind_at``, Monday 09:00 by default), the digest
once its time has come (``digest_at``, Friday 15:00), the immediate posts, and the retries.
``okr remind`` and ``okr digest`` run theirs at once, whatever the day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import sqlite_utils

from okrdata.db import transaction
from okrdata.notify import chat, deliveries, digest, events, mail, reminders, webhooks
from okrdata.notify import settings as notify_settings
from okrdata.notify.deliveries import Batch, DeliveryError, Outgoing
from okrdata.notify.prefs import check_admin_or_system
from okrdata.notify.settings import Settings

NO_EMAIL = (
    "E-mail is not set up ([okr.smtp] host in secrets.toml, or OKR_SMTP_HOST): no e-mail is sent, only chat posts."
)
EVENT_KINDS = ("off_track", "cycle_closed")


class Transport:
    """What sends a claimed row: the mail server for e-mail (one connection for the whole run,
    :class:`okrdata.notify.mail.Session`), the webhook's address for chat."""

    def __init__(self, db: sqlite_utils.Database, settings: Settings):
        self.db, self.settings = db, settings
        self.session = mail.Session(settings.smtp) if settings.smtp else None

    def __call__(self, row: dict) -> None:
        message = row["message"]
        if row["channel"] == "email":
            if self.session is None:
                raise DeliveryError("e-mail is not set up ([okr.smtp] host, or OKR_SMTP_HOST)", True)
            smtp = self.settings.smtp
            self.session.send(mail.build(smtp, message["to"], message["subject"], message["text"], message["html"]))
            return
        found = self.db.execute("SELECT url FROM webhooks WHERE id = ?", [row["webhook_id"]]).fetchone()
        if row["webhook_id"] is None or found is None:
            raise DeliveryError("the webhook was removed before this could be posted", False)
        chat.post(found[0], message["body"])

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now()


def _queue(
    db: sqlite_utils.Database,
    items: list[Outgoing],
    settings: Settings,
    now: dt.datetime,
    dry_run: bool,
    remembered: dict[str, str] | None = None,
) -> Batch:
    batch = Batch()
    if settings.smtp is None:
        batch.notes.append(NO_EMAIL)
        items = [o for o in items if o.channel != "email"]
    if dry_run:
        batch.planned = deliveries.check(db, items)
        return batch
    with transaction(db):
        batch.planned = deliveries.enqueue(db, items, now)
        if remembered:
            events.remember(db, remembered)
    return batch


def _deliver(
    db: sqlite_utils.Database,
    settings: Settings,
    now: dt.datetime,
    batch: Batch,
    kinds: Sequence[str] | None,
    dry_run: bool,
) -> Batch:
    if not dry_run:
        batch.results = deliveries.deliver_due(db, Transport(db, settings), now, kinds=kinds)
    return batch


def remind(
    db: sqlite_utils.Database, now: dt.datetime | None = None, settings: Settings | None = None, dry_run: bool = False
) -> Batch:
    """This week's check-in reminders, now."""
    now, settings = _now(now), settings or notify_settings.load()
    batch = _queue(db, reminders.plan(db, settings, now), settings, now, dry_run)
    return _deliver(db, settings, now, batch, ("reminder",), dry_run)


def send_digest(
    db: sqlite_utils.Database, now: dt.datetime | None = None, settings: Settings | None = None, dry_run: bool = False
) -> Batch:
    """This week's digests, now."""
    now, settings = _now(now), settings or notify_settings.load()
    items, logged = digest.plan(db, settings, now)
    batch = _queue(db, items, settings, now, dry_run)
    _logged_note(batch, logged)
    return _deliver(db, settings, now, batch, ("digest",), dry_run)


def _logged_note(batch: Batch, logged: int) -> None:
    if logged:
        batch.notes.append(f"{logged} of this week's digests are in the delivery log already (`okr deliveries`).")


def post_events(
    db: sqlite_utils.Database, now: dt.datetime | None = None, settings: Settings | None = None, dry_run: bool = False
) -> Batch:
    """The posts for key results turned off track and cycles closed since the last look."""
    now, settings = _now(now), settings or notify_settings.load()
    items, remembered = events.plan(db, settings, now)
    batch = _queue(db, items, settings, now, dry_run, remembered)
    return _deliver(db, settings, now, batch, EVENT_KINDS, dry_run)


def run_due(
    db: sqlite_utils.Database, now: dt.datetime | None = None, settings: Settings | None = None, dry_run: bool = False
) -> Batch:
    """Everything due now: this week's reminders and digest once their time has come, the
    immediate posts, and every retry that is due. Safe to run as often as you like."""
    now, settings = _now(now), settings or notify_settings.load()
    batch = Batch()
    items: list[Outgoing] = []
    if notify_settings.due_this_week(now, settings.remind_at):
        items += reminders.plan(db, settings, now)
    logged = 0
    if notify_settings.due_this_week(now, settings.digest_at):
        digests, logged = digest.plan(db, settings, now)
        items += digests
    news, remembered = events.plan(db, settings, now)
    batch.extend(_queue(db, items + news, settings, now, dry_run, remembered))
    _logged_note(batch, logged)
    return _deliver(db, settings, now, batch, None, dry_run)


def test_post(
    db: sqlite_utils.Database,
    webhook_id: Any,
    *,
    person: dict | None,
    now: dt.datetime | None = None,
    settings: Settings | None = None,
) -> deliveries.Result:
    """Post a short test message to a webhook at once (recorded in the log like any post)."""
    check_admin_or_system(db, person)
    now, settings = _now(now), settings or notify_settings.load()
    hook = webhooks.get(db, webhook_id)
    message = chat.ChatMessage(
        title="Test from the OKR dashboard",
        lines=[f"This channel will get the notifications of {hook['unit_name']}."],
        link_label="Open the dashboard",
        link_url=notify_settings.page_link(settings, "overview"),
    )
    item = webhooks.outgoing(
        hook,
        message,
        key=f"test:webhook:{hook['id']}:{uuid.uuid4().hex}",
        kind="test",
        period=now.date().isoformat(),
        unit_id=hook["unit_id"],
    )
    planned = deliveries.enqueue(db, [item], now)
    results = deliveries.deliver_due(db, Transport(db, settings), now, ids=[planned[0].row_id])
    return results[0]


Job = Callable[..., Batch]
JOBS: dict[str, Job] = {"remind": remind, "digest": send_digest, "events": post_events, "notify": run_due}
