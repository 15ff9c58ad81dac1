"""Confidence and progress week by week: the numbers behind the Confidence trends page.

The weeks of a cycle start on its first day and run seven days each (the last one may be
shorter); a cycle's trend covers the weeks that have begun by the *as-of* date (today, or the
cycle's end once it is over), and each week's figures are taken on its last day, or on the
as-of date for the week still running, so the last point of every series is "now".

For each key result and week, the value and confidence are carried forward from its latest
check-in on or before that day; before its first check-in a key result sits at its baseline
(progress 0) with no confidence. Progress is :func:`okrdata.numbers.kr_progress` of the carried
value and status :func:`okrdata.numbers.kr_status` on that day. Then, week by week:

- an objective's progress is the weighted mean of its key results' progress (by key result
  weight), its confidence the plain mean of the key results that have one;
- a unit's progress is the weighted mean of the objectives of its branch, each counted once
  (as :func:`okrdata.queries.unit_progress`), its confidence the mean over the branch's key
  results that have one;
- expected progress is :func:`okrdata.numbers.expected_progress` on the week's day;
- the forecast is each key result's :func:`okrdata.numbers.forecast` score at the cycle's end
  (as :func:`okrdata.queries.key_results` computes it), rolled up the same way, a key result
  with no forecast counting with its progress now.

A unit's breakdown (the heat map of its child units, the key results per status) is
:mod:`okrdata.trends_breakdown`, built on these frames.

Everything works from the frames of *one* cycle (:func:`okrdata.queries.key_results`,
:func:`~okrdata.queries.objectives`, :func:`~okrdata.queries.checkin_history`), so the cost is
bounded by the cycle and not by years of history, and it is vectorised: ``merge_asof`` carries
check-ins forward and ``groupby`` rolls them up, so 4,000 key results × 13 weeks take well
under a second. Status calls :func:`okrdata.numbers.kr_status` once per distinct (confidence,
days-since, cadence) triple and maps it back; progress uses :func:`okrdata.numbers.progress_array`, the rule of
:func:`okrdata.numbers.kr_progress` over whole columns, which the tests hold equal to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from okrdata import numbers as n
from okrdata import queries as q

WEEK_DAYS = 7

WEEK_COLUMNS = ["week", "week_start", "week_end", "date", "expected"]
KR_WEEK_COLUMNS = [
    "kr_id",
    "objective_id",
    "unit_id",
    "weight",
    "week",
    "week_start",
    "week_end",
    "date",
    "expected",
    "checkin_id",
    "checkin_date",
    "value",
    "confidence",
    "progress",
    "pace",
    "status",
]
KR_PLAN_COLUMNS = [
    "kr_id",
    "objective_id",
    "unit_id",
    "unit_name",
    "title",
    "kr_type",
    "baseline",
    "target",
    "unit_label",
    "weight",
    "cadence_days",
]
"""What the weekly figures need of a key result, as entered: a check-in changes none of it."""
OBJECTIVE_PLAN_COLUMNS = ["objective_id", "unit_id", "unit_name", "title", "kind", "weight"]
"""What the roll-ups need of an objective, as entered."""
SERIES_COLUMNS = [
    "week",
    "week_start",
    "week_end",
    "date",
    "expected",
    "progress",
    "pace",
    "confidence",
    "kr_count",
    "confident_count",
]


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _stamp(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _days_since(dates: pd.Series, start: pd.Timestamp) -> np.ndarray:
    """Whole days from ``start`` to each ISO date (or datetime) of ``dates``."""
    if not len(dates):
        return np.array([], dtype="int64")
    return (pd.to_datetime(dates.astype(str).str[:10]) - start).dt.days.to_numpy(dtype="int64")


# --- the weeks ------------------------------------------------------------------------------


def week_count(start: dt.date, end: dt.date) -> int:
    """How many weeks a cycle from ``start`` to ``end`` (both included) spans."""
    return max(0, (end - start).days) // WEEK_DAYS + 1


def weeks(cycle: dict, today: dt.date | None = None) -> pd.DataFrame:
    """The weeks of a cycle that have begun by its as-of date (:func:`okrdata.queries.as_of`).

    One row per week: ``week`` (1, 2, …), ``week_start``, ``week_end`` (the seventh day, or the
    cycle's end), ``date`` (the day its figures are taken on: the week's end, or the as-of date
    for the week still running) and ``expected`` (the expected progress on that day). Empty
    before the cycle starts.
    """
    start, end = _day(cycle["start_date"]), _day(cycle["end_date"])
    on = q.as_of(cycle, today)
    if on < start:
        return pd.DataFrame(columns=WEEK_COLUMNS)
    rows = []
    for i in range(week_count(start, min(on, end))):
        week_start = start + dt.timedelta(days=WEEK_DAYS * i)
        week_end = min(week_start + dt.timedelta(days=WEEK_DAYS - 1), end)
        day = min(week_end, on)
        rows.append(
            {
                "week": i + 1,
                "week_start": _stamp(week_start),
                "week_end": _stamp(week_end),
                "date": _stamp(day),
                "expected": n.expected_progress(start, end, day),
            }
        )
    return pd.DataFrame(rows, columns=WEEK_COLUMNS)


def expected_line(cycle: dict) -> pd.DataFrame:
    """The expected pace over the whole cycle: 0 on its first day, then each week's end, 1 at its end.

    Columns ``date`` and ``expected`` (:func:`okrdata.numbers.expected_progress`).
    """
    start, end = _day(cycle["start_date"]), _day(cycle["end_date"])
    days = [start] + [
        min(start + dt.timedelta(days=WEEK_DAYS * (i + 1) - 1), end) for i in range(week_count(start, end))
    ]
    days = sorted(set(days))
    return pd.DataFrame(
        {"date": [_stamp(d) for d in days], "expected": [n.expected_progress(start, end, d) for d in days]}
    )


# --- key results, week by week ---------------------------------------------------------------


def _statuses(confidence: pd.Series, since: pd.Series, cadence: pd.Series) -> np.ndarray:
    """:func:`okrdata.numbers.kr_status` for each row, called once per distinct
    (confidence, days since the check-in, cadence) and mapped back: a cycle has only a few
    hundred such triples however many key results it holds."""
    if not len(confidence):
        return np.array([], dtype=object)
    # Hash-based codes per column (NaN gets -1), combined into one code per row.
    parts = [pd.factorize(pd.Series(col, dtype=float), use_na_sentinel=True) for col in (confidence, since, cadence)]
    key = np.zeros(len(confidence), dtype="int64")
    for codes, uniques in parts:
        key = key * (len(uniques) + 1) + (codes + 1)
    rows, first = np.unique(key, return_index=True)
    row_of = np.searchsorted(rows, key)
    anchor = dt.date(2000, 1, 1)
    found = []
    for i in first:
        conf, days, cad = (codes[i] for codes, _ in parts)
        c = None if conf < 0 else float(parts[0][1][conf])
        last = None if days < 0 else anchor - dt.timedelta(days=int(parts[1][1][days]))
        found.append(n.kr_status(c, last, anchor, int(parts[2][1][cad])))
    return np.array(found, dtype=object)[row_of]


def kr_weeks(krs: pd.DataFrame, history: pd.DataFrame, cycle: dict, today: dt.date | None = None) -> pd.DataFrame:
    """Every key result's figures at every week of the cycle so far (long form, key result by key result).

    ``krs`` is :func:`okrdata.queries.key_results` (any subset), ``history`` is
    :func:`okrdata.queries.checkin_history` for the same cycle (check-ins of other key results
    are ignored). One row per key result and week: the carried check-in (``checkin_id``,
    ``checkin_date``, ``value``, ``confidence``; empty before the first one), ``progress`` (0
    before the first check-in), ``expected`` progress, ``pace`` and ``status`` on the week's day.
    The notes stay out of this frame (it can hold 50,000 rows); :func:`kr_series` adds them.
    """
    wk = weeks(cycle, today)
    if krs.empty or wk.empty:
        return pd.DataFrame(columns=KR_WEEK_COLUMNS)
    start = _stamp(_day(cycle["start_date"]))
    kr_ids = krs["kr_id"].to_numpy(dtype="int64")
    n_kr, n_wk = len(kr_ids), len(wk)
    week_days = (wk["date"] - start).dt.days.to_numpy(dtype="int64")
    # The grid week by week (what merge_asof needs: sorted by day), numbers only.
    grid = pd.DataFrame({"kr_id": np.tile(kr_ids, n_wk), "day": np.repeat(week_days, n_kr)})

    hist = history[history["kr_id"].isin(kr_ids)] if not history.empty else history.iloc[0:0]
    right = pd.DataFrame(
        {
            "kr_id": hist["kr_id"].to_numpy(dtype="int64"),
            "cday": _days_since(hist["checkin_date"], start),
            "checkin_id": hist["checkin_id"].to_numpy(dtype=float),
            "value": pd.to_numeric(hist["value"]).to_numpy(dtype=float),
            "confidence": pd.to_numeric(hist["confidence"]).to_numpy(dtype=float),
        }
    )
    kinds = krs.set_index(krs["kr_id"].astype("int64"))[["kr_type", "baseline", "target"]]
    kinds = kinds.loc[right["kr_id"].to_numpy()]
    right["progress_at"] = n.progress_array(
        kinds["kr_type"].to_numpy(dtype=object),
        kinds["baseline"].to_numpy(),
        kinds["target"].to_numpy(),
        right["value"].to_numpy(),
    )
    # Ties on one day: the later check-in (higher id) wins, as in queries.key_results.
    right = right.sort_values(["cday", "checkin_id"], kind="stable")
    carried = pd.merge_asof(grid, right, left_on="day", right_on="cday", by="kr_id", direction="backward")
    # Back to key result by key result: row (week w, key result k) moves to k * n_wk + w.
    order = np.arange(n_kr * n_wk).reshape(n_wk, n_kr).T.ravel()
    carried = carried.iloc[order].reset_index(drop=True)

    per_kr = krs.set_index(krs["kr_id"].astype("int64")).loc[kr_ids]
    out = pd.DataFrame(
        {
            "kr_id": np.repeat(kr_ids, n_wk),
            "objective_id": np.repeat(per_kr["objective_id"].to_numpy(dtype="int64"), n_wk),
            "unit_id": np.repeat(per_kr["unit_id"].to_numpy(dtype="int64"), n_wk),
            "weight": np.repeat(per_kr["weight"].to_numpy(dtype=float), n_wk),
            "week": np.tile(wk["week"].to_numpy(dtype="int64"), n_kr),
            "week_start": np.tile(wk["week_start"].to_numpy(), n_kr),
            "week_end": np.tile(wk["week_end"].to_numpy(), n_kr),
            "date": np.tile(wk["date"].to_numpy(), n_kr),
            "expected": np.tile(wk["expected"].to_numpy(dtype=float), n_kr),
            "checkin_id": carried["checkin_id"].to_numpy(),
            "checkin_date": start + pd.to_timedelta(carried["cday"].to_numpy(dtype=float), unit="D"),
            "value": carried["value"].to_numpy(dtype=float),
            "confidence": carried["confidence"].to_numpy(dtype=float),
        }
    )
    out["progress"] = np.nan_to_num(carried["progress_at"].to_numpy(dtype=float), nan=0.0)
    out["pace"] = out["progress"] - out["expected"]
    since = carried["day"].to_numpy(dtype=float) - carried["cday"].to_numpy(dtype=float)
    out["status"] = _statuses(
        out["confidence"], pd.Series(since), pd.Series(np.repeat(per_kr["cadence_days"].to_numpy(dtype="int64"), n_wk))
    )
    return out[KR_WEEK_COLUMNS]


# --- roll-ups -------------------------------------------------------------------------------


def weighted(frame: pd.DataFrame, keys: list[str], value: str, weight: str) -> pd.Series:
    """:func:`okrdata.numbers.weighted_mean` of ``value`` by ``weight`` within each group, vectorised.

    As there: weight-0 items do not count, and a group with no weight at all takes the plain mean.
    """
    g = frame.assign(_wv=frame[value] * frame[weight]).groupby(keys, sort=True)
    total = g[weight].sum()
    weighted = g["_wv"].sum() / total.where(total > 0)
    return weighted.fillna(g[value].mean())


def objective_weeks(
    kr_weekly: pd.DataFrame, objs: pd.DataFrame, cycle: dict, today: dt.date | None = None
) -> pd.DataFrame:
    """Every objective's figures at every week so far (long form): ``objective_id`` plus
    :data:`SERIES_COLUMNS`.

    Progress is the weighted mean of its key results' progress; confidence the mean confidence
    of those that have one (empty when none has); an objective with no key results sits at 0.
    ``objs`` is :func:`okrdata.queries.objectives` (its ``objective_id`` and ``weight``).
    """
    wk = weeks(cycle, today)
    columns = ["objective_id", "weight"] + SERIES_COLUMNS
    if objs.empty or wk.empty:
        return pd.DataFrame(columns=columns)
    grid = objs[["objective_id", "weight"]].astype({"objective_id": "int64", "weight": float}).merge(wk, how="cross")
    if kr_weekly.empty:
        agg = pd.DataFrame(columns=["objective_id", "week", "progress", "confidence", "kr_count", "confident_count"])
    else:
        keys = ["objective_id", "week"]
        g = kr_weekly.groupby(keys, sort=True)
        agg = pd.DataFrame(
            {
                "progress": weighted(kr_weekly, keys, "progress", "weight"),
                "confidence": g["confidence"].mean(),
                "kr_count": g["kr_id"].size(),
                "confident_count": g["confidence"].count(),
            }
        ).reset_index()
        agg["objective_id"] = agg["objective_id"].astype("int64")
    out = grid.merge(agg, on=["objective_id", "week"], how="left")
    out["progress"] = out["progress"].astype(float).fillna(0.0)
    out["confidence"] = out["confidence"].astype(float)
    out["kr_count"] = out["kr_count"].fillna(0).astype(int)
    out["confident_count"] = out["confident_count"].fillna(0).astype(int)
    out["pace"] = out["progress"] - out["expected"]
    return out.sort_values(["objective_id", "week"], kind="stable").reset_index(drop=True)[columns]


def rollup(
    obj_weekly: pd.DataFrame, kr_weekly: pd.DataFrame, objective_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    """One series for a set of objectives (a unit's branch; all of them when ``objective_ids`` is None).

    Progress: the weighted mean of the objectives' progress by objective weight, each counted
    once. Confidence: the mean over their key results that have one. Columns :data:`SERIES_COLUMNS`.
    """
    objw = obj_weekly
    krw = kr_weekly
    if objective_ids is not None:
        ids = {int(i) for i in objective_ids}
        objw = objw[objw["objective_id"].isin(ids)]
        krw = krw[krw["objective_id"].isin(ids)] if not krw.empty else krw
    if objw.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    keys = ["week"]
    g = objw.groupby(keys, sort=True)
    out = g[["week_start", "week_end", "date", "expected"]].first()
    out["progress"] = weighted(objw, keys, "progress", "weight")
    out["pace"] = out["progress"] - out["expected"]
    if krw.empty:
        out["confidence"] = np.nan
        out["kr_count"] = 0
        out["confident_count"] = 0
    else:
        kg = krw.groupby("week", sort=True)
        out["confidence"] = kg["confidence"].mean().astype(float)
        out["kr_count"] = kg["kr_id"].size()
        out["confident_count"] = kg["confidence"].count()
        out["kr_count"] = out["kr_count"].fillna(0).astype(int)
        out["confident_count"] = out["confident_count"].fillna(0).astype(int)
    return out.reset_index()[SERIES_COLUMNS]


def checkin_notes(history: pd.DataFrame) -> dict[int, dict[int, Any]]:
    """Each key result's check-ins, as ``{kr_id: {checkin_id: note}}``, from
    :func:`okrdata.queries.checkin_history`: what a key result's series shows beside its figures."""
    out: dict[int, dict[int, Any]] = {}
    if history.empty:
        return out
    for kr_id, checkin_id, note in zip(
        history["kr_id"].to_numpy(dtype="int64"), history["checkin_id"].to_numpy(dtype="int64"), history["note"]
    ):
        out.setdefault(int(kr_id), {})[int(checkin_id)] = note if isinstance(note, str) else None
    return out


def kr_series(kr_weekly: pd.DataFrame, kr_id: int, notes: Mapping[int, Any] | None = None) -> pd.DataFrame:
    """One key result's weekly rows (:func:`kr_weeks`), oldest first, with the carried check-in's
    ``note`` (``notes``: its check-ins' notes by id, from :func:`checkin_notes`) when given."""
    if kr_weekly.empty:
        return pd.DataFrame(columns=KR_WEEK_COLUMNS + ["note"])
    out = kr_weekly[kr_weekly["kr_id"] == int(kr_id)].reset_index(drop=True)
    notes = notes or {}
    out["note"] = [None if pd.isna(c) else notes.get(int(c)) for c in out["checkin_id"]]
    return out


def objective_series(obj_weekly: pd.DataFrame, objective_id: int) -> pd.DataFrame:
    """One objective's weekly rows (:func:`objective_weeks`), oldest first."""
    if obj_weekly.empty:
        return pd.DataFrame(columns=["objective_id", "weight"] + SERIES_COLUMNS)
    return obj_weekly[obj_weekly["objective_id"] == int(objective_id)].reset_index(drop=True)


# --- forecast -------------------------------------------------------------------------------


def _latest(weekly: pd.DataFrame, key: str) -> pd.Series:
    """Each item's progress in the last week of ``weekly``, indexed by ``key``."""
    last = weekly[weekly["week"] == weekly["week"].max()]
    return last.set_index(key)["progress"].astype(float)


def kr_projection(krs: pd.DataFrame, kr_weekly: pd.DataFrame) -> pd.DataFrame:
    """Each key result's projected score at the cycle's end, indexed by ``kr_id``.

    Columns ``projected`` (its forecast score, else its progress now), ``has_forecast``, and
    ``weight``/``objective_id`` for the roll-ups.
    """
    if krs.empty:
        return pd.DataFrame(columns=["objective_id", "weight", "projected", "has_forecast"])
    base = krs.set_index(krs["kr_id"].astype("int64"))[["objective_id", "weight", "forecast_score"]].copy()
    now = _latest(kr_weekly, "kr_id") if not kr_weekly.empty else pd.Series(dtype=float)
    progress = now.reindex(base.index).fillna(0.0)
    forecast = pd.to_numeric(base["forecast_score"], errors="coerce")
    base["has_forecast"] = forecast.notna()
    base["projected"] = forecast.where(forecast.notna(), progress).astype(float)
    base["weight"] = base["weight"].astype(float)
    return base[["objective_id", "weight", "projected", "has_forecast"]]


def projected_score(
    kr_proj: pd.DataFrame, objs: pd.DataFrame, objective_ids: Iterable[int] | None = None
) -> tuple[float | None, bool]:
    """The projected score at the cycle's end of a set of objectives, and whether any forecast fed it.

    Each objective: the weighted mean of its key results' projected scores (0 with no key
    results); the set: the weighted mean of its objectives by objective weight. (None, False)
    for no objectives.
    """
    chosen = objs
    if objective_ids is not None:
        ids = {int(i) for i in objective_ids}
        chosen = objs[objs["objective_id"].astype("int64").isin(ids)]
    if chosen.empty:
        return None, False
    per_obj: dict[int, float] = {}
    used = False
    if not kr_proj.empty:
        mine = kr_proj[kr_proj["objective_id"].astype("int64").isin(set(chosen["objective_id"].astype("int64")))]
        used = bool(mine["has_forecast"].any())
        if not mine.empty:
            per_obj = weighted(mine, ["objective_id"], "projected", "weight").to_dict()
    values = [float(per_obj.get(int(o), 0.0)) for o in chosen["objective_id"]]
    return n.weighted_mean(values, list(chosen["weight"].astype(float))), used


def forecast_line(series: pd.DataFrame, projected: float | None, cycle: dict) -> pd.DataFrame:
    """The dashed forecast segment: from the last week's progress to ``projected`` at the cycle's end.

    Columns ``date`` and ``progress``; empty when there is nothing to project (no forecast, no
    weeks, or the cycle is over).
    """
    end = _stamp(_day(cycle["end_date"]))
    if projected is None or series.empty:
        return pd.DataFrame(columns=["date", "progress"])
    last = series.iloc[-1]
    if last["date"] >= end:
        return pd.DataFrame(columns=["date", "progress"])
    return pd.DataFrame({"date": [last["date"], end], "progress": [float(last["progress"]), float(projected)]})


# --- everything for one cycle ------------------------------------------------------------------


@dataclass
class Trends:
    """The weekly figures of one cycle (a unit's branch): what the Confidence trends page draws."""

    cycle: dict
    as_of: dt.date
    weeks: pd.DataFrame
    """:func:`weeks`."""
    krs: pd.DataFrame
    """The key results in scope, as entered (:data:`KR_PLAN_COLUMNS` of
    :func:`okrdata.queries.key_results`): their figures are in the weekly frames."""
    objectives: pd.DataFrame
    """The objectives in scope, as entered (:data:`OBJECTIVE_PLAN_COLUMNS` of
    :func:`okrdata.queries.objectives`)."""
    kr_weekly: pd.DataFrame
    """:func:`kr_weeks`."""
    objective_weekly: pd.DataFrame
    """:func:`objective_weeks`."""
    kr_projection: pd.DataFrame
    """:func:`kr_projection`."""
    checkin_count: int
    """Check-ins of the key results in scope."""
    notes: dict[int, dict[int, Any]] = field(default_factory=dict)
    """The notes of the check-ins of the key results in scope (:func:`checkin_notes`)."""
    expected: pd.DataFrame = field(default_factory=pd.DataFrame)
    """:func:`expected_line`."""

    @property
    def over(self) -> bool:
        """True once the cycle has ended (its figures are final; nothing left to forecast)."""
        return self.as_of >= _day(self.cycle["end_date"])

    def kr(self, kr_id: int) -> pd.DataFrame:
        """One key result's weekly rows, with the carried check-in's note."""
        return kr_series(self.kr_weekly, kr_id, self.notes.get(int(kr_id)))

    def objective(self, objective_id: int) -> pd.DataFrame:
        """One objective's weekly series."""
        return objective_series(self.objective_weekly, objective_id)

    def unit(self) -> pd.DataFrame:
        """The whole scope's weekly series (the unit's branch, or the company)."""
        return rollup(self.objective_weekly, self.kr_weekly)

    def kr_projected(self, kr_id: int) -> float | None:
        """A key result's forecast score at the cycle's end, or None without a forecast."""
        if self.kr_projection.empty or int(kr_id) not in self.kr_projection.index:
            return None
        row = self.kr_projection.loc[int(kr_id)]
        return float(row["projected"]) if bool(row["has_forecast"]) else None

    def objective_projected(self, objective_id: int) -> tuple[float | None, bool]:
        """An objective's projected score at the end, and whether any key result's forecast fed it."""
        return projected_score(self.kr_projection, self.objectives, [objective_id])

    def unit_projected(self) -> tuple[float | None, bool]:
        """The scope's projected score at the end, and whether any key result's forecast fed it."""
        return projected_score(self.kr_projection, self.objectives)


def build(
    cycle: dict,
    krs: pd.DataFrame,
    objs: pd.DataFrame,
    history: pd.DataFrame,
    today: dt.date | None = None,
) -> Trends:
    """All weekly figures of one cycle from its frames (no database access).

    ``krs``, ``objs`` and ``history`` are :func:`okrdata.queries.key_results`,
    :func:`~okrdata.queries.objectives` and :func:`~okrdata.queries.checkin_history` of the
    same cycle and unit.
    """
    krw = kr_weeks(krs, history, cycle, today)
    objw = objective_weeks(krw, objs, cycle, today)
    in_scope = set(krs["kr_id"].astype("int64")) if not krs.empty else set()
    mine = history[history["kr_id"].isin(in_scope)] if not history.empty else history
    return Trends(
        cycle=cycle,
        as_of=q.as_of(cycle, today),
        weeks=weeks(cycle, today),
        krs=krs.reindex(columns=KR_PLAN_COLUMNS).reset_index(drop=True),
        objectives=objs.reindex(columns=OBJECTIVE_PLAN_COLUMNS).reset_index(drop=True),
        kr_weekly=krw,
        objective_weekly=objw,
        kr_projection=kr_projection(krs, krw),
        checkin_count=len(mine),
        notes=checkin_notes(mine),
        expected=expected_line(cycle),
    )


def patch(
    stale: Trends,
    figures: pd.DataFrame,
    kr_weekly: pd.DataFrame,
    objective_weekly: pd.DataFrame,
    checkins: pd.DataFrame,
    changed: Iterable[int],
) -> Trends:
    """``stale`` once the check-ins of the key results ``changed`` (all in scope) moved, and
    nothing else: the same as :func:`build` from the new frames, for the work of those key
    results alone.

    ``figures`` are the changed key results' rows of :func:`okrdata.queries.key_results` now
    (their forecast); ``kr_weekly`` and ``objective_weekly`` are the stale weekly frames with
    the rows of the changed key results and of their objectives worked out again
    (:func:`kr_weeks`, :func:`objective_weeks`); ``checkins`` are all the check-ins of the
    changed key results (:func:`okrdata.queries.checkin_history`).
    """
    changed = {int(i) for i in changed}
    fresh = kr_projection(figures, kr_weekly[kr_weekly["kr_id"].isin(changed)])
    projection = stale.kr_projection.copy()
    projection.loc[fresh.index] = fresh
    notes = {kr_id: kept for kr_id, kept in stale.notes.items() if kr_id not in changed}
    notes.update(checkin_notes(checkins))
    count = stale.checkin_count - sum(len(stale.notes.get(i, ())) for i in changed) + len(checkins)
    return replace(
        stale,
        kr_weekly=kr_weekly,
        objective_weekly=objective_weekly,
        kr_projection=projection.astype(stale.kr_projection.dtypes.to_dict()),
        checkin_count=count,
        notes=notes,
    )


def trends(
    db: sqlite_utils.Database, cycle_id: int, unit_id: int | None = None, today: dt.date | None = None
) -> Trends | None:
    """:func:`build` straight from the database, for one cycle and a unit's branch; None for no such cycle."""
    cyc = q.cycle(db, cycle_id)
    if cyc is None:
        return None
    krs = q.key_results(db, cycle_id, unit_id, today)
    objs = q.objectives(db, cycle_id, unit_id, today, krs=krs)
    history = q.checkin_history(db, cycle_id, unit_id)
    return build(cyc, krs, objs, history, today)
