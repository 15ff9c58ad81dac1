"""Chat webhooks against a real local HTTP receiver: each provider's payload, what goes to which
channel, the immediate posts, retries with backoff and the recorded failure.

The ``org`` fixture (tests/conftest.py): Acme (company, led by Ada) → Product → Platform (led by
Lee). Reminders are looked at on Tuesday 20 January 2026, when Platform's "p95 latency" has no
check-in yet.
"""

from __future__ import annotations

import datetime as dt

import pytest
from notify_helpers import ACTOR, BASE_URL, receiver  # noqa: F401

from okrdata import auth, writes
from okrdata.notify import deliveries, events, jobs, webhooks
from okrdata.notify.prefs import SYSTEM
from okrdata.notify.settings import Settings

NOW = dt.datetime(2026, 1, 20, 9, 30)
SETTINGS = Settings(base_url=BASE_URL)


def hook(db, receiver, path, provider, unit):
    return webhooks.add(db, receiver.url(path), person=SYSTEM, unit_id=unit, provider=provider, name=f"#{path}")


def test_each_provider_gets_its_own_payload_shape(db, org, receiver):
    for provider in ("slack", "teams", "mattermost", "google_chat"):
        hook(db, receiver, provider, provider, org.platform)
    jobs.remind(db, NOW, SETTINGS)

    link = f"{BASE_URL}/checkin?cycle={org.cycle}&unit={org.platform}"
    [slack] = receiver.at("slack")
    assert slack["text"] == "Check-in due for Platform (2026 Q1)"
    assert slack["blocks"][0]["type"] == "section" and slack["blocks"][0]["text"]["type"] == "mrkdwn"
    assert f"<{link}|Check in>" in slack["blocks"][0]["text"]["text"]
    assert "p95 latency from 800 to 200 ms" in slack["blocks"][0]["text"]["text"]

    [teams] = receiver.at("teams")
    assert teams["type"] == "message"
    [attachment] = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0] == {
        "type": "TextBlock",
        "text": "Check-in due for Platform (2026 Q1)",
        "weight": "Bolder",
        "size": "Medium",
        "wrap": True,
    }
    assert any("p95 latency from 800 to 200 ms" in b["text"] for b in card["body"][1:])
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Check in", "url": link}]

    [mattermost] = receiver.at("mattermost")
    assert set(mattermost) == {"text"} and f"[Check in]({link})" in mattermost["text"]
    assert mattermost["text"].startswith("#### Check-in due for Platform \\(2026 Q1\\)")

    [google] = receiver.at("google_chat")
    assert set(google) == {"text"} and f"<{link}|Check in>" in google["text"]
    assert google["text"].startswith("*Check-in due for Platform (2026 Q1)*")
    assert all(p["content_type"].startswith("application/json") for p in receiver.posts)


def test_typed_text_cannot_ping_everyone_or_forge_a_link(db, org, receiver):
    db.execute(
        "UPDATE key_results SET title = ? WHERE id = ?", ["<!channel> @all <https://evil.test|click>", org.kr_decrease]
    )
    db.conn.commit()
    for provider in ("slack", "mattermost", "google_chat"):
        hook(db, receiver, provider, provider, org.platform)
    jobs.remind(db, NOW, SETTINGS)
    slack = receiver.at("slack")[0]["blocks"][0]["text"]["text"]
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack and "<https://evil.test" not in slack
    mattermost = receiver.at("mattermost")[0]["text"]
    assert "@all" not in mattermost and "\\<" in mattermost
    google = receiver.at("google_chat")[0]["text"]
    assert "<!channel>" not in google and "<https://evil.test" not in google and "‹!channel›" in google


def test_reminders_and_digests_go_to_the_units_own_channel_only(db, org, receiver):
    hook(db, receiver, "platform", "slack", org.platform)
    hook(db, receiver, "company", "slack", org.company)
    jobs.remind(db, NOW, SETTINGS)
    assert [b["text"] for b in receiver.at("platform")] == ["Check-in due for Platform (2026 Q1)"]
    assert [b["text"] for b in receiver.at("company")] == ["Check-in due for Acme (2026 Q1)"]

    jobs.send_digest(db, NOW, SETTINGS)
    assert [b["text"] for b in receiver.at("platform")][-1] == "Weekly digest: Platform (2026 Q1)"
    assert [b["text"] for b in receiver.at("company")][-1] == "Weekly digest: Acme (2026 Q1)"
    assert "Progress" in receiver.at("company")[-1]["blocks"][0]["text"]["text"]
    jobs.run_due(db, NOW + dt.timedelta(days=4), SETTINGS)  # Friday afternoon: the digest is due, but sent
    assert len(receiver.posts) == 4


@pytest.mark.slow
def test_a_failing_receiver_is_retried_with_backoff_then_recorded_as_failed(db, org, receiver):
    receiver.status["/down"] = 503
    hook(db, receiver, "down", "slack", org.platform)
    clock = NOW
    batch = jobs.remind(db, clock, SETTINGS)
    [result] = batch.results
    assert result.status == "pending" and "answered HTTP 503" in result.error
    assert result.next_attempt_at == deliveries.iso(clock + dt.timedelta(seconds=60))

    for wait in deliveries.RETRY_DELAYS:
        jobs.run_due(db, clock + dt.timedelta(seconds=wait - 1), SETTINGS)  # too early: nothing
        clock += dt.timedelta(seconds=wait)
        jobs.run_due(db, clock, SETTINGS)
    assert len(receiver.at("down")) == deliveries.MAX_ATTEMPTS == 5
    [failed] = deliveries.failures(db)
    assert failed["status"] == "failed" and failed["attempts"] == 5
    assert failed["last_error"].startswith("gave up after 5 tries: 127.0.0.1 answered HTTP 503")
    jobs.run_due(db, clock + dt.timedelta(days=1), SETTINGS)
    assert len(receiver.at("down")) == 5  # never again by itself

    receiver.status["/down"] = 200
    deliveries.retry(db, failed["id"], person=SYSTEM, now=clock)
    jobs.run_due(db, clock + dt.timedelta(seconds=1), SETTINGS)
    assert db.execute("SELECT status FROM deliveries WHERE id = ?", [failed["id"]]).fetchone() == ("sent",)


def test_a_refusal_by_the_receiver_fails_at_once_and_a_sent_post_is_never_retried(db, org, receiver, refused):
    receiver.status["/gone"] = 404
    hook(db, receiver, "gone", "teams", org.platform)
    hook(db, receiver, "fine", "teams", org.platform)
    batch = jobs.remind(db, NOW, SETTINGS)
    assert sorted(r.status for r in batch.results) == ["failed", "sent"]
    assert len(receiver.at("gone")) == 1
    sent = next(r for r in batch.results if r.status == "sent")
    refused(db, "delivery", lambda: deliveries.retry(db, sent.row_id, person=SYSTEM))
    lee = auth.person_by_id(db, org.lead)
    failed = next(r for r in batch.results if r.status == "failed")
    refused(db, "role", lambda: deliveries.retry(db, failed.row_id, person=lee))


def test_a_key_result_turning_off_track_is_posted_once_to_the_nearest_channel(db, org, receiver):
    hook(db, receiver, "product", "mattermost", org.product)  # Platform has none: its parent's
    now = dt.datetime.now()
    jobs.post_events(db, now, SETTINGS)  # the first look: the past is not news
    assert receiver.posts == []

    writes.add_checkin(db, org.kr_decrease, "2026-01-21", 700, 2, "Cache is cold", author_id=org.lead, **ACTOR)
    jobs.post_events(db, now, SETTINGS)
    jobs.run_due(db, now, SETTINGS)
    [post] = receiver.at("product")
    assert post["text"].startswith("#### Off track: p95 latency from 800 to 200 ms")
    assert "Confidence 2/10 on 21 Jan 2026 \\(its first check\\-in\\)" not in post["text"]  # hyphens are not escaped
    assert "Confidence 2/10 on 21 Jan 2026 \\(its first check-in\\)" in post["text"]
    assert f"{BASE_URL}/okrs?cycle={org.cycle}&objective={org.platform_obj}" in post["text"]

    writes.add_checkin(db, org.kr_decrease, "2026-01-28", 690, 1, author_id=org.lead, **ACTOR)  # still off track
    writes.add_checkin(db, org.kr_increase, "2026-01-28", 40, 5, author_id=org.lead, **ACTOR)  # at risk: no post
    jobs.post_events(db, now, SETTINGS)
    assert len(receiver.posts) == 1

    writes.add_checkin(db, org.kr_decrease, "2026-02-04", 600, 6, author_id=org.lead, **ACTOR)
    writes.add_checkin(db, org.kr_decrease, "2026-02-11", 600, 3, author_id=org.lead, **ACTOR)  # off track again
    jobs.post_events(db, now, SETTINGS)
    assert len(receiver.posts) == 2 and "\\(was 6/10\\)" in receiver.posts[1]["body"]["text"]


def test_setting_up_chat_on_an_old_database_posts_nothing_about_its_past(db, org, receiver):
    writes.add_checkin(db, org.kr_decrease, "2026-01-21", 700, 2, author_id=org.lead, **ACTOR)
    hook(db, receiver, "company", "slack", org.company)
    admin = auth.person_by_id(db, org.admin)
    writes.close_cycle(db, org.cycle, person=admin)
    jobs.run_due(db, dt.datetime.now(), SETTINGS)
    jobs.run_due(db, dt.datetime.now(), SETTINGS)
    assert [p["body"]["text"] for p in receiver.posts] == []


def test_a_cycle_closing_is_posted_once_to_the_company_channel(db, org, receiver):
    hook(db, receiver, "company", "google_chat", org.company)
    hook(db, receiver, "platform", "google_chat", org.platform)
    now = dt.datetime.now()
    jobs.post_events(db, now, SETTINGS)

    writes.close_cycle(db, org.cycle, person=auth.person_by_id(db, org.admin))
    jobs.post_events(db, now, SETTINGS)
    jobs.post_events(db, now, SETTINGS)
    assert receiver.at("platform") == []
    [post] = receiver.at("company")
    assert post["text"].startswith("*Cycle closed: 2026 Q1*")
    assert "Final progress 3% across 3 objectives." in post["text"]
    assert f"<{BASE_URL}/review?cycle={org.cycle}|Open the review>" in post["text"]


def test_only_an_admin_adds_or_removes_a_webhook_and_bad_addresses_are_refused(db, org, receiver, refused):
    lee = auth.person_by_id(db, org.lead)
    ada = auth.person_by_id(db, org.admin)
    refused(db, "role", lambda: webhooks.add(db, "https://hooks.slack.com/services/T/B/x", person=lee))
    refused(db, "role", lambda: webhooks.add(db, "https://hooks.slack.com/services/T/B/x", person=None))
    refused(db, "url", lambda: webhooks.add(db, "http://hooks.slack.com/services/T/B/x", person=ada))
    refused(db, "url", lambda: webhooks.add(db, "javascript:alert(1)", person=ada))
    refused(db, "provider", lambda: webhooks.add(db, "https://chat.example.test/x", person=ada))
    refused(db, "unit", lambda: webhooks.add(db, "https://hooks.slack.com/services/T/B/x", person=ada, unit_id=999))
    hook_id = webhooks.add(db, "https://hooks.slack.com/services/T/B/x", person=ada, unit_id=org.platform)
    refused(
        db, "url", lambda: webhooks.add(db, "https://hooks.slack.com/services/T/B/x", person=ada, unit_id=org.platform)
    )
    assert webhooks.get(db, hook_id)["provider"] == "slack"
    refused(db, "role", lambda: webhooks.remove(db, hook_id, person=lee))
    webhooks.remove(db, hook_id, person=ada)
    assert webhooks.listing(db) == []


@pytest.mark.parametrize(
    "url, provider",
    [
        ("https://hooks.slack.com/services/T00/B00/XXXX", "slack"),
        ("https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t", "google_chat"),
        ("https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s", "teams"),
        ("https://mattermost.example.test/hooks/xyz", "mattermost"),
        ("https://example.test/anything", None),
    ],
)
def test_the_provider_is_found_from_the_address(url, provider):
    assert webhooks.detect_provider(url) == provider


def test_a_removed_webhook_fails_its_pending_posts_with_a_reason(db, org, receiver):
    receiver.status["/flaky"] = 500
    hook_id = hook(db, receiver, "flaky", "slack", org.platform)
    jobs.remind(db, NOW, SETTINGS)
    webhooks.remove(db, hook_id, person=SYSTEM)
    jobs.run_due(db, NOW + dt.timedelta(minutes=2), SETTINGS)
    [failed] = deliveries.failures(db)
    assert failed["last_error"] == "the webhook was removed before this could be posted"
    assert failed["recipient"] == "#flaky (Slack, Platform)"


def test_a_test_post_reaches_the_channel(db, org, receiver):
    hook_id = hook(db, receiver, "hello", "teams", org.company)
    result = jobs.test_post(db, hook_id, person=SYSTEM, now=NOW, settings=SETTINGS)
    assert result.status == "sent"
    assert receiver.at("hello")[0]["attachments"][0]["content"]["body"][0]["text"] == "Test from the OKR dashboard"


def test_events_read_the_first_look_from_settings(db, org):
    items, remembered = events.plan(db, SETTINGS, NOW)
    assert items == [] and set(remembered) == {events.SINCE_KEY, events.CLOSED_KEY}
