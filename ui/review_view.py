"""The Review page's read-only parts: the headline figures and the scoring sheet as a table
(with its notes and CSV), the reflections of a closed cycle, and the calibration table.

Every figure comes from :mod:`okrdata.review` (through :mod:`ui.review_data` and
:func:`ui.data.calibration`); here it is only laid out and worded, colour always with words.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import review, transfer, wording
from ui import badges, style, tables
from ui.sidebar import Scope

SCORE_DOTS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
MAX_REFLECTIONS = 30  # above this many, the reflections stay in the table (pick a unit to read them)

# A difference of scores with its sign: "+0.05", "−0.30".
signed = wording.signed_score


def score_cell(score: float, colour: str, band: str) -> str:
    """A score for a table cell, colour with words: ``"🟢 0.92 · green · Met"``."""
    return f"{SCORE_DOTS[colour]} {badges.score(score)} · {band}"


def forecast_cell(forecast: float, colour: str, band: str) -> str:
    """A forecast for a table cell: ``"🟡 tracking to 0.45 · yellow · heading for partly met"``."""
    return f"{SCORE_DOTS[colour]} tracking to {badges.score(forecast)} · {band}"


def score_or_blank(x: float) -> str:
    """A score with its band, or nothing when there is none (a lead's score not given yet)."""
    return "" if pd.isna(x) else badges.score(x)


def headline(counts: dict, closed: bool) -> None:
    """Four metrics over the scoring sheet's ``counts`` (:func:`ui.review_data.sheet_counts`):
    objectives, the average score and share met (before the close: the average forecast and
    share on course), and how many a lead scored."""
    cols = st.columns(4)
    cols[0].metric("Objectives", counts["objectives"])
    if closed:
        cols[1].metric("Average score", badges.score(counts["avg_score"]))
        cols[2].metric("Met (score ≥ 0.70)", badges.pct(counts["met_share"]))
        cols[3].metric(
            "Proposed, not reviewed",
            counts[review.PROPOSED],
            help="Objectives no lead scored: they got their final progress when the cycle closed.",
        )
    else:
        cols[1].metric(
            "Average forecast",
            badges.score(counts["avg_forecast"]),
            help="Where the objectives are heading at the cycle's end, on average.",
        )
        cols[2].metric("On course (forecast ≥ 0.70)", badges.pct(counts["on_course_share"]))
        cols[3].metric("Scored by a lead", f"{counts[review.SCORED]} of {counts['objectives']}")


def score_table(rows: pd.DataFrame, closed: bool, flags: bool | None = None) -> pd.DataFrame:
    """The scoring sheet as a display table. Closed: the score with its band and result, against
    kind, reasons, reflections. Before the close: where each objective is heading (its forecast,
    in forecast words), the key results flagged for the review (``flags``: whether the column is
    there; None: when any row has a flag), the score proposed from the progress so far and a
    lead's score, if any."""
    if closed:
        lead = {"Score": [score_cell(s, c, b) for s, c, b in zip(rows["score"], rows["colour"], rows["band"])]}
    else:
        lead = {"Forecast": [forecast_cell(f, c, b) for f, c, b in zip(rows["forecast"], rows["colour"], rows["band"])]}
    table = {
        **lead,
        "Against kind": [f"{v} ({signed(g)})" for v, g in zip(rows["versus"], rows["gap"])],
        "Objective": rows["title"].astype(str),
        "Unit": rows["unit_name"].astype(str),
        "Kind": [wording.kind_text(k) for k in rows["kind"]],
        "Progress": rows["progress"].astype(float) * 100,
        "Proposed": [badges.score(p) for p in rows["proposal"]],
    }
    if not closed:
        table["Lead's score"] = [score_or_blank(r) for r in rows["recorded"]]
        if has_flags(rows) if flags is None else flags:  # a column empty in every row would say nothing
            table["Flag"] = rows["flag"].astype(str)
    table.update(
        {
            "Review": rows["review"].map(review.REVIEW_LABELS),
            "Reason": rows["reason"].astype(str),
            "Reflection": rows["reflection"].astype(str),
        }
    )
    return pd.DataFrame(table)


def has_flags(rows: pd.DataFrame) -> bool:
    """Whether any row of the scoring sheet has a key result flagged for the review."""
    return bool(rows["flag"].astype(bool).any())


# The scoring sheet's columns left to right: the result (or where it is heading), what, how far.
SCORE_ORDER = ["Score", "Forecast", "Objective", "Progress", "Proposed", "Lead's score", "Against kind", "Flag"]


def score_columns(closed: bool, ended: bool) -> dict:
    """How the scoring sheet's columns read: widths that keep the key ones on screen, and help."""
    return {
        "Score": st.column_config.TextColumn("Score", width=130),
        "Forecast": st.column_config.TextColumn(
            "Forecast",
            width=150,
            help="Where the objective is heading at the cycle's end, from the trend of its key "
            "results' check-ins (their progress so far where there are fewer than three).",
        ),
        "Objective": tables.text_column("Objective"),
        "Progress": st.column_config.ProgressColumn(
            "Final progress" if closed or ended else "Progress so far",
            min_value=0.0,
            max_value=100.0,
            format="%.0f%%",
            color=badges.NEUTRAL,
        ),
        "Proposed": st.column_config.TextColumn(
            "Proposed",
            help="The proposed score: the objective's final progress"
            + (", rounded half up." if closed or ended else " so far, rounded half up: what closing now would record."),
        ),
        "Against kind": st.column_config.TextColumn(
            "Against kind",
            help="Committed objectives are expected at 1.0, aspirational ones around 0.7 "
            f"(within {review.EXPECTATION_TOLERANCE:g})."
            + ("" if closed else " Before the close, the forecast is compared."),
        ),
        "Flag": st.column_config.TextColumn(
            "Flag",
            help="Key results flagged for the review: confident while 20 points or more behind pace, "
            "or of low confidence while ahead, two check-ins running.",
        ),
    }


def score_sheet(rows: pd.DataFrame, table: pd.DataFrame, scope: Scope, ended: bool) -> None:
    """The scoring sheet of the sidebar's cycle and unit (``rows``) as a table (``table``: its
    first :data:`ui.tables.ROW_LIMIT` rows as :func:`score_table`, every one in the CSV), with
    the bands explained."""
    closed = scope.cycle["state"] == "closed"
    shown = tables.arrow(table)
    tables.show_table(
        "rv_scores",
        shown,
        SCORE_ORDER,
        score_columns(closed, ended),
        tables.phone_items(
            shown,
            "Objective",
            ["Score" if closed else "Forecast", "Progress", ("Proposed", "proposed")],
            ["Unit", "Against kind", "Flag"],
        ),
        len(rows),
        what="objectives",
    )
    score_notes(rows, scope.cycle)


def score_notes(rows: pd.DataFrame, cycle: dict) -> None:
    """What the score bands mean, how many objectives the table shows, and every score as a CSV."""
    closed = cycle["state"] == "closed"
    bands = (
        "Score bands: 🔴 red, missed, below 0.40 · 🟡 yellow, partly met, 0.40 to 0.69 · 🟢 green, met, from 0.70. "
        if closed
        else "Until the cycle closes nothing is met or missed: 🔴 heading for a miss below 0.40 · 🟡 heading for "
        "partly met 0.40 to 0.69 · 🟢 on course from 0.70. "
    )
    st.caption(
        bands
        + "Committed objectives are expected at 1.0; aspirational ones around 0.7."
        + (
            f" The table shows the first {tables.ROW_LIMIT:,} of {len(rows):,} objectives: pick a unit in the "
            "sidebar to narrow it, or download them all."
            if len(rows) > tables.ROW_LIMIT
            else ""
        )
    )
    st.download_button(
        "Download the scores as CSV",
        # Built when the button is clicked, not at every rerun.
        data=lambda: transfer.to_csv_bytes(score_table(rows, closed)),
        file_name=f"scores-{transfer.file_slug(cycle['name'], 'cycle')}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="rv_download",
    )


def reflections(rows: pd.DataFrame) -> None:
    """Each objective's reason and reflection, as text."""
    written = rows[(rows["reflection"] != "") | (rows["reason"] != "")]
    if written.empty:
        st.caption("No reflections were written for these objectives.")
        return
    if len(written) > MAX_REFLECTIONS:
        st.caption(
            f"{len(written)} objectives have reflections: they are in the table above; pick a unit in the "
            "sidebar to read them one by one."
        )
        return
    for r in written.to_dict("records"):
        with st.container(border=True):
            st.markdown(
                f"**{badges.escape_markdown(r['title'])}** · {badges.escape_markdown(r['unit_name'])} · "
                f"{SCORE_DOTS[r['colour']]} {badges.score(r['score'])} · {r['band']} · "
                f"{review.REVIEW_LABELS[r['review']]}"
            )
            if r["reason"]:
                st.markdown(
                    f"*Why the score differs from the proposal:* {badges.escape_markdown(r['reason'], lines=True)}"
                )
            if r["reflection"]:
                st.markdown(badges.escape_markdown(r["reflection"], lines=True))


def calibration_frame(units_table: pd.DataFrame) -> pd.DataFrame:
    """Per unit over the closed cycles (:func:`okrdata.review.by_unit`), as the calibration table
    shows it: its flag (no column when no unit is flagged), cycles, objectives, average score,
    share met, forecasts and Brier score."""
    table = pd.DataFrame(
        {
            "Unit": units_table["unit_name"].astype(str),
            "Flag": [
                f"⚠️ {review.FLAG_LABELS[f]} ({c} cycles)" if isinstance(f, str) else ""
                for f, c in zip(units_table["flag"], units_table["flag_cycles"])
            ],
            "Closed cycles": units_table["cycles"].astype(int),
            "Objectives": units_table["objectives"].astype(int),
            "Average score": units_table["avg_score"].astype(float),
            "Met": units_table["met_share"].astype(float) * 100,
            "Forecasts": units_table["forecasts"].astype(int),
            "Brier score": units_table["brier"].astype(float),
        }
    )
    if units_table["flag"].isna().all():
        # A column empty in every row says nothing: no unit is flagged (the caption below says what would be).
        table = table.drop(columns="Flag")
    return table


def calibration_table(table: pd.DataFrame, listed: pd.DataFrame) -> None:
    """The calibration table (:func:`calibration_frame`) on a wide screen; on a phone a list of
    ``listed``, the same rows with their average score in words."""
    with style.wide("rv_calibration"):
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            key="rv_calibration",
            column_config={
                "Flag": st.column_config.TextColumn("Flag", width="medium", help="Explained below the table."),
                "Average score": st.column_config.NumberColumn("Average score", format="%.2f"),
                "Met": st.column_config.NumberColumn("Met (score ≥ 0.7)", format="%.0f%%"),
                "Forecasts": st.column_config.NumberColumn(
                    "Forecasts", help="Key results with a confidence: each one's last confidence is a forecast."
                ),
                "Brier score": st.column_config.NumberColumn(
                    "Brier score", format="%.3f", help="0 is perfect foresight; 0.25 is what always saying 5/10 earns."
                ),
            },
        )
    tables.phone_list(
        "rv_calibration",
        tables.phone_items(
            listed,
            "Unit",
            [("Average score", "average score"), ("Brier score", "Brier")],
            ["Flag"],
        ),
        what="units",
    )
