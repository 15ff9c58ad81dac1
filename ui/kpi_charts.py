"""KPI health on screen: the health palette and badges, and the small Altair chart of a KPI.

The chart draws a KPI's readings (already thinned by :func:`okrdata.kpis.downsample`) as a
line, its target as a red dashed rule and the warning band (between the target and the warning
threshold) shaded amber, so the line's distance to trouble reads at a glance. A health state
always travels with its words and an icon, never colour alone.

What the page shows is worked out once per scope and change of the data and cached
(:func:`page_view`, :func:`chart_specs`, readers of :func:`ui.data.reader`): the sections, counts and warnings, and every chart
as a finished Vega-Lite spec whose data is already in Arrow, the form Streamlit sends it in. A
rerun after a click only lays them out, however large the organisation. The y axis of a chart writes
the KPI's unit on each label.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, NamedTuple

import altair as alt
import pandas as pd

from okrdata import kpis as K
from okrdata import wording
from okrdata.kpis import BREACHED, HEALTH_LABELS, HEALTHY, NO_DATA, WARNING
from ui import badges, charts, data

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


# --- cached for the page ------------------------------------------------------------------


class KpiView(NamedTuple):
    """What the KRs vs KPIs page shows for a cycle and a unit's branch, before the charts."""

    counts: dict[str, int]
    """:func:`okrdata.kpis.summary` of the branch's KPIs."""
    pairs: dict[str, int]
    """:func:`okrdata.kpis.pair_counts` over every section."""
    sections: list[K.UnitSection]
    """Every unit of the branch with key results or KPIs (:func:`okrdata.kpis.sections`)."""
    warnings: list[tuple[str, K.Divergence, dict, dict]]
    """The first warnings, in section order: (unit name, the warning, its key result, its KPI)."""
    empty_units: list[str]
    """Names of the branch's units with neither key results nor KPIs."""
    pair_rows: pd.DataFrame
    """Every key result measured by a KPI, beside it, as a display table (:func:`pair_table`)."""


def _branch_units(unit_id: int | None) -> pd.DataFrame:
    units = data.units()
    if unit_id is not None:
        units = units[units["id"].isin(set(data.subtree_ids(unit_id)))]
    return units


@data.reader(reads=())
def page_view(cycle_id: int | None, unit_id: int | None, listed: int) -> KpiView:
    """The sections, counts and first ``listed`` warnings of a cycle (None: no cycle yet) for a
    unit's branch (None: the whole company), from the cached readers; cached like them."""
    scope_kpis = data.kpis(unit_id)
    all_kpis = data.kpis(None) if unit_id is not None else scope_kpis
    krs = (
        data.key_results(cycle_id, unit_id)
        if cycle_id is not None
        else pd.DataFrame(columns=["kr_id", "unit_id", "kpi_id"])
    )
    units = _branch_units(unit_id)
    sections = K.sections(units, krs, all_kpis)
    warnings = []
    for section in sections:
        for pair in section.pairs:
            by_id = {int(kr["kr_id"]): kr for kr in pair.krs}
            warnings.extend((section.name, w, by_id[w.kr_id], pair.kpi) for w in pair.warnings)
        if len(warnings) >= listed:
            break
    with_rows = {s.unit_id for s in sections}
    empty = [str(n) for i, n in zip(units["id"], units["name"]) if int(i) not in with_rows]
    return KpiView(
        K.summary(scope_kpis), K.pair_counts(sections), sections, warnings[:listed], empty, pair_table(sections)
    )


CHECK = "⚠️ Check"
"""The mark of a linked pair whose key result looks fine while its KPI is in trouble."""


def pair_table(sections: list[K.UnitSection]) -> pd.DataFrame:
    """Every linked pair as one row per key result beside its KPI, those to check first, then in
    the sections' order: check mark, key result, status, progress (percent), KPI, health, latest
    reading, target and unit."""
    rows = []
    for section in sections:
        for pair in section.pairs:
            flagged = {w.kr_id for w in pair.warnings}
            kpi = pair.kpi
            label = kpi.get("unit_label") or ""
            for kr in pair.krs:
                progress = kr.get("progress")
                rows.append(
                    {
                        "Check": CHECK if int(kr["kr_id"]) in flagged else "",
                        "Key result": str(kr["title"]),
                        "Status": badges.cell(kr["status"]),
                        "Progress": None if progress is None or pd.isna(progress) else float(progress) * 100,
                        "KPI": str(kpi["name"]),
                        "Health": health_label(kpi["health"]),
                        "Latest": badges.number(kpi.get("last_value"), label),
                        "Target": target_text(kpi),
                        "Unit": section.name,
                    }
                )
    frame = pd.DataFrame(
        rows, columns=["Check", "Key result", "Status", "Progress", "KPI", "Health", "Latest", "Target", "Unit"]
    )
    return frame.sort_values("Check", ascending=False, kind="stable").reset_index(drop=True)


@data.reader(reads=(), max_entries=256)
def _kpi_spec(
    kpi: Mapping[str, Any], points: pd.DataFrame, since: dt.date, until: dt.date, cycle: Mapping[str, Any] | None
) -> dict:
    # Keyed by what the chart draws, not by the data's versions: a check-in or an edit elsewhere
    # leaves a KPI's chart as it was, and building a dozen of them takes most of a second.
    return charts.spec(kpi_chart(kpi, points, since, until, cycle))


def drawn(view: KpiView, unit_ids: tuple[int, ...]) -> K.Limited:
    """The sections of ``view`` for these units, cut to :data:`okrdata.kpis.MAX_CHARTS` charts
    (:func:`okrdata.kpis.limit`)."""
    chosen = set(unit_ids)
    return K.limit([s for s in view.sections if s.unit_id in chosen], max_units=len(chosen) or 1)


@data.reader(reads=("today",))
def chart_specs(
    cycle_id: int | None, unit_id: int | None, listed: int, months: int, unit_ids: tuple[int, ...]
) -> dict[int, dict | None]:
    """The chart of every KPI in the sections of ``unit_ids`` (as :func:`drawn` cuts them), over
    the last ``months`` (readings thinned by :func:`okrdata.kpis.series`), as :func:`ui.charts.spec`
    specs by KPI id; None for a KPI without readings in that window. Cached like the readers."""
    view = page_view(cycle_id, unit_id, listed)
    sections = drawn(view, tuple(int(u) for u in unit_ids)).sections
    shown = {int(p.kpi["kpi_id"]): p.kpi for s in sections for p in s.pairs}
    shown.update({int(k["kpi_id"]): k for s in sections for k in s.kpis})
    today = data.today()
    since = K.window_start(today, months)
    readings = (
        data.kpi_readings(sorted(shown), since) if shown else pd.DataFrame(columns=["kpi_id", "reading_date", "value"])
    )
    series = K.series(readings, set(shown))
    cycle = data.cycle(cycle_id) if cycle_id is not None else None
    specs: dict[int, dict | None] = {}
    for kid, kpi in shown.items():
        points = series.get(kid, pd.DataFrame())
        specs[kid] = _kpi_spec(kpi, points, since, today, cycle) if len(points) else None
    return specs
