"""Small checks that turn raw input into clean values or raise :class:`ValidationError`.

Each takes the field name first so the error names it; the write functions in
:mod:`okrdata.writes` build on these.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import Any

from okrdata.errors import ValidationError

MAX_TITLE = 300
MAX_TEXT = 10_000
MAX_WEIGHT = 1_000


# Line breaks and tabs are text a person types; every other control character (NUL, escape,
# backspace...) and an unpaired surrogate is an artefact of a broken file or an attack, which
# would be stored invisibly and reach other people's screens and exports.
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def _bad_character(value: str) -> tuple[int, str] | None:
    """The first control character or lone surrogate in ``value``, with its 1-based position."""
    for position, ch in enumerate(value, start=1):
        if ch in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return position, ch
    return None


def text(field: str, value: Any, *, required: bool = True, max_length: int = MAX_TITLE) -> str:
    """A stripped string; refused when required and empty, longer than ``max_length``, or
    holding a control character other than a line break or a tab."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        value = ""
    value = str(value).strip()
    if required and not value:
        raise ValidationError(field, "is required.")
    if len(value) > max_length:
        raise ValidationError(field, f"is {len(value)} characters long; at most {max_length} are allowed.")
    bad = _bad_character(value)
    if bad is not None:
        position, ch = bad
        raise ValidationError(
            field, f"contains an invisible control character (U+{ord(ch):04X}) at character {position}; remove it."
        )
    return value


def number(field: str, value: Any, *, required: bool = True) -> float | None:
    """A finite float; accepts numbers and numeric strings (``"1,5"`` is not a number)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "is required.")
        return None
    if isinstance(value, bool):
        raise ValidationError(field, f"must be a number, not {value!r}.")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"must be a number, not {value!r}.") from None
    if math.isnan(result):
        if required:
            raise ValidationError(field, "is required.")
        return None
    if math.isinf(result):
        raise ValidationError(field, "must be a finite number.")
    return result


def integer(field: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """A whole number, optionally within ``low``..``high`` inclusive."""
    result = number(field, value)
    if result != int(result):
        raise ValidationError(field, f"must be a whole number, not {value!r}.")
    result = int(result)
    if (low is not None and result < low) or (high is not None and result > high):
        bounds = (
            f"from {low} to {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        raise ValidationError(field, f"must be {bounds}; got {result}.")
    return result


def weight(field: str, value: Any) -> float:
    """A roll-up weight: a number of zero or more (default 1 when empty)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1.0
    result = number(field, value)
    if not 0 <= result <= MAX_WEIGHT:
        raise ValidationError(field, f"must be from 0 to {MAX_WEIGHT}; got {result:g}.")
    return result


def date(field: str, value: Any) -> dt.date:
    """A calendar date from a ``date``, a ``datetime`` or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or not str(value).strip():
        raise ValidationError(field, "is required.")
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValidationError(field, f"must be a date as YYYY-MM-DD, not {value!r}.") from None


def choice(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of ``allowed``, matched case-insensitively with spaces and dashes as underscores."""
    cleaned = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if cleaned not in allowed:
        raise ValidationError(field, f"must be one of {', '.join(allowed)}; got {value!r}.")
    return cleaned


def email(field: str, value: Any) -> str:
    """An e-mail address, lower-cased; only its shape (something@domain) is checked."""
    cleaned = text(field, value).lower()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or " " in cleaned:
        raise ValidationError(field, f"{value!r} is not an e-mail address.")
    return cleaned
