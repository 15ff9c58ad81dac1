"""Notifications: check-in reminders, the weekly digest and chat posts, each sent once.

- :mod:`~okrdata.notify.settings`: the dashboard's address, the mail server, the weekly times.
- :mod:`~okrdata.notify.prefs`: who gets the digest (each person's choice, the admins' default).
- :mod:`~okrdata.notify.webhooks`: the chat channels of units (Slack, Teams, Mattermost, Google Chat).
- :mod:`~okrdata.notify.reminders`, :mod:`~okrdata.notify.digest`, :mod:`~okrdata.notify.events`:
  what to say to whom (reminders to leads with key results due, the digest, off-track and
  cycle-closed posts).
- :mod:`~okrdata.notify.mail`, :mod:`~okrdata.notify.chat`: e-mail (SMTP) and webhook payloads.
- :mod:`~okrdata.notify.deliveries`: the log that makes every message go out once, with retries.
- :mod:`~okrdata.notify.jobs`: the jobs (``okr remind``, ``okr digest``, ``okr notify``);
  :func:`run_due` is what a scheduler runs.
- :mod:`~okrdata.notify.schedule`: the app's own opt-in background scheduler.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils


def run_due(db: sqlite_utils.Database, now: dt.datetime | None = None, dry_run: bool = False):
    """Everything due now (see :func:`okrdata.notify.jobs.run_due`)."""
    from okrdata.notify import jobs

    return jobs.run_due(db, now, dry_run=dry_run)
