"""The chat channels: incoming webhooks of Slack, Microsoft Teams, Mattermost and Google Chat, per unit.

A webhook belongs to a unit: a team's channel, or the company's (the root unit). What goes
where (:mod:`okrdata.notify.jobs`):

- a unit's check-in reminder and its weekly digest go to that unit's own channels;
- a key result turning off track goes to the channels of its unit, or of the nearest unit above
  it that has one;
- a cycle closing goes to the company's channels.

Only an admin (or the ``okr`` command) adds or removes one. Webhook addresses are secrets (anyone
holding one can post to the channel): :func:`mask` is how they are shown.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.notify import chat
from okrdata.notify.deliveries import Outgoing
from okrdata.notify.prefs import check_admin_or_system, is_system
from okrdata.schema import WEBHOOK_PROVIDERS

PROVIDERS = WEBHOOK_PROVIDERS
PROVIDER_NAMES = {
    "slack": "Slack",
    "teams": "Microsoft Teams",
    "mattermost": "Mattermost",
    "google_chat": "Google Chat",
}
MAX_URL = 2000
COLUMNS = ["id", "unit_id", "unit_name", "provider", "url", "name", "created_at"]


def detect_provider(url: str) -> str | None:
    """The provider a webhook address belongs to, from its host and path; None when unknown
    (a self-hosted Mattermost on its own host: give the provider)."""
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path
    if host == "hooks.slack.com":
        return "slack"
    if host == "chat.googleapis.com":
        return "google_chat"
    if host.endswith((".logic.azure.com", ".powerplatform.com", ".powerautomate.com")) or "workflows" in path:
        return "teams"
    if path.startswith("/hooks/"):
        return "mattermost"
    return None


def mask(url: str) -> str:
    """A webhook address with its secret part hidden: ``https://hooks.slack.com/…a1b2``."""
    parts = urlsplit(url)
    tail = (parts.path + ("?" + parts.query if parts.query else ""))[-4:]
    return f"{parts.scheme}://{parts.netloc}/…{tail}"


def check_url(url: Any) -> str:
    """A webhook address: http(s), a host, no spaces; ``https`` unless the host is on this
    machine or the local network (a self-hosted Mattermost)."""
    text = v.text("url", url, max_length=MAX_URL)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        raise ValidationError("url", f"must be the webhook's address, starting with https://, not {text[:80]!r}.")
    if parts.scheme == "http" and not _private(parts.hostname):
        raise ValidationError(
            "url", "must start with https:// (a webhook address is a secret; plain http would expose it on the way)."
        )
    return text


def _private(host: str) -> bool:
    """True for this machine or the local network (a name without a dot, a private address)."""
    if host == "localhost" or "." not in host and ":" not in host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback


def _unit(db: sqlite_utils.Database, unit_id: Any) -> dict:
    if unit_id is None:
        row = db.execute("SELECT id, name FROM units WHERE parent_id IS NULL").fetchone()
        if row is None:
            raise ValidationError("unit", "the organisation has no company unit yet.")
        return {"id": row[0], "name": row[1]}
    try:
        key = int(unit_id)
    except (TypeError, ValueError):
        raise ValidationError("unit", f"must be a unit's id, not {unit_id!r}.") from None
    row = db.execute("SELECT id, name FROM units WHERE id = ?", [key]).fetchone()
    if row is None:
        raise ValidationError("unit", f"there is no unit with id {key}.")
    return {"id": row[0], "name": row[1]}


def add(
    db: sqlite_utils.Database,
    url: Any,
    *,
    person: dict | None,
    unit_id: Any = None,
    provider: Any = None,
    name: Any = "",
) -> int:
    """Add a webhook for a unit (the company when ``unit_id`` is None); only an admin may.

    ``provider`` is one of :data:`PROVIDERS`, found from the address when not given.
    """
    check_admin_or_system(db, person)
    clean = check_url(url)
    unit = _unit(db, unit_id)
    if provider is None or str(provider).strip() == "":
        found = detect_provider(clean)
        if found is None:
            raise ValidationError("provider", f"cannot tell from the address; give one of {', '.join(PROVIDERS)}.")
    else:
        found = v.choice("provider", provider, PROVIDERS)
    label = v.text("name", name, required=False, max_length=100)
    if db.execute("SELECT 1 FROM webhooks WHERE unit_id = ? AND url = ?", [unit["id"], clean]).fetchone():
        raise ValidationError("url", f"{unit['name']} has this webhook already.")
    with transaction(db):
        return (
            db["webhooks"]
            .insert(
                {
                    "unit_id": unit["id"],
                    "provider": found,
                    "url": clean,
                    "name": label,
                    "created_by": None if is_system(person) else person["id"],
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                }
            )
            .last_pk
        )


def remove(db: sqlite_utils.Database, webhook_id: Any, *, person: dict | None) -> dict:
    """Remove a webhook; its past deliveries stay in the log. Only an admin may. Returns it."""
    check_admin_or_system(db, person)
    hook = get(db, webhook_id)
    with transaction(db):
        db.execute("DELETE FROM webhooks WHERE id = ?", [hook["id"]])
    return hook


def get(db: sqlite_utils.Database, webhook_id: Any) -> dict:
    """One webhook with its unit's name, or a ValidationError naming ``webhook``."""
    try:
        key = int(webhook_id)
    except (TypeError, ValueError):
        raise ValidationError("webhook", f"must be a webhook's number, not {webhook_id!r}.") from None
    rows = [r for r in listing(db) if r["id"] == key]
    if not rows:
        raise ValidationError("webhook", f"there is no webhook number {key}; see `okr webhook list`.")
    return rows[0]


def listing(db: sqlite_utils.Database) -> list[dict]:
    """Every webhook with its unit's name, by unit then number."""
    rows = db.execute(
        """
        SELECT w.id, w.unit_id, u.name, w.provider, w.url, w.name, w.created_at
        FROM webhooks w JOIN units u ON u.id = w.unit_id ORDER BY u.name, w.id
        """
    ).fetchall()
    return [dict(zip(COLUMNS, r)) for r in rows]


def label(hook: dict) -> str:
    """How a webhook is named in the log: ``"#web-app (Slack, Web App)"``."""
    provider = PROVIDER_NAMES.get(hook["provider"], hook["provider"])
    named = f"{hook['name']} " if hook.get("name") else ""
    return f"{named}({provider}, {hook['unit_name']})"


def outgoing(hook: dict, message: chat.ChatMessage, *, key: str, kind: str, period: str, **about: Any) -> Outgoing:
    """``message`` as a post to ``hook`` for the log (:func:`okrdata.notify.deliveries.enqueue`),
    shaped for its provider. ``key`` makes it go once; ``about`` names the ``unit_id`` (and the
    ``cycle_id`` or ``kr_id``) it is about."""
    return Outgoing(
        key=key,
        kind=kind,
        period=period,
        channel="webhook",
        recipient=label(hook),
        subject=message.title,
        payload={"provider": hook["provider"], "body": chat.payload(hook["provider"], message)},
        webhook_id=hook["id"],
        preview=message.plain(),
        **about,
    )


def by_unit(db: sqlite_utils.Database) -> dict[int, list[dict]]:
    """The webhooks of each unit that has any."""
    out: dict[int, list[dict]] = {}
    for hook in listing(db):
        out.setdefault(int(hook["unit_id"]), []).append(hook)
    return out


def nearest(db: sqlite_utils.Database, unit_id: int, hooks: dict[int, list[dict]] | None = None) -> list[dict]:
    """The webhooks of a unit, or of the nearest unit above it that has any (none at all: [])."""
    hooks = by_unit(db) if hooks is None else hooks
    parents = dict(db.execute("SELECT id, parent_id FROM units").fetchall())
    seen: set[int] = set()
    current: int | None = int(unit_id)
    while current is not None and current not in seen:
        if hooks.get(current):
            return hooks[current]
        seen.add(current)
        current = parents.get(current)
    return []
