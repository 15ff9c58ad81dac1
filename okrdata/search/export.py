"""The All OKRs download: exactly the rows selected, with readable column names, words for
statuses, kinds and types, and unformatted numbers; as CSV, escaped so that no cell runs as a
spreadsheet formula."""

from __future__ import annotations

import pandas as pd

from okrdata import wording
from okrdata.search.listing import KIND_LABELS, KR_TYPE_LABELS
from okrdata.transfer import neutralise_frame

EXPORT_COLUMNS = {
    "cycle_name": "Cycle",
    "objective_id": "Objective ID",
    "objective_title": "Objective",
    "unit_name": "Unit",
    "objective_owner_name": "Objective owner",
    "kind": "Kind",
    "kr_id": "Key result ID",
    "title": "Key result",
    "kr_type": "Type",
    "owner_name": "Key result owner",
    "status": "Status",
    "progress": "Progress",
    "pace": "Pace",
    "baseline": "Baseline",
    "value": "Current",
    "target": "Target",
    "unit_label": "Unit label",
    "confidence": "Confidence",
    "last_checkin_date": "Last check-in",
    "matched_in": "Matched in",
    "snippet": "Match",
}
"""The CSV's columns (row column → header), in order."""


def export_frame(frame: pd.DataFrame, with_cycle: bool = True, with_matches: bool = False) -> pd.DataFrame:
    """The rows as a table to hand on: readable headers (:data:`EXPORT_COLUMNS`), statuses, kinds
    and types in words, dates as ISO text, and numbers as numbers (progress and pace as
    fractions 0..1 rounded to 4 places, values as stored, the unit label in a column of its own).

    ``with_cycle`` keeps the Cycle column; ``with_matches`` keeps "Matched in" and "Match".
    """
    out = pd.DataFrame(
        {
            "cycle_name": frame["cycle_name"].astype(str),
            "objective_id": frame["objective_id"].astype(int),
            "objective_title": frame["objective_title"].astype(str),
            "unit_name": frame["unit_name"].astype(str),
            "objective_owner_name": frame["objective_owner_name"].fillna("").astype(str),
            "kind": [KIND_LABELS.get(k, str(k)) for k in frame["kind"]],
            "kr_id": frame["kr_id"].astype("Int64"),
            "title": frame["title"].fillna("").astype(str),
            "kr_type": ["" if pd.isna(t) else KR_TYPE_LABELS.get(t, str(t)) for t in frame["kr_type"]],
            "owner_name": frame["owner_name"].fillna("").astype(str),
            "status": [wording.status_label(s) for s in frame["status"]],
            "progress": frame["progress"].astype(float).round(4),
            "pace": frame["pace"].astype(float).round(4),
            "baseline": frame["baseline"].astype(float),
            "value": frame["value"].astype(float),
            "target": frame["target"].astype(float),
            "unit_label": frame["unit_label"].fillna("").astype(str),
            "confidence": frame["confidence"].astype("Int64"),
            "last_checkin_date": frame["last_checkin_date"].fillna("").astype(str).str[:10],
            "matched_in": frame["matched_in"].fillna("").astype(str),
            "snippet": frame["snippet"].fillna("").astype(str),
        }
    )
    columns = [
        c
        for c in EXPORT_COLUMNS
        if (with_cycle or c != "cycle_name") and (with_matches or c not in ("matched_in", "snippet"))
    ]
    return out[columns].rename(columns=EXPORT_COLUMNS).reset_index(drop=True)


def export_csv(frame: pd.DataFrame, with_cycle: bool = True, with_matches: bool = False) -> str:
    """:func:`export_frame` as CSV text (comma separated, a header row, empty cells for no value),
    text that a spreadsheet would run as a formula escaped (:func:`okrdata.transfer.neutralise_cell`)."""
    return neutralise_frame(export_frame(frame, with_cycle, with_matches)).to_csv(index=False, lineterminator="\n")
