"""Reading a cell's value the way people write it: key-result and KPI types, objective kinds,
cycle states, milestone words, roles, yes/no, people (``Name <e-mail>``) and quarters as cycle
names. Numbers, dates and confidences are read by :mod:`okrdata.parsing`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from okrdata import schema
from okrdata import validate as v
from okrdata.errors import ValidationError
from okrdata.parsing import is_blank as _is_blank
from okrdata.parsing import normalize_header, parse_number
from okrdata.parsing import words as _words

KR_TYPE_WORDS: dict[str, str] = {}
for _type, _words_list in {
    "increase": [
        "increase",
        "increase to",
        "increase from to",
        "grow",
        "grow to",
        "raise",
        "raise to",
        "up",
        "go up",
        "higher",
        "higher is better",
        "more",
        "maximize",
        "maximise",
        "reach",
        "climb",
        "increase target",
    ],
    "decrease": [
        "decrease",
        "decrease to",
        "decrease from to",
        "reduce",
        "reduce to",
        "lower",
        "lower to",
        "down",
        "go down",
        "lower is better",
        "less",
        "minimize",
        "minimise",
        "cut",
        "cut to",
        "drop",
        "drop to",
        "shrink",
        "decrease target",
    ],
    "stay_above": [
        "stay above",
        "keep above",
        "stay at or above",
        "above",
        "at least",
        "minimum",
        "min",
        ">=",
        ">",
        "no less than",
        "not below",
        "floor",
        "maintain above",
        "hold above",
        "stay over",
        "keep at least",
    ],
    "stay_below": [
        "stay below",
        "keep below",
        "stay at or below",
        "below",
        "at most",
        "maximum",
        "max",
        "<=",
        "<",
        "no more than",
        "not above",
        "ceiling",
        "cap",
        "maintain below",
        "hold below",
        "under",
        "stay under",
        "keep at most",
    ],
    "milestone": [
        "milestone",
        "done",
        "binary",
        "yes no",
        "boolean",
        "0 1",
        "done not done",
        "deliverable",
        "completion",
        "complete",
        "project",
        "percent complete",
        "percent done",
    ],
}.items():
    for _word in _words_list:
        KR_TYPE_WORDS[_words(_word)] = _type
KR_TYPE_LABELS = {
    "increase": "increase to",
    "decrease": "decrease to",
    "stay_above": "stay above",
    "stay_below": "stay below",
    "milestone": "milestone",
}
"""How the export writes each key-result type."""

KIND_WORDS = {
    **{_words(w): "committed" for w in ("committed", "commit", "commitment", "committed okr", "must")},
    **{
        _words(w): "aspirational"
        for w in (
            "aspirational",
            "aspiration",
            "moonshot",
            "moon shot",
            "stretch",
            "stretch goal",
            "ambitious",
            "aspirational okr",
            "roofshot",
        )
    },
}
CYCLE_STATE_WORDS = {
    "planning": "planning",
    "planned": "planning",
    "draft": "planning",
    "active": "active",
    "open": "active",
    "running": "active",
    "current": "active",
    "closed": "closed",
    "done": "closed",
    "finished": "closed",
    "archived": "closed",
}
MILESTONE_WORDS = {
    **{w: 1.0 for w in ("done", "yes", "complete", "completed", "true", "finished", "shipped")},
    **{w: 0.0 for w in ("no", "not started", "not done", "false", "todo", "to do", "open")},
}


def parse_kr_type(value: Any) -> str | None:
    """A key-result type from how people write it (``"Increase to"``, ``"at least"``, ``"≤"``...); None when blank."""
    if _is_blank(value):
        return None
    found = KR_TYPE_WORDS.get(_words(value))
    try:
        return v.choice("type", found or str(value), schema.KR_TYPES)
    except ValidationError:
        words = ", ".join(KR_TYPE_LABELS[t] for t in schema.KR_TYPES)
        raise ValidationError("type", f"{str(value).strip()!r} is not a type; write one of {words}.") from None


def parse_kind(value: Any) -> str | None:
    """An objective's kind: committed or aspirational (``moonshot``, ``stretch``...); None when blank."""
    if _is_blank(value):
        return None
    try:
        return v.choice("kind", KIND_WORDS.get(_words(value)) or str(value), schema.OBJECTIVE_KINDS)
    except ValidationError:
        raise ValidationError(
            "kind", f"{str(value).strip()!r} is not a kind; write committed or aspirational (or moonshot, stretch)."
        ) from None


KPI_TYPE_LABELS = {t: KR_TYPE_LABELS[t] for t in schema.KPI_TARGET_TYPES}
"""How the export writes each KPI target type."""
ROLE_WORDS = {
    **{_words(w): "viewer" for w in ("viewer", "view", "reader", "read only", "member", "employee", "user")},
    **{_words(w): "lead" for w in ("lead", "team lead", "leader", "manager", "editor", "owner")},
    **{_words(w): "admin" for w in ("admin", "administrator", "superuser")},
}
YES_WORDS = {"yes", "y", "true", "1", "x", "archived", "inactive", "left", "ja"}
NO_WORDS = {"no", "n", "false", "0", "active", "nein"}


def parse_kpi_type(value: Any) -> str | None:
    """A KPI's target type from how people write it (``"stay above"``, ``"at most"``, ``"≥"``...); None when blank."""
    if _is_blank(value):
        return None
    found = KR_TYPE_WORDS.get(_words(value)) or str(value).strip()
    if found not in schema.KPI_TARGET_TYPES:
        words = ", ".join(KPI_TYPE_LABELS[t] for t in schema.KPI_TARGET_TYPES)
        raise ValidationError("target_type", f"{str(value).strip()!r} is not a target type; write one of {words}.")
    return found


def parse_role(value: Any) -> str | None:
    """A person's role: viewer, lead or admin (``"team lead"``, ``"administrator"``...); None when blank."""
    if _is_blank(value):
        return None
    found = ROLE_WORDS.get(_words(value))
    if found is None:
        raise ValidationError("role", f"{str(value).strip()!r} is not a role; write viewer, lead or admin.")
    return found


def parse_days(value: Any, field: str, high: int) -> int | None:
    """A whole number of days from 1 to ``high`` (how often to check in, or to read a KPI); None when blank."""
    return None if _is_blank(value) else v.integer(field, parse_number(value, field), low=1, high=high)


def parse_yes(value: Any, field: str) -> bool:
    """A yes/no cell (``yes``, ``x``, ``true``...; blank is no)."""
    if _is_blank(value):
        return False
    word = str(value).strip().casefold()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValidationError(field, f"write yes or leave it blank, not {str(value).strip()!r}.")


@dataclass(frozen=True)
class PersonRef:
    """A person as a cell names them: by e-mail, by name, or as ``Name <email>``."""

    name: str | None
    email: str | None

    def __str__(self) -> str:
        return self.email or self.name or ""


def parse_person(value: Any) -> PersonRef | None:
    """A person reference from ``jane@x.com``, ``Jane Doe`` or ``Jane Doe <jane@x.com>``; None when blank."""
    if _is_blank(value):
        return None
    s = " ".join(str(value).split())
    if m := re.match(r"^(.*?)\s*<([^<>]+)>$", s):
        return PersonRef(m.group(1).strip(" \"'") or None, m.group(2).strip().lower())
    if "@" in s:
        return PersonRef(None, s.lower())
    return PersonRef(s, None)


def name_from_email(email: str) -> str:
    """A display name guessed from an address: ``jane.doe@x.com`` -> ``Jane Doe``."""
    local = email.split("@")[0]
    return " ".join(part.capitalize() for part in re.split(r"[._\-+]+", local) if part) or email


def quarter_span(name: str) -> tuple[dt.date, dt.date] | None:
    """The dates of a cycle named like a calendar quarter or half (``2026 Q1``, ``Q3/2026``, ``H2 2026``)."""
    s = normalize_header(name)
    m = re.match(r"^(?:(\d{4}) ([qh])([1-4])|([qh])([1-4]) (\d{4}))$", s) or re.match(
        r"^(?:(\d{4})([qh])([1-4])|([qh])([1-4])(\d{4}))$", s.replace(" ", "")
    )
    if not m:
        return None
    year = int(m.group(1) or m.group(6))
    letter, number = (m.group(2), int(m.group(3))) if m.group(1) else (m.group(4), int(m.group(5)))
    if letter == "h" and number > 2:
        return None
    months = 3 if letter == "q" else 6
    first = (number - 1) * months + 1
    start = dt.date(year, first, 1)
    after = dt.date(year + (first + months > 12), (first + months - 1) % 12 + 1, 1)
    return start, after - dt.timedelta(days=1)


def _key(text: Any) -> str:
    """A name as compared: spaces collapsed, case folded."""
    return " ".join(str(text).split()).casefold()
