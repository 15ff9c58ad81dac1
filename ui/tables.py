"""Tables of key results and objectives shared by the pages.

They only pick, label and format the columns of :func:`okrdata.queries.key_results` and
:func:`okrdata.queries.objectives`.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from ui import badges

ROW_LIMIT = 300
"""The most rows a table of key results or objectives draws: more than anyone reads down, and few
enough that a page stays as quick for a company of thousands as for the demo. A page that cuts
a table says so, how to narrow it (a unit in the sidebar, a filter), and where to get every row."""


def arrow(frame: pd.DataFrame) -> pa.Table:
    """A display table as Arrow, the form ``st.dataframe`` sends, to cache beside a page's other
    derived values: handed over as pandas, a long table is converted again at every rerun."""
    return pa.Table.from_pandas(frame, preserve_index=False)


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
