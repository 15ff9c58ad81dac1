"""okrdata.auth: password hashes, sign-in, who may edit which unit, and role/password changes.

The organisation is the ``org`` fixture of conftest: Acme > Product (Platform, Mobile) and
Sales; Lee leads Platform, Ada is admin, Vic is viewer.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlite_utils
from argon2 import PasswordHasher, profiles

from okrdata import auth, writes
from okrdata.db import connect
from okrdata.errors import ValidationError

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parent.parent


def with_password(db, person_id: int, password: str = PASSWORD) -> None:
    auth.set_password(db, person_id, password)


@pytest.fixture(autouse=True)
def cheap_hashes():
    """argon2's real cost is a tenth of a second or more per hash on purpose; tests use the
    cheapest parameters (same algorithm and format). Failed sign-ins are kept in the database,
    and each test has its own."""
    real = auth._hasher
    auth.set_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
    yield
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


# --- slowing down password guessing ------------------------------------------------------------
# The policy (README, "Sign in"): per e-mail and address, per address, per e-mail from many
# addresses, and a ceiling for the whole dashboard; growing waits, never a lock that the owner
# of an account cannot pass from an address of their own.

WRONG = "wrong e-mail or password."
LEE, ADA = "lee@acme.test", "ada@acme.test"
OWNER = "198.51.100.7"  # the account's owner, at home
GUESSER = "203.0.113.9"  # someone guessing passwords


def attempt(db, email: str, password: str, client: str | None, now: float):
    """One sign-in: the person, or the message of the refusal (always on the password field)."""
    try:
        return auth.sign_in(db, email, password, client=client, now=now)
    except ValidationError as exc:
        assert exc.field == "password", exc
        return exc.message


def wait_of(answer) -> int:
    """The seconds a refusal asks to wait."""
    assert isinstance(answer, str), f"signed in: {answer}"
    found = re.search(r"wait (\d+) seconds", answer)
    assert found, answer
    return int(found.group(1))


def failure_rows(db) -> list[tuple]:
    return db.execute("SELECT email, client, at FROM sign_in_failures ORDER BY id").fetchall()


def test_a_guesser_does_not_hold_back_the_owner_signing_in_from_another_address(db, org):
    """Before: five wrong passwords from anywhere locked the account for everyone, its owner too."""
    with_password(db, org.admin)
    for i in range(50):
        attempt(db, ADA, f"guess {i}", GUESSER, now=1000.0 + 10 * i)
    assert wait_of(attempt(db, ADA, PASSWORD, GUESSER, now=1500.0)) > 0, "the guesser is slowed down"
    assert attempt(db, ADA, PASSWORD, OWNER, now=1500.0)["id"] == org.admin, "the owner is not"


def test_waits_after_three_failures_double_from_two_seconds_up_to_five_minutes(db, org):
    with_password(db, org.lead)
    now = 1000.0
    for _ in range(auth.FREE_FAILURES_PER_ADDRESS):
        assert attempt(db, LEE, "guess", GUESSER, now) == WRONG
    waits = []
    while len(waits) < 10:
        before = failure_rows(db)
        wait = wait_of(attempt(db, LEE, PASSWORD, GUESSER, now))  # even the right password waits
        assert "wait" in attempt(db, LEE, PASSWORD, GUESSER, now + wait - 1)
        assert failure_rows(db) == before, "a try refused for waiting is not checked and not counted"
        waits.append(wait)
        now += wait
        assert attempt(db, LEE, "guess", GUESSER, now) == WRONG
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_the_right_password_clears_the_failures_of_its_own_address(db, org):
    with_password(db, org.lead)
    for i in range(3):
        attempt(db, LEE, "guess", OWNER, now=1000.0 + i)
    assert wait_of(attempt(db, LEE, PASSWORD, OWNER, now=1002.5)) == 2
    assert attempt(db, LEE, PASSWORD, OWNER, now=1010.0)["id"] == org.lead
    assert [attempt(db, LEE, "guess", OWNER, now=1011.0 + i) for i in range(3)] == [WRONG] * 3, "free again"


def test_one_address_trying_many_emails_is_slowed_but_not_for_an_email_it_signed_in_to(db, org):
    with_password(db, org.lead)
    office = GUESSER  # an address Lee shares with the guesser (an office behind one address)
    assert attempt(db, LEE, PASSWORD, office, now=500.0)["id"] == org.lead
    for i in range(auth.FREE_FAILURES_FROM_ADDRESS):
        assert attempt(db, f"user{i}@acme.test", "guess", office, now=1000.0 + i) == WRONG
    last = 1000.0 + auth.FREE_FAILURES_FROM_ADDRESS - 1
    refusal = attempt(db, "vic@acme.test", "guess", office, now=last)
    assert "from your address" in refusal and wait_of(refusal) == 2
    assert attempt(db, LEE, PASSWORD, office, now=last)["id"] == org.lead
    assert attempt(db, "vic@acme.test", "guess", OWNER, now=last) == WRONG, "other addresses go on"


def test_many_addresses_trying_one_email_slow_down_new_addresses_not_the_owners_own(db, org):
    with_password(db, org.admin)
    assert attempt(db, ADA, PASSWORD, OWNER, now=500.0)["id"] == org.admin  # her usual address
    bots = [f"192.0.2.{i}" for i in range(1, 40)]
    answers = [attempt(db, ADA, "guess", bot, now=1000.0 + i) for i, bot in enumerate(bots)]
    assert answers[: auth.FREE_ADDRESSES_PER_EMAIL] == [WRONG] * auth.FREE_ADDRESSES_PER_EMAIL
    held = [a for a in answers if a != WRONG]
    assert len(held) == 30 and all("other addresses" in a for a in held), answers
    assert wait_of(attempt(db, ADA, PASSWORD, "198.51.100.99", now=1040.0)) == 26, "a new address waits too"
    assert attempt(db, ADA, PASSWORD, OWNER, now=1040.0)["id"] == org.admin, "an address she used does not"


def test_a_flood_of_failures_closes_sign_in_to_new_addresses_for_the_rest_of_the_minute(db, org):
    with_password(db, org.lead)
    assert attempt(db, LEE, PASSWORD, OWNER, now=500.0)["id"] == org.lead
    for i in range(auth.MAX_FAILURES_PER_MINUTE):
        assert attempt(db, f"user{i}@acme.test", "guess", f"10.0.{i}.1", now=1000.0 + i / 2) == WRONG
    refusal = attempt(db, "vic@acme.test", "guess", "10.1.0.1", now=1030.0)
    assert "last minute" in refusal and wait_of(refusal) == 30
    assert attempt(db, LEE, PASSWORD, OWNER, now=1030.0)["id"] == org.lead, "a known address still signs in"
    assert attempt(db, "vic@acme.test", "guess", "10.1.0.1", now=1060.0) == WRONG, "open again a minute on"


def test_an_unknown_email_is_slowed_exactly_like_one_that_has_an_account(db, org):
    with_password(db, org.lead)

    def story(email: str, client: str) -> list:
        return [attempt(db, email, "guess", client, now=1000.0 + i) for i in range(8)]

    assert story(LEE, GUESSER) == story("nobody@acme.test", "203.0.113.10")


def test_the_email_counts_whatever_its_case_and_spaces(db, org):
    for i in range(3):
        attempt(db, LEE, "guess", GUESSER, now=1000.0 + i)
    assert wait_of(attempt(db, "  LEE@Acme.TEST ", "guess", GUESSER, now=1002.5)) == 2


def test_ipv6_addresses_of_one_64_block_count_as_one_address(db, org):
    for i in range(3):
        attempt(db, LEE, "guess", f"2001:db8:1:2::{i + 1}", now=1000.0 + i)
    assert wait_of(attempt(db, LEE, "guess", "2001:db8:1:2:ffff::9", now=1002.5)) == 2
    assert attempt(db, LEE, "guess", "2001:db8:1:3::1", now=1002.5) == WRONG


def test_failures_older_than_an_hour_are_forgotten_and_removed(db, org):
    for i in range(5):
        attempt(db, f"made.up{i}@acme.test", "guess", GUESSER, now=1000.0 + i)
    later = 1000.0 + auth.FAILURE_MEMORY_S + 10
    assert attempt(db, "made.up0@acme.test", "guess", GUESSER, now=later) == WRONG
    assert failure_rows(db) == [("made.up0@acme.test", GUESSER, later)]


@pytest.mark.slow
def test_failures_recorded_by_another_process_count_here(db, org, tmp_path):
    """The app may run as several processes (or restart): the failures live in the database."""
    with_password(db, org.lead)
    path = db.execute("PRAGMA database_list").fetchone()[2]
    script = (
        "from okrdata import auth\n"
        "from okrdata.db import connect\n"
        "from okrdata.errors import ValidationError\n"
        f"db = connect({path!r})\n"
        "for i in range(3):\n"
        "    try:\n"
        "        auth.sign_in(db, 'lee@acme.test', 'guess', now=1000.0 + i)\n"
        "    except ValidationError:\n"
        "        pass\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, timeout=60)
    with pytest.raises(ValidationError, match="wait 2 seconds"):
        auth.sign_in(db, LEE, PASSWORD, now=1002.5)


def test_simultaneous_tries_from_one_address_get_no_more_than_the_free_ones(db, org):
    """The check and the count are one write: twelve tries at the same instant check three passwords."""
    with_password(db, org.lead)
    path = db.execute("PRAGMA database_list").fetchone()[2]
    start = threading.Barrier(12)
    answers: list = []

    def one() -> None:
        conn = connect(path)
        try:
            start.wait()
            answers.append(attempt(conn, LEE, "guess", GUESSER, now=1000.0))
        finally:
            conn.close()

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 12
    assert answers.count(WRONG) == auth.FREE_FAILURES_PER_ADDRESS, answers


# --- who may edit what ----------------------------------------------------------------------


def test_admin_edits_every_unit(db, org):
    all_units = {org.company, org.product, org.sales, org.platform, org.mobile}
    assert auth.editable_unit_ids(db, org.admin) == all_units


def test_lead_of_a_department_edits_its_teams_not_the_sibling_department(db, org):
    dee = writes.add_person(db, "Dee Dept", "dee@acme.test", role="lead", person=writes.SYSTEM)
    writes.update_unit(
        db, org.product, lead_id=dee, person=writes.SYSTEM, version=writes.version_of(db, "units", org.product)
    )
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


def test_a_database_that_cannot_record_the_try_refuses_it_with_a_sentence(db, org, tmp_path):
    """Failing closed: a try that cannot be counted is not checked (not a traceback either)."""
    with_password(db, org.lead)
    path = db.execute("PRAGMA database_list").fetchone()[2]
    readonly = sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    try:
        with pytest.raises(ValidationError) as info:
            auth.sign_in(readonly, LEE, PASSWORD, client=OWNER, now=1000.0)
    finally:
        readonly.close()
    assert info.value.field == "password" and "try again" in info.value.message
    busy = connect(path)
    busy.execute("PRAGMA busy_timeout = 50")
    db.conn.execute("BEGIN IMMEDIATE")  # someone else holds the write lock (a long import)
    try:
        with pytest.raises(ValidationError, match="try again"):
            auth.sign_in(busy, LEE, PASSWORD, client=OWNER, now=1000.0)
    finally:
        db.conn.execute("ROLLBACK")
        busy.close()
    assert failure_rows(db) == []
