"""What the Overview puts in front of leadership: the key results that need attention, and
which units to chart.

Both are bounded by what a person can read, so the Overview costs the same for a company of
forty key results and one of four thousand.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from okrdata import history, wording
from okrdata import numbers as n

ATTENTION_LIMIT = 50
"""At most this many key results are listed; the rest are counted."""
CHART_UNITS_LIMIT = 30
"""At most this many units get a bar in the progress-by-unit chart."""

DIVERGENCE_WORDS = wording.DIVERGENCE_WORDS


def _has(x) -> bool:
    return not wording.missing(x)


def status_basis(row: Mapping, named: bool = True) -> str | None:
    """What a key result's status rests on: its last check-in's confidence and date,
    ``"confidence 8/10 on 3 Dec 2026"`` (``"8/10 on 3 Dec 2026"`` unless ``named``, for a table
    cell whose column says it; without a date when the row has none); None without a check-in."""
    confidence = row.get("confidence")
    if not _has(confidence):
        return None
    when = row.get("last_checkin_date")
    return (
        ("confidence " if named else "")
        + wording.confidence(confidence)
        + (f" on {wording.day(when)}" if _has(when) else "")
    )


def status_reason(row: Mapping) -> str | None:
    """Why a key result has its status, in words; None when it is on track.

    Stale names both the silence and what the last confidence said, since a stale key result is
    stale whatever it said: "No check-in for 24 days; last confidence 2/10", or "Never checked
    in". At risk and off track name the confidence and date they rest on: "Off track
    (confidence 2/10 on 3 Dec 2026)".
    """
    status = row["status"]
    confidence = row.get("confidence")
    if status == n.STALE:
        since = row.get("days_since_checkin")
        if not _has(since):
            return "Never checked in"
        silence = f"No check-in for {wording.days(int(since))}"
        return f"{silence}; last confidence {wording.confidence(confidence)}" if _has(confidence) else silence
    if status in (n.OFF_TRACK, n.AT_RISK):
        basis = status_basis(row)
        return f"{wording.status_label(status)} ({basis})" if basis else wording.status_label(status)
    return None


def contradicts(row: Mapping) -> bool:
    """True when a status reads against the progress shown beside it: on track while behind pace
    (more than 10 points, as shown: :func:`okrdata.wording.pace_band`), or off track while on
    pace or ahead ("100% · Off track"). A status comes from the last confidence, not from
    progress, so such a row says what it rests on (:func:`contradiction`). At risk and stale
    never contradict: at risk is a doubt, stale is silence (its reason says so)."""
    if not _has(row.get("progress")) or not _has(row.get("expected")):
        return False
    band = wording.pace_band(row["progress"], row["expected"])
    status = row.get("status")
    return (status == n.ON_TRACK and band != n.ON_PACE) or (status == n.OFF_TRACK and band == n.ON_PACE)


def _figures(row: Mapping) -> str:
    return f"{wording.pct(row['progress'])} done and {wording.pace_sentence(row['progress'], row['expected'])}"


def contradiction(row: Mapping) -> str | None:
    """Why a key result's status reads against its progress (:func:`contradicts`), in words: "On
    track by its last confidence, 8/10 on 3 Dec 2026, while 24% done and 38 points behind
    pace"; None when they agree."""
    if not contradicts(row) or not _has(row.get("confidence")):
        return None
    when = f" on {wording.day(row['last_checkin_date'])}" if _has(row.get("last_checkin_date")) else ""
    return (
        f"{wording.status_label(row['status'])} by its last confidence, "
        f"{wording.confidence(row['confidence'])}{when}, while {_figures(row)}"
    )


def objective_basis(objective: Mapping, krs: pd.DataFrame) -> str | None:
    """What an objective's status rests on when it reads against its progress (:func:`contradicts`):
    the key result its status comes from (an objective takes its weakest key result's status)
    with that key result's confidence and date, "by “Weekly active teams from 1,200 to 2,000”,
    confidence 8/10 on 3 Dec 2026"; None when status and progress agree.

    ``krs`` are key results (rows of :func:`okrdata.queries.key_results`) including the objective's."""
    return objective_bases([objective], krs).get(int(objective["objective_id"]))


def objective_bases(objectives: pd.DataFrame | list[Mapping], krs: pd.DataFrame) -> dict[int, str]:
    """:func:`objective_basis` of many objectives at once, looked up in ``krs`` once: objective id
    → what its status rests on, for those whose status reads against their progress, in
    ``objectives``' order."""
    rows = objectives.to_dict("records") if isinstance(objectives, pd.DataFrame) else list(objectives)
    status_of = {int(o["objective_id"]): o["status"] for o in rows if contradicts(o)}
    if not status_of or krs.empty:
        return {}
    mine = krs[krs["objective_id"].isin(list(status_of))]
    same = mine["status"].to_numpy(dtype=object) == mine["objective_id"].map(status_of).to_numpy(dtype=object)
    mine = mine[same & mine["confidence"].notna().to_numpy()]
    # The one that sets the status: the least confident, then the oldest check-in.
    chosen = mine.sort_values(["confidence", "last_checkin_date", "kr_id"]).drop_duplicates("objective_id")
    found = {int(kr["objective_id"]): f"by “{kr['title']}”, {status_basis(kr)}" for kr in chosen.to_dict("records")}
    return {o: found[o] for o in status_of if o in found}


def objective_contradiction(objective: Mapping, krs: pd.DataFrame) -> str | None:
    """Why an objective's status reads against its progress, in a sentence: "On track by “Weekly
    active teams from 1,200 to 2,000”, confidence 8/10 on 3 Dec 2026, while 24% done and 38
    points behind pace" (:func:`objective_basis`); None when they agree."""
    basis = objective_basis(objective, krs)
    return (
        None if basis is None else f"{wording.status_label(objective['status'])} {basis}, while {_figures(objective)}"
    )


def trend_reason(row: Mapping) -> str:
    """A forecast trending off track in words, with the value it projects at the cycle's end:
    "Trending off track: heading for 1,250 users (progress 31%) by the end"."""
    if _has(row.get("forecast_value")):
        where = wording.forecast(
            row["forecast_value"], row["forecast_score"], row.get("unit_label"), row.get("kr_type")
        )
        return f"Trending off track: heading for {where} by the end"
    return f"Trending off track (forecast {wording.pct(row.get('forecast_score'))} by the end)"


def attention_reasons(row: Mapping) -> list[str]:
    """Why a key result needs attention, in words; empty when it does not."""
    reasons = []
    # A status that reads against the progress says so in its own reason, with what it rests on.
    status = contradiction(row) or status_reason(row)
    if status:
        reasons.append(status)
    divergence = row.get("divergence")
    if isinstance(divergence, str):
        reasons.append(DIVERGENCE_WORDS.get(divergence, divergence))
    if bool(row.get("trending_off_track")):
        reasons.append(trend_reason(row))
    return reasons


def goalpost_marks(changes: pd.DataFrame) -> dict[int, str]:
    """``{kr_id: mark}`` for the key results whose goalposts moved after their cycle started
    (``changes`` is :func:`okrdata.history.goalpost_changes`, newest first): the latest change in
    words with its date, and how many came before: "Goalposts moved: target 100 → 120 on 3 Nov
    2026 (and 1 earlier change)"."""
    marks: dict[int, str] = {}
    if changes is None or changes.empty:
        return marks
    for kr_id, mine in changes.groupby("kr_id", sort=False):
        latest = mine.iloc[0]
        text = (
            f"Goalposts moved: {history.describe_goalpost_change(latest['field'], latest['before'], latest['after'])}"
            f" on {wording.day(latest['changed_at'])}"
        )
        if len(mine) > 1:
            text += f" (and {wording.plural(len(mine) - 1, 'earlier change')})"
        marks[int(kr_id)] = text
    return marks


def with_goalposts(krs: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Key results (with a ``reasons`` column, as :func:`needing_attention` returns them) whose
    reasons end with the goalposts mark (:func:`goalpost_marks`) of those whose goalposts moved."""
    marks = goalpost_marks(changes)
    if krs.empty or not marks:
        return krs
    out = krs.copy()
    out["reasons"] = [
        list(r) + ([marks[int(k)]] if int(k) in marks else []) for k, r in zip(out["kr_id"], out["reasons"])
    ]
    return out


def needing_attention(krs: pd.DataFrame, limit: int | None = ATTENTION_LIMIT) -> tuple[pd.DataFrame, int]:
    """The key results that need attention, weakest status first, then furthest behind pace.

    At risk, off track or stale, divergent (confidence at odds with pace), or trending off track
    by the forecast. A listed key result whose status reads against its progress says what the
    status rests on (:func:`contradiction`). Returns (the first ``limit`` of them with a ``reasons`` column, how many
    there are in all).
    """
    if krs.empty:
        return krs.assign(reasons=pd.Series(dtype=object)), 0
    flagged = (krs["status"] != n.ON_TRACK) | krs["divergence"].notna() | krs["trending_off_track"].astype(bool)
    at = np.flatnonzero(flagged.to_numpy(dtype=bool))
    total = len(at)
    # Ordered by position first and only the rows listed copied: thousands flagged, fifty shown.
    order = np.lexsort(
        (
            krs["kr_id"].to_numpy()[at],
            krs["pace"].to_numpy(dtype=float)[at],
            n.status_rank(krs["status"].to_numpy(dtype=object)[at]),
        )
    )
    chosen = krs.iloc[at[order] if limit is None else at[order][:limit]].copy()
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
    if branch_root is None:
        roots = progress.loc[progress["parent_id"].isna(), "unit_id"]
        branch_root = int(roots.iloc[0]) if len(roots) else int(progress["unit_id"].iloc[0])
    # Each unit's level below the root: where the root comes in the chain of units above it
    # (-1: not in the branch; a chain is followed at most 64 steps up).
    rows, above = n.branch_pairs(progress["unit_id"], progress["parent_id"], progress["unit_id"])
    steps = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
    found = (above == int(branch_root)) & (steps <= 64)
    levels = np.full(len(progress), -1)
    levels[rows[found]] = steps[found]
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


UNIT_BAND_COLUMNS = ["band", "band_label", "mix", "score"]
STATUS_LINE_ORDER = (n.ON_TRACK, n.AT_RISK, n.OFF_TRACK, n.STALE)


def unit_bands(
    shown: pd.DataFrame, progress: pd.DataFrame, krs: pd.DataFrame, objs: pd.DataFrame, closed: bool
) -> pd.DataFrame:
    """The units of the progress-by-unit chart with what colours each and what its tooltip says.

    ``shown`` is a slice of ``progress`` (:func:`okrdata.queries.unit_progress`, e.g.
    :func:`chart_units`), ``krs`` and ``objs`` the cycle's :func:`~okrdata.queries.key_results`
    and :func:`~okrdata.queries.objectives`. A unit is coloured by its pace as shown
    (:func:`okrdata.wording.pace_band`: on pace, behind, far behind), not by its weakest key
    result (DESIGN.md); once the cycle is ``closed``, by the score band of its branch's score
    (the weighted mean of its objectives' scores). Adds ``band``, ``band_label`` (the legend's
    words), ``mix`` (the statuses of its branch's key results, "On track 5 · At risk 2 · Off
    track 1 · Stale 0") and ``score`` (closed cycles; NaN before).
    """
    out = shown.copy()
    if out.empty:
        return out.assign(**{c: pd.Series(dtype=object) for c in UNIT_BAND_COLUMNS})
    shown_ids = out["unit_id"].to_numpy(dtype=np.int64)

    def up(owners) -> tuple[np.ndarray, np.ndarray]:
        # Each row's unit and the units above it, as far as ``progress`` knows them.
        return n.branch_pairs(progress["unit_id"], progress["parent_id"], owners)

    drawn = pd.Index(shown_ids).unique()
    mixes = np.zeros((len(drawn), len(STATUS_LINE_ORDER)), dtype=np.int64)
    if not krs.empty:
        rows, units = up(krs["unit_id"])
        at = drawn.get_indexer(units)  # -1: a unit not drawn (a chart shows a few dozen of a thousand)
        statuses = krs["status"].to_numpy(dtype=object)[rows]
        for column, status in enumerate(STATUS_LINE_ORDER):
            mixes[:, column] = np.bincount(at[(statuses == status) & (at >= 0)], minlength=len(drawn))
    out["mix"] = [
        wording.status_line(dict(zip(STATUS_LINE_ORDER, counts.tolist())))
        for counts in mixes[drawn.get_indexer(shown_ids)]
    ]
    if closed and not objs.empty:
        # Every unit's sums, not only the drawn ones': pandas sums a group a hair differently
        # in a smaller frame, and a unit's score must not depend on which bars are drawn.
        rows, keys = up(objs["unit_id"])
        scores = pd.to_numeric(objs["score"], errors="coerce").fillna(objs["progress"]).to_numpy(dtype=float)
        weights = objs["weight"].to_numpy(dtype=float)
        rolled = n.grouped_weighted_mean(keys, scores[rows], weights[rows])
        out["score"] = out["unit_id"].map(rolled).astype(float)
        out["band"] = [n.score_colour(s) if not np.isnan(s) else None for s in out["score"]]
        out["band_label"] = [wording.SCORE_BANDS.get(b, wording.NO_VALUE) for b in out["band"]]
    else:
        out["score"] = np.nan
        out["band"] = [wording.pace_band(p, e) for p, e in zip(out["progress"], out["expected"])]
        out["band_label"] = [wording.PACE_BAND_LABELS[b] for b in out["band"]]
    return out
