"""KPI health on screen: the health palette and badges, and the small Altair chart of a KPI.

The chart draws a KPI's readings (already thinned by :func:`okrdata.kpis.downsample`) as a
line, its target as a red dashed rule and the warning band (between the target and the warning
threshold) shaded amber, so the line's distance to trouble reads at a glance. A health state
always travels with its words and an icon, never colour alone.

The y axis of a chart writes the KPI's unit on each label. The KRs vs KPIs page gets its
charts as finished specs from the cached readers of :mod:`ui.kpi_data`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from okrdata import wording
from okrdata.kpis import BREACHED, HEALTH_LABELS, HEALTHY, NO_DATA, WARNING
from ui import badges

HEALTH_COLOURS = {HEALTHY: "green", WARNING: "orange", BREACHED: "red", NO_DATA: "gray"}
"""Streamlit's named colour of each health state, for badges."""
HEALTH_ICONS = {
    HEALTHY: ":material/favorite:",
    WARNING: ":material/warning:",
    BREACHED: ":material/heart_broken:",
    NO_DATA: ":material/help:",
}
TARGET_WORDS = {
    "stay_above": "stay above",
    "stay_below": "stay below",
    "increase": "increase to",
    "decrease": "decrease to",
}
LINE_COLOUR = "#1f5fa8"
TARGET_COLOUR = "#c62828"
BAND_COLOUR = "#e69500"


def health_label(health: str) -> str:
    """``"Warning"`` for ``"warning"``; an unknown state as it is."""
    return HEALTH_LABELS.get(health, str(health).replace("_", " ").capitalize())


def health_badge(health: str) -> str:
    """A health state as a coloured Markdown badge with icon and words."""
    colour = HEALTH_COLOURS.get(health, "gray")
    return f":{colour}-badge[{HEALTH_ICONS.get(health, ':material/help:')} {health_label(health)}]"


def target_text(kpi: Mapping[str, Any], *, markdown: bool = False) -> str:
    """``"stay above 8%"``: the KPI's target in words, with its unit label (escaped with
    ``markdown``, see :func:`ui.badges.number`)."""
    label = kpi.get("unit_label") or ""
    words = TARGET_WORDS.get(kpi["target_type"], kpi["target_type"])
    return f"{words} {badges.number(kpi['target'], label, markdown=markdown)}"


def _axis_format(values: pd.Series) -> str:
    # SI prefixes keep EUR figures short ("1.4M") but would turn 0.5 into "500m", and "~g"
    # writes 600 as "6e+2": below ten thousand, plain decimals with trailing zeros trimmed.
    biggest = values.abs().max() if len(values) else 0
    return "~s" if biggest >= 10_000 else ",~f"


def _with_unit(label: str) -> str | None:
    """A Vega expression writing each y-axis label with the KPI's unit, as :func:`ui.badges.number`
    writes values (``"1.6%"``, ``"600 ms"``); None without a unit. The unit is user text: it goes
    into the expression as a JSON string literal, never as code."""
    if not label:
        return None
    suffix = label if label in ("%", "€", "$") else f" {label}"
    return f"datum.label + {json.dumps(suffix)}"


def kpi_chart(
    kpi: Mapping[str, Any],
    points: pd.DataFrame,
    since: dt.date,
    until: dt.date,
    cycle: Mapping[str, Any] | None = None,
    height: int = 150,
) -> alt.LayerChart:
    """One KPI over a time window: readings, target rule, warning band, and the cycle shaded.

    ``kpi`` is a row of :func:`okrdata.queries.kpis`; ``points`` its series from
    :func:`okrdata.kpis.series` (date, value, readings, low, high). The x axis spans
    ``since``..``until`` whatever the readings, so charts side by side share a time scale.
    ``cycle`` (a row of :func:`okrdata.queries.cycles`), when it overlaps the window, is shaded
    grey, so the key results beside the chart can be read against the weeks they ran.
    """
    label = kpi.get("unit_label") or ""
    target = float(kpi["target"])
    raw = kpi.get("warning")
    warning = None if raw is None or pd.isna(raw) else float(raw)
    frame = pd.DataFrame(
        {
            "Date": pd.to_datetime(points["date"]),
            "Value": points["value"].astype(float),
            "Shown": [badges.number(round(v, 4), label) for v in points["value"]],
            "Readings": points["readings"].astype(int),
        }
    )
    every = pd.concat([frame["Value"], pd.Series([target] + ([warning] if warning is not None else []))])
    y_axis = alt.Axis(format=_axis_format(every), tickCount=4, title=None, labelExpr=_with_unit(label))
    x_scale = alt.Scale(domain=[since.isoformat(), until.isoformat()])
    x_axis = alt.Axis(format="%b", tickCount="month", labelOverlap=True, grid=False)
    x = alt.X("Date:T", title=None, scale=x_scale, axis=x_axis)
    layers = []
    if cycle is not None:
        start = max(since, dt.date.fromisoformat(str(cycle["start_date"])[:10]))
        end = min(until, dt.date.fromisoformat(str(cycle["end_date"])[:10]))
        if start < end:
            span = pd.DataFrame(
                {
                    "start": [start.isoformat()],
                    "end": [end.isoformat()],
                    "what": [f"{cycle['name']}: {badges.date_range(cycle['start_date'], cycle['end_date'])}"],
                }
            )
            layers.append(
                alt.Chart(span)
                .mark_rect(color="#8a8f98", opacity=0.10)
                .encode(
                    x=alt.X("start:T", scale=x_scale, axis=x_axis, title=None),
                    x2="end:T",
                    tooltip=[alt.Tooltip("what:N", title="Cycle")],
                )
            )
    if warning is not None:
        band = pd.DataFrame(
            {
                "low": [min(target, warning)],
                "high": [max(target, warning)],
                "what": [
                    f"Warning band: {badges.number(min(target, warning), label)}"
                    f"–{badges.number(max(target, warning), label)}"
                ],
            }
        )
        layers.append(
            alt.Chart(band)
            .mark_rect(color=BAND_COLOUR, opacity=0.18)
            .encode(
                y=alt.Y("low:Q", axis=y_axis, scale=alt.Scale(zero=False)),
                y2="high:Q",
                tooltip=[alt.Tooltip("what:N", title="Zone")],
            )
        )
    rule = pd.DataFrame({"target": [target], "what": [f"Target: {target_text(kpi)}"]})
    layers.append(
        alt.Chart(rule)
        .mark_rule(color=TARGET_COLOUR, strokeDash=[5, 3], strokeWidth=1.5)
        .encode(
            y=alt.Y("target:Q", axis=y_axis, scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("what:N", title="Target")],
        )
    )
    if len(frame):
        tooltip = [
            alt.Tooltip("Date:T", format=wording.CHART_DAY),
            alt.Tooltip("Shown:N", title=str(kpi["name"])),
            alt.Tooltip("Readings:Q", title="Readings averaged"),
        ]
        layers.append(
            alt.Chart(frame)
            .mark_line(color=LINE_COLOUR, strokeWidth=2, point=alt.OverlayMarkDef(size=14, color=LINE_COLOUR))
            .encode(x=x, y=alt.Y("Value:Q", axis=y_axis, scale=alt.Scale(zero=False)), tooltip=tooltip)
        )
    return alt.layer(*layers).properties(height=height).configure_view(strokeWidth=0)
