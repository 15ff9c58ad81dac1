"""The weekly digest through a real SMTP server: who subscribes, the figures, the changes of the week.

The ``org`` fixture (tests/conftest.py) on Friday 23 January 2026, with this week's news:
"Test coverage" (Platform) was at 20 % with confidence 7 on 15 January and is at 30 % with
confidence 5 on 22 January (on track → at risk), "p95 latency" got its first check-in on 21
January (700 ms, confidence 2: stale → off track), and the company's Uptime KPI went from
99.99 % (healthy) to 99.92 % (below its 99.95 warning line).

By hand, on 23 January (day 22 of the 89-day cycle, 25 % expected): Platform's objective is the
mean of 30 % and (800 − 700) / 600 = 16.7 %, 23.3 %; the company's progress is the mean of its
three objectives (23.3 %, 0, 0) = 7.8 %, pace 7.8 − 24.7 = −17 points. A week ago (16 January,
16.9 % expected) it was (20 % + 0) / 2 / 3 = 3.3 %, pace −13.5: +4 points of progress, −3 of pace.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from notify_helpers import ACTOR, BASE_URL, inbox, notify_settings  # noqa: F401

from okrdata import writes
from okrdata.notify import digest, jobs, prefs

NOW = dt.datetime(2026, 1, 23, 15, 30)
LEARNING = "Coverage stalled because the CI runners were blocked for a week"


@pytest.fixture
def week(db, org):
    writes.add_checkin(db, org.kr_increase, "2026-01-22", 30, 5, LEARNING, author_id=org.lead, **ACTOR)
    writes.add_checkin(db, org.kr_decrease, "2026-01-21", 700, 2, "Cache is cold", author_id=org.lead, **ACTOR)
    writes.add_kpi_reading(db, org.kpi, "2026-01-10", 99.99, **ACTOR)
    writes.add_kpi_reading(db, org.kpi, "2026-01-21", 99.92, **ACTOR)
    return org


def company_mail(inbox, address):
    found = [m for m in inbox.to(address) if m.subject.startswith("Weekly digest for Acme")]
    assert len(found) == 1, [m.subject for m in inbox.to(address)]
    return found[0]


def test_the_company_digest_tells_progress_pace_and_their_change_since_last_week(db, week, inbox, notify_settings):
    jobs.send_digest(db, NOW, notify_settings)

    mail = company_mail(inbox, "vic@acme.test")
    assert mail.subject == "Weekly digest for Acme: 8% progress, −17 pts pace (2026 Q1)"
    assert "Progress 8% (+4 pts since last week) · expected 25% · pace −17 pts (−3 pts since last week)" in mail.text
    assert "67 days left" in mail.text
    assert f"{BASE_URL}/?cycle={week.cycle}" in mail.text
    for figure in ("8%", "+4 pts", "25%", "−17 pts", "−3 pts"):
        assert figure in mail.html


def test_the_digest_lists_status_changes_new_risks_stale_learnings_and_kpis(db, week, inbox, notify_settings):
    jobs.send_digest(db, NOW, notify_settings)
    text = company_mail(inbox, "vic@acme.test").text
    changed = section(text, "Changed status this week")
    assert "Test coverage from 0 to 100 % (Platform): On track → At risk" in changed
    assert "p95 latency from 800 to 200 ms (Platform): Stale → Off track" in changed
    risks = section(text, "New risks")
    # Off track while on pace: the reason says what the status rests on.
    assert (
        "p95 latency from 800 to 200 ms (Platform): Off track by its last confidence, 2/10 on 21 Jan 2026, "
        "while 17% done and 8 points behind pace"
    ) in risks
    assert "Test coverage from 0 to 100 % (Platform): At risk (confidence 5/10 on 22 Jan 2026)" in risks
    stale = section(text, "Stale: no check-in for too long")
    assert "Status page live for every region (Product): Never checked in" in stale
    assert "Uptime stays above 99.9 % (Acme): Never checked in" in stale
    learnings = section(text, "Learnings from this week's notes")
    assert LEARNING in learnings and "Good start" not in learnings  # last week's two words are no learning
    kpis = section(text, "KPIs that entered warning or breach")
    assert "Uptime (Acme): Warning, was healthy: 99.92% on 21 Jan 2026; target stay above 99.9%" in kpis


def section(text: str, heading: str) -> str:
    """The lines of one section of the plain-text digest."""
    match = re.search(rf"^{re.escape(heading)}\n((?:  .*\n)*)", text, re.MULTILINE)
    assert match, f"no section {heading!r} in:\n{text}"
    return match.group(1)


def test_the_html_part_is_self_contained_and_escapes_what_people_typed(db, week, inbox, notify_settings):
    writes.add_checkin(
        db,
        week.kr_increase,
        "2026-01-23",
        31,
        5,
        '<script>alert(1)</script> we learned that "quotes" & tags <b>break</b> things',
        author_id=week.lead,
        **ACTOR,
    )
    jobs.send_digest(db, NOW, notify_settings)
    mail = company_mail(inbox, "vic@acme.test")
    html = mail.html
    assert "<script" not in html and "<b>break" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&quot;quotes&quot; &amp; tags" in html
    assert "<style" not in html and "<link" not in html and "src=" not in html and "url(" not in html
    assert 'style="' in html  # styles are inline
    assert mail.raw.get_content_type() == "multipart/alternative"


def test_each_person_gets_the_digests_of_their_choice(db, week, inbox, notify_settings):
    prefs.set_choice(db, week.viewer, "none", person=prefs.SYSTEM)
    prefs.set_choice(db, week.lead, "units", person=prefs.SYSTEM)
    jobs.send_digest(db, NOW, notify_settings)

    assert inbox.to("vic@acme.test") == []
    assert [m.subject for m in inbox.to("lee@acme.test")] == [
        "Weekly digest for Platform: 23% progress, −2 pts pace (2026 Q1)"  # 23% − 25%
    ]
    # Ada follows the default (company and own units): she leads the company, so one digest.
    assert [m.subject for m in inbox.to("ada@acme.test")] == [
        "Weekly digest for Acme: 8% progress, −17 pts pace (2026 Q1)"
    ]
    assert "company and own units” (the default for everyone)" in inbox.to("ada@acme.test")[0].text


def test_the_admins_default_applies_to_everyone_without_a_choice(db, week, inbox, notify_settings):
    prefs.set_default(db, "none", person=prefs.SYSTEM)
    prefs.set_choice(db, week.viewer, "company", person=prefs.SYSTEM)
    jobs.send_digest(db, NOW, notify_settings)
    assert sorted(a for m in inbox.messages for a in m.envelope_to) == ["vic@acme.test"]


def test_the_digest_goes_once_a_week_through_one_connection(db, week, inbox, notify_settings):
    jobs.send_digest(db, NOW, notify_settings)
    count = len(inbox.messages)
    assert count == 4  # Ada: company; Lee: company and Platform; Vic: company
    assert {m.connection for m in inbox.messages} == {1} and inbox.connections == 1
    jobs.send_digest(db, NOW + dt.timedelta(days=1), notify_settings)
    jobs.run_due(db, NOW + dt.timedelta(days=2), notify_settings)
    assert len([m for m in inbox.messages if m.subject.startswith("Weekly digest")]) == count


def test_the_first_week_of_a_cycle_has_nothing_to_compare(db, org, notify_settings):
    found = digest.build(
        db,
        {"id": org.cycle, "name": "2026 Q1", "start_date": "2026-01-01", "end_date": "2026-03-31", "state": "active"},
        org.company,
        dt.date(2026, 1, 5),
    )
    assert found.before is None and found.changed == []
    assert "since last week" not in digest.headline_line(found)
    text = digest.email(notify_settings, found, "why")[1]
    assert "The cycle's first week: nothing to compare yet." in text


def test_a_person_may_change_only_their_own_choice_and_only_an_admin_the_default(db, org, refused):
    from okrdata import auth

    lee, vic, ada = (auth.person_by_id(db, i) for i in (org.lead, org.viewer, org.admin))
    refused(db, "person", lambda: prefs.set_choice(db, org.viewer, "none", person=lee))
    refused(db, "person", lambda: prefs.set_choice(db, org.viewer, "none", person=None))
    refused(db, "role", lambda: prefs.set_default(db, "none", person=lee))
    refused(db, "digest", lambda: prefs.set_choice(db, org.viewer, "weekly please", person=vic))
    assert prefs.set_choice(db, org.viewer, "company", person=vic) == "company"
    assert prefs.set_choice(db, org.viewer, "none", person=ada) == "none"
    assert prefs.set_choice(db, org.viewer, "default", person=vic) == prefs.SHIPPED_DEFAULT
    assert prefs.choice_of(db, org.viewer) == ("all", True)
