"""How every figure and label reads: on the pages, in the executive summary (HTML and PDF), in
e-mails and on the command line. One home for each rule, so a figure reads the same wherever it
is shown; :mod:`ui.badges` adds only what needs Streamlit (icons, Markdown badges, escaping).

What lives here:

- **Percentages** (:func:`pct`): whole percent, rounded half up on the number as written (0.425
  is 43%, 0.125 is 13%), the same one rule as scores (:func:`okrdata.numbers.round_score`).
  Never "−0%": what rounds to zero is "0%".
- **Pace** (:func:`pace`, :func:`pace_points`): in whole percentage points, and **computed from
  the two whole percentages shown beside it**, so the arithmetic on the page adds up: progress
  78.51% reads 79%, expected 62.49% reads 62%, and pace reads +17 pts (79 − 62), not the +16
  that rounding 16.02 points would give. Its band (on pace, behind, far behind:
  :func:`okrdata.numbers.pace_band`) is read from those same points (:func:`pace_band`), so
  the word beside a figure always agrees with it. "±0 pts" when level.
- **Scores** (:func:`score`): two decimals beside the band word, ``"0.67 · yellow"``, the band
  read from the rounded score; never "-0.00".
- **Dates and times** (:func:`day`, :func:`date_range`, :func:`moment`): ``"5 Dec 2026"``,
  ``"1 Oct 2026 – 31 Dec 2026"``, ``"6 Dec 2026, 14:02 UTC"``.
- **Counts** (:func:`plural`, :func:`days`): ``"1 day"``, ``"2 days"``, ``"1,250 key results"``.
- **Values** (:func:`number`, :func:`kr_value`, :func:`kr_target`, :func:`goal`,
  :func:`confidence`): ``"1,250 users"``, ``"3.5%"``, a milestone as the percentage done,
  ``"≥ 99.9%"``, ``"From 9 h to 4 h"``, ``"7/10"``; a value that rounds to zero is "0".
- **Words and colours** of statuses, pace bands, score bands, KPI health, key result types,
  objective kinds and KPI targets (:data:`STATUS_LABELS`, :data:`STATUS_COLOURS`...).

Nothing here reads the database or computes a figure: the numbers come from
:mod:`okrdata.numbers` and the queries; this module only says them. It loads neither numpy nor
pandas (:mod:`okrdata.numbers` is imported by the few functions that need its rules), so the feed
commands (:mod:`okrdata.cli.feeds`), which start lean, say their figures through it too.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any


def _numbers() -> ModuleType:
    # Imported when first needed, not with this module: numbers loads numpy.
    from okrdata import numbers

    return numbers


MINUS = "\u2212"
"""A true minus sign, for signed figures (pace, score differences)."""
NO_VALUE = "—"
"""What a missing figure reads as."""

# --- words and colours ---------------------------------------------------------------------

# Keyed by the names of okrdata.numbers (ON_TRACK... and ON_PACE...; a test keeps them the same).
STATUS_LABELS = {"on_track": "On track", "at_risk": "At risk", "stale": "Stale", "off_track": "Off track"}
STATUS_COLOURS = {"on_track": "#2e7d32", "at_risk": "#e69500", "off_track": "#c62828", "stale": "#8a8f98"}
"""Hex colour of each status, for charts and files."""
NEUTRAL_COLOUR = "#64748b"
"""A colour that says nothing about status (slate grey): progress bars in tables, where one colour
serves every row and status is said beside it in words."""
MUTED_COLOUR = "#5b6472"
"""The colour of anything unknown."""

PACE_BAND_LABELS = {"on_pace": "On pace", "behind": "Behind", "far_behind": "Far behind"}
PACE_WORDS = {"on_pace": "on pace", "behind": "behind pace", "far_behind": "far behind pace"}
PACE_COLOURS = {"on_pace": "#2e7d32", "behind": "#e69500", "far_behind": "#c62828"}
"""Hex colour of each pace band (a unit is coloured by its pace, DESIGN.md)."""

SCORE_COLOURS = {"green": "#2e7d32", "yellow": "#d4a300", "red": "#c62828"}
"""Hex colour of each score band (:func:`okrdata.numbers.score_colour`)."""
SCORE_BANDS = {"green": "Green (0.70 and above)", "yellow": "Yellow (0.40 to 0.69)", "red": "Red (below 0.40)"}
"""Each score band with its range, for legends."""

HEALTH_LABELS = {"healthy": "Healthy", "warning": "Warning", "breached": "Breached", "no_data": "No data"}
"""KPI health (:data:`okrdata.kpis.HEALTH_STATES`) in words."""
HEALTH_COLOURS = {"healthy": "#2e7d32", "warning": "#e69500", "breached": "#c62828", "no_data": "#8a8f98"}

DELIVERY_STATUS_WORDS = {"sent": "Sent", "pending": "Waiting to retry", "sending": "Sending", "failed": "Failed"}
"""A notification delivery's state (``deliveries.status``) in words, for the log admins read."""
DELIVERY_KIND_WORDS = {
    "reminder": "Reminder",
    "digest": "Digest",
    "off_track": "Off track",
    "cycle_closed": "Cycle closed",
    "test": "Test",
}
"""What a delivery was (``deliveries.kind``) in words."""

KR_TYPE_LABELS = {
    "increase": "Increase to",
    "decrease": "Decrease to",
    "stay_above": "Stay above",
    "stay_below": "Stay below",
    "milestone": "Milestone",
}
"""Key result types in words, in the order pickers offer them."""
KIND_LABELS = {"committed": "Committed", "aspirational": "Aspirational"}
"""Objective kinds in words."""
KPI_TARGET_WORDS = {
    "stay_above": "stay above",
    "stay_below": "stay below",
    "increase": "increase to",
    "decrease": "decrease to",
}
"""A KPI's target type as it reads before its target ("stay above 99.9%")."""
DIVERGENCE_WORDS = {
    "overconfident": "Confident while far behind pace",
    "underconfident": "Low confidence while ahead of pace",
}
"""How a divergent key result's confidence contradicts its pace (DESIGN.md)."""


def _words(table: Mapping[str, str], key: Any) -> str:
    """``key``'s words in ``table``; an unknown key as it is, made readable."""
    return table.get(key, str(key).replace("_", " ").capitalize())


def status_label(status: str) -> str:
    """The words of a status: ``"At risk"``."""
    return _words(STATUS_LABELS, status)


def health_label(health: str) -> str:
    """The words of a KPI's health: ``"Breached"``."""
    return _words(HEALTH_LABELS, health)


def kr_type_label(kr_type: str) -> str:
    """The words of a key result type: ``"Stay above"``."""
    return _words(KR_TYPE_LABELS, kr_type)


def kind_label(kind: str) -> str:
    """The words of an objective's kind: ``"Aspirational"``."""
    return _words(KIND_LABELS, kind)


def kind_text(kind: str) -> str:
    """An objective's kind with the score it expects: ``"Committed (expects 1.0)"``."""
    expected = _numbers().EXPECTED_SCORE.get(kind)
    return f"{kind_label(kind)} (expects {expected:.1f})" if expected is not None else kind_label(kind)


def status_line(counts: Mapping[str, int]) -> str:
    """Counts per status, strongest first: ``"On track 26 · At risk 15 · Off track 2 · Stale 2"``."""
    return " · ".join(f"{status_label(s)} {counts.get(s, 0)}" for s in ("on_track", "at_risk", "off_track", "stale"))


# --- numbers -------------------------------------------------------------------------------


def missing(x: Any) -> bool:
    """True for no value: None, NaN, pandas' NA and NaT."""
    if x is None or type(x).__name__ in ("NAType", "NaTType"):  # pandas' NA and NaT, without pandas
        return True
    if isinstance(x, float):  # numpy's float64 is one
        return math.isnan(x)
    return getattr(getattr(x, "dtype", None), "kind", "") == "f" and math.isnan(float(x))  # numpy's float32...


def _half_up(x: float, decimals: int = 0) -> float:
    """``x`` rounded half up to ``decimals`` (on the number as written, see
    :func:`okrdata.numbers.round_score`); zero is always a plain 0, never -0."""
    scaled = round(float(x) * 10**decimals, 7)
    return math.floor(scaled + 0.5) / 10**decimals + 0.0


def whole_percent(x: Any) -> int | None:
    """A fraction as whole percent, rounded half up: ``0.425`` → 43, ``0.125`` → 13; None for nothing."""
    return None if missing(x) else int(_half_up(float(x) * 100))


def _signed(value: int) -> str:
    return f"{MINUS}{abs(value)}" if value < 0 else str(value)


def pct(x: Any) -> str:
    """A fraction as a whole percentage: ``0.425`` → ``"43%"``, ``-0.004`` → ``"0%"``; nothing → ``"—"``."""
    points = whole_percent(x)
    return NO_VALUE if points is None else f"{_signed(points)}%"


def pace_points(progress: Any, expected: Any) -> int | None:
    """The pace in whole points, from the two whole percentages shown: ``pct(progress)`` minus
    ``pct(expected)`` (see the module's docstring); None when either is missing."""
    shown, due = whole_percent(progress), whole_percent(expected)
    return None if shown is None or due is None else shown - due


def points(value: Any) -> str:
    """Whole percentage points with their sign: ``"+5 pts"``, ``"−12 pts"``, ``"±0 pts"``; nothing → ``"—"``."""
    if missing(value):
        return NO_VALUE
    value = int(value)
    if value == 0:
        return "±0 pts"
    return f"+{value} pts" if value > 0 else f"{MINUS}{abs(value)} pts"


def pace(progress: Any, expected: Any) -> str:
    """A pace as shown beside its progress and expected progress: ``pace(0.7851, 0.6249)`` is
    ``"+17 pts"`` (79% − 62%); ``"±0 pts"`` when level; nothing → ``"—"``."""
    return points(pace_points(progress, expected))


def pace_band(progress: Any, expected: Any) -> str | None:
    """The pace band (:data:`okrdata.numbers.ON_PACE`, ``BEHIND``, ``FAR_BEHIND``) of the pace
    as shown (:func:`pace_points`), so "−10 pts" is on pace and "−11 pts" behind; None without figures."""
    shown = pace_points(progress, expected)
    return None if shown is None else _numbers().pace_band(shown / 100)


def pace_sentence(progress: Any, expected: Any) -> str:
    """A pace in words: ``"on pace"``, ``"1 point behind pace"``, ``"17 points ahead of pace"``."""
    shown = pace_points(progress, expected)
    if shown is None:
        return NO_VALUE
    if shown == 0:
        return "on pace"
    return f"{plural(abs(shown), 'point')} {'ahead of' if shown > 0 else 'behind'} pace"


def score_value(x: Any) -> str:
    """A score with its two decimals and nothing else: ``"0.67"``, never ``"-0.00"``; nothing → ``"—"``."""
    if missing(x):
        return NO_VALUE
    numbers = _numbers()
    return f"{numbers.round_score(float(x)) + 0.0:.{numbers.SCORE_DECIMALS}f}"


def score_band(x: Any) -> str | None:
    """``"green"``, ``"yellow"`` or ``"red"`` for a score, once rounded (:func:`okrdata.numbers.score_colour`); None without one."""
    return None if missing(x) else _numbers().score_colour(float(x))


def score(x: Any) -> str:
    """A score as every page, file and command shows it: two decimals beside its band word,
    ``"0.67 · yellow"``; nothing → ``"—"``."""
    return NO_VALUE if missing(x) else f"{score_value(x)} · {score_band(x)}"


def signed_score(x: Any) -> str:
    """A difference of scores with its sign, two decimals: ``"+0.05"``, ``"−0.30"``, ``"±0.00"``."""
    if missing(x):
        return NO_VALUE
    hundredths = int(_half_up(abs(float(x)) * 100))
    if hundredths == 0:
        return "±0.00"
    return f"{'+' if x > 0 else MINUS}{hundredths / 100:.2f}"


def number(x: Any, unit_label: Any = "", escape_label: Callable[[str], str] | None = None) -> str:
    """A value with its unit label: ``"1,250 users"``, ``"3.5%"``, ``"1,849.67 EUR"`` (at most two
    decimals, trailing zeros dropped); a value that rounds to zero is ``"0"``, never ``"-0"``;
    after exactly 1 a plural unit reads singular (:func:`singular`: ``"1 day"``, not ``"1 days"``).

    The unit label is user text; ``escape_label``, when given, is applied to it (the pages pass
    their Markdown escaping)."""
    if missing(x):
        return NO_VALUE
    value = round(float(x), 2) + 0.0
    text = f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    label = "" if missing(unit_label) else str(unit_label or "")
    if not label:
        return text
    if value == 1:
        label = singular(label)
    shown = escape_label(label) if escape_label else label
    return f"{text}{shown}" if label in ("%", "€", "$") else f"{text} {shown}"


def singular(unit_label: str) -> str:
    """A unit label as it reads after exactly 1: a plural English noun loses its "s" ("1 day",
    "1 active user"); anything else is left as typed ("1 ms", "1 EUR", "1 status", "1 class")."""
    head, _, last = unit_label.rpartition(" ")
    if re.fullmatch(r"[a-z]{2,}[a-z]s", last) and not last.endswith(("ss", "us", "is")):
        return f"{head} {last[:-1]}" if head else last[:-1]
    return unit_label


def kr_value(value: Any, unit_label: Any, kr_type: str) -> str:
    """A key result's value: a milestone's as the percentage done (``"40%"``), any other with its unit label."""
    return pct(value) if kr_type == "milestone" else number(value, unit_label)


def kr_target(target: Any, unit_label: Any, kr_type: str) -> str:
    """What a key result aims at, short: ``"2,000 users"``, ``"≥ 99.9%"``, ``"≤ 200 ms"``, a milestone ``"100%"``."""
    if kr_type == "milestone":
        return pct(1.0 if missing(target) else target)
    text = number(target, unit_label)
    if text == NO_VALUE:
        return text
    return {"stay_above": "≥ ", "stay_below": "≤ "}.get(kr_type, "") + text


def goal(kr_type: str, baseline: Any, target: Any, unit_label: Any) -> str:
    """A key result's goal in words: ``"From 9 h to 4 h"``, ``"Stay above 99.9%"``,
    ``"Stay below 200 ms"``, ``"Milestone, 0 to 100% done"``."""
    if kr_type in ("increase", "decrease"):
        return f"From {number(baseline, unit_label)} to {number(target, unit_label)}"
    if kr_type == "stay_above":
        return f"Stay above {number(target, unit_label)}"
    if kr_type == "stay_below":
        return f"Stay below {number(target, unit_label)}"
    return "Milestone, 0 to 100% done"


def forecast(value: Any, progress: Any, unit_label: Any, kr_type: str) -> str:
    """Where a key result's forecast puts it at the cycle's end: its projected value and the
    progress that makes, ``"1,850 users (progress 85%)"``; a milestone's as ``"80% done"``."""
    if missing(value):
        return NO_VALUE
    if kr_type == "milestone":
        return f"{pct(progress)} done"
    return f"{number(value, unit_label)} (progress {pct(progress)})"


def kpi_target(target_type: str, target: Any, unit_label: Any) -> str:
    """A KPI's target in words with its unit label: ``"stay above 99.9%"``."""
    return f"{KPI_TARGET_WORDS.get(target_type, target_type)} {number(target, unit_label)}"


def confidence(x: Any) -> str:
    """A confidence 0–10 as ``"7/10"``; nothing → ``"—"``."""
    return NO_VALUE if missing(x) else f"{round(float(x))}/10"


# --- counts, dates and times ---------------------------------------------------------------


def plural(count: Any, noun: str, plural_noun: str | None = None) -> str:
    """A count with its noun, singular for exactly one: ``"1 day"``, ``"2 days"``,
    ``"1,250 key results"``, ``plural(1, "person", "people")``."""
    count = int(count)
    word = noun if count == 1 else (plural_noun or noun + "s")
    return f"{count:,} {word}"


def days(count: Any) -> str:
    """A count of days: ``"1 day"``, ``"12 days"``; nothing → ``"—"``."""
    return NO_VALUE if missing(count) else plural(count, "day")


def _date(x: Any) -> dt.date | None:
    if missing(x) or x == "":
        return None
    if isinstance(x, str):
        return dt.date.fromisoformat(x[:10])
    if isinstance(x, dt.datetime):  # pandas' Timestamp too
        return x.date()
    return x


def day(x: Any) -> str:
    """A date as ``"5 Dec 2026"`` (ISO strings, datetimes and Timestamps accepted); nothing → ``"—"``."""
    d = _date(x)
    return NO_VALUE if d is None else f"{d.day} {d:%b %Y}"


CHART_DAY = "%-d %b %Y"
"""A date in a chart's tooltip (Vega's time format), as :func:`day` writes it: "5 Dec 2026"."""


def date_range(start: Any, end: Any) -> str:
    """A cycle's span: ``"1 Oct 2026 – 31 Dec 2026"``."""
    return f"{day(start)} – {day(end)}"


def moment(x: Any) -> str:
    """A stored time (ISO, UTC) as ``"6 Dec 2026, 14:02 UTC"``; a time without a zone is taken as
    UTC, as every write stores it; nothing → ``"—"``."""
    if missing(x) or x == "":
        return NO_VALUE
    at = x if isinstance(x, dt.datetime) else dt.datetime.fromisoformat(str(x))
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC)
    return f"{day(at)}, {at:%H:%M} UTC"
