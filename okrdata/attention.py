"""What the Overview puts in front of leadership: the key results that need attention, and
which units to chart.

Both are bounded by what a person can read, so the Overview costs the same for a company of
forty key results and one of four thousand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from okrdata import numbers as n

ATTENTION_LIMIT = 50
"""At most this many key results are listed; the rest are counted."""
CHART_UNITS_LIMIT = 30
"""At most this many units get a bar in the progress-by-unit chart."""

DIVERGENCE_WORDS = {
    "overconfident": "Confident while far behind pace",
    "underconfident": "Low confidence while ahead of pace",
}


def status_reason(row: dict) -> str | None:
    """Why a key result has its status, in words; None when it is on track.

    Stale names both the silence and what the last confidence said, since a stale key result is
    stale whatever it said: "No check-in for 24 days; last confidence 2/10", or "Never checked
    in". At risk and off track name their confidence: "Off track (confidence 2/10)".
    """
    status = row["status"]
    confidence = row.get("confidence")
    has_confidence = confidence is not None and not pd.isna(confidence)
    if status == n.STALE:
        since = row.get("days_since_checkin")
        if since is None or pd.isna(since):
            return "Never checked in"
        silence = f"No check-in for {int(since)} day{'s' if int(since) != 1 else ''}"
        return f"{silence}; last confidence {int(confidence)}/10" if has_confidence else silence
    if status in (n.OFF_TRACK, n.AT_RISK):
        label = n.STATUS_LABELS[status]
        return f"{label} (confidence {int(confidence)}/10)" if has_confidence else label
    return None


def attention_reasons(row: dict) -> list[str]:
    """Why a key result needs attention, in words; empty when it does not."""
    reasons = []
    status = status_reason(row)
    if status:
        reasons.append(status)
    divergence = row.get("divergence")
    if isinstance(divergence, str):
        reasons.append(DIVERGENCE_WORDS.get(divergence, divergence))
    if bool(row.get("trending_off_track")):
        reasons.append(f"Trending off track (forecast score {n.score_text(row['forecast_score'])})")
    return reasons


def needing_attention(krs: pd.DataFrame, limit: int | None = ATTENTION_LIMIT) -> tuple[pd.DataFrame, int]:
    """The key results that need attention, weakest status first, then furthest behind pace.

    At risk, off track or stale, divergent (confidence at odds with pace), or trending off track
    by the forecast. Returns (the first ``limit`` of them with a ``reasons`` column, how many
    there are in all).
    """
    if krs.empty:
        return krs.assign(reasons=pd.Series(dtype=object)), 0
    flagged = (
        (krs["status"] != n.ON_TRACK)
        | krs["divergence"].notna()
        | krs["trending_off_track"].astype(bool)
    )
    chosen = krs[flagged].copy()
    total = len(chosen)
    chosen["_rank"] = n.status_rank(chosen["status"])
    chosen = chosen.sort_values(["_rank", "pace", "kr_id"]).drop(columns="_rank")
    if limit is not None:
        chosen = chosen.head(limit)
    chosen["reasons"] = [attention_reasons(r) for r in chosen.to_dict("records")]
    return chosen.reset_index(drop=True), total


def chart_units(progress: pd.DataFrame, branch_root: int | None, limit: int = CHART_UNITS_LIMIT) -> pd.DataFrame:
    """The units to draw in the progress-by-unit chart for a scope, in outline order.

    ``progress`` is :func:`okrdata.queries.unit_progress`. Takes the scope's root (the
    company when ``branch_root`` is None) and the levels below it, as deep as fits within
    ``limit`` bars; units without objectives in their branch are left out. When even the first
    level below does not fit, its ``limit`` weakest units (by pace) are kept, in outline order.
    """
    if progress.empty:
        return progress
    parent = dict(zip(progress["unit_id"], progress["parent_id"]))
    if branch_root is None:
        roots = progress.loc[progress["parent_id"].isna(), "unit_id"]
        branch_root = int(roots.iloc[0]) if len(roots) else int(progress["unit_id"].iloc[0])

    def depth_below(unit_id) -> int | None:
        steps, u = 0, unit_id
        while u is not None and not pd.isna(u):
            if u == branch_root:
                return steps
            u = parent.get(u)
            steps += 1
            if steps > 64:
                break
        return None

    levels = np.array([depth_below(u) if depth_below(u) is not None else -1 for u in progress["unit_id"]])
    frame = progress.assign(_level=levels)
    frame = frame[(frame["_level"] >= 0) & (frame["objective_count"] > 0)]
    chosen = frame.iloc[0:0]
    for deepest in range(0, int(frame["_level"].max()) + 1 if len(frame) else 0):
        candidate = frame[frame["_level"] <= deepest]
        if len(candidate) > limit:
            if deepest <= 1:
                keep = candidate.nsmallest(limit, "pace").index
                chosen = candidate.loc[candidate.index.isin(keep)]
            break
        chosen = candidate
    return chosen.drop(columns="_level")
