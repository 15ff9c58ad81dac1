"""Altair chart builders shared by the pages; every figure they draw comes from okrdata.

Colours and words come from :mod:`ui.badges` and :mod:`okrdata.wording`, and the legend and
tooltips always name the status or band in words, so a chart reads without telling red from
green.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from okrdata import wording
from ui import badges

LEGEND_COLUMNS = 2
"""Entries a legend puts side by side before it starts another row."""


def spec(chart: alt.TopLevelMixin) -> dict:
    """An Altair chart as the Vega-Lite spec :func:`show_in` draws, ready to cache.

    Made without Altair's JSON-schema validation, which costs more than the rest of a page on
    every rerun (the chart builders are pinned by tests instead), and with its data sets already
    serialised to Arrow, which Streamlit would otherwise redo for every data set at each rerun.
    """
    out = chart.to_dict(validate=False)
    # A legend of four words in one row is wider than a phone's chart and gets cut ("On track"
    # lost); in two columns it fits any screen.
    out.setdefault("config", {}).setdefault("legend", {}).setdefault("columns", LEGEND_COLUMNS)
    if "datasets" in out:
        out["datasets"] = {
            name: dataframe_util.convert_anything_to_arrow_bytes(values) for name, values in out["datasets"].items()
        }
    return out


def show_in(where, chart: alt.TopLevelMixin | dict, width="stretch", **kwargs) -> None:
    """Draw an Altair chart, or a spec made by :func:`spec`, in ``where`` (``st``, a column or a
    container)."""
    where.vega_lite_chart(chart if isinstance(chart, dict) else spec(chart), width=width, **kwargs)


def show(chart: alt.TopLevelMixin | dict, **kwargs) -> None:
    """Draw an Altair chart or a spec on the page at full width (see :func:`show_in`)."""
    show_in(st, chart, **kwargs)


def unit_progress(df: pd.DataFrame, closed: bool = False) -> alt.Chart:
    """Progress by unit: a bar per unit coloured by its pace band (on pace, behind, far behind;
    once the cycle is ``closed``, by its score band), with a tick at the expected progress and
    the statuses of its key results in the tooltip.

    ``df`` is (a slice of) :func:`okrdata.queries.unit_progress` in outline order, with the
    columns of :func:`okrdata.attention.unit_bands`.
    """
    return unit_progress_of(unit_frame(df, closed), closed)


def unit_frame(df: pd.DataFrame, closed: bool = False) -> pd.DataFrame:
    """The one data set of :func:`unit_progress`: a row per unit, as the bars and tooltips show it."""
    frame = pd.DataFrame(
        {
            "Unit": df["name"].astype(str),
            "Progress": df["progress"].astype(float),
            "Expected": df["expected"].astype(float),
            "Pace": [badges.pace(p, e) for p, e in zip(df["progress"], df["expected"])],
            "Band": df["band_label"].astype(str),
            "Key results": df["mix"].astype(str),
            "Objectives": df["objective_count"].astype(int),
        }
    )
    if closed:
        frame["Score"] = [wording.score(s) for s in df["score"]]
    return frame


def unit_progress_of(frame: pd.DataFrame, closed: bool = False) -> alt.Chart:
    """:func:`unit_progress` drawn from its :func:`unit_frame`: the chart's structure depends on
    ``closed`` and the units (in order) only, so a check-in changes its data, not its spec's shape."""
    if closed:
        scale = alt.Scale(domain=list(wording.SCORE_BANDS.values()), range=list(wording.SCORE_COLOURS.values()))
        legend_title = "Score"
    else:
        scale = badges.pace_scale()
        legend_title = "Pace"
    order = list(frame["Unit"])
    y = alt.Y("Unit:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    tooltip = [
        alt.Tooltip("Unit:N"),
        alt.Tooltip("Progress:Q", format=".0%"),
        alt.Tooltip("Expected:Q", format=".0%", title="Expected by today" if not closed else "Expected"),
        alt.Tooltip("Pace:N"),
        alt.Tooltip("Band:N", title=legend_title),
        *([alt.Tooltip("Score:N")] if closed else []),
        alt.Tooltip("Key results:N"),
        alt.Tooltip("Objectives:Q"),
    ]
    bars = (
        alt.Chart(frame)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            x=alt.X("Progress:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title="Progress"),
            y=y,
            color=alt.Color("Band:N", scale=scale, legend=alt.Legend(orient="bottom", title=legend_title)),
            tooltip=tooltip,
        )
    )
    ticks = (
        alt.Chart(frame).mark_tick(color="#222222", thickness=2, size=18).encode(x="Expected:Q", y=y, tooltip=tooltip)
    )
    # Streamlit fits the whole chart (axis, title, legend: about 100 px) into this height.
    return (bars + ticks).properties(height=110 + 32 * len(frame))


def checkins(history: pd.DataFrame, title: str) -> alt.Chart:
    """Confidence at each check-in of one key result (0–10), with the 7 and 4 band edges drawn in.

    ``history`` is :func:`okrdata.queries.checkin_history` for that key result.
    """
    frame = pd.DataFrame(
        {
            "Date": pd.to_datetime(history["checkin_date"]),
            "Confidence": history["confidence"].astype(float),
            "Value": history["value"].astype(float),
            "Note": history["note"].fillna("").astype(str),
        }
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("Date:T", title=None),
            y=alt.Y("Confidence:Q", scale=alt.Scale(domain=[0, 10]), title="Confidence (0–10)"),
            tooltip=[alt.Tooltip("Date:T"), "Confidence:Q", "Value:Q", "Note:N"],
        )
    )
    bands = pd.DataFrame({"edge": [7, 4], "what": ["on track from 7", "at risk from 4"]})
    rules = alt.Chart(bands).mark_rule(strokeDash=[4, 4], color="#8a8f98").encode(y="edge:Q", tooltip=["what:N"])
    return (rules + line).properties(title=title, height=260)
