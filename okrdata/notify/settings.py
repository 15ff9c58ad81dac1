"""How notifications reach people: the dashboard's address, the mail server and the weekly schedule.

Read by :func:`load` from ``.streamlit/secrets.toml`` (:mod:`okrdata.config`) and the
environment, which wins:

| setting | secrets.toml | environment | default |
|---|---|---|---|
| the dashboard's address, for links | ``[okr] base_url`` | ``OKR_BASE_URL`` | ``http://localhost:8501`` |
| mail server | ``[okr.smtp] host`` | ``OKR_SMTP_HOST`` | none: no e-mail is sent |
| port | ``port`` | ``OKR_SMTP_PORT`` | 587 (465 with ``ssl``, 25 with ``none``) |
| encryption | ``security`` = ``starttls``, ``ssl`` or ``none`` | ``OKR_SMTP_SECURITY`` | ``starttls`` |
| sign-in | ``user``, ``password`` | ``OKR_SMTP_USER``, ``OKR_SMTP_PASSWORD`` | none |
| sender | ``from`` | ``OKR_SMTP_FROM`` | the user, if it is an address |
| reminders from | ``[okr.notify] remind_at`` | ``OKR_REMIND_AT`` | ``monday 09:00`` |
| digest from | ``digest_at`` | ``OKR_DIGEST_AT`` | ``friday 15:00`` |
| the app sends them itself | ``schedule`` | ``OKR_NOTIFY_SCHEDULE`` | off |
| how often it looks | ``interval_minutes`` | ``OKR_NOTIFY_INTERVAL`` | 5 |

Also here: the links a message carries (:func:`page_link`), the ISO week a message belongs to
(:func:`iso_week`) and when this week's reminders and digest fall due (:func:`due_this_week`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from okrdata import config
from okrdata.errors import ValidationError

DEFAULT_BASE_URL = "http://localhost:8501"
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_REMIND_AT = "monday 09:00"
DEFAULT_DIGEST_AT = "friday 15:00"
DEFAULT_INTERVAL_MINUTES = 5
SMTP_TIMEOUT_S = 20.0

PAGE_PATHS = {"overview": "", "checkin": "checkin", "okrs": "okrs", "review": "review", "manage": "manage"}
"""URL paths of the pages a message links to: Streamlit serves ``pages/checkin.py`` at
``/checkin`` and the default page (Overview) at ``/`` (a test holds this to ui/navigation.py)."""


@dataclass(frozen=True)
class Smtp:
    """A mail server to send through."""

    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    sender: str
    timeout: float = SMTP_TIMEOUT_S


@dataclass(frozen=True)
class At:
    """A time in the week: a weekday (0 = Monday) and a time of day."""

    weekday: int
    time: dt.time

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday].capitalize()} {self.time:%H:%M}"


@dataclass(frozen=True)
class Settings:
    """Everything notifications need from the deployment."""

    base_url: str = DEFAULT_BASE_URL
    smtp: Smtp | None = None
    remind_at: At = At(0, dt.time(9, 0))
    digest_at: At = At(4, dt.time(15, 0))
    schedule: bool = False
    interval_s: float = DEFAULT_INTERVAL_MINUTES * 60.0


def parse_at(field: str, value: str) -> At:
    """``"monday 09:00"`` (or ``"mon 9:00"``, ``"Friday 15"``) as an :class:`At`."""
    match = re.fullmatch(r"\s*([A-Za-z]+)\s+(\d{1,2})(?::(\d{2}))?\s*", str(value))
    day = match and next(
        (i for i, d in enumerate(WEEKDAYS) if len(match.group(1)) >= 3 and d.startswith(match.group(1).lower())), None
    )
    if not match or day is None:
        raise ValidationError(field, f'must be a weekday and a time such as "monday 09:00", not {value!r}.')
    hour, minute = int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59:
        raise ValidationError(field, f"has no such time of day: {value!r}.")
    return At(day, dt.time(hour, minute))


def _base_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(
            "base_url", f"must be the dashboard's address such as https://okr.example.com, not {value!r}."
        )
    return value.strip().rstrip("/")


def _smtp(table: dict) -> Smtp | None:
    host = config.setting("OKR_SMTP_HOST", table, "host")
    if not host:
        return None
    security = str(config.setting("OKR_SMTP_SECURITY", table, "security", "starttls")).strip().lower()
    if security not in SECURITY:
        raise ValidationError("smtp security", f"must be one of {', '.join(SECURITY)}, not {security!r}.")
    raw_port = config.setting("OKR_SMTP_PORT", table, "port", DEFAULT_PORTS[security])
    try:
        port = int(raw_port)
    except (TypeError, ValueError):
        port = 0
    if not 0 < port < 65536:
        raise ValidationError("smtp port", f"must be a port number from 1 to 65535, not {raw_port!r}.")
    user = config.setting("OKR_SMTP_USER", table, "user")
    password = config.setting("OKR_SMTP_PASSWORD", table, "password")
    sender = config.setting("OKR_SMTP_FROM", table, "from") or (user if user and "@" in str(user) else None)
    if not sender or "@" not in str(sender):
        raise ValidationError("smtp from", "give the sender's address as [okr.smtp] from or OKR_SMTP_FROM.")
    return Smtp(
        str(host).strip(),
        port,
        security,
        str(user) if user else None,
        str(password) if password else None,
        str(sender).strip(),
    )


def load() -> Settings:
    """The settings of this deployment (secrets file and environment); a bad value raises
    :class:`~okrdata.errors.ValidationError` naming the setting."""
    okr = config.section("okr")
    notify = okr.get("notify") if isinstance(okr.get("notify"), dict) else {}
    smtp = okr.get("smtp") if isinstance(okr.get("smtp"), dict) else {}
    raw_interval = config.setting("OKR_NOTIFY_INTERVAL", notify, "interval_minutes", DEFAULT_INTERVAL_MINUTES)
    try:
        interval = float(raw_interval)
    except (TypeError, ValueError):
        interval = 0.0
    if not 0 < interval <= 24 * 60:
        raise ValidationError("interval_minutes", f"must be a number of minutes from 1 to 1440, not {raw_interval!r}.")
    return Settings(
        base_url=_base_url(str(config.setting("OKR_BASE_URL", okr, "base_url", DEFAULT_BASE_URL))),
        smtp=_smtp(smtp),
        remind_at=parse_at("remind_at", config.setting("OKR_REMIND_AT", notify, "remind_at", DEFAULT_REMIND_AT)),
        digest_at=parse_at("digest_at", config.setting("OKR_DIGEST_AT", notify, "digest_at", DEFAULT_DIGEST_AT)),
        schedule=config.flag("schedule", config.setting("OKR_NOTIFY_SCHEDULE", notify, "schedule", False)),
        interval_s=interval * 60.0,
    )


def page_link(settings: Settings, page: str, **params: int | str | None) -> str:
    """The address of a page with its deep-link parameters: ``…/checkin?cycle=3&unit=7``."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    path = PAGE_PATHS[page]
    return f"{settings.base_url}/{path}" + (f"?{query}" if query else "")


def iso_week(day: dt.date) -> str:
    """The ISO week a day belongs to, ``"2026-W07"``: the period a reminder or digest is sent once for."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def due_this_week(now: dt.datetime, at: At) -> bool:
    """True from ``at`` in the week of ``now`` (Monday to Sunday) onwards."""
    monday = now.date() - dt.timedelta(days=now.weekday())
    moment = dt.datetime.combine(monday + dt.timedelta(days=at.weekday), at.time)
    return now.replace(tzinfo=None) >= moment
