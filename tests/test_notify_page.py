"""Manage's Notifications tab (AppTest on a copy of the demo): everyone signed in chooses their
own digest; admins also set the default, see the chat channels and the delivery log with its
failures, and can send a failed delivery again."""

from __future__ import annotations

import pytest
from app_fixtures import (  # noqa: F401
    clear_streamlit_caches,
    demo_db,
    ok,
    open_page,
    open_panels,
    with_db,
)
from streamlit.testing.v1 import AppTest

from okrdata.notify import deliveries, prefs, webhooks

pytestmark = pytest.mark.slow  # AppTests: each test runs the Manage page

PAGE = "pages/manage.py"


def person_id(path, local: str) -> int:
    return with_db(
        path,
        lambda db: db.execute("SELECT id FROM people WHERE email = ?", [f"{local}@northwindlabs.example"]).fetchone()[
            0
        ],
    )


def open_as(path, who: str | None) -> AppTest:
    """Manage opened by ``who``, on its Notifications tab (drawn once opened)."""
    return open_panels(
        open_page(PAGE, person=None if who is None else person_id(path, who)), ("mg_tab", "Notifications")
    )


def messages(at) -> list[str]:
    return [m.value for m in (*at.success, *at.error)]


def test_a_viewer_chooses_their_own_digest_and_sees_no_log(demo_db):
    at = open_as(demo_db, "viewer")
    assert "Notifications" in [t.label for t in at.tabs]
    box = at.selectbox(key="nt_digest_mine_choice")
    assert box.value == "default"
    box.set_value("none")
    ok(at.button(key="nt_digest_mine__submit").click().run())
    assert "Your digest choice is saved." in messages(at)
    viewer = person_id(demo_db, "viewer")
    assert with_db(demo_db, lambda db: prefs.choice_of(db, viewer)) == ("none", False)
    assert not [d for d in at.dataframe if "Tries" in d.value.columns]
    assert not [b for b in at.button if b.key and b.key.startswith(("nt_digest_default", "nt_retry"))]


def test_a_visitor_is_asked_to_sign_in(demo_db):
    at = open_as(demo_db, None)
    assert any("Sign in to choose your weekly digest." in i.value for i in at.info)


def test_an_admin_sees_channels_and_failures_and_sends_one_again(demo_db):
    def seed(db):
        company = db.execute("SELECT id FROM units WHERE parent_id IS NULL").fetchone()[0]
        hook = webhooks.add(
            db, "https://hooks.slack.com/services/T1/B1/topsecret", person=prefs.SYSTEM, unit_id=company, name="#okrs"
        )
        item = deliveries.Outgoing(
            key="digest:test",
            kind="digest",
            period="2026-W49",
            channel="webhook",
            recipient="#okrs (Slack, Northwind Labs)",
            subject="Weekly digest: <b>Northwind</b>",
            payload={"provider": "slack", "body": {"text": "x"}},
            webhook_id=hook,
        )
        [planned] = deliveries.enqueue(db, [item], deliveries.dt.datetime.now())
        db.execute(
            "UPDATE deliveries SET status = 'failed', attempts = 5, last_error = ? WHERE id = ?",
            ["gave up after 5 tries: hooks.slack.com answered HTTP 500", planned.row_id],
        )
        db.conn.commit()
        return planned.row_id

    row_id = with_db(demo_db, seed)
    at = open_as(demo_db, "admin")
    channels = [d.value for d in at.dataframe if "Address" in d.value.columns]
    assert len(channels) == 1 and list(channels[0]["Address"]) == ["https://hooks.slack.com/…cret"]
    assert any("1 delivery failed" in e.value for e in at.error)
    logs = [d.value for d in at.dataframe if "Tries" in d.value.columns]
    assert logs and list(logs[0]["Why"]) == ["gave up after 5 tries: hooks.slack.com answered HTTP 500"]
    assert list(logs[0]["Subject"]) == ["Weekly digest: <b>Northwind</b>"]

    at.selectbox(key="nt_retry_id").set_value(row_id)
    ok(at.button(key="nt_retry__submit").click().run())
    assert any(m.startswith("Queued again") for m in messages(at)), messages(at)
    assert with_db(
        demo_db, lambda db: db.execute("SELECT status FROM deliveries WHERE id = ?", [row_id]).fetchone()
    ) == ("pending",)

    at.selectbox(key="nt_digest_default_choice").set_value("company")
    ok(at.button(key="nt_digest_default__submit").click().run())
    assert with_db(demo_db, prefs.default_choice) == "company"


def test_a_lead_cannot_reach_the_admin_controls(demo_db):
    at = open_as(demo_db, "lead")
    assert at.selectbox(key="nt_digest_mine_choice")
    assert not [s for s in at.selectbox if s.key in ("nt_digest_default_choice", "nt_retry_id")]
