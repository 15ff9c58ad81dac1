"""Tables of key results and objectives shared by the pages.

They only pick, label and format the columns of :func:`okrdata.queries.key_results` and
:func:`okrdata.queries.objectives`; the one selection made here, which key results need
attention, reads the flags okrdata computed (status, divergence, trending off track).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata.numbers import AT_RISK, OFF_TRACK, STALE
from ui import badges

ATTENTION_STATUSES = (OFF_TRACK, STALE, AT_RISK)
DIVERGENCE_WORDS = {
    "overconfident": "Confident while far behind pace",
    "underconfident": "Low confidence while ahead of pace",
}


def _present(x) -> bool:
    return x is not None and not (isinstance(x, float) and pd.isna(x)) and x is not pd.NA


def attention_reasons(row: dict) -> list[str]:
    """Why a key result needs attention, in words; empty when it does not."""
    reasons = []
    if row["status"] == STALE:
        since = row.get("days_since_checkin")
        reasons.append("Never checked in" if not _present(since) else f"No check-in for {badges.days(since)}")
    elif row["status"] in (OFF_TRACK, AT_RISK):
        reasons.append(f"{badges.label(row['status'])} (confidence {int(row['confidence'])}/10)"
                       if _present(row.get("confidence")) else badges.label(row["status"]))
    if _present(row.get("divergence")):
        reasons.append(DIVERGENCE_WORDS.get(row["divergence"], str(row["divergence"])))
    if bool(row.get("trending_off_track")):
        reasons.append(f"Trending off track (forecast score {badges.score(row.get('forecast_score'))})")
    return reasons


def needing_attention(krs: pd.DataFrame) -> pd.DataFrame:
    """The key results that need attention, weakest status first, then furthest behind pace.

    At risk, off track or stale, divergent, or trending off track; a ``reasons`` column says why.
    """
    if krs.empty:
        return krs.assign(reasons=pd.Series(dtype=object))
    rows = []
    for r in krs.to_dict("records"):
        reasons = attention_reasons(r)
        if reasons:
            r["reasons"] = reasons
            rows.append(r)
    if not rows:
        return krs.iloc[0:0].assign(reasons=pd.Series(dtype=object))
    out = pd.DataFrame(rows)
    out["_rank"] = [badges.ORDER.index(s) if s in badges.ORDER else 99 for s in out["status"]]
    return out.sort_values(["_rank", "pace"]).drop(columns="_rank").reset_index(drop=True)


def key_results_frame(krs: pd.DataFrame, reasons: bool = False) -> pd.DataFrame:
    """The key results as a display table (status in words, values with their units)."""
    frame = pd.DataFrame(
        {
            "Status": [badges.cell(s) for s in krs["status"]],
            "Key result": krs["title"].astype(str),
            "Objective": krs["objective_title"].astype(str),
            "Unit": krs["unit_name"].astype(str),
            "Owner": krs["owner_name"].fillna("").astype(str),
            "Progress": krs["progress"].astype(float) * 100,
            "Pace": [badges.pace(p) for p in krs["pace"]],
            "Current": [badges.number(v, u) for v, u in zip(krs["value"], krs["unit_label"].fillna(""))],
            "Target": [badges.number(v, u) for v, u in zip(krs["target"], krs["unit_label"].fillna(""))],
            "Confidence": krs["confidence"],
            "Last check-in": [badges.day(d) for d in krs["last_checkin_date"]],
        }
    )
    if reasons:
        frame.insert(2, "Why", [" · ".join(r) for r in krs["reasons"]])
    return frame


PROGRESS = st.column_config.ProgressColumn("Progress", min_value=0.0, max_value=100.0, format="%.0f%%")
"""Progress cells: the tables hold progress in percent (0–100) so the bar's label reads "42%"."""


def show_key_results(krs: pd.DataFrame, reasons: bool = False, key: str | None = None) -> None:
    """Draw key results as a table."""
    st.dataframe(
        key_results_frame(krs, reasons),
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            "Progress": PROGRESS,
            "Confidence": st.column_config.NumberColumn("Confidence", format="%d/10"),
        },
    )


def objectives_frame(objs: pd.DataFrame) -> pd.DataFrame:
    """The objectives as a display table."""
    return pd.DataFrame(
        {
            "ID": objs["objective_id"].astype(int),
            "Status": [badges.cell(s) for s in objs["status"]],
            "Objective": objs["title"].astype(str),
            "Unit": objs["unit_name"].astype(str),
            "Owner": objs["owner_name"].fillna("").astype(str),
            "Kind": objs["kind"].astype(str).str.capitalize(),
            "Key results": objs["kr_count"].astype(int),
            "Progress": objs["progress"].astype(float) * 100,
            "Pace": [badges.pace(p) for p in objs["pace"]],
            "Aligned to": objs["parent_title"].fillna("").astype(str),
            "Score": [badges.score(s) for s in objs["score"]],
        }
    )


def show_objectives(objs: pd.DataFrame, key: str | None = None) -> None:
    """Draw objectives as a table."""
    st.dataframe(
        objectives_frame(objs),
        hide_index=True,
        width="stretch",
        key=key,
        column_config={"Progress": PROGRESS},
    )
