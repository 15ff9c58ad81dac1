"""API tokens (:mod:`okrdata.tokens`) and ``okr token add/list/revoke``.

What an admin and a client would notice: the token printed once and never stored, who it acts
as, and when it stops working (revoked, expired, its person archived), with the reason given.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from click.testing import CliRunner

from okrdata import tokens, writes
from okrdata.cli import cli
from okrdata.tokens import TokenRefused

TODAY = dt.date(2026, 2, 10)
NOON = dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC)


def version(db, table: str, row_id: int) -> int:
    """The version an edit of the row carries (the row as read now)."""
    return writes.read_for_edit(db, table, row_id)["version"]


def every_value(db) -> list:
    return [value for table in db.table_names() for row in db.execute(f"SELECT * FROM [{table}]") for value in row]


def test_a_token_is_stored_only_as_its_digest(db, org):
    token_id, token = tokens.create_token(db, "lee@acme.test", name="CI feed", person=writes.SYSTEM, today=TODAY)
    assert token.startswith("okr_") and len(token) >= 40
    assert token not in every_value(db)
    row = db.execute("SELECT token_hash, prefix, person_id, name FROM api_tokens WHERE id = ?", [token_id]).fetchone()
    assert row == (hashlib.sha256(token.encode()).hexdigest(), token[:8], org.lead, "CI feed")


def test_two_tokens_differ(db, org):
    _, first = tokens.create_token(db, "lee@acme.test", person=writes.SYSTEM)
    _, second = tokens.create_token(db, "lee@acme.test", person=writes.SYSTEM)
    assert first != second


def test_a_token_acts_as_its_person(db, org):
    token_id, token = tokens.create_token(db, org.lead, person=writes.SYSTEM)
    found = tokens.authenticate(db, token, now=NOON)
    assert found["token_id"] == token_id
    assert found["person"] == {
        "id": org.lead,
        "name": "Lee Lead",
        "email": "lee@acme.test",
        "role": "lead",
        "archived": 0,
    }


def test_last_use_is_recorded_at_most_once_a_minute(db, org):
    token_id, token = tokens.create_token(db, org.lead, person=writes.SYSTEM)

    def last_used():
        return db.execute("SELECT last_used_at FROM api_tokens WHERE id = ?", [token_id]).fetchone()[0]

    assert last_used() is None
    tokens.authenticate(db, token, now=NOON)
    assert last_used() == "2026-02-10T12:00:00+00:00"
    tokens.authenticate(db, token, now=NOON + dt.timedelta(seconds=59))
    assert last_used() == "2026-02-10T12:00:00+00:00"
    tokens.authenticate(db, token, now=NOON + dt.timedelta(seconds=61))
    assert last_used() == "2026-02-10T12:01:01+00:00"


@pytest.mark.parametrize("sent", [None, "", "okr_not-a-token", "Bearer okr_x"])
def test_a_missing_or_unknown_token_is_refused(db, org, sent):
    tokens.create_token(db, org.lead, person=writes.SYSTEM)
    with pytest.raises(TokenRefused) as info:
        tokens.authenticate(db, sent, now=NOON)
    assert info.value.field == "token"


def test_a_revoked_token_is_refused_from_the_next_use(db, org):
    token_id, token = tokens.create_token(db, org.lead, person=writes.SYSTEM)
    tokens.authenticate(db, token, now=NOON)
    tokens.revoke_token(db, token_id, person=writes.SYSTEM)
    with pytest.raises(TokenRefused, match="revoked"):
        tokens.authenticate(db, token, now=NOON)


def test_a_token_works_through_its_last_day_and_not_after(db, org):
    _, token = tokens.create_token(db, org.lead, expires_on="2026-02-10", person=writes.SYSTEM, today=TODAY)
    tokens.authenticate(db, token, now=dt.datetime(2026, 2, 10, 23, 0).astimezone())
    with pytest.raises(TokenRefused, match="expired after 2026-02-10"):
        tokens.authenticate(db, token, now=dt.datetime(2026, 2, 11, 0, 30).astimezone())
    assert [r["state"] for r in tokens.list_tokens(db, today=dt.date(2026, 2, 11))] == ["expired"]


def test_a_token_of_an_archived_person_is_refused(db, org):
    _, token = tokens.create_token(db, org.lead, person=writes.SYSTEM)
    writes.update_person(db, org.lead, archived=True, person=writes.SYSTEM, version=version(db, "people", org.lead))
    with pytest.raises(TokenRefused, match="archived"):
        tokens.authenticate(db, token, now=NOON)


@pytest.mark.parametrize(
    ("holder", "changes", "field"),
    [
        ("nobody@acme.test", {}, "person"),
        ("", {}, "person"),
        ("lee@acme.test", {"expires_on": "2026-02-09"}, "expires"),
        ("lee@acme.test", {"expires_on": "next week"}, "expires"),
        ("lee@acme.test", {"name": "x" * 101}, "name"),
        ("lee@acme.test", {"name": "CI\x00feed"}, "name"),
    ],
)
def test_bad_tokens_are_refused_and_nothing_is_stored(db, org, refused, holder, changes, field):
    refused(db, field, lambda: tokens.create_token(db, holder, person=writes.SYSTEM, today=TODAY, **changes))


def test_no_token_for_an_archived_person(db, org, refused):
    writes.update_person(db, org.viewer, archived=True, person=writes.SYSTEM, version=version(db, "people", org.viewer))
    error = refused(db, "person", lambda: tokens.create_token(db, "vic@acme.test", person=writes.SYSTEM))
    assert "archived" in error.message


@pytest.mark.parametrize("who", ["lead", "viewer"])
def test_only_an_admin_makes_or_revokes_tokens(db, org, refused, who):
    person = {"id": getattr(org, who)}
    refused(db, "role", lambda: tokens.create_token(db, "lee@acme.test", person=person))
    token_id, _ = tokens.create_token(db, "lee@acme.test", person={"id": org.admin})
    refused(db, "role", lambda: tokens.revoke_token(db, token_id, person=person))
    assert tokens.revoke_token(db, token_id, person={"id": org.admin})["state"] == "revoked"
    assert db.execute("SELECT created_by, revoked_by FROM api_tokens").fetchone() == (org.admin, org.admin)


def test_a_signed_out_visitor_makes_no_token(db, org, refused):
    refused(db, "role", lambda: tokens.create_token(db, "lee@acme.test", person=None))


def test_revoking_an_unknown_or_revoked_token_is_refused(db, org, refused):
    token_id, _ = tokens.create_token(db, org.lead, person=writes.SYSTEM)
    refused(db, "token", lambda: tokens.revoke_token(db, 999, person=writes.SYSTEM))
    refused(db, "token", lambda: tokens.revoke_token(db, "abc", person=writes.SYSTEM))
    tokens.revoke_token(db, f"#{token_id}", person=writes.SYSTEM)
    error = refused(db, "token", lambda: tokens.revoke_token(db, token_id, person=writes.SYSTEM))
    assert "revoked already" in error.message


def test_the_list_shows_state_person_and_never_the_token(db, org):
    _, kept = tokens.create_token(db, org.lead, name="CI", person=writes.SYSTEM)
    gone_id, _ = tokens.create_token(db, org.viewer, name="BI", person=writes.SYSTEM)
    tokens.revoke_token(db, gone_id, person=writes.SYSTEM)
    listed = tokens.list_tokens(db)
    assert [(r["email"], r["name"], r["state"]) for r in listed] == [
        ("lee@acme.test", "CI", "active"),
        ("vic@acme.test", "BI", "revoked"),
    ]
    assert all(kept not in str(r) for r in listed)


# --- okr token ---------------------------------------------------------------------------


def okr(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def path(db, org, tmp_path):
    return tmp_path / "okr.db"


def test_okr_token_add_prints_the_token_alone_on_standard_output(db, path):
    result = okr(
        "token", "add", "--db", path, "--person", "LEE@acme.test", "--name", "CI feed", "--expires", "2099-01-31"
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("okr_") and "\n" not in token
    assert "not shown again" in result.stderr and "lee@acme.test" in result.stderr and "2099-01-31" in result.stderr
    assert tokens.authenticate(db, token)["person"]["email"] == "lee@acme.test"


def test_okr_token_list_and_revoke(db, path):
    token = okr("token", "add", "--db", path, "--person", "lee@acme.test", "--name", "CI feed").stdout.strip()
    listed = okr("token", "list", "--db", path)
    assert listed.exit_code == 0
    assert "#1 active" in listed.output and "lee@acme.test (lead) 'CI feed'" in listed.output
    assert "never used" in listed.output and token not in listed.output and token[:8] in listed.output
    revoked = okr("token", "revoke", "1", "--db", path)
    assert revoked.exit_code == 0 and "Revoked token #1 of lee@acme.test" in revoked.output
    assert "#1 revoked" in okr("token", "list", "--db", path).output
    with pytest.raises(TokenRefused):
        tokens.authenticate(db, token)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "--person", "ghost@acme.test"), "Error: person: no one has the e-mail ghost@acme.test"),
        (("add", "--person", "lee@acme.test", "--expires", "2001-01-01"), "Error: expires: 2001-01-01 is in the past"),
        (("revoke", "7"), "Error: token: there is no token #7"),
    ],
)
def test_okr_token_errors_are_one_line_and_store_nothing(db, path, args, message):
    result = okr("token", *args, "--db", path)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert db["api_tokens"].count == 0


def test_okr_token_list_when_there_are_none(db, path):
    assert "No tokens yet" in okr("token", "list", "--db", path).output
