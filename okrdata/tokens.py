"""Bearer tokens for the HTTP API: made for a person, stored hashed, expiring, revocable.

A token is ``okr_`` and 43 URL-safe characters (32 random bytes from :mod:`secrets`), shown
once when it is made (``okr token add``). The database keeps its SHA-256 digest, never the
token, so a copy of the database (a backup, a full export) holds no working token.

Why SHA-256 here when passwords get argon2 (:mod:`okrdata.auth`): argon2 is slow on purpose, so
that guessing a *chosen* secret from its hash, trying likely passwords, takes years. A token is
not chosen: 256 random bits cannot be guessed however fast the hash is. Every API call checks a
token, so a slow hash would only add tens of milliseconds of CPU to each call and hand anyone a
cheap way to load the server. And the digest doubles as the lookup key (a unique index), which
a salted hash could not be; the lookup's timing says nothing about a token, only about digests.

A token acts as its person: it reads everything (OKRs are public) and writes what that
person's role allows (:func:`okrdata.auth.check_can_edit`, through :mod:`okrdata.writes`). A
*service account* (a CI job, a BI tool) is a person row like any other: give it an e-mail of
its own, no password (so it cannot sign in to the pages), the role it needs and, for a lead,
its units (``okr user add ci@example.com --name "CI" --role lead --unit "Web App" --no-password``),
then a token.

Each use checks that the token exists, is not revoked and has not expired, and that its person
is not archived, so a revoked token is refused from the very next call. ``last_used_at`` is
written at most once a minute per token: a client reading often should not turn every read
into a write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.writes import SYSTEM, Actor, check_admin

TOKEN_PREFIX = "okr_"
TOKEN_BYTES = 32
SHOWN_PREFIX = 8
"""Characters of a token kept in clear (``okr_`` and four more) so that a list tells tokens apart."""
LAST_USED_EVERY_S = 60
MAX_NAME = 100


class TokenRefused(ValidationError):
    """A token that does not let its bearer in: missing, unknown, expired, revoked, or its person archived.

    The API answers it with 401; ``field`` is always ``token``.
    """

    def __init__(self, message: str):
        super().__init__("token", message)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def new_token() -> str:
    """A fresh random token (not stored anywhere)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """The SHA-256 digest of a token, in hex: what the database keeps and looks tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _holder(db: sqlite_utils.Database, ref: Any) -> dict:
    """The person a token is for, by e-mail or id (field ``person``)."""
    from okrdata import auth

    text = str(ref if ref is not None else "").strip()
    if not text:
        raise ValidationError("person", "give the e-mail of the person (or service account) the token is for.")
    found = auth.person_by_id(db, int(text)) if text.isdigit() else auth.person_by_email(db, text)
    if found is None:
        raise ValidationError(
            "person",
            f"no one has the e-mail {text}; add them first (okr user add, see docs/api.md for a service account).",
        )
    if found["archived"]:
        raise ValidationError("person", f"{found['email']} is archived; a token for them would not work.")
    return found


def create_token(
    db: sqlite_utils.Database,
    holder: Any,
    *,
    name: str = "",
    expires_on: Any = None,
    person: Actor,
    today: dt.date | None = None,
) -> tuple[int, str]:
    """Make a token for ``holder`` (an e-mail or a person id); return its id and the token itself.

    The token is returned once and never stored: the caller shows it and forgets it.
    ``expires_on`` is the last day it works (today or later; None: until revoked). ``person``
    is who makes it: an admin, or :data:`okrdata.writes.SYSTEM` for the machine's owner running
    ``okr token add``.
    """
    check_admin(db, person)
    owner = _holder(db, holder)
    label = v.text("name", name, required=False, max_length=MAX_NAME)
    last_day = None
    if expires_on not in (None, ""):
        last_day = v.date("expires", expires_on)
        today = today or dt.date.today()
        if last_day < today:
            raise ValidationError("expires", f"{last_day} is in the past; give today or a later day.")
    token = new_token()
    row = {
        "person_id": owner["id"],
        "name": label,
        "token_hash": digest(token),
        "prefix": token[:SHOWN_PREFIX],
        "created_at": _stamp(_now()),
        "created_by": None if person is SYSTEM else person.get("id"),
        "expires_on": last_day.isoformat() if last_day else None,
    }
    with transaction(db):
        token_id = db["api_tokens"].insert(row).last_pk
    return token_id, token


def state(row: dict, today: dt.date | None = None) -> str:
    """``active``, ``expired`` or ``revoked``: what a token would get if used now."""
    if row.get("revoked_at"):
        return "revoked"
    if row.get("expires_on") and dt.date.fromisoformat(row["expires_on"]) < (today or dt.date.today()):
        return "expired"
    return "active"


def list_tokens(db: sqlite_utils.Database, today: dt.date | None = None) -> list[dict]:
    """Every token, oldest first, with its person and its :func:`state` (never the token itself)."""
    rows = [
        dict(r)
        for r in db.query(
            """
            SELECT t.id, t.name, t.prefix, t.created_at, t.expires_on, t.last_used_at, t.revoked_at,
                   p.id AS person_id, p.email, p.name AS person_name, p.role, p.archived
            FROM api_tokens t JOIN people p ON p.id = t.person_id
            ORDER BY t.id
            """
        )
    ]
    for row in rows:
        row["state"] = state(row, today)
    return rows


def revoke_token(db: sqlite_utils.Database, token_id: Any, *, person: Actor) -> dict:
    """Revoke a token: it is refused from its next use on. Returns the token's row as listed.

    ``person`` is who revokes it: an admin, or :data:`okrdata.writes.SYSTEM` for the machine's
    owner (``okr token revoke``). A token revoked already is refused (field ``token``), saying when.
    """
    check_admin(db, person)
    try:
        key = int(str(token_id).strip().lstrip("#"))
    except ValueError:
        raise ValidationError(
            "token", f"give the token's number as okr token list shows it, not {token_id!r}."
        ) from None
    with transaction(db):
        row = db.execute("SELECT revoked_at FROM api_tokens WHERE id = ?", [key]).fetchone()
        if row is None:
            raise ValidationError("token", f"there is no token #{key}; okr token list shows them.")
        if row[0]:
            raise ValidationError("token", f"token #{key} was revoked already, at {row[0]}.")
        db.execute(
            "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?",
            [_stamp(_now()), None if person is SYSTEM else person.get("id"), key],
        )
    return next(r for r in list_tokens(db) if r["id"] == key)


def authenticate(db: sqlite_utils.Database, token: str | None, *, now: dt.datetime | None = None) -> dict:
    """The token's record and its person, or :class:`TokenRefused` saying why not.

    Returns ``{"token_id", "token_name", "expires_on", "person"}``, ``person`` being the row
    :mod:`okrdata.auth` returns (what the writes take as ``person``). Marks the token used
    (at most once a minute).
    """
    if not token:
        raise TokenRefused("send your API token in the header: Authorization: Bearer TOKEN.")
    now = now or _now()
    rows = list(
        db.query(
            """
            SELECT t.id, t.name, t.expires_on, t.revoked_at, t.last_used_at,
                   p.id AS person_id, p.name AS person_name, p.email, p.role, p.archived
            FROM api_tokens t JOIN people p ON p.id = t.person_id
            WHERE t.token_hash = ?
            """,
            [digest(token)],
        )
    )
    if not rows:
        raise TokenRefused("this token is not known; ask an admin for one (okr token add).")
    row = rows[0]
    if row["revoked_at"]:
        raise TokenRefused(f"this token was revoked at {row['revoked_at']}.")
    if row["expires_on"] and dt.date.fromisoformat(row["expires_on"]) < now.astimezone().date():
        raise TokenRefused(f"this token expired after {row['expires_on']}.")
    if row["archived"]:
        raise TokenRefused(f"this token's person, {row['email']}, is archived.")
    last = dt.datetime.fromisoformat(row["last_used_at"]) if row["last_used_at"] else None
    if last is None or (now - last).total_seconds() >= LAST_USED_EVERY_S:
        with transaction(db):
            db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [_stamp(now), row["id"]])
    return {
        "token_id": row["id"],
        "token_name": row["name"],
        "expires_on": row["expires_on"],
        "person": {
            "id": row["person_id"],
            "name": row["person_name"],
            "email": row["email"],
            "role": row["role"],
            "archived": row["archived"],
        },
    }
