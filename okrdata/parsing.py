"""Reading values as people write them: numbers, dates and confidences, forgivingly.

``45%``, ``1.234,5``, ``31 Jan 2026``, ``7/10`` or ``on track`` in a spreadsheet cell or on the
command line: :mod:`okrdata.transfer` reads imported files with these, and ``okr checkin`` /
``okr reading`` their options. Each returns None for a blank and raises a ValidationError naming
the field for anything else it cannot read.

This module imports neither pandas nor numpy, so the script commands start quickly: a pandas
value (``NA``, a ``Timestamp``) can only reach it once something else has loaded pandas, and it
is recognised then.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from collections.abc import Iterable
from typing import Any

from okrdata import validate as v
from okrdata.errors import ValidationError


def _is_pandas_na(value: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and value is getattr(pandas, "NA", None)


def normalize_header(text: Any) -> str:
    """A column name reduced for matching: lower case, words only, no parenthesised remark.

    ``"Key Result (KR)"``, ``"key_result"`` and ``" KEY-RESULT "`` all become ``"key result"``.
    """
    s = str(text or "").strip().lower()
    s = s.replace("&", " and ").replace("≥", ">=").replace("≤", "<=")
    s = re.sub(r"\(.*?\)|\[.*?\]", " ", s)
    s = re.sub(r"[^0-9a-z<>=]+", " ", s)
    return " ".join(s.split())


def words(value: Any) -> str:
    """A value reduced for matching against a list of words (see :func:`normalize_header`)."""
    return normalize_header(str(value).replace("/", " ").replace("-", " ").replace("_", " "))


def is_blank(value: Any) -> bool:
    """True for an empty cell: None, pandas' NA, NaN, or only spaces."""
    if value is None or _is_pandas_na(value):
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


_BLANK_WORDS = {"-", "–", "—", "n/a", "na", "none", "null", "nil"}
_NUMBER_CORE = re.compile(r"^[+-]?(\d[\d.,]*|[.,]\d+)$")
_AFFIX = re.compile(r"^[\sA-Za-z€$£¥₹%<>=~≈≥≤:#]*$")
_ABBREVIATED = re.compile(r"\d\s*(k|K|M|Mio|mio|Mn|mn|bn|Bn|BN)(?![A-Za-z])")
"""A number written with a magnitude (``450k``, ``1.2M``, ``3 bn``): the affix rule above would
read it as a bare 450, so it is refused. A lone lower-case ``m`` is metres, and ``km``, ``ms`` or
``Mbps`` are units."""


def _number_text(value: Any) -> tuple[str, bool, bool] | None:
    """Split a written number into (digits and separators, had a %, negative); None when blank."""
    s = str(value).strip()
    if not s or s.lower() in _BLANK_WORDS:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = s.replace("−", "-")
    for space in ("\u00a0", "\u202f", "\u2009", " ", "'", "’"):
        s = s.replace(space, "")
    percent = "%" in s
    match = re.search(r"[+-]?(\d[\d.,]*|[.,]\d+)", s)
    if not match:
        return s, percent, negative
    prefix, core, suffix = s[: match.start()], match.group(0), s[match.end() :]
    if prefix.endswith("-") or prefix.endswith("+"):
        core, prefix = prefix[-1] + core, prefix[:-1]
    if not (_AFFIX.match(prefix) and _AFFIX.match(suffix)):
        return s, percent, negative
    return core, percent, negative


def number_style(values: Iterable[Any]) -> str:
    """The decimal mark a file uses, from the numbers that show it unambiguously: ``"."`` or ``","``.

    ``"12,5"`` or ``"1.234,56"`` show a decimal comma; ``"12.5"`` or ``"1,234.56"`` a decimal
    point. A file showing only decimal commas is read with commas; anything else with points
    (so ``"1,234"`` is one thousand two hundred and thirty-four unless the file says otherwise).
    """
    comma = point = 0
    for value in values:
        if not isinstance(value, str):
            continue
        parts = _number_text(value)
        if not parts or not _NUMBER_CORE.match(parts[0]):
            continue
        core = parts[0].lstrip("+-")
        if "," in core and "." in core:
            comma += core.rfind(",") > core.rfind(".")
            point += core.rfind(".") > core.rfind(",")
        elif core.count(",") == 1 and len(core.split(",")[1]) != 3:
            comma += 1
        elif core.count(".") == 1 and len(core.split(".")[1]) != 3:
            point += 1
        elif core.count(",") > 1:
            point += 1
        elif core.count(".") > 1:
            comma += 1
    return "," if comma and not point else "."


def _grouped(core: str, sep: str) -> bool:
    head, *groups = core.split(sep)
    return 1 <= len(head.lstrip("+-")) <= 3 and all(len(g) == 3 and g.isdigit() for g in groups)


def parse_number(value: Any, field: str = "value", decimal: str = ".") -> float | None:
    """A number from a cell, forgivingly; None when blank. ValidationError naming ``field`` when not a number.

    Accepts ``45%`` (45), ``1,234.5``, ``1.234,5``, ``12,5`` (a decimal comma: no thousands group
    has two digits), ``EUR 412,000``, ``480 ms``, ``(5)`` (minus five), ``1 234`` and ``1'234``.
    A lone separator followed by exactly three digits (``1,234``, ``1.234``) is read with the
    file's ``decimal`` mark (see :func:`number_style`).
    """
    if isinstance(value, bool):
        raise ValidationError(field, f"must be a number, not {value!r}.")
    if isinstance(value, (int, float)):
        return v.number(field, value, required=False)
    if isinstance(value, (dt.date, dt.datetime)):
        raise ValidationError(field, f"must be a number, not the date {value:%Y-%m-%d}.")
    if value is None or _is_pandas_na(value):
        return None
    parts = _number_text(value)
    if parts is None:
        return None
    if _ABBREVIATED.search(str(value)):
        raise ValidationError(
            field, f"{str(value).strip()!r} abbreviates the number; write it in full, in digits (450000, not 450k)."
        )
    core, _percent, negative = parts
    if not _NUMBER_CORE.match(core):
        raise ValidationError(field, f"must be a number, not {str(value).strip()!r}.")
    sign = -1.0 if negative else 1.0
    if core[0] in "+-":
        sign, core = (-sign if core[0] == "-" else sign), core[1:]
    commas, points = core.count(","), core.count(".")
    if commas and points:
        dec = "," if core.rfind(",") > core.rfind(".") else "."
        group = "." if dec == "," else ","
        whole, _, frac = core.rpartition(dec)
        if not _grouped(whole, group) or not frac.isdigit():
            raise ValidationError(field, f"must be a number, not {str(value).strip()!r}.")
        digits = whole.replace(group, "") + "." + frac
    elif commas or points:
        sep = "," if commas else "."
        if (commas or points) > 1:
            if not _grouped(core, sep):
                raise ValidationError(field, f"must be a number, not {str(value).strip()!r}.")
            digits = core.replace(sep, "")
        else:
            whole, frac = core.split(sep)
            thousands = len(frac) == 3 and whole not in ("", "0") and decimal != sep and len(whole) <= 3
            digits = whole + frac if thousands else (whole or "0") + "." + frac
    else:
        digits = core
    return v.number(field, sign * float(digits))


def has_percent(value: Any) -> bool:
    """True when a cell writes its number with a ``%``."""
    return isinstance(value, str) and "%" in value


_MONTHS = {
    m.lower(): i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_MONTHS.update({"sept": 9})
_MONTH_NAMES = {
    name.lower(): i
    for i, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}


def date_style(values: Iterable[Any]) -> bool | None:
    """Whether a file writes dates day first (``31/01/2026``), month first (``01/31/2026``), or cannot tell (None)."""
    day_first = month_first = False
    for value in values:
        m = re.match(r"^\s*(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})\s*$", str(value)) if isinstance(value, str) else None
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            day_first |= a > 12
            month_first |= b > 12
    if day_first != month_first:
        return day_first
    return None


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def parse_date(value: Any, field: str = "date", day_first: bool | None = None) -> dt.date | None:
    """A date from a cell, forgivingly; None when blank.

    Accepts dates and datetimes (from Excel), ``2026-01-31``, ``2026/01/31``, ``31.01.2026``,
    ``31 Jan 2026``, ``January 31, 2026``, and ``31/01/2026`` or ``01/31/2026`` when the day
    is above 12 or the file shows which comes first (``day_first``, see :func:`date_style`).
    """
    if isinstance(value, (dt.date, dt.datetime)):  # a pandas Timestamp is a datetime too
        return v.date(field, value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
    if is_blank(value):
        return None
    s = str(value).strip()

    def make(y: int, m: int, d: int) -> dt.date:
        try:
            return dt.date(y, m, d)
        except ValueError:
            raise ValidationError(field, f"{s!r} is not a day of the calendar.") from None

    if m := re.match(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})([T ].*)?$", s):
        return make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{2,4})$", s):
        return make(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
    if m := re.match(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})$", s):
        a, b, y = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        if a > 12 or (day_first and b <= 12):
            return make(y, b, a)
        if b > 12 or day_first is False:
            return make(y, a, b)
        raise ValidationError(
            field,
            f"{s!r} could be day/month or month/day; write it as YYYY-MM-DD ({y}-{b:02d}-{a:02d} or {y}-{a:02d}-{b:02d}).",
        )
    words = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s.replace(",", " ").replace("-", " ").replace(".", " ")).split()
    if len(words) == 3:

        def month(word: str) -> int | None:
            w = word.lower()
            return _MONTH_NAMES.get(w) or _MONTHS.get(w)

        if words[0].isdigit() and month(words[1]) and words[2].isdigit():
            return make(_year(words[2]), month(words[1]), int(words[0]))
        if month(words[0]) and words[1].isdigit() and words[2].isdigit():
            return make(_year(words[2]), month(words[0]), int(words[1]))
    raise ValidationError(field, f"{s!r} is not a date I can read; write it as YYYY-MM-DD.")


CONFIDENCE_WORDS = {
    words("on track"): 8,
    words("green"): 8,
    words("at risk"): 5,
    words("amber"): 5,
    words("yellow"): 5,
    words("off track"): 2,
    words("red"): 2,
}
"""Traffic-light words read as the middle of their confidence band (7-10, 4-6, 0-3)."""


def parse_confidence(value: Any) -> int | None:
    """A confidence 0-10 from ``7``, ``"7/10"``, ``"70%"`` or a traffic-light word; None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        s = value.strip()
        if words(s) in CONFIDENCE_WORDS:
            return CONFIDENCE_WORDS[words(s)]
        if m := re.match(r"^(\d+(?:[.,]\d+)?)\s*/\s*10$", s):
            s = m.group(1)
        elif s.endswith("%"):
            pct = parse_number(s, "confidence")
            if pct is not None and pct % 10 == 0:
                return v.integer("confidence", pct / 10, low=0, high=10)
            raise ValidationError("confidence", f"is 0 to 10; {s!r} is not a whole tenth.")
        value = parse_number(s, "confidence", decimal=",")
    return v.integer("confidence", value, low=0, high=10)
