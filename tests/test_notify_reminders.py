"""Check-in reminders through a real SMTP server: who gets one, what it says, and never twice.

The ``org`` fixture (tests/conftest.py), on Tuesday 20 January 2026 (ISO week 2026-W04), in its
active cycle 2026 Q1: Lee leads Platform, whose "Test coverage" was checked in on 15 January (5
days ago, up to date) and whose "p95 latency" never was (due); Ada (admin) leads the company,
whose "Uptime" key result was never checked in (due); Product's milestone is due too but Product
has no lead.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading

import pytest
from notify_helpers import ACTOR, BASE_URL, inbox, notify_settings  # noqa: F401

from okrdata import writes
from okrdata.db import connect
from okrdata.notify import deliveries, jobs, reminders

NOW = dt.datetime(2026, 1, 20, 9, 30)


def test_a_lead_with_a_key_result_due_gets_one_email_naming_it_with_a_link_to_check_in(db, org, inbox, notify_settings):
    batch = jobs.remind(db, NOW, notify_settings)

    assert {r.status for r in batch.results} == {"sent"}
    lee = inbox.to("lee@acme.test")
    assert len(lee) == 1
    mail = lee[0]
    assert mail.subject == "Check-in due: 1 key result of Platform"
    assert mail.sender == "okr@example.test"
    link = f"{BASE_URL}/checkin?cycle={org.cycle}&unit={org.platform}"
    assert link in mail.text
    assert f'href="{link.replace("&", "&amp;")}"' in mail.html
    assert "p95 latency from 800 to 200 ms: no check-in yet; stale" in mail.text
    # The key result checked in five days ago is up to date: not named.
    assert "Test coverage" not in mail.text and "Test coverage" not in mail.html


def test_nobody_up_to_date_is_reminded(db, org, inbox, notify_settings):
    writes.add_checkin(db, org.kr_decrease, "2026-01-19", 700, 6, author_id=org.lead, **ACTOR)
    jobs.remind(db, NOW, notify_settings)

    assert inbox.to("lee@acme.test") == []
    # The admin's company key result is still due, so she alone hears from us.
    assert [m.envelope_to for m in inbox.messages] == [["ada@acme.test"]]
    assert "Uptime stays above 99.9 %" in inbox.messages[0].text


def test_a_viewer_or_an_archived_lead_is_never_reminded(db, org, inbox, notify_settings):
    db.execute("UPDATE units SET lead_id = ? WHERE id = ?", [org.viewer, org.mobile])  # a viewer may not check in
    objective = writes.add_objective(db, org.cycle, org.mobile, "Ship the app", **ACTOR)
    writes.add_key_result(db, objective, "Crash-free sessions from 95 to 99 %", "increase", 95, 99, "%", **ACTOR)
    db.execute("UPDATE people SET archived = 1 WHERE id = ?", [org.lead])
    db.conn.commit()

    jobs.remind(db, NOW, notify_settings)

    assert {a for m in inbox.messages for a in m.envelope_to} == {"ada@acme.test"}


@pytest.mark.parametrize("days_ago, due", [(0, False), (7, False), (8, True), (10, True), (11, True)])
def test_due_means_no_check_in_within_the_cadence(days_ago, due):
    today = dt.date(2026, 2, 20)
    assert reminders.is_due(today - dt.timedelta(days=days_ago), today, 7) is due
    assert reminders.is_due(None, today, 7) is True
    assert reminders.is_due(today - dt.timedelta(days=days_ago), today, 14) is False


def test_the_cadence_of_each_key_result_decides(db, org, inbox, notify_settings):
    db.execute("UPDATE key_results SET cadence_days = 30 WHERE id = ?", [org.kr_decrease])
    writes.add_checkin(db, org.kr_decrease, "2026-01-01", 790, 7, author_id=org.lead, **ACTOR)  # 19 days ago
    jobs.remind(db, NOW, notify_settings)
    assert inbox.to("lee@acme.test") == []


def test_running_twice_sends_nothing_twice(db, org, inbox, notify_settings):
    first = jobs.remind(db, NOW, notify_settings)
    assert len(inbox.messages) == 2
    again = jobs.remind(db, NOW + dt.timedelta(hours=3), notify_settings)
    later = jobs.remind(db, NOW + dt.timedelta(days=3), notify_settings)  # still week 2026-W04

    assert len(inbox.messages) == 2
    assert [p.status for p in again.planned] == ["sent", "sent"] == [p.status for p in later.planned]
    assert all(not p.new for p in again.planned) and all(p.new for p in first.planned)
    # Next week is another week: a lead still behind hears again, once.
    jobs.remind(db, NOW + dt.timedelta(days=7), notify_settings)
    assert len(inbox.to("lee@acme.test")) == 2


def test_two_servers_at_once_send_each_reminder_once(db, org, inbox, notify_settings, tmp_path):
    path = tmp_path / "okr.db"
    barrier = threading.Barrier(4)
    errors = []

    def server():
        conn = connect(path)
        try:
            barrier.wait()
            jobs.remind(conn, NOW, notify_settings)
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=server) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(a for m in inbox.messages for a in m.envelope_to) == ["ada@acme.test", "lee@acme.test"]
    assert db.execute("SELECT count(*), min(status), max(status) FROM deliveries").fetchone() == (2, "sent", "sent")


def test_a_process_that_died_mid_send_does_not_send_again_and_the_log_says_so(db, org, inbox, notify_settings):
    planned = deliveries.enqueue(db, reminders.plan(db, notify_settings, NOW), NOW)
    stuck = planned[0].row_id
    assert deliveries.claim(db, stuck, "worker-that-dies", NOW) is not None  # then the process stops

    jobs.remind(db, NOW + dt.timedelta(minutes=1), notify_settings)  # the restart
    assert len(inbox.messages) == 1  # the other one; the stuck one may have gone already
    jobs.remind(db, NOW + dt.timedelta(minutes=30), notify_settings)
    assert len(inbox.messages) == 1
    failed = deliveries.failures(db)
    assert [f["id"] for f in failed] == [stuck]
    assert "may or may not have arrived" in failed[0]["last_error"]


def test_a_refused_address_is_recorded_as_failed_and_others_still_go(db, org, inbox, notify_settings):
    inbox.refuse.add("lee@acme.test")
    batch = jobs.remind(db, NOW, notify_settings)

    assert sorted(r.status for r in batch.results) == ["failed", "sent"]
    failed = deliveries.failures(db)
    assert len(failed) == 1 and failed[0]["recipient"] == "lee@acme.test"
    assert "refused the address" in failed[0]["last_error"] and "550" in failed[0]["last_error"]
    assert inbox.to("ada@acme.test")


def test_a_mail_server_that_is_down_is_retried_later_then_delivers(db, org, inbox, notify_settings):
    from dataclasses import replace

    from notify_helpers import free_port

    down = replace(notify_settings, smtp=replace(notify_settings.smtp, port=free_port()))
    batch = jobs.remind(db, NOW, down)
    assert {r.status for r in batch.results} == {"pending"}
    assert all("could not reach the mail server" in r.error for r in batch.results)
    assert inbox.messages == []

    jobs.run_due(db, NOW + dt.timedelta(seconds=30), notify_settings)  # not due yet
    assert inbox.messages == []
    jobs.run_due(db, NOW + dt.timedelta(seconds=61), notify_settings)
    assert len(inbox.messages) == 2
    assert db.execute("SELECT attempts, status FROM deliveries ORDER BY id").fetchall() == [(2, "sent"), (2, "sent")]


def test_without_a_mail_server_nothing_is_queued_and_the_run_says_why(db, org):
    from okrdata.notify.settings import Settings

    batch = jobs.remind(db, NOW, Settings(base_url=BASE_URL))
    assert batch.planned == [] and db["deliveries"].count == 0
    assert batch.notes and "E-mail is not set up" in batch.notes[0]


def test_a_connection_the_server_dropped_between_two_messages_is_opened_anew(inbox, notify_settings):
    from okrdata.notify import mail

    session = mail.Session(notify_settings.smtp)
    try:
        session.send(mail.build(notify_settings.smtp, "a@acme.test", "one", "first", "<p>first</p>"))
        session.client.sock.shutdown(socket.SHUT_RDWR)  # the line dropped while we were idle
        session.send(mail.build(notify_settings.smtp, "b@acme.test", "two", "second", "<p>second</p>"))
    finally:
        session.close()
    assert [m.subject for m in inbox.messages] == ["one", "two"]
    assert [m.connection for m in inbox.messages] == [1, 2]


def test_a_lead_of_several_units_gets_one_email_with_a_link_per_unit(db, org, inbox, notify_settings):
    db.execute("UPDATE units SET lead_id = ? WHERE id = ?", [org.lead, org.mobile])
    db.conn.commit()
    objective = writes.add_objective(db, org.cycle, org.mobile, "Ship the app", **ACTOR)
    writes.add_key_result(db, objective, "Crash-free sessions from 95 to 99 %", "increase", 95, 99, "%", **ACTOR)
    jobs.remind(db, NOW, notify_settings)

    [mail] = inbox.to("lee@acme.test")
    assert mail.subject == "Check-in due: 2 key results of Mobile and Platform"
    for unit in (org.mobile, org.platform):
        assert f"{BASE_URL}/checkin?cycle={org.cycle}&unit={unit}" in mail.text
    assert mail.text.index("Mobile · 2026 Q1") < mail.text.index("Platform · 2026 Q1")
    assert "Crash-free sessions from 95 to 99 %: no check-in yet" in mail.text
