"""Altair charts of the Confidence trends page; every figure they draw comes from :mod:`okrdata.trends`.

- :func:`progress`: progress week by week, with the expected pace over the whole cycle and the
  forecast drawn dashed from the last week to the cycle's end;
- :func:`confidence`: confidence 0–10 week by week over the on track / at risk / off track bands;
- :func:`heatmap`: unit (or objective) × week, coloured by mean confidence;
- :func:`status_mix`: key results per status, week by week;
- :func:`series_specs`: the progress and confidence charts of one series as finished specs.

Each chart is built from named frames (``progress_frames``, ...); its ``*_spec`` function
names its shape, so that after a change of the data the spec is the chart of that shape
refilled with the new frames (:mod:`ui.chart_templates`) instead of built again with Altair.

The frames handed to Vega-Lite are small and already aggregated in okrdata (a point per week,
a cell per row and week), so no chart sends more than :data:`MAX_POINTS` data values. The
tooltips carry preformatted text (dates, values with their unit label, percentages), so they
read the same in every browser and time zone. Field names avoid quotes, dots and brackets,
which Vega reads as access paths.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import altair as alt
import pandas as pd

from okrdata import trends as tr
from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STATUSES, confidence_band
from ui import badges
from ui import chart_templates as templates

MAX_POINTS = 5_000
"""No chart may send more data values than this to the browser."""
PROGRESS_COLOUR = "#1f5fbf"
EXPECTED_COLOUR = "#8a8f98"
CONFIDENCE_COLOUR = "#5b3fa6"
EMPTY_CELL = "#d9dce0"
HEIGHT = 340
HEAT_DOMAIN = [0, 4, 7, 10]
HEAT_RANGE = [badges.COLOURS[OFF_TRACK], badges.COLOURS[AT_RISK], "#9ccc65", badges.COLOURS[ON_TRACK]]
"""Confidence colours keyed to the bands: red at 0, amber at 4 (at risk), light green at 7 (on track)."""
TEXT_CELLS = 400
"""A heat map of this many cells or fewer writes the figure in each."""
NOTE_LENGTH = 200
"""Notes longer than this are cut in tooltips (the check-in table shows them whole)."""
CHECKED_IN = "Key results checked in"
PROGRESS_TITLE = "Progress against the expected pace"

BANDS = pd.DataFrame(
    {
        "low": [7.0, 4.0, 0.0],
        "high": [10.0, 7.0, 4.0],
        "middle": [8.5, 5.5, 2.0],
        "Band": [
            f"{badges.label(ON_TRACK)} (7–10)",
            f"{badges.label(AT_RISK)} (4–6)",
            f"{badges.label(OFF_TRACK)} (0–3)",
        ],
        "colour": [badges.COLOURS[ON_TRACK], badges.COLOURS[AT_RISK], badges.COLOURS[OFF_TRACK]],
    }
)


# --- formatting ------------------------------------------------------------------------------


def _missing(x: Any) -> bool:
    return x is None or bool(pd.isna(x))


def week_label(week: Any, start: Any, end: Any) -> str:
    """``"Week 3 · 11–17 Oct"`` (``"Week 5 · 25 Oct – 1 Nov"`` across months)."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start.month == end.month:
        return f"Week {int(week)} · {start.day}–{end.day} {end:%b}"
    return f"Week {int(week)} · {start.day} {start:%b} – {end.day} {end:%b}"


def _week_labels(frame: pd.DataFrame) -> list[str]:
    return [week_label(w, s, e) for w, s, e in zip(frame["week"], frame["week_start"], frame["week_end"])]


def _conf(x: Any, single: bool = False) -> str:
    """A confidence for a tooltip: ``"8/10"`` for one key result, ``"6.5"`` for a mean."""
    if _missing(x):
        return badges.NO_VALUE
    return f"{int(round(float(x)))}/10" if single else f"{float(x):.1f}"


def _note(x: Any) -> str:
    if _missing(x):
        return ""
    text = str(x)
    return text if len(text) <= NOTE_LENGTH else text[: NOTE_LENGTH - 1] + "…"


def _checked_in(confident: Iterable, total: Iterable) -> list[str]:
    """``"12 of 15"``: how many key results have a confidence, of how many."""
    return [f"{int(c)} of {int(k)}" for c, k in zip(confident, total)]


def _date_scale(cycle: dict) -> alt.Scale:
    """The whole cycle on the x axis, so the forecast and the expected pace reach its end."""
    start, end = (pd.Timestamp(str(cycle[k])[:10]) for k in ("start_date", "end_date"))
    return alt.Scale(
        domain=[
            alt.DateTime(year=start.year, month=start.month, date=start.day),
            alt.DateTime(year=end.year, month=end.month, date=end.day),
        ]
    )


def _span(cycle: dict) -> tuple[str, str]:
    """The cycle's first and last days, which the x axis spans: part of a chart's shape."""
    return str(cycle["start_date"])[:10], str(cycle["end_date"])[:10]


def _x(cycle: dict) -> alt.X:
    return alt.X(
        "date:T",
        title="Week (date the figures are taken)",
        scale=_date_scale(cycle),
        axis=alt.Axis(format="%-d %b", labelAngle=0, tickCount="week"),
    )


# --- progress --------------------------------------------------------------------------------


def progress_frame(series: pd.DataFrame, unit_label: str | None = None) -> pd.DataFrame:
    """The progress points: one per week, with the tooltip's text.

    ``series`` is a weekly series of :mod:`okrdata.trends` (a key result's rows when
    ``unit_label`` is given, which adds the carried check-in's date, value and note; otherwise
    how many key results have a confidence).
    """
    single = unit_label is not None
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(series["date"]),
            "progress": series["progress"].astype(float),
            "Week": _week_labels(series),
            "Progress": [badges.pct(p) for p in series["progress"]],
            "Expected": [badges.pct(p) for p in series["expected"]],
            "Pace": [badges.pace(p, e) for p, e in zip(series["progress"], series["expected"])],
            "Confidence": [_conf(c, single) for c in series["confidence"]],
        }
    )
    if single:
        frame["Check-in"] = ["none yet (at baseline)" if _missing(d) else badges.day(d) for d in series["checkin_date"]]
        frame["Value"] = [badges.number(v, unit_label) for v in series["value"]]
        frame["Note"] = [_note(x) for x in series["note"]]
    else:
        frame[CHECKED_IN] = _checked_in(series["confident_count"], series["kr_count"])
    return frame


def progress_frames(
    series: pd.DataFrame, expected: pd.DataFrame, forecast: pd.DataFrame, unit_label: str | None = None
) -> dict[str, pd.DataFrame]:
    """The data of :func:`progress`: ``lines`` (progress, expected pace and forecast, a row per
    point), ``points`` (:func:`progress_frame`) and, when there is a forecast, ``tip`` (its end)."""
    points = progress_frame(series, unit_label)
    parts = [
        ("Progress", points["date"], points["progress"]),
        ("Expected pace", expected["date"], expected["expected"]),
        ("Forecast", forecast["date"], forecast["progress"]),
    ]
    lines = pd.concat(
        [pd.DataFrame({"date": pd.to_datetime(d), "progress": v.astype(float), "Line": name}) for name, d, v in parts],
        ignore_index=True,
    )
    lines["Shown"] = [badges.pct(p) for p in lines["progress"]]
    frames = {"lines": lines, "points": points}
    if not forecast.empty:
        end = forecast.iloc[[-1]]
        frames["tip"] = pd.DataFrame(
            {
                "date": pd.to_datetime(end["date"]),
                "progress": end["progress"].astype(float),
                "Forecast": [badges.pct(p) for p in end["progress"]],
            }
        )
    return frames


def _progress_chart(frames: dict[str, pd.DataFrame], cycle: dict, title: str, single: bool) -> alt.LayerChart:
    # The legend lists the forecast only when there is one to draw.
    domain = ["Progress", "Expected pace"] + (["Forecast"] if "tip" in frames else [])
    colours = [PROGRESS_COLOUR, EXPECTED_COLOUR, PROGRESS_COLOUR][: len(domain)]
    dashes = [[1, 0], [2, 3], [7, 4]][: len(domain)]
    legend = alt.Legend(title=None, orient="bottom")
    x = _x(cycle)
    y = alt.Y("progress:Q", title="Progress (% of target)", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    line_layer = (
        alt.Chart(frames["lines"])
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color("Line:N", scale=alt.Scale(domain=domain, range=colours), legend=legend),
            strokeDash=alt.StrokeDash("Line:N", scale=alt.Scale(domain=domain, range=dashes), legend=legend),
            detail="Line:N",
            tooltip=[
                alt.Tooltip("Line:N", title="Line"),
                alt.Tooltip("date:T", title="Date", format="%-d %b %Y"),
                alt.Tooltip("Shown:N", title="Progress"),
            ],
        )
    )
    if single:
        tooltip = ["Week:N", "Check-in:N", "Value:N", "Progress:N", "Expected:N", "Pace:N", "Confidence:N", "Note:N"]
    else:
        tooltip = ["Week:N", "Progress:N", "Expected:N", "Pace:N", "Confidence:N", f"{CHECKED_IN}:N"]
    dots = (
        alt.Chart(frames["points"])
        .mark_point(filled=True, size=70, color=PROGRESS_COLOUR)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    layers = [line_layer, dots]
    if "tip" in frames:
        layers.append(
            alt.Chart(frames["tip"])
            .mark_point(shape="diamond", size=110, filled=True, color=PROGRESS_COLOUR, opacity=0.7)
            .encode(x=x, y=y, tooltip=[alt.Tooltip("Forecast:N", title="Forecast at the cycle's end")])
        )
    return alt.layer(*layers).properties(title=title, height=HEIGHT)


def progress(
    series: pd.DataFrame,
    expected: pd.DataFrame,
    forecast: pd.DataFrame,
    cycle: dict,
    title: str,
    unit_label: str | None = None,
) -> alt.LayerChart:
    """Progress week by week (a solid line with points), the expected pace (grey, dotted) over
    the whole cycle, and the forecast (dashed) from the last week to the cycle's end.

    ``series``: weekly rows from :mod:`okrdata.trends`; ``expected``:
    :func:`okrdata.trends.expected_line`; ``forecast``: :func:`okrdata.trends.forecast_line`
    (may be empty). ``unit_label`` marks a single key result, whose tooltips carry the
    check-in's date, value and note.
    """
    frames = progress_frames(series, expected, forecast, unit_label)
    return _progress_chart(frames, cycle, title, unit_label is not None)


def progress_spec(
    series: pd.DataFrame,
    expected: pd.DataFrame,
    forecast: pd.DataFrame,
    cycle: dict,
    title: str,
    unit_label: str | None = None,
) -> dict:
    """:func:`progress` as a spec (:func:`ui.charts.spec`), refilled from the chart of its shape
    when there is one (:mod:`ui.chart_templates`)."""
    frames = progress_frames(series, expected, forecast, unit_label)
    single = unit_label is not None
    shape = ("trends.progress", _span(cycle), title, single, "tip" in frames)
    return templates.spec(shape, frames, lambda: _progress_chart(frames, cycle, title, single))


# --- confidence ------------------------------------------------------------------------------


def confidence_frame(series: pd.DataFrame, unit_label: str | None = None) -> pd.DataFrame:
    """The confidence points: one per week that has a confidence, with the tooltip's text."""
    single = unit_label is not None
    has = series[series["confidence"].notna()]
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(has["date"]),
            "confidence": has["confidence"].astype(float),
            "Week": _week_labels(has),
            "Confidence": [_conf(c, single) for c in has["confidence"]],
            "Status": [badges.label(confidence_band(float(c))) for c in has["confidence"]],
        }
    )
    if single:
        frame["Check-in"] = [badges.day(d) for d in has["checkin_date"]]
        frame["Value"] = [badges.number(v, unit_label) for v in has["value"]]
        frame["Note"] = [_note(x) for x in has["note"]]
    else:
        frame[CHECKED_IN] = _checked_in(has["confident_count"], has["kr_count"])
        frame["Progress"] = [badges.pct(p) for p in has["progress"]]
    return frame


def confidence_frames(series: pd.DataFrame, cycle: dict, unit_label: str | None = None) -> dict[str, pd.DataFrame]:
    """The data of :func:`confidence`: the ``bands``, the ``rules`` at their edges and the
    ``points`` (:func:`confidence_frame`)."""
    return {
        "bands": BANDS.assign(date=pd.Timestamp(str(cycle["start_date"])[:10])),
        "rules": pd.DataFrame({"edge": [7.0, 4.0]}),
        "points": confidence_frame(series, unit_label),
    }


def _confidence_chart(frames: dict[str, pd.DataFrame], cycle: dict, title: str, single: bool) -> alt.LayerChart:
    x = _x(cycle)
    axis_title = "Confidence (0–10)" if single else "Mean confidence (0–10)"
    no_colour_scale = alt.Color("colour:N", scale=None, legend=None)
    shade = (
        alt.Chart(frames["bands"])
        .mark_rect(opacity=0.10)
        .encode(
            y=alt.Y("low:Q", scale=alt.Scale(domain=[0, 10]), title=axis_title, axis=alt.Axis(values=[0, 4, 7, 10])),
            y2="high:Q",
            color=no_colour_scale,
            tooltip=[alt.Tooltip("Band:N")],
        )
    )
    labels = (
        alt.Chart(frames["bands"])
        .mark_text(align="left", baseline="middle", dx=6, fontSize=11, fontWeight="bold", opacity=0.8)
        .encode(x=x, y=alt.Y("middle:Q", title=axis_title), text="Band:N", color=no_colour_scale)
    )
    rules = (
        alt.Chart(frames["rules"])
        .mark_rule(strokeDash=[4, 4], color="#6b7079")
        .encode(y=alt.Y("edge:Q", title=axis_title))
    )
    tooltip = ["Week:N", "Confidence:N", "Status:N"]
    tooltip += ["Check-in:N", "Value:N", "Note:N"] if single else [f"{CHECKED_IN}:N", "Progress:N"]
    line = (
        alt.Chart(frames["points"])
        .mark_line(
            color=CONFIDENCE_COLOUR,
            strokeWidth=2.5,
            point=alt.OverlayMarkDef(filled=True, size=70, color=CONFIDENCE_COLOUR),
        )
        .encode(x=x, y=alt.Y("confidence:Q", title=axis_title), tooltip=tooltip)
    )
    return alt.layer(shade, rules, labels, line).properties(title=title, height=HEIGHT)


def confidence(series: pd.DataFrame, cycle: dict, title: str, unit_label: str | None = None) -> alt.LayerChart:
    """Confidence (0–10) week by week over the bands: on track from 7, at risk from 4, off track below.

    For a single key result (``unit_label`` given) the tooltips carry the check-in's date, value
    and note; for an objective or a unit the mean confidence and how many key results have one.
    """
    return _confidence_chart(confidence_frames(series, cycle, unit_label), cycle, title, unit_label is not None)


def confidence_spec(series: pd.DataFrame, cycle: dict, title: str, unit_label: str | None = None) -> dict:
    """:func:`confidence` as a spec, refilled from the chart of its shape when there is one."""
    frames = confidence_frames(series, cycle, unit_label)
    single = unit_label is not None
    shape = ("trends.confidence", _span(cycle), title, single)
    return templates.spec(shape, frames, lambda: _confidence_chart(frames, cycle, title, single))


# --- the unit × week heat map ----------------------------------------------------------------


def heatmap_frame(frame: pd.DataFrame, weeks: pd.DataFrame) -> pd.DataFrame:
    """The heat map's cells with their tooltip text (``frame`` is :func:`okrdata.trends.heatmap`)."""
    labels = dict(zip(weeks["week"].astype(int), _week_labels(weeks)))
    return pd.DataFrame(
        {
            "Row": frame["row"].astype(str),
            "Week": [labels.get(int(w), f"Week {int(w)}") for w in frame["week"]],
            "W": [f"W{int(w)}" for w in frame["week"]],
            "week": frame["week"].astype(int),
            "order": frame["row_order"].astype(int),
            "confidence": frame["confidence"].astype(float),
            "Mean confidence": [_conf(c) for c in frame["confidence"]],
            CHECKED_IN: _checked_in(frame["confident_count"], frame["kr_count"]),
            "Progress": [badges.pct(p) for p in frame["progress"]],
        }
    )


def _heat_order(cells: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The rows, top down, and the weeks of the heat map's cells (:func:`heatmap_frame`)."""
    rows = list(dict.fromkeys(cells.sort_values(["order", "week"])["Row"]))
    return rows, [f"W{int(w)}" for w in sorted(cells["week"].unique())]


def _heatmap_chart(cells: pd.DataFrame, title: str, row_title: str) -> alt.LayerChart:
    rows, week_order = _heat_order(cells)
    x = alt.X("W:O", sort=week_order, title="Week of the cycle", axis=alt.Axis(labelAngle=0, orient="top"))
    # No axis title: the rows name themselves, and a rotated title would sit on long labels.
    y = alt.Y("Row:N", sort=rows, title=None, axis=alt.Axis(labelLimit=320))
    tooltip = [alt.Tooltip("Row:N", title=row_title), "Week:N", "Mean confidence:N", f"{CHECKED_IN}:N", "Progress:N"]
    # Grey under every cell, then the colour where a confidence exists (Vega-Lite drops marks
    # whose colour value is null, so a conditional colour would leave those cells blank).
    empty = alt.Chart().mark_rect(stroke="white", strokeWidth=1, color=EMPTY_CELL).encode(x=x, y=y, tooltip=tooltip)
    coloured = (
        alt.Chart()
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "confidence:Q",
                scale=alt.Scale(domain=HEAT_DOMAIN, range=HEAT_RANGE, interpolate="rgb"),
                legend=alt.Legend(title="Mean confidence (0–10)", orient="bottom", gradientLength=260),
            ),
            tooltip=tooltip,
        )
        .transform_filter("isValid(datum.confidence)")
    )
    layers = [empty, coloured]
    if len(cells) <= TEXT_CELLS:
        layers.append(
            alt.Chart()
            .mark_text(fontSize=11)
            .encode(x=x, y=y, text="Mean confidence:N", tooltip=tooltip, color=alt.value("#1d1f23"))
        )
    # One dataset for every layer; a fixed step per row, so the chart grows with the rows.
    return alt.layer(*layers, data=cells).properties(title=title, height=alt.Step(30))


def heatmap(frame: pd.DataFrame, weeks: pd.DataFrame, title: str, row_title: str = "Unit") -> alt.LayerChart:
    """Rows × weeks coloured by mean confidence (red 0, amber 4, green from 7; grey where no key
    result has one yet), the figure written in each cell when there is room, every figure in
    the tooltips, and a colour legend."""
    return _heatmap_chart(heatmap_frame(frame, weeks), title, row_title)


def heatmap_spec(frame: pd.DataFrame, weeks: pd.DataFrame, title: str, row_title: str = "Unit") -> dict:
    """:func:`heatmap` as a spec, refilled from the chart of its shape when there is one."""
    cells = heatmap_frame(frame, weeks)
    rows, week_order = _heat_order(cells)
    shape = ("trends.heatmap", title, row_title, tuple(rows), tuple(week_order), len(cells) <= TEXT_CELLS)
    return templates.spec(shape, {"cells": cells}, lambda: _heatmap_chart(cells, title, row_title))


# --- status mix ------------------------------------------------------------------------------


def status_mix_frame(frame: pd.DataFrame, weeks: pd.DataFrame) -> pd.DataFrame:
    """The bars of :func:`status_mix`, with their tooltip text."""
    labels = dict(zip(weeks["week"].astype(int), _week_labels(weeks)))
    order = {s: i for i, s in enumerate(reversed(STATUSES))}
    return pd.DataFrame(
        {
            "W": [f"W{int(w)}" for w in frame["week"]],
            "week": frame["week"].astype(int),
            "Week": [labels.get(int(w), f"Week {int(w)}") for w in frame["week"]],
            "Status": [badges.label(s) for s in frame["status"]],
            "order": [order.get(s, 9) for s in frame["status"]],
            "Key results": frame["count"].astype(int),
        }
    )


def _week_order(cells: pd.DataFrame) -> list[str]:
    return [f"W{int(w)}" for w in sorted(cells["week"].unique())]


def _status_mix_chart(cells: pd.DataFrame, title: str) -> alt.Chart:
    return (
        alt.Chart(cells)
        .mark_bar()
        .encode(
            x=alt.X("W:O", sort=_week_order(cells), title="Week of the cycle", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Key results:Q", stack="zero", title="Key results (count)"),
            color=alt.Color("Status:N", scale=badges.status_scale(), legend=alt.Legend(title=None, orient="bottom")),
            order=alt.Order("order:Q"),
            tooltip=["Week:N", "Status:N", "Key results:Q"],
        )
        .properties(title=title, height=HEIGHT)
    )


def status_mix(frame: pd.DataFrame, weeks: pd.DataFrame, title: str) -> alt.Chart:
    """Key results per status, week by week, as stacked bars (``frame`` is
    :func:`okrdata.trends_breakdown.status_mix`)."""
    return _status_mix_chart(status_mix_frame(frame, weeks), title)


def status_mix_spec(frame: pd.DataFrame, weeks: pd.DataFrame, title: str) -> dict:
    """:func:`status_mix` as a spec, refilled from the chart of its shape when there is one."""
    cells = status_mix_frame(frame, weeks)
    shape = ("trends.status_mix", title, tuple(_week_order(cells)))
    return templates.spec(shape, {"cells": cells}, lambda: _status_mix_chart(cells, title))


# --- the charts of one series ----------------------------------------------------------------


def series_specs(
    series: pd.DataFrame,
    expected: pd.DataFrame,
    projected: float | None,
    cycle: dict,
    confidence_title: str,
    unit_label: str | None = None,
) -> tuple[dict, dict | None, bool]:
    """The :func:`progress` and :func:`confidence` charts of a weekly series as specs
    (:func:`ui.charts.spec`; None when there is no confidence to draw), and whether a forecast
    is drawn (``projected``: the score at the cycle's end, None for no forecast)."""
    forecast = tr.forecast_line(series, projected, cycle)
    progress = progress_spec(series, expected, forecast, cycle, PROGRESS_TITLE, unit_label=unit_label)
    has_confidence = series["confidence"].notna().any()
    confidence = confidence_spec(series, cycle, confidence_title, unit_label=unit_label) if has_confidence else None
    return progress, confidence, not forecast.empty


# --- checks ----------------------------------------------------------------------------------


def data_points(chart: alt.TopLevelMixin | dict | str) -> int:
    """How many data values a chart sends to the browser: every named dataset and inline value.

    (Streamlit moves the named datasets out of the spec into the element; count those apart.)
    """
    if isinstance(chart, dict):
        spec = chart
    elif isinstance(chart, str):
        spec = json.loads(chart)
    else:
        spec = chart.to_dict()
    total = sum(len(v) for v in spec.get("datasets", {}).values())

    def inline(node: Any) -> int:
        if isinstance(node, dict):
            data = node.get("data")
            own = len(data["values"]) if isinstance(data, dict) and "values" in data else 0
            return own + sum(inline(v) for k, v in node.items() if k != "datasets")
        if isinstance(node, list):
            return sum(inline(v) for v in node)
        return 0

    return total + inline(spec)
