"""``okr remind``, ``okr digest``, ``okr notify``, ``okr webhook``, ``okr subscribe`` and ``okr deliveries``
as a person runs them, against a real SMTP server, with settings from a secrets.toml or the environment.

The database holds a cycle running today: Lee leads Platform, whose one key result was never
checked in (due); Ada (admin) leads the company, which has no key result of its own.
"""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from notify_helpers import ACTOR, BASE_URL, inbox  # noqa: F401

from okrdata import writes
from okrdata.cli import cli
from okrdata.db import connect
from okrdata.schema import migrate


@pytest.fixture
def today_db(tmp_path):
    path = tmp_path / "okr.db"
    db = connect(path)
    migrate(db)
    admin = writes.add_person(db, "Ada Admin", "ada@acme.test", role="admin", **ACTOR)
    lead = writes.add_person(db, "Lee Lead", "lee@acme.test", role="lead", **ACTOR)
    company = writes.add_unit(db, "Acme", lead_id=admin, **ACTOR)
    team = writes.add_unit(db, "Platform", parent_id=company, lead_id=lead, **ACTOR)
    today = dt.date.today()
    cycle = writes.add_cycle(
        db, "Now", today - dt.timedelta(days=30), today + dt.timedelta(days=60), state="active", **ACTOR
    )
    objective = writes.add_objective(db, cycle, team, "Make the API fast", **ACTOR)
    writes.add_key_result(db, objective, "p95 latency from 800 to 200 ms", "decrease", 800, 200, "ms", **ACTOR)
    db.close()
    return path


@pytest.fixture
def env(tmp_path, inbox):
    return {
        "OKR_SECRETS": str(tmp_path / "no-secrets.toml"),
        "OKR_SMTP_HOST": "127.0.0.1",
        "OKR_SMTP_PORT": str(inbox.port),
        "OKR_SMTP_SECURITY": "none",
        "OKR_SMTP_FROM": "okr@example.test",
        "OKR_BASE_URL": BASE_URL,
    }


def okr(args, env, code=0):
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_dry_run_prints_what_would_go_where_and_sends_nothing(today_db, env, inbox):
    out = okr(["remind", "--dry-run", "--db", str(today_db)], env)
    assert "would send: reminder by e-mail to lee@acme.test: Check-in due: 1 key result of Platform" in out
    assert "ada@acme.test" not in out
    assert inbox.messages == []
    db = connect(today_db)
    assert db["deliveries"].count == 0
    db.close()
    verbose = okr(["digest", "--dry-run", "--verbose", "--db", str(today_db)], env)
    assert "would send: digest by e-mail to lee@acme.test: Weekly digest for Platform" in verbose
    assert "    Progress 0% (±0 pts since last week) · expected 33% · pace −33 pts (−8 pts since last week)" in verbose


def test_remind_sends_once_however_often_it_runs(today_db, env, inbox):
    out = okr(["remind", "--db", str(today_db)], env)
    assert "sent: reminder by e-mail to lee@acme.test" in out and "In all: 1 sent." in out
    again = okr(["remind", "--db", str(today_db)], env)
    assert "already sent: reminder by e-mail to lee@acme.test" in again
    assert len(inbox.messages) == 1
    link = inbox.messages[0].text
    assert f"{BASE_URL}/checkin?cycle=1&unit=2" in link
    log = okr(["deliveries", "--db", str(today_db)], env)
    assert "sent" in log and "reminder" in log and "lee@acme.test" in log


def test_settings_come_from_the_secrets_file(today_db, tmp_path, inbox):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[okr]\nbase_url = "https://okr.acme.test/"\n\n'
        f'[okr.smtp]\nhost = "127.0.0.1"\nport = {inbox.port}\nsecurity = "none"\nfrom = "okr@acme.test"\n'
    )
    okr(["remind", "--db", str(today_db)], {"OKR_SECRETS": str(secrets)})
    [mail] = inbox.messages
    assert mail.sender == "okr@acme.test" and "https://okr.acme.test/checkin?cycle=1&unit=2" in mail.text


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"OKR_SMTP_PORT": "abc"}, "Error: smtp port: must be a port number from 1 to 65535, not 'abc'."),
        ({"OKR_SMTP_SECURITY": "tls1.3"}, "Error: smtp security: must be one of starttls, ssl, none"),
        ({"OKR_SMTP_FROM": "", "OKR_SMTP_USER": ""}, "Error: smtp from: give the sender's address"),
        ({"OKR_BASE_URL": "okr.acme.test"}, "Error: base_url: must be the dashboard's address"),
        ({"OKR_REMIND_AT": "someday"}, "Error: remind_at: must be a weekday and a time"),
    ],
)
def test_bad_settings_are_one_clear_line(today_db, env, changes, message):
    out = okr(["notify", "--dry-run", "--db", str(today_db)], {**env, **changes}, code=2)
    assert message in out and "Traceback" not in out


def test_a_failed_delivery_exits_non_zero_and_is_listed(today_db, env, inbox):
    inbox.refuse.add("lee@acme.test")
    out = okr(["remind", "--db", str(today_db)], env, code=1)
    assert "failed: reminder by e-mail to lee@acme.test" in out
    assert "the mail server refused the address" in out
    listed = okr(["deliveries", "--failed", "--db", str(today_db)], env)
    assert "failed" in listed and "lee@acme.test" in listed
    inbox.refuse.clear()
    retried = okr(["deliveries", "--retry", "1", "--db", str(today_db)], env)
    assert retried.startswith("sent: reminder to lee@acme.test")
    assert len(inbox.messages) == 1
    okr(["deliveries", "--retry", "1", "--db", str(today_db)], env, code=2)


def test_webhooks_are_added_listed_masked_and_removed(today_db, env):
    url = "https://hooks.slack.com/services/T000/B000/secretsecret"
    out = okr(["webhook", "add", url, "--unit", "Platform", "--name", "#platform", "--db", str(today_db)], env)
    assert out.startswith("Added webhook 1: #platform (Slack, Platform).")
    listed = okr(["webhook", "list", "--db", str(today_db)], env)
    assert "Platform  Slack  #platform  https://hooks.slack.com/…cret" in listed and "secretsecret" not in listed
    company = okr(
        ["webhook", "add", "https://example.test/hooks/abc", "--provider", "mattermost", "--db", str(today_db)], env
    )
    assert "(Mattermost, Acme)" in company
    dry = okr(["remind", "--dry-run", "--db", str(today_db)], env)
    assert "would send: reminder by chat to #platform (Slack, Platform): Check-in due for Platform (Now)" in dry
    assert okr(["webhook", "remove", "1", "--db", str(today_db)], env).startswith("Removed webhook 1")
    assert "Error: url:" in okr(["webhook", "add", "ftp://example.test/x", "--db", str(today_db)], env, code=2)
    assert "Error: webhook: there is no webhook number 7" in okr(
        ["webhook", "remove", "7", "--db", str(today_db)], env, code=2
    )


def test_subscribe_shows_and_sets_digest_choices(today_db, env, inbox):
    assert "Default: company and own units." in okr(["subscribe", "--db", str(today_db)], env)
    out = okr(["subscribe", "lee@acme.test", "--digest", "none", "--db", str(today_db)], env)
    assert out.strip() == "Lee Lead <lee@acme.test>: no digest."
    okr(["subscribe", "--default", "company", "--db", str(today_db)], env)
    listed = okr(["subscribe", "--db", str(today_db)], env)
    assert "Default: company only." in listed and "lee@acme.test  Lee Lead: none" in listed
    assert "ada@acme.test  Ada Admin: company (default)" in listed
    okr(["digest", "--db", str(today_db)], env)
    assert [m.envelope_to for m in inbox.messages] == [["ada@acme.test"]]
    assert "Error: email: nobody has the e-mail" in okr(
        ["subscribe", "who@acme.test", "--digest", "all", "--db", str(today_db)], env, code=2
    )
    assert "Error: EMAIL:" in okr(["subscribe", "--digest", "all", "--db", str(today_db)], env, code=2)
