"""What the Confidence trends page shows of one series: the headline figures in a row of
metrics, the progress and confidence charts side by side, and a key result's check-ins.

The figures and charts come ready from :mod:`ui.trend_data` (a :class:`~ui.trend_data.View`);
this module only lays them out, in the same words for a unit, an objective and a key result.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import trends as tr
from ui import badges, charts, lazy, style
from ui.trend_data import View

SERIES_NOTE = (
    "Each point is the figure at the end of a week (today for the week still running), carried forward "
    "from the latest check-in; the dotted line is the expected pace, the dashed one the forecast."
)


def pace_metric(where, last: pd.Series) -> None:
    """The week's progress against the expected pace, in points, in ``where`` (the row of figures)."""
    progress, expected = float(last["progress"]), float(last["expected"])
    where.metric(
        "Pace",
        badges.pace(progress, expected),
        **badges.pace_delta(progress, expected),
        help="Progress minus the progress expected by now, in percentage points.",
        border=True,
    )


def forecast_metric(where, view: View, trends: tr.Trends) -> None:
    """The forecast at the cycle's end in ``where`` (the row of figures): none once the cycle is over, or before any."""
    if trends.over:
        where.metric(
            "Forecast at the end",
            badges.NO_VALUE,
            help="The cycle is over: its final progress is its score.",
            border=True,
        )
        return
    where.metric(
        "Forecast at the end",
        badges.pct(view.projected) if view.used else badges.NO_VALUE,
        help=(
            "Projected progress at the cycle's end, from a line through each key result's check-ins "
            "(three or more); key results without a forecast count with their progress now."
            if view.used
            else "No forecast yet: a key result needs three check-ins on different days."
        ),
        border=True,
    )


def show_charts(view: View, trends: tr.Trends, note: str, whose: str | None = None) -> None:
    """The progress and confidence charts side by side, and the note under them; for an
    objective or a unit (``whose``: "its", "the"), a word where none of its key results has a
    confidence yet."""
    pair = style.row("trend_charts", stack=True)
    charts.show_in(pair, view.progress)
    if view.confidence is not None:
        charts.show_in(pair, view.confidence)
    elif whose is not None and trends.checkin_count:
        pair.info(
            f"None of {whose} key results has a check-in yet: no confidence to draw.", icon=":material/edit_note:"
        )
    else:
        pair.space()  # the empty half, as st.columns left it
    st.caption(SERIES_NOTE + note)


def aggregate(view: View, trends: tr.Trends, whose: str) -> None:
    """Headline figures and the two charts of an objective or a unit (``whose``: "its", "the")."""
    last = view.series.iloc[-1]
    figures = style.row("trend_figures")
    figures.metric(
        "Progress",
        badges.pct(last["progress"]),
        border=True,
        help="Weighted mean of its key results' progress."
        if whose == "its"
        else "Weighted mean of the objectives in scope, each counted once.",
    )
    figures.metric("Expected", badges.pct(last["expected"]), help="The elapsed fraction of the cycle.", border=True)
    pace_metric(figures, last)
    figures.metric(
        "Mean confidence",
        badges.NO_VALUE if pd.isna(last["confidence"]) else f"{last['confidence']:.1f}/10",
        help=f"Mean of the latest confidence of {whose} key results that have one "
        f"({int(last['confident_count'])} of {int(last['kr_count'])}).",
        border=True,
    )
    forecast_metric(figures, view, trends)
    show_charts(view, trends, " Hover a point for the week's figures.", whose)


def kr_metrics(view: View, trends: tr.Trends, row: pd.Series, label: str) -> None:
    """A key result's headline figures (``row``: its row of :func:`okrdata.queries.key_results`;
    ``label``: its unit label)."""
    last = view.series.iloc[-1]
    figures = style.row("trend_figures")
    figures.metric(
        "Value now",
        (
            f"{badges.number(row['baseline'], label, markdown=True)} (baseline)"
            if pd.isna(last["value"])
            else badges.number(last["value"], label, markdown=True)
        ),
        help="The latest check-in's value; before the first one, the baseline.",
        border=True,
    )
    figures.metric("Progress", badges.pct(last["progress"]), help="From baseline to target, 0–100%.", border=True)
    pace_metric(figures, last)
    figures.metric(
        "Confidence",
        badges.NO_VALUE if pd.isna(last["confidence"]) else f"{int(last['confidence'])}/10",
        help="The latest check-in's confidence: 7–10 on track, 4–6 at risk, 0–3 off track.",
        border=True,
    )
    forecast_metric(figures, view, trends)


def checkins(history: pd.DataFrame, label: str) -> None:
    """A key result's check-ins, newest first, in an expander (``history``:
    :func:`okrdata.queries.checkin_history` of that key result)."""
    if history.empty:
        return
    with lazy.expander(
        f"Check-ins ({len(history)})", "trends_checkins_open", keep=False, icon=":material/history:"
    ) as opened:
        if opened:
            shown = history.iloc[::-1]
            st.dataframe(
                {
                    "Date": [badges.day(d) for d in shown["checkin_date"]],
                    "Value": [badges.number(v, label) for v in shown["value"]],
                    "Confidence": [int(c) for c in shown["confidence"]],
                    "Note": list(shown["note"].fillna("")),
                    "By": list(shown["author_name"].fillna("")),
                },
                hide_index=True,
                width="stretch",
                column_config={"Confidence": st.column_config.NumberColumn("Confidence", format="%d/10")},
            )
