"""Tables of key results and objectives shared by the pages.

They only pick, label and format the columns of :func:`okrdata.queries.key_results` and
:func:`okrdata.queries.objectives`, in the words of :mod:`okrdata.wording`: a missing figure
reads "—", never "None".
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from okrdata import attention, wording
from ui import badges

ROW_LIMIT = 300
"""The most rows a table of key results or objectives draws: more than anyone reads down, and few
enough that a page stays as quick for a company of thousands as for the demo. A page that cuts
a table says so, how to narrow it (a unit in the sidebar, a filter), and where to get every row."""


def arrow(frame: pd.DataFrame) -> pa.Table:
    """A display table as Arrow, the form ``st.dataframe`` sends, to cache beside a page's other
    derived values: handed over as pandas, a long table is converted again at every rerun."""
    return pa.Table.from_pandas(frame, preserve_index=False)


def status_cells(rows: pd.DataFrame) -> list[str]:
    """The Status column of key results: a coloured disc and the label, and, where the status reads
    against the progress beside it (:func:`okrdata.attention.contradicts`), the confidence and date
    it rests on: ``"🟢 On track (8/10 on 3 Dec 2026)"``."""
    return [
        badges.cell(r["status"]) + (f" ({attention.status_basis(r, named=False)})" if attention.contradiction(r) else "")
        for r in rows.to_dict("records")
    ]


def key_results_frame(krs: pd.DataFrame, reasons: bool = False) -> pd.DataFrame:
    """The key results as a display table (status in words, values with their units)."""
    frame = pd.DataFrame(
        {
            "Status": status_cells(krs),
            "Key result": krs["title"].astype(str),
            "Objective": krs["objective_title"].astype(str),
            "Unit": krs["unit_name"].astype(str),
            "Owner": krs["owner_name"].fillna("").astype(str),
            "Progress": krs["progress"].astype(float) * 100,
            "Pace": [badges.pace(p, e) for p, e in zip(krs["progress"], krs["expected"])],
            "Current": [wording.kr_value(v, u, t) for v, u, t in zip(krs["value"], krs["unit_label"], krs["kr_type"])],
            "Target": [wording.kr_target(v, u, t) for v, u, t in zip(krs["target"], krs["unit_label"], krs["kr_type"])],
            "Confidence": [wording.confidence(c) for c in krs["confidence"]],
            "Last check-in": [badges.day(d) for d in krs["last_checkin_date"]],
        }
    )
    if reasons:
        frame.insert(2, "Why", [" · ".join(r) for r in krs["reasons"]])
    return frame


PROGRESS = st.column_config.ProgressColumn("Progress", min_value=0.0, max_value=100.0, format="%.0f%%",
                                           color=badges.NEUTRAL)
"""Progress cells: the tables hold progress in percent (0–100) so the bar's label reads "42%". The
bar is one neutral colour for every row, whatever the theme: status is said in its own column, in
words beside a coloured disc, so a bar never looks red on an on-track row."""
CONFIDENCE = st.column_config.TextColumn("Confidence", help="The last check-in's confidence, 0–10.")
STATUS = st.column_config.TextColumn(
    "Status", width=230,
    help="From the last confidence: 7–10 on track, 4–6 at risk, 0–3 off track; stale without a recent check-in. "
         "Where it reads against the progress beside it, the confidence and date it rests on: \"On track (8/10 on "
         "3 Dec 2026)\".")
"""Status cells of key results, wide enough for what a contradicting status rests on (:func:`status_cells`)."""


def show_key_results(krs: pd.DataFrame, reasons: bool = False, key: str | None = None) -> None:
    """Draw key results as a table."""
    st.dataframe(
        key_results_frame(krs, reasons),
        hide_index=True,
        width="stretch",
        key=key,
        column_config={"Status": STATUS, "Progress": PROGRESS, "Confidence": CONFIDENCE},
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
            "Kind": [wording.kind_label(k) for k in objs["kind"]],
            "Key results": objs["kr_count"].astype(int),
            "Progress": objs["progress"].astype(float) * 100,
            "Pace": [badges.pace(p, e) for p, e in zip(objs["progress"], objs["expected"])],
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
