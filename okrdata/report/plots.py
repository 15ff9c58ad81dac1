"""The executive summary's charts: Altair, drawn on screen by Streamlit, rendered for the files.

:func:`objective_chart`, :func:`status_chart` and :func:`kpi_chart` (:func:`charts` gives the
three by name) are rendered to SVG (the HTML file) or PNG (the PDF) by ``vl-convert``, whose
wheel carries the renderer, so nothing beyond pip is needed.
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import pandas as pd

from okrdata import kpis as kpi_rules
from okrdata import numbers as n
from okrdata.report.learnings import shorten
from okrdata.report.model import Report
from okrdata.wording import (
    HEALTH_COLOURS,
    SCORE_BANDS,
    SCORE_COLOURS,
    STATUS_COLOURS,
    health_label,
    score_band,
    status_label,
)

CHART_OBJECTIVES = 30
"""At most this many objectives get a bar in the objectives chart."""


def _short_title(text: Any, limit: int = 48) -> str:
    return shorten(text, limit)


def objective_frame(report: Report) -> pd.DataFrame | None:
    """What :func:`objective_chart` draws, one row per bar: ``Objective`` (its label), ``Value``,
    ``Band`` and ``Target``; None when there are no objectives."""
    objs = report.objectives.head(CHART_OBJECTIVES)
    if objs.empty:
        return None
    labels = []
    for i, title in enumerate(objs["title"]):
        # Two objectives may share a title: the position keeps each its own bar.
        labels.append(f"{i + 1}. {_short_title(title, 56)}")
    if report.closed:
        values = objs["score"].astype(float)
        return pd.DataFrame(
            {
                "Objective": labels,
                "Value": values,
                "Band": [SCORE_BANDS[score_band(v)] for v in values],
                "Target": [n.EXPECTED_SCORE.get(k, 1.0) for k in objs["kind"]],
            }
        )
    return pd.DataFrame(
        {
            "Objective": labels,
            "Value": objs["progress"].astype(float),
            "Band": [status_label(s) for s in objs["status"]],
            "Target": objs["expected"].astype(float),
        }
    )


def objective_chart(report: Report, width: int | None = None, step: int = 20) -> alt.Chart | None:
    """Progress by objective (active cycle: bars by status, a tick at the expected progress) or
    score by objective (closed cycle: bars by score band, a tick at the kind's expected score).

    The first :data:`CHART_OBJECTIVES` objectives of the report; None when there are none.
    ``width`` is the plot's width in pixels for the files (None: the container's, on screen),
    ``step`` the height of one bar's band in pixels.
    """
    frame = objective_frame(report)
    if frame is None:
        return None
    labels = list(frame["Objective"])
    if report.closed:
        colour = alt.Color(
            "Band:N",
            scale=alt.Scale(domain=list(SCORE_BANDS.values()), range=list(SCORE_COLOURS.values())),
            legend=alt.Legend(orient="bottom", title="Score"),
        )
        x = alt.X(
            "Value:Q",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format=".1f", values=[i / 10 for i in range(11)]),
            title="Score (0–1)",
        )
        title = "Score by objective"
        subtitle = "Tick: the score the objective's kind expects (committed 1.0, aspirational 0.7)"
    else:
        order = [status_label(s) for s in n.STATUSES]
        colour = alt.Color(
            "Band:N",
            scale=alt.Scale(domain=order, range=[STATUS_COLOURS[s] for s in n.STATUSES]),
            legend=alt.Legend(orient="bottom", title="Status"),
        )
        x = alt.X(
            "Value:Q",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%", values=[i / 10 for i in range(11)]),
            title="Progress (%)",
        )
        title = "Progress by objective"
        subtitle = "Tick: the progress expected by today (the elapsed share of the cycle)"
    y = alt.Y("Objective:N", sort=labels, title=None, axis=alt.Axis(labelLimit=300))
    bars = alt.Chart(frame).mark_bar(cornerRadiusEnd=2).encode(x=x, y=y, color=colour)
    ticks = alt.Chart(frame).mark_tick(color="#222222", thickness=2).encode(x="Target:Q", y=y)
    props: dict[str, Any] = {
        "title": alt.TitleParams(title, subtitle=[subtitle, chart_note(report)], anchor="start"),
        "height": alt.Step(step),
    }
    if width is not None:
        props["width"] = width
    return (bars + ticks).properties(**props)


def status_frame(report: Report) -> pd.DataFrame | None:
    """What :func:`status_chart` draws: key results (``Key results``) per ``Status``; None without any."""
    counts = report.headline["status_counts"]
    if sum(counts.values()) == 0:
        return None
    return pd.DataFrame(
        {
            "Status": [status_label(s) for s in n.STATUSES],
            "Key results": [int(counts.get(s, 0)) for s in n.STATUSES],
        }
    )


def status_chart(report: Report, width: int | None = None) -> alt.Chart | None:
    """Key results per status (bars with their counts written on), from the headline figures."""
    frame = status_frame(report)
    if frame is None:
        return None
    return _count_chart(
        frame, "Status", "Key results", [STATUS_COLOURS[s] for s in n.STATUSES], "Key results by status", width
    )


def kpi_frame(report: Report) -> pd.DataFrame | None:
    """What :func:`kpi_chart` draws: ``KPIs`` per ``Health`` state; None without KPIs."""
    c = report.kpi_counts
    if c["kpis"] == 0:
        return None
    states = list(kpi_rules.HEALTH_STATES)
    return pd.DataFrame({"Health": [health_label(h) for h in states], "KPIs": [int(c[h]) for h in states]})


def kpi_chart(report: Report, width: int | None = None) -> alt.Chart | None:
    """KPIs per health state, from :func:`okrdata.kpis.summary`."""
    frame = kpi_frame(report)
    if frame is None:
        return None
    states = list(kpi_rules.HEALTH_STATES)
    return _count_chart(frame, "Health", "KPIs", [HEALTH_COLOURS[h] for h in states], "KPIs by health", width)


def count_ticks(counts: pd.Series) -> list[int]:
    """The axis ticks of a chart of ``counts``: whole numbers only (Vega would put 0.5 between 0
    and 1 and print it as "1"), about five, the last at or past the largest count."""
    top = max(1, int(counts.max()))
    step = max(1, math.ceil(top / 5))
    return list(range(0, top + step, step))


def _count_chart(
    frame: pd.DataFrame, category: str, count: str, colours: list[str], title: str, width: int | None
) -> alt.Chart:
    order = list(frame[category])
    y = alt.Y(f"{category}:N", sort=order, title=None)
    base = alt.Chart(frame)
    ticks = count_ticks(frame[count])
    bars = base.mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X(
            f"{count}:Q",
            title=f"{count} (count)",
            scale=alt.Scale(domain=[0, ticks[-1]]),
            axis=alt.Axis(values=ticks, format="d"),
        ),
        y=y,
        color=alt.Color(f"{category}:N", scale=alt.Scale(domain=order, range=colours), legend=None),
    )
    labels = base.mark_text(align="left", dx=4, color="#222222").encode(x=f"{count}:Q", y=y, text=f"{count}:Q")
    props: dict[str, Any] = {"title": alt.TitleParams(title, anchor="start"), "height": alt.Step(24)}
    if width is not None:
        props["width"] = width
    return (bars + labels).properties(**props)


def charts(report: Report, width: int | None = None, step: int = 20) -> dict[str, alt.Chart]:
    """The report's charts by name (``objectives``, ``statuses``, ``kpis``), leaving out empty ones."""
    built = {
        "objectives": objective_chart(report, width, step),
        "statuses": status_chart(report, None if width is None else max(120, width // 2 - 120)),
        "kpis": kpi_chart(report, None if width is None else max(120, width // 2 - 120)),
    }
    return {name: chart for name, chart in built.items() if chart is not None}


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """An Altair chart as an SVG document (text, no script), rendered by ``vl-convert``."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict(validate=False))


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """An Altair chart as a PNG image, ``scale`` times its pixel size (sharp when printed)."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=scale)


def chart_note(report: Report) -> str:
    """The objectives chart's second subtitle line: the numbering, and how many are drawn."""
    shown = min(len(report.objectives), CHART_OBJECTIVES)
    numbered = "Bars are numbered as in the objectives table"
    if report.objective_total > shown:
        return f"{numbered}; the first {shown} of {report.objective_total} objectives are drawn"
    return numbered
