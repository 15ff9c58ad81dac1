"""The Review page's calibration charts: average score by cycle per unit, and confidence against outcome.

Each builder turns tables of :mod:`okrdata.review` (``by_unit``, ``by_unit_cycle``,
``reliability``) into a Vega-Lite spec (:func:`ui.charts.spec`); the calibration reader
(:mod:`ui.review_data`) keeps them, and the page draws them with :func:`ui.charts.show`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from okrdata import review, wording
from ui import charts

MAX_CHART_UNITS = 12
"""Units a chart of scores by cycle draws at the most: those with the most objectives."""


def scores_chart(units_table: pd.DataFrame, per_cycle: pd.DataFrame, cycle_names: list[str]) -> dict:
    """Average score by cycle of the units with the most objectives: a line per unit, or a bar
    per unit while there is one closed cycle; the 0.7 "met" line drawn in."""
    biggest = review.largest_units(units_table, MAX_CHART_UNITS)
    shown = per_cycle[per_cycle["unit_id"].isin(biggest)].copy()
    shown["avg_score"] = shown["avg_score"].astype(float)
    shown["met_pct"] = shown["met_share"].astype(float)
    base = alt.Chart(shown).encode(
        x=alt.X("cycle_name:N", title="Cycle", sort=cycle_names),
        y=alt.Y("avg_score:Q", title="Average score", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("unit_name:N", title="Unit"),
        tooltip=[
            alt.Tooltip("unit_name:N", title="Unit"),
            alt.Tooltip("cycle_name:N", title="Cycle"),
            alt.Tooltip("avg_score:Q", title="Average score", format=".2f"),
            alt.Tooltip("met_pct:Q", title="Met", format=".0%"),
            alt.Tooltip("objectives:Q", title="Objectives"),
            alt.Tooltip("brier:Q", title="Brier score", format=".3f"),
        ],
    )
    met_line = (
        alt.Chart(pd.DataFrame({"y": [review.MET], "label": ["met (0.7)"]}))
        .mark_rule(strokeDash=[4, 4], color="#2e7d32")
        .encode(y="y:Q", tooltip=alt.Tooltip("label:N", title="Line"))
    )
    if len(cycle_names) > 1:
        return charts.spec((base.mark_line() + base.mark_point(filled=True, size=60) + met_line).properties(height=300))
    # One closed cycle: no line to draw yet, so a bar per unit, coloured by its band (named in the legend).
    shown["band"] = shown["avg_score"].map(review.band_label)
    bands = list(review.BAND_LABELS.values())
    bars = (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            y=alt.Y("unit_name:N", title=None, sort="-x", axis=alt.Axis(labelOverlap=False, labelLimit=180)),
            x=alt.X("avg_score:Q", title=f"Average score, {cycle_names[0]}", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "band:N",
                title="Band",
                scale=alt.Scale(domain=bands, range=[wording.SCORE_COLOURS[c] for c in review.BAND_LABELS]),
            ),
            tooltip=base.encoding.tooltip,
        )
    )
    met_rule = alt.Chart(pd.DataFrame({"x": [review.MET]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return charts.spec((bars + met_rule).properties(height=max(120, 26 * len(shown))))


def reliability_chart(rel: pd.DataFrame) -> dict:
    """Share of key results that reached 0.7 against their last confidence, with the diagonal of
    perfect calibration."""
    dots = (
        alt.Chart(rel)
        .mark_circle(color="#1f77b4")
        .encode(
            x=alt.X("probability:Q", title="Last confidence, as a probability", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y(
                "reached_share:Q",
                title="Share that reached 0.7",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            size=alt.Size("forecasts:Q", title="Key results"),
            tooltip=[
                alt.Tooltip("confidence:Q", title="Last confidence"),
                alt.Tooltip("forecasts:Q", title="Key results"),
                alt.Tooltip("reached:Q", title="Reached 0.7"),
                alt.Tooltip("reached_share:Q", title="Share reached", format=".0%"),
            ],
        )
    )
    diagonal = (
        alt.Chart(pd.DataFrame({"probability": [0.0, 1.0], "reached_share": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="#8a8f98")
        .encode(x="probability:Q", y="reached_share:Q")
    )
    return charts.spec((diagonal + dots).properties(height=300))
