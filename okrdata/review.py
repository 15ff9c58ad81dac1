"""The end of a cycle: proposed scores, scores against kind, and calibration across closed cycles.

Scoring (the writes are :func:`okrdata.writes.score_objective` and
:func:`okrdata.writes.close_cycle`; the rules they apply live here):

* An objective's **proposed score** is its final progress (:func:`okrdata.numbers.final_score`),
  rounded half up to two decimals (:func:`okrdata.numbers.round_score`): the page shows it, and
  closing the cycle records it, through :func:`proposed_score` alone. A lead may adjust it, but a score more than
  :data:`REASON_TOLERANCE` (0.05) away from the proposal needs a written reason.
* A score is read **against its kind**: a committed objective is expected at 1.0, an
  aspirational one around 0.7 (:data:`okrdata.numbers.EXPECTED_SCORE`), each within
  :data:`EXPECTATION_TOLERANCE`. Colour bands (red below 0.4, yellow to 0.7, green from 0.7)
  always travel with words (:data:`BAND_LABELS`).
* When an admin closes a cycle, an objective no lead scored gets its proposed score, and its
  reason says so (:data:`PROPOSED_AT_CLOSE`), so the record tells a reviewed score from one
  that was only proposed.

Calibration, over the last :data:`HISTORY_CYCLES` closed cycles and per unit (the unit that
owns the objective, not its branch):

* **average score** of its objectives and the **share met** (score ≥ 0.7);
* the **Brier score** of its key results' last confidence, read as a probability
  (confidence / 10), against the outcome (final progress ≥ 0.7 → 1, else 0): the mean of
  ``(p − outcome)²``. 0 is perfect foresight; always saying 5/10 scores 0.25;
* a **flag** for persistent *sandbagging* (every committed objective scored ≥ 0.9 in each of
  the unit's last two or more closed cycles) or *over-reach* (every one ≤ 0.3 in each of
  them).

The history is read with two set-based queries bounded to those cycles (the latest check-in of
each key result found through the ``(kr_id, deleted, checkin_date, id)`` index), and the rest is
pandas over whole columns, so the cost stays flat however long the history grows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from okrdata import numbers as n
from okrdata import queries as q
from okrdata import wording

REASON_TOLERANCE = 0.05
"""A score further than this from the proposal needs a written reason."""
EXPECTATION_TOLERANCE = 0.1
"""How far from the expected score (1.0 committed, 0.7 aspirational) still counts as expected."""
MET = n.SCORE_GREEN
"""An objective is met, and a key result's outcome is a success, from this score (0.7)."""
SANDBAG_AT = 0.9
OVERREACH_AT = 0.3
FLAG_RUN = 2
"""Closed cycles in a row (the unit's most recent ones) that make a flag persistent."""
HISTORY_CYCLES = 8
"""Calibration looks at this many of the most recent closed cycles."""

PROPOSED_AT_CLOSE = "Proposed from final progress when the cycle closed; not reviewed by a lead."
"""The score reason recorded for an objective scored by :func:`okrdata.writes.close_cycle`."""

SCORED = "scored"
PROPOSED = "proposed"
NOT_SCORED = "not_scored"
REVIEW_LABELS = {
    SCORED: "Scored by a lead",
    PROPOSED: "Proposed at close (not reviewed)",
    NOT_SCORED: "Not scored yet",
}
BAND_LABELS = {"green": "Met", "yellow": "Partly met", "red": "Missed"}
"""Words for the colour bands of :func:`okrdata.numbers.score_colour`: a result, said once the cycle is closed."""
FORECAST_LABELS = {"green": "on course", "yellow": "heading for partly met", "red": "heading for a miss"}
"""The same bands before the close, said of the forecast: nothing is met or missed yet."""
AS_EXPECTED, BELOW_EXPECTED, ABOVE_EXPECTED = "as expected", "below expected", "above expected"
TRACKING = "tracking "
"""Put before :func:`versus_expected`'s words while the cycle runs ("tracking below expected")."""
FLAG_WORDS = {kind: words[0].lower() + words[1:] for kind, words in wording.DIVERGENCE_WORDS.items()}
"""Why a key result is flagged for the review (its divergence, DESIGN.md)."""
SANDBAGGING, OVERREACH = "sandbagging", "over-reach"
FLAG_LABELS = {SANDBAGGING: "Sandbagging?", OVERREACH: "Over-reach?"}


# --- scoring one cycle ---------------------------------------------------------------------


def proposed_score(progress: float) -> float:
    """The score proposed for an objective: its final progress, clamped to 0..1, rounded half up
    to two decimals (0.525 → 0.53). Takes a number or an array (a sheet's column)."""
    return n.round_score(np.clip(np.asarray(progress, dtype=float), 0.0, 1.0))


def needs_reason(score: float, proposal: float) -> bool:
    """True when ``score`` is more than :data:`REASON_TOLERANCE` away from ``proposal``."""
    return n.gap(abs(float(score) - float(proposal)), REASON_TOLERANCE) > 0


def expected_score(kind: str) -> float:
    """The score an objective of this kind is expected to reach: 1.0 committed, 0.7 aspirational."""
    return n.EXPECTED_SCORE.get(str(kind), n.EXPECTED_SCORE["committed"])


def versus_expected(kind: str, score: float) -> str:
    """How a score compares with what its kind expects, within :data:`EXPECTATION_TOLERANCE`.

    Committed (expected 1.0): 0.9 and above is as expected, anything lower below. Aspirational
    (expected 0.7): 0.6 to 0.8 is as expected; above 0.8 it was perhaps not aspirational.
    """
    return str(versus_expected_array([expected_score(kind)], [score])[0])


def versus_expected_array(expected, scores) -> np.ndarray:
    """:func:`versus_expected` over arrays: ``expected`` the score each kind expects
    (:func:`expected_score`), ``scores`` the scores (NaN: as expected, nothing to compare)."""
    difference = n.round_score(np.asarray(scores, dtype=float)) - np.asarray(expected, dtype=float)
    return np.where(
        n.gap(difference, -EXPECTATION_TOLERANCE) < 0,
        BELOW_EXPECTED,
        np.where(n.gap(difference, EXPECTATION_TOLERANCE) > 0, ABOVE_EXPECTED, AS_EXPECTED),
    ).astype(object)


def met(scores, at: float = MET) -> np.ndarray:
    """Which scores (or final progress) reach ``at``, once rounded to two decimals: by default
    0.7, the green band, where an objective counts as met. NaN reaches nothing."""
    return n.gap(n.round_score(np.asarray(scores, dtype=float)), at) >= 0


def band_label(score: float) -> str:
    """The words of a score's colour band: Met (0.7+), Partly met (0.4 to 0.7), Missed (below 0.4)."""
    return BAND_LABELS[n.score_colour(float(score))]


def scoring_refusal(cycle: dict, today: dt.date | None = None) -> str | None:
    """Why a cycle's objectives cannot be scored now, in a sentence; None when they can.

    A cycle is scored at its end: while it is active, or once its end date has passed. A
    closed cycle is read only, and a cycle still in planning before its end has nothing to score.
    """
    today = today or dt.date.today()
    if cycle["state"] == "closed":
        return f"{cycle['name']} is closed; its scores are final and read only."
    end = dt.date.fromisoformat(str(cycle["end_date"])[:10])
    if cycle["state"] != "active" and end >= today:
        return (
            f"{cycle['name']} is still in {cycle['state']}; its objectives are scored at the end of the "
            "cycle, once it is active or past its end date."
        )
    return None


def has_ended(cycle: dict, today: dt.date | None = None) -> bool:
    """True once a cycle's end date has passed: its progress is final, closed or not."""
    today = today or dt.date.today()
    return dt.date.fromisoformat(str(cycle["end_date"])[:10]) < today


SHEET_COLUMNS = [
    "objective_id",
    "unit_id",
    "unit_name",
    "title",
    "kind",
    "owner_name",
    "progress",
    "proposal",
    "recorded",
    "score",
    "forecast",
    "review",
    "reason",
    "reflection",
    "expected",
    "gap",
    "versus",
    "colour",
    "band",
    "flag",
]


def scoring_sheet(
    objs: pd.DataFrame, closed: bool, ended: bool = False, krs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The objectives of one cycle as the Review page shows them, from :func:`okrdata.queries.objectives`.

    Columns: ``proposal`` (:func:`proposed_score` of the progress), ``recorded`` (the score
    saved, NaN when none), ``score`` (the one to show: the recorded score, else the proposal;
    for a closed cycle the final score of the query), ``review`` (:data:`SCORED`,
    :data:`PROPOSED` or :data:`NOT_SCORED`), ``reason`` (the lead's reason; empty for a
    proposed score), ``reflection``, ``expected`` (by kind).

    What the objective is read by: once ``closed``, its score, with ``gap`` (score − expected),
    ``versus`` (:func:`versus_expected`), ``colour`` and ``band`` (:data:`BAND_LABELS`: Met,
    Partly met, Missed). Before the close nothing is met or missed yet: ``forecast`` is where it
    is heading (the trend of its key results, rounded as a score; once the cycle has ``ended``,
    its final progress), and ``gap``, ``versus`` ("tracking below expected"), ``colour`` and
    ``band`` (:data:`FORECAST_LABELS`: on course, heading for a miss…) speak of that forecast.

    ``flag``: with ``krs`` (:func:`okrdata.queries.key_results`), the objective's key results
    flagged for the review by their divergence, in words (:func:`review_flags`); else empty.
    """
    if objs.empty:
        return pd.DataFrame(columns=SHEET_COLUMNS)
    out = objs[["objective_id", "unit_id", "unit_name", "title", "kind", "owner_name", "progress"]].copy()
    out["progress"] = pd.to_numeric(out["progress"], errors="coerce").fillna(0.0).astype(float)
    out["proposal"] = proposed_score(out["progress"].to_numpy())
    recorded = pd.to_numeric(objs["score_override"], errors="coerce").astype(float)
    out["recorded"] = recorded
    if closed:
        out["score"] = pd.to_numeric(objs["score"], errors="coerce").astype(float).fillna(out["proposal"])
    else:
        out["score"] = recorded.fillna(out["proposal"])
    marker = objs["score_reason"].astype(object).eq(PROPOSED_AT_CLOSE).to_numpy()
    by_lead = recorded.notna().to_numpy() & ~marker
    proposed = marker | (closed & recorded.isna().to_numpy())
    out["review"] = np.select([by_lead, proposed], [SCORED, PROPOSED], NOT_SCORED).astype(object)
    reason = objs["score_reason"].astype(object).where(~marker, None)
    out["reason"] = reason.where(reason.notna(), "").astype(str)
    out["reflection"] = objs["reflection"].astype(object).where(objs["reflection"].notna(), "").astype(str)
    out["expected"] = out["kind"].map(expected_score).astype(float)
    if closed:
        out["forecast"] = np.nan
        basis, labels, prefix = out["score"], BAND_LABELS, ""
    else:
        heading = pd.to_numeric(objs["forecast_score"], errors="coerce").astype(float) if not ended else None
        out["forecast"] = (
            out["proposal"]
            if heading is None
            else proposed_score(heading.fillna(out["progress"]).to_numpy(dtype=float))
        )
        basis, labels, prefix = out["forecast"], FORECAST_LABELS, TRACKING
    out["gap"] = basis - out["expected"]
    out["versus"] = [prefix + v for v in versus_expected_array(out["expected"], basis)]
    out["colour"] = n.score_colour_array(basis.to_numpy(dtype=float))
    out["band"] = out["colour"].map(labels)
    flags = review_flags(krs) if krs is not None else {}
    out["flag"] = [flags.get(int(o), "") for o in out["objective_id"]]
    return out[SHEET_COLUMNS].reset_index(drop=True)


def review_flags(krs: pd.DataFrame) -> dict[int, str]:
    """Objective id → its key results flagged for the review, in words: DESIGN.md flags a key
    result whose confidence contradicts its pace two check-ins running (its ``divergence``).

    ``"1 key result confident while far behind pace"``; objectives with none are left out.
    """
    if krs is None or krs.empty:
        return {}
    flagged = krs[krs["divergence"].notna()]
    out: dict[int, list[str]] = {}
    counts = flagged.groupby(["objective_id", "divergence"], sort=True).size()
    for (objective_id, kind), count in counts.items():
        count = int(count)
        out.setdefault(int(objective_id), []).append(
            f"{wording.plural(count, 'key result')} {FLAG_WORDS.get(kind, kind)}"
        )
    return {o: "; ".join(words) for o, words in out.items()}


def sheet_counts(sheet: pd.DataFrame) -> dict[str, Any]:
    """Headline figures of a scoring sheet: objectives, how many of each review state, the mean
    score (NaN when empty) and the share met (score ≥ 0.7); before the close, the mean forecast
    (``avg_forecast``) and the share on course (``on_course_share``, forecast ≥ 0.7) too."""
    count = len(sheet)
    states = sheet["review"].value_counts() if count else pd.Series(dtype=int)
    scores = sheet["score"].astype(float) if count else pd.Series(dtype=float)
    forecasts = sheet["forecast"].astype(float).dropna() if count else pd.Series(dtype=float)
    return {
        "avg_forecast": float(forecasts.mean()) if len(forecasts) else float("nan"),
        "on_course_share": float(met(forecasts).mean()) if len(forecasts) else float("nan"),
        "objectives": count,
        SCORED: int(states.get(SCORED, 0)),
        PROPOSED: int(states.get(PROPOSED, 0)),
        NOT_SCORED: int(states.get(NOT_SCORED, 0)),
        "avg_score": float(scores.mean()) if count else float("nan"),
        "met_share": float(met(scores).mean()) if count else float("nan"),
    }


def unscored(sheet: pd.DataFrame) -> int:
    """How many objectives of a scoring sheet have no lead's score: those closing the cycle
    would give their proposed score."""
    return int((sheet["review"] != SCORED).sum())


def proposals(
    db: sqlite_utils.Database, cycle_id: int, today: dt.date | None = None, unit_id: int | None = None
) -> pd.DataFrame:
    """Every active objective of a cycle (a unit's branch when given) with its proposed and recorded score.

    Columns: objective_id, unit_id, title, progress, proposal, recorded, score_reason. Used by
    the writes to check a score against its proposal and to fill in unscored objectives at close.
    """
    objs = q.objectives(db, cycle_id, unit_id, today)
    columns = ["objective_id", "unit_id", "title", "progress", "proposal", "recorded", "score_reason"]
    if objs.empty:
        return pd.DataFrame(columns=columns)
    out = objs[["objective_id", "unit_id", "title", "progress", "score_reason"]].copy()
    out["progress"] = out["progress"].astype(float)
    out["proposal"] = proposed_score(out["progress"].to_numpy())
    out["recorded"] = objs["score_override"].astype(float)
    return out[columns].reset_index(drop=True)


# --- calibration across closed cycles --------------------------------------------------------


@dataclass(frozen=True)
class History:
    """The raw material of calibration: the objectives and key results of the recent closed cycles.

    ``cycles``: id, name, start_date, end_date, oldest first. ``objectives``: objective_id,
    cycle_id, unit_id, unit_name, kind, score (the recorded score, else the final progress).
    ``key_results``: kr_id, objective_id, cycle_id, unit_id, unit_name, confidence (the last
    check-in's, NaN without one), progress (final).
    """

    cycles: pd.DataFrame
    objectives: pd.DataFrame
    key_results: pd.DataFrame


_RECENT = """
    recent AS (
        SELECT id, name, start_date, end_date FROM cycles WHERE state = 'closed'
        ORDER BY end_date DESC, id DESC LIMIT :limit
    ),
    branch(id, depth) AS (
        SELECT id, 0 FROM units WHERE id = :unit
        UNION ALL
        SELECT u.id, b.depth + 1 FROM units u JOIN branch b ON u.parent_id = b.id WHERE b.depth < 100
    )
"""


def _frame(db: sqlite_utils.Database, sql: str, params: dict, columns: list[str]) -> pd.DataFrame:
    cursor = db.execute(sql, params)
    rows = cursor.fetchall()
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame.from_records(rows, columns=[d[0] for d in cursor.description])


def load_history(db: sqlite_utils.Database, unit_id: int | None = None, limit: int = HISTORY_CYCLES) -> History:
    """Read the last ``limit`` closed cycles' objectives and key results (a unit's branch when given).

    Three queries, each bounded by those cycles and the branch; a key result's final progress
    and last confidence come from its latest check-in, as :func:`okrdata.queries.key_results`
    computes them, and an objective's score is its recorded score, else its final progress
    (as :func:`okrdata.queries.objectives` shows a closed cycle).
    """
    params = {"limit": max(int(limit), 0), "unit": None if unit_id is None else int(unit_id)}
    cycles = _frame(
        db,
        f"WITH RECURSIVE {_RECENT} SELECT id, name, start_date, end_date FROM recent ORDER BY end_date, id",
        params,
        ["id", "name", "start_date", "end_date"],
    )
    objs = _frame(
        db,
        f"""
        WITH RECURSIVE {_RECENT}
        SELECT o.id AS objective_id, o.cycle_id, o.unit_id, u.name AS unit_name, o.kind, o.score AS recorded
        FROM recent r
        JOIN objectives o ON o.cycle_id = r.id
        JOIN units u ON u.id = o.unit_id
        WHERE o.state = 'active' AND (:unit IS NULL OR o.unit_id IN (SELECT id FROM branch))
        ORDER BY o.id
        """,
        params,
        ["objective_id", "cycle_id", "unit_id", "unit_name", "kind", "recorded"],
    )
    krs = _frame(
        db,
        f"""
        WITH RECURSIVE {_RECENT}
        SELECT kr.id AS kr_id, kr.objective_id, o.cycle_id, o.unit_id, u.name AS unit_name,
               kr.kr_type, kr.baseline, kr.target, kr.weight, c.value, c.confidence
        FROM recent r
        JOIN objectives o ON o.cycle_id = r.id
        JOIN units u ON u.id = o.unit_id
        JOIN key_results kr ON kr.objective_id = o.id
        LEFT JOIN checkins c ON c.id = (
            SELECT c2.id FROM checkins c2
            WHERE c2.kr_id = kr.id AND c2.deleted = 0
            ORDER BY c2.checkin_date DESC, c2.id DESC LIMIT 1
        )
        WHERE o.state = 'active' AND kr.archived = 0 AND (:unit IS NULL OR o.unit_id IN (SELECT id FROM branch))
        ORDER BY kr.id
        """,
        params,
        [
            "kr_id",
            "objective_id",
            "cycle_id",
            "unit_id",
            "unit_name",
            "kr_type",
            "baseline",
            "target",
            "weight",
            "value",
            "confidence",
        ],
    )
    for column in ("baseline", "target", "weight", "value", "confidence"):
        krs[column] = pd.to_numeric(krs[column], errors="coerce").astype(float)
    krs["progress"] = n.progress_array(krs["kr_type"], krs["baseline"], krs["target"], krs["value"]) if len(krs) else []
    krs["progress"] = krs["progress"].astype(float)
    progress = (
        n.grouped_weighted_mean(krs["objective_id"], krs["progress"], krs["weight"])
        if len(krs)
        else pd.Series(dtype=float)
    )
    recorded = pd.to_numeric(objs["recorded"], errors="coerce").astype(float)
    final = proposed_score(objs["objective_id"].map(progress).fillna(0.0).to_numpy(dtype=float))
    objs["score"] = recorded.fillna(pd.Series(final, index=objs.index)).clip(0.0, 1.0).astype(float)
    return History(
        cycles=cycles.reset_index(drop=True),
        objectives=objs[["objective_id", "cycle_id", "unit_id", "unit_name", "kind", "score"]].reset_index(drop=True),
        key_results=krs[
            ["kr_id", "objective_id", "cycle_id", "unit_id", "unit_name", "confidence", "progress"]
        ].reset_index(drop=True),
    )


def forecasts(history: History) -> pd.DataFrame:
    """The key results that carried a confidence, as forecasts: probability, outcome, squared error.

    ``probability`` = last confidence / 10; ``outcome`` = 1 when the final progress is 0.7 or
    more, else 0; ``error`` = (probability − outcome)². Key results never checked in made no
    forecast and are left out.
    """
    krs = history.key_results
    out = krs[krs["confidence"].notna()].copy()
    out["probability"] = out["confidence"].astype(float) / 10.0
    out["outcome"] = met(out["progress"]).astype(float)
    out["error"] = (out["probability"] - out["outcome"]) ** 2
    return out.reset_index(drop=True)


UNIT_CYCLE_COLUMNS = [
    "unit_id",
    "unit_name",
    "cycle_id",
    "cycle_name",
    "start_date",
    "objectives",
    "avg_score",
    "met_share",
    "committed",
    "committed_min",
    "committed_max",
    "forecasts",
    "brier",
]


def by_unit_cycle(history: History) -> pd.DataFrame:
    """Per unit and closed cycle: objectives, average score, share met, committed objectives'
    lowest and highest score, forecasts (key results with a confidence) and their Brier score.

    Oldest cycle first within each unit; NaN where there is nothing to average.
    """
    objs = history.objectives
    if objs.empty:
        return pd.DataFrame(columns=UNIT_CYCLE_COLUMNS)
    objs = objs.assign(met=met(objs["score"]).astype(float))
    committed = objs[objs["kind"] == "committed"]
    keys = ["unit_id", "cycle_id"]
    # Only numbers are aggregated; names are mapped on afterwards (grouping text columns is
    # many times slower in pandas 3).
    table = objs.groupby(keys, sort=False).agg(
        objectives=("objective_id", "size"),
        avg_score=("score", "mean"),
        met_share=("met", "mean"),
    )
    table = table.join(
        committed.groupby(keys).agg(
            committed=("objective_id", "size"), committed_min=("score", "min"), committed_max=("score", "max")
        )
    )
    errors = forecasts(history)
    table = table.join(errors.groupby(keys).agg(forecasts=("kr_id", "size"), brier=("error", "mean")))
    table["committed"] = table["committed"].fillna(0).astype(int)
    table["forecasts"] = table["forecasts"].fillna(0).astype(int)
    table = table.reset_index()
    table["unit_name"] = table["unit_id"].map(_unit_names(objs))
    cycles = history.cycles.rename(columns={"id": "cycle_id", "name": "cycle_name"})
    table = table.merge(cycles[["cycle_id", "cycle_name", "start_date"]], on="cycle_id", how="left")
    table = table.sort_values(["unit_name", "start_date", "cycle_id"], kind="stable")
    return table[UNIT_CYCLE_COLUMNS].reset_index(drop=True)


UNIT_COLUMNS = [
    "unit_id",
    "unit_name",
    "cycles",
    "objectives",
    "avg_score",
    "met_share",
    "forecasts",
    "brier",
    "flag",
    "flag_cycles",
    "flag_note",
]


def _unit_names(objs: pd.DataFrame) -> pd.Series:
    """Unit id → name, from the objectives."""
    return objs.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]


def by_unit(history: History, per_cycle: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per unit, over the recent closed cycles: cycles with objectives, objectives, average
    score, share met, forecasts and Brier score, and a flag.

    The flag is :data:`SANDBAGGING` when every committed objective of the unit scored
    :data:`SANDBAG_AT` (0.9) or more in each of its most recent :data:`FLAG_RUN` (2) or more
    closed cycles that had committed objectives, and :data:`OVERREACH` when every one scored
    :data:`OVERREACH_AT` (0.3) or less; ``flag_cycles`` is how many cycles in a row, and
    ``flag_note`` says it in words. Sorted by unit name. Pass ``per_cycle`` (from
    :func:`by_unit_cycle`) when it is at hand, to spare computing it again.
    """
    objs = history.objectives
    if objs.empty:
        return pd.DataFrame(columns=UNIT_COLUMNS)
    objs = objs.assign(met=met(objs["score"]).astype(float))
    table = objs.groupby("unit_id", sort=False).agg(
        cycles=("cycle_id", "nunique"),
        objectives=("objective_id", "size"),
        avg_score=("score", "mean"),
        met_share=("met", "mean"),
    )
    errors = forecasts(history)
    table = table.join(errors.groupby("unit_id").agg(forecasts=("kr_id", "size"), brier=("error", "mean")))
    table["forecasts"] = table["forecasts"].fillna(0).astype(int)
    table["unit_name"] = table.index.map(_unit_names(objs))
    per_cycle = by_unit_cycle(history) if per_cycle is None else per_cycle
    # The length of each unit's run of cycles, newest first, that keep the rule: the running
    # product of "keeps it" is 1 until the first cycle that breaks it, and its sum is the run.
    recent = per_cycle[per_cycle["committed"] > 0].sort_values(
        ["unit_id", "start_date", "cycle_id"], ascending=[True, False, False]
    )
    high = (
        pd.Series(met(recent["committed_min"], SANDBAG_AT), index=recent.index)
        .astype(int)
        .groupby(recent["unit_id"])
        .cumprod()
    )
    highest = n.round_score(recent["committed_max"].to_numpy(dtype=float))
    low = (
        pd.Series(n.gap(highest, OVERREACH_AT) <= 0, index=recent.index)
        .astype(int)
        .groupby(recent["unit_id"])
        .cumprod()
    )
    high_run = high.groupby(recent["unit_id"]).sum().reindex(table.index, fill_value=0).astype(int)
    low_run = low.groupby(recent["unit_id"]).sum().reindex(table.index, fill_value=0).astype(int)
    sandbag, overreach = high_run >= FLAG_RUN, (low_run >= FLAG_RUN) & (high_run < FLAG_RUN)
    table["flag"] = np.where(sandbag, SANDBAGGING, np.where(overreach, OVERREACH, None)).astype(object)
    table["flag_cycles"] = np.where(sandbag, high_run, np.where(overreach, low_run, 0)).astype(int)
    table["flag_note"] = [
        f"Every committed objective scored {SANDBAG_AT:g} or more in each of its last {h} closed cycles: "
        "its goals may be too safe."
        if s_
        else f"Every committed objective scored {OVERREACH_AT:g} or less in each of its last {lo} closed cycles: "
        "it commits to more than it can deliver."
        if o
        else ""
        for s_, o, h, lo in zip(sandbag, overreach, high_run, low_run)
    ]
    table = table.reset_index().sort_values(["unit_name", "unit_id"], kind="stable")
    return table[UNIT_COLUMNS].reset_index(drop=True)


def largest_units(units: pd.DataFrame, limit: int) -> list[int]:
    """The ids of the ``limit`` units of :func:`by_unit` with the most objectives (ties by
    name): those a chart of scores by cycle has room for."""
    ranked = units.sort_values(["objectives", "unit_name"], ascending=[False, True])
    return [int(i) for i in ranked["unit_id"].head(limit)]


def reliability(history: History) -> pd.DataFrame:
    """Confidence against outcome: for each last confidence 0–10 given, the key results that gave
    it (``forecasts``), how many reached 0.7 (``reached``), the share (``reached_share``) and the
    share a perfectly calibrated forecaster would reach (``probability`` = confidence / 10)."""
    errors = forecasts(history)
    columns = ["confidence", "probability", "forecasts", "reached", "reached_share"]
    if errors.empty:
        return pd.DataFrame(columns=columns)
    table = errors.groupby("confidence").agg(forecasts=("kr_id", "size"), reached=("outcome", "sum")).reset_index()
    table["confidence"] = table["confidence"].astype(int)
    table["probability"] = table["confidence"] / 10.0
    table["reached"] = table["reached"].astype(int)
    table["reached_share"] = table["reached"] / table["forecasts"]
    return table[columns].sort_values("confidence").reset_index(drop=True)


def brier(history: History) -> float:
    """The Brier score of every forecast in the history together (NaN when there is none)."""
    errors = forecasts(history)
    return float(errors["error"].mean()) if len(errors) else float("nan")
