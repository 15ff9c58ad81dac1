"""The one status palette of every page, and the formatting of figures.

A status always travels with its label and an icon, so colour is never the only carrier of
meaning: on track (green, a tick), at risk (amber, a warning sign), off track (red, an error
sign) and stale (grey, a clock). Tables, where Streamlit renders no icon font, use a coloured
disc followed by the label.

The formatters turn the fractions of :mod:`okrdata` into text: ``pct(0.42)`` is ``"42%"``,
``pace(-0.12)`` is ``"−12 pts"`` (a true minus sign), ``score(0.67)`` is ``"0.67 · yellow"``,
``day(date)`` is ``"3 Mar 2026"``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import altair as alt
import pandas as pd

from okrdata import numbers as n
from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STALE, STATUS_LABELS, STATUSES

COLOURS = {
    ON_TRACK: "#2e7d32",
    AT_RISK: "#e69500",
    OFF_TRACK: "#c62828",
    STALE: "#8a8f98",
}
"""Hex colour of each status, for charts."""
BADGE_COLOURS = {ON_TRACK: "green", AT_RISK: "orange", OFF_TRACK: "red", STALE: "gray"}
"""Streamlit's named colour of each status, for ``st.badge`` and Markdown badges."""
ICONS = {
    ON_TRACK: ":material/check_circle:",
    AT_RISK: ":material/warning:",
    OFF_TRACK: ":material/error:",
    STALE: ":material/schedule:",
}
"""Material icon of each status."""
DOTS = {ON_TRACK: "🟢", AT_RISK: "🟠", OFF_TRACK: "🔴", STALE: "⚪"}
"""A coloured disc for each status, for table cells (which show no icon font)."""
ORDER = list(STATUSES)
"""Statuses from weakest to strongest (off track, stale, at risk, on track)."""

MINUS = "\u2212"
NO_VALUE = "—"


def label(status: str) -> str:
    """The words for a status (``"At risk"``); an unknown status is shown as it is."""
    return STATUS_LABELS.get(status, str(status).replace("_", " ").capitalize())


def icon(status: str) -> str:
    """The material icon of a status."""
    return ICONS.get(status, ":material/help:")


def cell(status: str) -> str:
    """A status for a table cell: a coloured disc and its label (``"🟠 At risk"``)."""
    return f"{DOTS.get(status, '')} {label(status)}".strip()


def markdown(status: str) -> str:
    """A status as a coloured Markdown badge with icon and label, for ``st.markdown``."""
    colour = BADGE_COLOURS.get(status, "gray")
    return f":{colour}-badge[{icon(status)} {label(status)}]"


def status_scale() -> alt.Scale:
    """The Altair colour scale mapping each status *label* to its colour (legends show words)."""
    return alt.Scale(domain=[label(s) for s in ORDER], range=[COLOURS[s] for s in ORDER])


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT


def pct(x: Any, digits: int = 0) -> str:
    """A fraction as a percentage: ``0.425`` → ``"43%"``; nothing → ``"—"``."""
    if _missing(x):
        return NO_VALUE
    return f"{float(x) * 100:.{digits}f}%"


def pace(x: Any) -> str:
    """A pace (progress − expected, a fraction) in percentage points: ``"+5 pts"``, ``"−12 pts"``, ``"±0 pts"``."""
    if _missing(x):
        return NO_VALUE
    points = round(float(x) * 100)
    if points == 0:
        return "±0 pts"
    sign = "+" if points > 0 else MINUS
    return f"{sign}{abs(points)} pts"


PACE_COLOURS = {n.ON_PACE: "green", n.BEHIND: "orange", n.FAR_BEHIND: "red"}
"""Streamlit's named colour of each pace band (:func:`okrdata.numbers.pace_band`)."""


def pace_colour(x: Any) -> str:
    """Streamlit's colour for a pace, by its band (:func:`okrdata.numbers.pace_band`): green on
    pace (from 10 points behind), orange behind (to 25 points behind), red further behind."""
    if _missing(x):
        return "gray"
    return PACE_COLOURS[n.pace_band(float(x))]


PACE_WORDS = {n.ON_PACE: "on pace", n.BEHIND: "behind pace", n.FAR_BEHIND: "far behind pace"}


def pace_delta(x: Any) -> dict[str, str]:
    """The delta of a pace metric, as ``st.metric`` keywords: the words and colour of its band
    (:func:`okrdata.numbers.pace_band`) and an arrow that points down when the shown points are
    behind, up when ahead, and nowhere at ±0."""
    if _missing(x):
        return {"delta": None, "delta_color": "off", "delta_arrow": "off"}
    points = round(float(x) * 100)
    band = n.pace_band(float(x))
    arrow = "down" if points < 0 else ("up" if points > 0 else "off")
    return {"delta": PACE_WORDS[band], "delta_color": PACE_COLOURS[band], "delta_arrow": arrow}


def score(x: Any) -> str:
    """A score 0.0–1.0 with two decimals beside its band word, ``"0.67 · yellow"``
    (:func:`okrdata.numbers.score_text`); nothing → ``"—"``."""
    if _missing(x):
        return NO_VALUE
    return n.score_text(float(x))


def day(x: Any) -> str:
    """A date as ``"3 Mar 2026"`` (ISO strings accepted); nothing → ``"—"``."""
    if _missing(x) or x == "":
        return NO_VALUE
    if isinstance(x, str):
        x = dt.date.fromisoformat(x[:10])
    if isinstance(x, dt.datetime):
        x = x.date()
    return f"{x.day} {x:%b %Y}"


def date_range(start: Any, end: Any) -> str:
    """A cycle's span: ``"1 Oct 2026 – 31 Dec 2026"``."""
    return f"{day(start)} – {day(end)}"


def days(n: Any) -> str:
    """A count of days: ``"1 day"``, ``"12 days"``."""
    if _missing(n):
        return NO_VALUE
    n = int(n)
    return f"{n} day" if n == 1 else f"{n} days"


def number(x: Any, unit_label: str = "", *, markdown: bool = False) -> str:
    """A key result's value with its unit label: ``"1,250 users"``, ``"3.5%"``.

    The unit label is user text: with ``markdown`` it is escaped (:func:`escape_markdown`), for a string
    Streamlit renders as Markdown; without, the result is for tables and charts, which show text
    as it is.
    """
    if _missing(x):
        return NO_VALUE
    value = float(x)
    text = f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    if not unit_label:
        return text
    label = escape_markdown(unit_label) if markdown else unit_label
    return f"{text}{label}" if unit_label in ("%", "€", "$") else f"{text} {label}"


_MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$:"


def escape(text: Any) -> str:
    """User text made safe to put inside Markdown (titles, names): special characters escaped."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def escape_markdown(text: Any) -> str:
    """User text made safe for ``st.markdown`` and Markdown labels: it renders as written.

    :func:`escape` escapes Markdown's and Streamlit's special characters (``*``, ``_``, ``[``,
    ``:``, ``$``, ``<``…); on top of that ``&`` is escaped (so ``&amp;`` is not read as an
    entity) and line breaks become spaces (so a title stays one line). Pages import it as
    :func:`ui.okr_detail.escape_markdown`.
    """
    flat = " ".join(str("" if text is None else text).split())
    return escape(flat).replace("&", "\\&")
