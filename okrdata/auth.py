"""Who someone is and what they may change: password hashing, sign-in, roles and edit rights.

Three roles (``okrdata.schema.ROLES``):

* **viewer** reads everything and writes nothing;
* **lead** writes the check-ins and OKRs of the units they lead (``units.lead_id``) or are
  attached to (``person_units``), and of every unit below those;
* **admin** writes everything, including people and roles.

Passwords are stored as argon2id hashes made by ``argon2-cffi`` (its ``PasswordHasher``
defaults follow RFC 9106's recommendations), never as text. An archived person cannot sign in
and may edit nothing. Failed sign-ins slow further tries down (:func:`sign_in`, README "Sign
in"): per e-mail and address, per address, per e-mail across addresses and for the whole
dashboard, kept in the database. This module knows nothing of Streamlit: the pages ask it,
and :mod:`ui.auth` keeps who is signed in and tells it the browser's address.
"""

from __future__ import annotations

import ipaddress
import math
import sqlite3
import time
from typing import Any

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from okrdata import validate as v
from okrdata.db import DatabaseError, transaction
from okrdata.errors import ValidationError
from okrdata.schema import ROLES

MIN_PASSWORD_LENGTH = 8
DEMO_PASSWORD = "demo"
"""The password of the demo database's accounts (README, "Sign in"); shorter than the minimum on
purpose, so :func:`set_password` refuses it and only the demo loader can give it, through
:func:`demo_password_hash`."""

_hasher = PasswordHasher()
_made: dict[str, str] = {}
"""Hashes made once per process with the current hasher: ``dummy`` and ``demo`` (see below)."""


def set_hasher(hasher: PasswordHasher) -> None:
    """Use ``hasher`` (e.g. ``PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)`` in
    tests) for new hashes from now on. Existing hashes keep verifying: each carries its own
    parameters, and :func:`authenticate` renews those that differ at the next sign-in."""
    global _hasher
    _hasher = hasher
    _made.clear()


def _once(name: str, password: str) -> str:
    if name not in _made:
        _made[name] = _hasher.hash(password)
    return _made[name]


def _dummy_hash() -> str:
    """A hash of a throwaway password, checked when the e-mail is unknown, so that a wrong
    e-mail takes as long to refuse as a wrong password and the timing does not tell which."""
    return _once("dummy", "not the password of anyone")


def demo_password_hash() -> str:
    """The hash of :data:`DEMO_PASSWORD`, made once per process (argon2 is slow on purpose,
    and the demo's accounts share the password the README names anyway)."""
    return _once("demo", DEMO_PASSWORD)


PERSON_COLUMNS = ("id", "name", "email", "role", "archived")
"""What :func:`person_by_email` and :func:`authenticate` return: the row without its hash."""


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``, salted, in the self-describing ``$argon2id$...`` form."""
    return _hasher.hash(password)


def verify_password(hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``hash``; False for a wrong password or a missing/bad hash."""
    if not hash or password is None:
        return False
    try:
        return _hasher.verify(hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _person(db: sqlite_utils.Database, where: str, params: list[Any]) -> dict | None:
    rows = list(db.query(f"SELECT {', '.join(PERSON_COLUMNS)} FROM people WHERE {where}", params))
    return rows[0] if rows else None


def person_by_email(db: sqlite_utils.Database, email: str | None) -> dict | None:
    """The person with this e-mail (any case, surrounding spaces ignored), without the hash."""
    if not email or not str(email).strip():
        return None
    return _person(db, "email = ? COLLATE NOCASE", [str(email).strip()])


def person_by_id(db: sqlite_utils.Database, person_id: int | None) -> dict | None:
    """The person with this id, without the hash, or None."""
    if person_id is None:
        return None
    return _person(db, "id = ?", [int(person_id)])


def authenticate(db: sqlite_utils.Database, email: str | None, password: str | None) -> dict | None:
    """The person whose e-mail and password these are, or None.

    None also for an archived person or one without a password (who signs in through single
    sign-on only). The caller says "wrong e-mail or password" without telling which.
    """
    row = None
    if email and str(email).strip():
        rows = list(
            db.query(
                "SELECT id, password_hash, archived FROM people WHERE email = ? COLLATE NOCASE",
                [str(email).strip()],
            )
        )
        row = rows[0] if rows else None
    if row is None or not row["password_hash"]:
        verify_password(_dummy_hash(), password or "")  # same cost as a real check, see above
        return None
    if not verify_password(row["password_hash"], password or ""):
        return None
    if row["archived"]:
        return None
    if _hasher.check_needs_rehash(row["password_hash"]):
        # The library's defaults have grown stronger since this hash was made: renew it now,
        # while the password is known.
        with transaction(db):
            db["people"].update(row["id"], {"password_hash": hash_password(password)})
    return person_by_id(db, row["id"])


# --- slowing down password guessing ------------------------------------------------------------
# The policy is the README's ("Sign in"): growing waits, never a lock. OWASP warns that locking
# an account after N failures lets anyone lock its owner out, and suggests counting failures per
# account *and* client, with clients the account has signed in from before not held back by
# others' failures ("Slow Down Online Guessing Attacks with Device Cookies"); django-axes counts
# the same way (username and IP address together). The client here is the browser's address, as
# Streamlit's server reports it, not a cookie: a Streamlit app cannot set one.

FREE_FAILURES_PER_ADDRESS = 3
"""Failed tries for one e-mail from one address before each further one must wait."""
FREE_FAILURES_FROM_ADDRESS = 10
"""Failed tries from one address, whatever the e-mails, before each further one must wait."""
FREE_ADDRESSES_PER_EMAIL = 5
"""Addresses that may fail for one e-mail before every address new to it must wait."""
FIRST_WAIT_S = 2.0
MAX_WAIT_S = 300.0
"""Waits double from :data:`FIRST_WAIT_S` and stop growing here: a delay, never a lock."""
MAX_FAILURES_PER_MINUTE = 60
"""Failed tries in a minute, all e-mails and addresses together, past which addresses new to
the e-mail they try wait for the minute to pass."""
FAILURE_MEMORY_S = 3600.0
"""Failures older than this are forgotten (and deleted)."""
KNOWN_ADDRESS_S = 30 * 24 * 3600.0
"""How long an address stays known to an e-mail after a sign-in from it."""
NO_ADDRESS = "local"
"""The address of a try whose address the server could not see: this machine, or a reverse
proxy that does not pass on the browser's address. All such tries count as one address."""


def client_key(address: str | None) -> str:
    """The address a try counts against: an IPv4 address as it is, an IPv6 one as its /64 block
    (one home or one server usually has a whole /64, so counting single addresses would let it
    change address at each try), :data:`NO_ADDRESS` when there is none."""
    text = str(address or "").strip()
    if not text:
        return NO_ADDRESS
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _wait(failures: int, free: int) -> float:
    """How long after the last failure the next try must wait, ``failures`` failures in."""
    if failures < free:
        return 0.0
    return min(MAX_WAIT_S, FIRST_WAIT_S * 2.0 ** min(failures - free, 30))


def _holdback(db: sqlite_utils.Database, email: str, client: str, now: float) -> tuple[float, str] | None:
    """The seconds this try must still wait and why, or None when it may go ahead."""
    since = now - FAILURE_MEMORY_S
    waits: list[tuple[float, str]] = []
    count, last = db.execute(
        "SELECT count(*), max(at) FROM sign_in_failures WHERE email = ? AND client = ? AND at > ?",
        [email, client, since],
    ).fetchone()
    if count:
        waits.append(
            (
                last + _wait(count, FREE_FAILURES_PER_ADDRESS) - now,
                "too many failed tries for this e-mail from your address",
            )
        )
    known = db.execute(
        "SELECT 1 FROM sign_in_clients WHERE email = ? AND client = ? AND last_success > ?",
        [email, client, now - KNOWN_ADDRESS_S],
    ).fetchone()
    if not known:
        # Others' failures hold back only addresses this e-mail has not signed in from lately,
        # so that nobody can keep the owner out of their own account from elsewhere.
        count, last = db.execute(
            "SELECT count(*), max(at) FROM sign_in_failures WHERE client = ? AND at > ?", [client, since]
        ).fetchone()
        if count:
            waits.append(
                (last + _wait(count, FREE_FAILURES_FROM_ADDRESS) - now, "too many failed sign-ins from your address")
            )
        # Addresses, not failures: one address's failures are counted above, and must not
        # make the owner wait at an address of their own.
        count, last = db.execute(
            "SELECT count(DISTINCT client), max(at) FROM sign_in_failures WHERE email = ? AND at > ?",
            [email, since],
        ).fetchone()
        if count:
            waits.append(
                (
                    last + _wait(count, FREE_ADDRESSES_PER_EMAIL) - now,
                    "too many failed tries for this e-mail from other addresses",
                )
            )
        recent = [r[0] for r in db.execute("SELECT at FROM sign_in_failures WHERE at > ? ORDER BY at", [now - 60.0])]
        if len(recent) >= MAX_FAILURES_PER_MINUTE:
            waits.append(
                (
                    recent[len(recent) - MAX_FAILURES_PER_MINUTE] + 60.0 - now,
                    "too many failed sign-ins on this dashboard in the last minute",
                )
            )
    longest = max(waits, default=None)
    return longest if longest is not None and longest[0] > 0 else None


def sign_in(
    db: sqlite_utils.Database, email: Any, password: Any, *, client: str | None = None, now: float | None = None
) -> dict:
    """The person these credentials belong to, or a ValidationError naming the field to fix.

    A wrong e-mail and a wrong password get the same answer, so the form does not tell which
    e-mails have accounts; an e-mail nobody has is slowed down exactly like one that exists.
    ``client`` is the address the try comes from (see :func:`client_key`); ``now`` is the
    time in seconds since the epoch. A try that must wait (README, "Sign in") is refused with
    how long, without its password being checked and without counting as a failure.

    The check and the failure's record are one write: the try counts as failed before its
    password is checked and is cleared when it turns out right, so many tries at the same
    instant cannot all pass the check before any of them is counted.
    """
    email = str(email or "").strip().lower()
    if not email:
        raise ValidationError("email", "enter your e-mail address.")
    if "@" not in email:
        raise ValidationError("email", f"{email!r} is not an e-mail address.")
    if not password:
        raise ValidationError("password", "enter your password.")
    now = time.time() if now is None else float(now)
    client = client_key(client)
    try:
        with transaction(db):
            held = _holdback(db, email, client, now)
            if held is None:
                db.execute("DELETE FROM sign_in_failures WHERE at <= ?", [now - FAILURE_MEMORY_S])
                db.execute("INSERT INTO sign_in_failures (email, client, at) VALUES (?, ?, ?)", [email, client, now])
    except (sqlite3.OperationalError, DatabaseError) as exc:
        # A try that cannot be counted is not checked: otherwise a database held by a long
        # import, or read-only, would let guesses through unslowed.
        why = exc.message if isinstance(exc, DatabaseError) else str(exc)
        raise ValidationError(
            "password", f"the database cannot record sign-ins right now ({why}); try again in a minute."
        ) from None
    if held is not None:
        wait, reason = held
        raise ValidationError("password", f"{reason}; wait {math.ceil(wait)} seconds and try again.")
    person = authenticate(db, email, str(password))
    if person is None:
        raise ValidationError("password", "wrong e-mail or password.")
    with transaction(db):
        db.execute("DELETE FROM sign_in_failures WHERE email = ? AND client = ?", [email, client])
        db.execute("DELETE FROM sign_in_clients WHERE last_success <= ?", [now - KNOWN_ADDRESS_S])
        db.execute(
            "INSERT INTO sign_in_clients (email, client, last_success) VALUES (?, ?, ?) "
            "ON CONFLICT (email, client) DO UPDATE SET last_success = max(last_success, excluded.last_success)",
            [email, client, now],
        )
    return person


def is_admin(person: dict | None) -> bool:
    """True for a signed-in, not archived admin."""
    return bool(person) and person.get("role") == "admin" and not person.get("archived")


def editable_unit_ids(db: sqlite_utils.Database, person_id: int | None) -> set[int]:
    """The ids of the units whose check-ins and OKRs this person may change.

    Admin: every unit. Lead: the units they lead or are attached to, and every unit below them.
    Viewer, archived or unknown person: none.
    """
    if person_id is None:
        return set()
    person = person_by_id(db, person_id)
    if person is None or person["archived"]:
        return set()
    if person["role"] == "admin":
        return {r[0] for r in db.execute("SELECT id FROM units").fetchall()}
    if person["role"] != "lead":
        return set()
    rows = db.execute(
        """
        WITH RECURSIVE down(id, depth) AS (
            SELECT id, 0 FROM units WHERE lead_id = :p
            UNION
            SELECT unit_id, 0 FROM person_units WHERE person_id = :p
            UNION
            SELECT u.id, d.depth + 1 FROM units u JOIN down d ON u.parent_id = d.id
            WHERE d.depth < 50
        )
        SELECT DISTINCT id FROM down
        """,
        {"p": int(person_id)},
    ).fetchall()
    return {r[0] for r in rows}


def _unit_name(db: sqlite_utils.Database, unit_id: Any) -> str | None:
    try:
        key = int(unit_id)
    except (TypeError, ValueError):
        return None
    row = db.execute("SELECT name FROM units WHERE id = ?", [key]).fetchone()
    return row[0] if row else None


def edit_refusal(db: sqlite_utils.Database, person: dict | None, unit_id: Any) -> str | None:
    """Why ``person`` may not change unit ``unit_id``, in a sentence; None when they may."""
    name = _unit_name(db, unit_id)
    if name is None:
        return f"there is no unit with id {unit_id}."
    if not person or person.get("id") is None:
        return "sign in to make changes."
    fresh = person_by_id(db, person["id"])  # the role may have changed since they signed in
    if fresh is None or fresh["archived"]:
        return "your account is archived or gone; ask an admin."
    if fresh["role"] == "viewer":
        return "you can read but not change anything (role: viewer); ask an admin to make you a lead."
    if int(unit_id) not in editable_unit_ids(db, fresh["id"]):
        return f"you may change only the units you lead and those below them, not {name}."
    return None


def can_edit_unit(db: sqlite_utils.Database, person: dict | None, unit_id: Any) -> bool:
    """True when ``person`` (None = signed out) may change the OKRs and check-ins of the unit."""
    return edit_refusal(db, person, unit_id) is None


def check_can_edit(db: sqlite_utils.Database, person: dict | None, unit_id: Any) -> None:
    """Raise ``ValidationError("unit", reason)`` unless ``person`` may change the unit."""
    reason = edit_refusal(db, person, unit_id)
    if reason is not None:
        raise ValidationError("unit", reason)


def check_admin(db: sqlite_utils.Database, person: dict | None) -> None:
    """Raise ``ValidationError("role", reason)`` unless ``person`` is (still) an admin."""
    if not person or person.get("id") is None:
        raise ValidationError("role", "sign in as an admin to do this.")
    if not is_admin(person_by_id(db, person["id"])):
        raise ValidationError("role", "only an admin can do this.")


def check_password(password: Any) -> str:
    """The password, if long enough; else a ValidationError naming ``password``."""
    if not isinstance(password, str) or not password:
        raise ValidationError("password", "must not be empty.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "password", f"must be at least {MIN_PASSWORD_LENGTH} characters long (it has {len(password)})."
        )
    return password


def _existing_person(db: sqlite_utils.Database, person_id: Any) -> dict:
    try:
        key = int(person_id)
    except (TypeError, ValueError):
        raise ValidationError("person", f"must be the id of a person, not {person_id!r}.") from None
    person = person_by_id(db, key)
    if person is None:
        raise ValidationError("person", f"there is no person with id {key}.")
    return person


def set_password(db: sqlite_utils.Database, person_id: int, password: str) -> None:
    """Give the person a new password (at least :data:`MIN_PASSWORD_LENGTH` characters)."""
    person = _existing_person(db, person_id)
    check_password(password)
    with transaction(db):
        db["people"].update(person["id"], {"password_hash": hash_password(password)})


def clear_password(db: sqlite_utils.Database, person_id: int) -> None:
    """Remove the person's password: they can then sign in through single sign-on only."""
    person = _existing_person(db, person_id)
    with transaction(db):
        db["people"].update(person["id"], {"password_hash": None})


def admin_count(db: sqlite_utils.Database) -> int:
    """How many people can act as admin (role admin, not archived)."""
    return db.execute("SELECT count(*) FROM people WHERE role = 'admin' AND archived = 0").fetchone()[0]


def set_role(db: sqlite_utils.Database, person_id: int, role: str) -> None:
    """Give the person the role viewer, lead or admin.

    Refused when it would take the role away from the last admin, since nobody could then
    manage people any more.
    """
    person = _existing_person(db, person_id)
    role = v.choice("role", role, ROLES)
    with transaction(db):
        if person["role"] == "admin" and role != "admin" and not person["archived"] and admin_count(db) <= 1:
            raise ValidationError("role", f"{person['email']} is the last admin; make someone else admin first.")
        db["people"].update(person["id"], {"role": role})


def people_with_access(db: sqlite_utils.Database) -> list[dict]:
    """Everyone, by e-mail: role, archived, whether they have a password (``has_password``), and
    ``edits``, the names of the units they lead or are attached to (comma-separated)."""
    return list(
        db.query(
            """
            SELECT p.id, p.email, p.name, p.role, p.archived,
                   p.password_hash IS NOT NULL AS has_password,
                   (SELECT group_concat(name, ', ') FROM (
                        SELECT u.name FROM units u WHERE u.lead_id = p.id
                        UNION
                        SELECT u.name FROM person_units pu JOIN units u ON u.id = pu.unit_id
                        WHERE pu.person_id = p.id
                        ORDER BY 1)) AS edits
            FROM people p
            ORDER BY p.email
            """
        )
    )
