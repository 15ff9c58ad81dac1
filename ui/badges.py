"""The Streamlit side of the wording: icons, Markdown badges, chart scales and escaping.

Every figure and word is said by :mod:`okrdata.wording` (percentages, pace, scores, dates,
plurals, values, status words and colours); the formatters below are that module's, under the
names the pages have always used (``badges.pct``, ``badges.day``...), so a page and the
executive summary cannot say one figure two ways. What is left here needs Streamlit: a status
always travels with its label and an icon, so colour is never the only carrier of meaning: on
track (green, a tick), at risk (amber, a warning sign), off track (red, an error sign) and stale
(grey, a clock). Tables, where Streamlit renders no icon font, use a coloured disc followed by
the label. User text reaches Markdown only through :func:`escape_markdown`.
"""

from __future__ import annotations

import re
from typing import Any

import altair as alt

from okrdata import numbers as n
from okrdata import wording
from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STALE, STATUSES

COLOURS = wording.STATUS_COLOURS
"""Hex colour of each status, for charts (:data:`okrdata.wording.STATUS_COLOURS`)."""
NEUTRAL = wording.NEUTRAL_COLOUR
"""The colour of progress bars in tables: one colour serves every row, so it says nothing of status."""
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

MINUS = wording.MINUS
NO_VALUE = wording.NO_VALUE

# The figures, said by okrdata.wording (see its docstring for each rule).
pct = wording.pct
pace = wording.pace
score = wording.score
day = wording.day
date_range = wording.date_range
days = wording.days
plural = wording.plural
moment = wording.moment
label = wording.status_label


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


def pace_scale() -> alt.Scale:
    """The Altair colour scale mapping each pace band's *label* to its colour, furthest behind first."""
    bands = list(n.PACE_BANDS)
    return alt.Scale(
        domain=[wording.PACE_BAND_LABELS[b] for b in bands], range=[wording.PACE_COLOURS[b] for b in bands]
    )


PACE_COLOURS = {n.ON_PACE: "green", n.BEHIND: "orange", n.FAR_BEHIND: "red"}
"""Streamlit's named colour of each pace band (:func:`okrdata.wording.pace_band`)."""


def pace_delta(progress: Any, expected: Any) -> dict[str, str]:
    """The delta of a pace metric, as ``st.metric`` keywords: the words and colour of the band
    of the pace as shown (:func:`okrdata.wording.pace_band`) and an arrow that points down when
    the shown points are behind, up when ahead, and nowhere at ±0."""
    shown = wording.pace_points(progress, expected)
    if shown is None:
        return {"delta": None, "delta_color": "off", "delta_arrow": "off"}
    band = wording.pace_band(progress, expected)
    arrow = "down" if shown < 0 else ("up" if shown > 0 else "off")
    return {"delta": wording.PACE_WORDS[band], "delta_color": PACE_COLOURS[band], "delta_arrow": arrow}


def number(x: Any, unit_label: Any = "", *, markdown: bool = False) -> str:
    """A key result's value with its unit label (:func:`okrdata.wording.number`): ``"1,250 users"``.

    The unit label is user text: with ``markdown`` it is escaped (:func:`escape_markdown`), for a
    string Streamlit renders as Markdown; without, the result is for tables and charts, which
    show text as it is.
    """
    return wording.number(x, unit_label, escape_markdown if markdown else None)


_MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$:&"
_MD_ESCAPES = str.maketrans({ch: "\\" + ch for ch in _MD_SPECIAL})


def _escaped_line(line: str) -> str:
    return " ".join(line.split()).translate(_MD_ESCAPES)


def escape_markdown(text: Any, *, lines: bool = False) -> str:
    """User text made safe for ``st.markdown`` and Markdown labels: it renders as written.

    The one escaping path of the pages and ``ui`` (``tests/test_architecture.py`` holds them to
    it). Markdown's and Streamlit's special characters are escaped (``*``, ``_``, ``[``, ``:``,
    ``$``, ``<``…) and so is ``&`` (so ``R&amp;D`` is not read as an entity and shows as typed).
    Line breaks become spaces, so a name or title stays one line; with ``lines`` (a note, a
    reflection or a why shown as paragraphs) each line break the person typed is kept as a line
    break and a blank line as a new paragraph. Either way runs of spaces are one space, so no
    indented line turns into a code block.
    """
    raw = str("" if text is None else text)
    if not lines:
        return _escaped_line(raw)
    paragraphs = re.split(r"\n\s*\n", "\n".join(raw.splitlines()).strip())
    return "\n\n".join("  \n".join(_escaped_line(line) for line in p.splitlines() if line.strip()) for p in paragraphs)
