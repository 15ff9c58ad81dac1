"""okrdata.auth: password hashes, sign-in, who may edit which unit, and role/password changes.

The organisation is the ``org`` fixture of conftest: Acme > Product (Platform, Mobile) and
Sales; Lee leads Platform, Ada is admin, Vic is viewer.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from okrdata import auth, writes
from okrdata.errors import ValidationError

PASSWORD = "correct horse battery"


def with_password(db, person_id: int, password: str = PASSWORD) -> None:
    auth.set_password(db, person_id, password)


@pytest.fixture(autouse=True)
def cheap_hashes_and_no_failures_between_tests():
    """argon2's real cost is a tenth of a second or more per hash on purpose; tests use the
    cheapest parameters (same algorithm and format) and start with no failed sign-ins."""
    real = auth._hasher
    auth.set_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
    auth._failures.clear()
    yield
    auth._failures.clear()
    auth.set_hasher(real)


# --- hashing -----------------------------------------------------------------------------


def test_the_real_hasher_uses_argon2id_with_rfc_9106_parameters():
    hasher = PasswordHasher()
    assert hasher.type.name == "ID"
    assert hasher.memory_cost >= 64 * 1024 and hasher.time_cost >= 3


def test_hash_is_argon2id_salted_and_verifies_only_the_right_password():
    first, second = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert first.startswith("$argon2id$")
    assert first != second, "each hash has its own salt"
    assert PASSWORD not in first
    assert auth.verify_password(first, PASSWORD)
    assert auth.verify_password(second, PASSWORD)
    assert not auth.verify_password(first, PASSWORD + " ")
    assert not auth.verify_password(first, "")


@pytest.mark.parametrize("stored", [None, "", "plain text", "$argon2id$v=19$garbage"])
def test_verify_with_a_missing_or_broken_hash_is_false_not_an_error(stored):
    assert auth.verify_password(stored, PASSWORD) is False


# --- authenticate and sign_in ----------------------------------------------------------------


def test_authenticate_returns_the_person_without_the_hash(db, org):
    with_password(db, org.lead)
    person = auth.authenticate(db, "  LEE@acme.test ", PASSWORD)
    assert person == {"id": org.lead, "name": "Lee Lead", "email": "lee@acme.test", "role": "lead", "archived": 0}
    assert "password_hash" not in person


def test_authenticate_renews_a_hash_made_with_older_parameters(db, org):
    old = PasswordHasher.from_parameters(profiles.CHEAPEST)
    old_hash = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1, hash_len=8, salt_len=8).hash(PASSWORD)
    db.execute("UPDATE people SET password_hash = ? WHERE id = ?", [old_hash, org.lead])
    assert auth.authenticate(db, "lee@acme.test", PASSWORD)["id"] == org.lead
    renewed = db.execute("SELECT password_hash FROM people WHERE id = ?", [org.lead]).fetchone()[0]
    assert renewed != old_hash and not old.check_needs_rehash(renewed)
    assert auth.authenticate(db, "lee@acme.test", PASSWORD)["id"] == org.lead


def test_authenticate_refuses_wrong_password_unknown_email_no_password_and_archived(db, org):
    with_password(db, org.lead)
    assert auth.authenticate(db, "lee@acme.test", "wrong password") is None
    assert auth.authenticate(db, "nobody@acme.test", PASSWORD) is None
    assert auth.authenticate(db, "vic@acme.test", PASSWORD) is None  # has no password (SSO only)
    assert auth.authenticate(db, "", PASSWORD) is None
    db.execute("UPDATE people SET archived = 1 WHERE id = ?", [org.lead])
    assert auth.authenticate(db, "lee@acme.test", PASSWORD) is None


def test_person_by_email_ignores_case_and_spaces(db, org):
    assert auth.person_by_email(db, " Vic@ACME.test")["id"] == org.viewer
    assert auth.person_by_email(db, "nobody@acme.test") is None
    assert auth.person_by_email(db, "") is None


@pytest.mark.parametrize(
    ("email", "password", "field", "words"),
    [
        ("", PASSWORD, "email", "enter your e-mail"),
        ("lee", PASSWORD, "email", "not an e-mail"),
        ("lee@acme.test", "", "password", "enter your password"),
        ("lee@acme.test", "wrong password", "password", "wrong e-mail or password"),
        ("nobody@acme.test", PASSWORD, "password", "wrong e-mail or password"),
    ],
)
def test_sign_in_names_the_field_to_fix(db, org, email, password, field, words):
    with_password(db, org.lead)
    with pytest.raises(ValidationError) as info:
        auth.sign_in(db, email, password)
    assert info.value.field == field
    assert words in info.value.message


def test_sign_in_gives_the_same_answer_for_unknown_email_and_wrong_password(db, org):
    with_password(db, org.lead)
    answers = []
    for email, password in (("lee@acme.test", "wrong password"), ("nobody@acme.test", PASSWORD)):
        with pytest.raises(ValidationError) as info:
            auth.sign_in(db, email, password)
        answers.append(str(info.value))
    assert answers[0] == answers[1]


def test_sign_in_locks_an_email_after_repeated_failures_then_lets_it_in_again(db, org):
    with_password(db, org.lead)
    for i in range(auth.MAX_FAILURES):
        with pytest.raises(ValidationError, match="wrong e-mail or password"):
            auth.sign_in(db, "lee@acme.test", "guess", now=100.0 + i)
    with pytest.raises(ValidationError, match="too many failed tries") as info:
        auth.sign_in(db, "lee@acme.test", PASSWORD, now=110.0)  # even the right one, for now
    assert info.value.field == "password"
    # Another e-mail is not affected.
    with_password(db, org.admin)
    assert auth.sign_in(db, "ada@acme.test", PASSWORD, now=110.0)["id"] == org.admin
    # Once the window has passed, the right password works and clears the count.
    assert auth.sign_in(db, "lee@acme.test", PASSWORD, now=100.0 + auth.FAILURE_WINDOW_S + 1)["id"] == org.lead
    assert "lee@acme.test" not in auth._failures


# --- who may edit what ----------------------------------------------------------------------


def test_admin_edits_every_unit(db, org):
    all_units = {org.company, org.product, org.sales, org.platform, org.mobile}
    assert auth.editable_unit_ids(db, org.admin) == all_units


def test_lead_of_a_department_edits_its_teams_not_the_sibling_department(db, org):
    dee = writes.add_person(db, "Dee Dept", "dee@acme.test", role="lead", person=writes.SYSTEM)
    writes.update_unit(db, org.product, lead_id=dee, person=writes.SYSTEM,
                       version=writes.version_of(db, "units", org.product))
    assert auth.editable_unit_ids(db, dee) == {org.product, org.platform, org.mobile}
    person = auth.person_by_id(db, dee)
    assert auth.can_edit_unit(db, person, org.mobile)
    assert not auth.can_edit_unit(db, person, org.sales)
    assert not auth.can_edit_unit(db, person, org.company)


def test_lead_of_a_team_edits_that_team_only(db, org):
    assert auth.editable_unit_ids(db, org.lead) == {org.platform}


def test_lead_also_edits_units_they_are_attached_to(db, org):
    sam = writes.add_person(db, "Sam Sales", "sam@acme.test", role="lead", unit_ids=[org.sales], person=writes.SYSTEM)
    assert auth.editable_unit_ids(db, sam) == {org.sales}


def test_viewer_archived_and_unknown_edit_nothing(db, org):
    assert auth.editable_unit_ids(db, org.viewer) == set()
    assert auth.editable_unit_ids(db, None) == set()
    assert auth.editable_unit_ids(db, 9999) == set()
    db.execute("UPDATE people SET archived = 1 WHERE id = ?", [org.lead])
    assert auth.editable_unit_ids(db, org.lead) == set()


def test_a_viewer_attached_to_a_unit_still_edits_nothing(db, org):
    """Role comes first: being listed on a unit does not make a viewer a writer."""
    writes.add_person(db, "Val", "val@acme.test", role="viewer", unit_ids=[org.sales], person=writes.SYSTEM)
    val = auth.person_by_email(db, "val@acme.test")
    assert auth.editable_unit_ids(db, val["id"]) == set()


@pytest.mark.parametrize(
    ("who", "unit", "words"),
    [
        (None, "platform", "sign in"),
        ("viewer", "platform", "role: viewer"),
        ("lead", "sales", "not Sales"),
        ("lead", "product", "not Product"),
    ],
)
def test_check_can_edit_explains_the_refusal_on_the_unit_field(db, org, who, unit, words):
    person = None if who is None else auth.person_by_id(db, getattr(org, who))
    with pytest.raises(ValidationError) as info:
        auth.check_can_edit(db, person, getattr(org, unit))
    assert info.value.field == "unit"
    assert words in info.value.message


def test_check_can_edit_allows_lead_and_admin(db, org):
    auth.check_can_edit(db, auth.person_by_id(db, org.lead), org.platform)
    auth.check_can_edit(db, auth.person_by_id(db, org.admin), org.sales)


def test_check_can_edit_reads_the_role_afresh(db, org):
    """A person dict held by a session since sign-in does not outlive a role change."""
    stale = auth.person_by_id(db, org.lead)
    auth.set_role(db, org.lead, "viewer")
    assert not auth.can_edit_unit(db, stale, org.platform)


def test_check_can_edit_on_a_unit_that_does_not_exist(db, org):
    with pytest.raises(ValidationError, match="no unit with id 999"):
        auth.check_can_edit(db, auth.person_by_id(db, org.admin), 999)


def test_is_admin(db, org):
    assert auth.is_admin(auth.person_by_id(db, org.admin))
    assert not auth.is_admin(auth.person_by_id(db, org.lead))
    assert not auth.is_admin(None)
    assert not auth.is_admin({"role": "admin", "archived": 1})


def test_check_admin(db, org):
    auth.check_admin(db, auth.person_by_id(db, org.admin))
    for person in (None, auth.person_by_id(db, org.lead)):
        with pytest.raises(ValidationError) as info:
            auth.check_admin(db, person)
        assert info.value.field == "role"


# --- set_password and set_role ---------------------------------------------------------------


def test_set_password_then_sign_in(db, org):
    auth.set_password(db, org.viewer, "a new password")
    assert auth.authenticate(db, "vic@acme.test", "a new password")["id"] == org.viewer
    stored = db.execute("SELECT password_hash FROM people WHERE id = ?", [org.viewer]).fetchone()[0]
    assert stored.startswith("$argon2id$") and "a new password" not in stored


@pytest.mark.parametrize(("password", "words"), [("", "must not be empty"), ("short", "at least 8"), (None, "empty")])
def test_set_password_refuses_short_or_empty(db, org, refused, password, words):
    error = refused(db, "password", lambda: auth.set_password(db, org.viewer, password))
    assert words in error.message


def test_set_password_for_nobody(db, org, refused):
    refused(db, "person", lambda: auth.set_password(db, 999, PASSWORD))


def test_clear_password_leaves_single_sign_on_only(db, org):
    with_password(db, org.lead)
    auth.clear_password(db, org.lead)
    assert auth.authenticate(db, "lee@acme.test", PASSWORD) is None


def test_demo_password_is_only_for_the_demo_loader(db, org, refused):
    """The documented demo password is too short to be set through set_password."""
    refused(db, "password", lambda: auth.set_password(db, org.viewer, auth.DEMO_PASSWORD))


@pytest.mark.parametrize("role", ["viewer", "lead", "admin", "Lead", " ADMIN "])
def test_set_role(db, org, role):
    auth.set_role(db, org.viewer, role)
    assert auth.person_by_id(db, org.viewer)["role"] == role.strip().lower()


def test_set_role_refuses_an_unknown_role(db, org, refused):
    error = refused(db, "role", lambda: auth.set_role(db, org.viewer, "superuser"))
    assert "viewer, lead, admin" in error.message


def test_set_role_refuses_to_demote_the_last_admin(db, org, refused):
    error = refused(db, "role", lambda: auth.set_role(db, org.admin, "lead"))
    assert "last admin" in error.message
    auth.set_role(db, org.lead, "admin")
    auth.set_role(db, org.admin, "lead")  # now there is another
    assert auth.person_by_id(db, org.admin)["role"] == "lead"


def test_people_with_access(db, org):
    with_password(db, org.lead)
    rows = {r["email"]: r for r in auth.people_with_access(db)}
    assert set(rows) == {"ada@acme.test", "lee@acme.test", "vic@acme.test"}
    assert rows["lee@acme.test"]["has_password"] == 1 and rows["lee@acme.test"]["edits"] == "Platform"
    assert rows["vic@acme.test"]["has_password"] == 0 and rows["vic@acme.test"]["edits"] is None
    assert rows["ada@acme.test"]["edits"] == "Acme"


# --- the demo accounts ---------------------------------------------------------------------


def test_demo_accounts_sign_in_with_the_documented_password(tmp_path):
    from okrdata.db import connect
    from okrdata.schema import migrate
    from okrdata.seed import load_demo

    db = connect(tmp_path / "demo.db")
    try:
        migrate(db)
        load_demo(db)
        roles = {}
        for key in ("admin", "lead", "viewer"):
            person = auth.sign_in(db, f"{key}@northwindlabs.example", auth.DEMO_PASSWORD)
            roles[key] = person["role"]
        assert roles == {"admin": "admin", "lead": "lead", "viewer": "viewer"}
        others = db.execute(
            "SELECT count(*) FROM people WHERE password_hash IS NOT NULL AND email NOT IN (?, ?, ?)",
            [f"{k}@northwindlabs.example" for k in ("admin", "lead", "viewer")],
        ).fetchone()[0]
        assert others == 0, "only the three demo accounts have a password"
        lead = auth.person_by_email(db, "lead@northwindlabs.example")
        web_app = db.execute("SELECT id FROM units WHERE name = 'Web App'").fetchone()
        assert web_app is not None
        assert web_app[0] in auth.editable_unit_ids(db, lead["id"])
    finally:
        db.close()


def test_failed_tries_of_many_made_up_emails_are_forgotten_once_expired(db, org, monkeypatch):
    monkeypatch.setattr(auth, "MAX_TRACKED_EMAILS", 3)
    for i in range(3):
        with pytest.raises(ValidationError):
            auth.sign_in(db, f"made.up{i}@acme.test", "guess", now=0.0)
    with pytest.raises(ValidationError):
        auth.sign_in(db, "made.up9@acme.test", "guess", now=auth.FAILURE_WINDOW_S + 1)
    assert set(auth._failures) == {"made.up9@acme.test"}
