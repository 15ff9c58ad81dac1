"""Key results beside KPIs: the pairing, the divergence warning, the chart series and the counts.

DESIGN.md: KPIs watch the health of running operations and stay put across cycles; key
results drive change for one cycle. A key result may name the KPI it is measured by
(``key_results.kpi_id``); the two then sit side by side as a *linked pair*, and "a KR that is
won while its KPI collapses is a warning".

Everything here is a plain function of the frames :mod:`okrdata.queries` returns
(:func:`~okrdata.queries.units`, :func:`~okrdata.queries.key_results`,
:func:`~okrdata.queries.kpis`, :func:`~okrdata.queries.kpi_readings`), so the KRs vs KPIs
page only lays out what comes out, and the unit tests pin it without a screen:

- :func:`sections`: per unit (outline order), its linked pairs, its key results measured by no
  KPI, and its KPIs that no key result of the unit is measured by.
- :func:`divergence`: a key result on track or past its target while its KPI is in warning or
  breached.
- :func:`downsample` / :func:`series`: a KPI's readings thinned server-side to at most
  :data:`MAX_POINTS` points (weekly means, or wider buckets when even weeks are too many).
- :func:`summary`: KPIs per health, and how many are overdue.
- :func:`limit`: the first units and KPI charts that keep the page fast on a large organisation.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from okrdata import wording
from okrdata.numbers import ON_TRACK

HEALTHY, WARNING, BREACHED, NO_DATA = "healthy", "warning", "breached", "no_data"
HEALTH_STATES = (BREACHED, WARNING, NO_DATA, HEALTHY)
"""KPI health from worst to best, the order KPIs are listed in (as :func:`okrdata.queries.kpi_health` names them)."""
HEALTH_LABELS = wording.HEALTH_LABELS
"""Each health state in words (:mod:`okrdata.wording`)."""
TROUBLE = (WARNING, BREACHED)
"""KPI health that turns a key result doing well into a warning."""

WON, GOING_WELL = "won", "on_track"
"""How a key result is doing well: past its target (progress 1), or on track by its confidence."""

WINDOW_MONTHS = (3, 6, 12)
"""The time windows the KPI charts offer, in months back from today."""
DEFAULT_WINDOW_MONTHS = 6

MAX_POINTS = 200
"""A KPI chart draws at most this many points; more readings are averaged into buckets."""
WEEK_DAYS = 7
"""The narrowest bucket: a week, so a daily KPI over a year becomes weekly means."""
MAX_CHART_ROWS = 5_000
"""No chart on the page carries more data rows than this (points, target rule and band together)."""
MAX_UNITS = 12
"""Unit sections shown at once; a larger branch is narrowed with the unit picker."""
MAX_CHARTS = 40
"""KPI charts shown at once."""


# --- small figures -------------------------------------------------------------------------


def _missing(x: Any) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x))


def window_start(today: dt.date, months: int) -> dt.date:
    """The first day of a window of ``months`` calendar months ending ``today``.

    ``window_start(date(2026, 5, 31), 3)`` is 28 Feb 2026: the same day of the month, clamped
    to the month's length.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    index = today.year * 12 + (today.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def days_late(days_since_reading: Any, frequency_days: Any) -> int | None:
    """Days past the date the next reading was due (last reading + frequency), at least 0.

    None when the KPI has never been read (there is no date it fell due from).
    """
    if _missing(days_since_reading):
        return None
    return max(0, int(days_since_reading) - int(frequency_days))


def summary(kpis: pd.DataFrame) -> dict[str, int]:
    """Counts over a :func:`okrdata.queries.kpis` frame: ``kpis`` (all), one per health state
    (``healthy``, ``warning``, ``breached``, ``no_data``) and ``overdue``.
    """
    out = {"kpis": int(len(kpis))}
    for state in HEALTH_STATES:
        out[state] = int((kpis["health"] == state).sum()) if len(kpis) else 0
    out["overdue"] = int(kpis["overdue"].astype(bool).sum()) if len(kpis) else 0
    return out


# --- the divergence warning -----------------------------------------------------------------


@dataclass(frozen=True)
class Divergence:
    """A key result doing well (``kr_state``: won or on track) while its KPI is in trouble."""

    kr_id: int
    kpi_id: int
    kr_state: str
    """:data:`WON` (progress reached 1) or :data:`GOING_WELL` (status on track)."""
    kpi_health: str
    """:data:`WARNING` or :data:`BREACHED`."""


def doing_well(status: Any, progress: Any) -> str | None:
    """:data:`WON` when a key result's progress has reached 1, :data:`GOING_WELL` when its
    status is on track, else None."""
    if not _missing(progress) and float(progress) >= 1.0:
        return WON
    if status == ON_TRACK:
        return GOING_WELL
    return None


def divergence(kr: Mapping[str, Any], kpi: Mapping[str, Any]) -> Divergence | None:
    """The warning for a linked pair: the key result is won or on track while the KPI it is
    measured by is in warning or breached; None when the two agree.

    ``kr`` is a row of :func:`okrdata.queries.key_results`, ``kpi`` one of
    :func:`okrdata.queries.kpis`.
    """
    state = doing_well(kr.get("status"), kr.get("progress"))
    if state is None or kpi.get("health") not in TROUBLE:
        return None
    return Divergence(int(kr["kr_id"]), int(kpi["kpi_id"]), state, str(kpi["health"]))


# --- pairing per unit -----------------------------------------------------------------------


@dataclass
class Pair:
    """A KPI with the key results of one unit that are measured by it."""

    kpi: dict
    krs: list[dict]
    warnings: list[Divergence] = field(default_factory=list)
    kpi_elsewhere: bool = False
    """True when the KPI belongs to another unit than the key results (its name is in ``kpi``)."""


@dataclass
class UnitSection:
    """What one unit shows: linked pairs first, then the rest on each side."""

    unit_id: int
    name: str
    path: str
    depth: int
    kind: str
    pairs: list[Pair] = field(default_factory=list)
    krs: list[dict] = field(default_factory=list)
    """The unit's key results measured by no KPI (or by one that is archived)."""
    kpis: list[dict] = field(default_factory=list)
    """The unit's KPIs that no key result of this unit is measured by."""
    measured_elsewhere: dict[int, list[dict]] = field(default_factory=dict)
    """For a KPI in ``kpis``: the key results of other units (in the same frame) measured by it."""
    hidden_kpis: int = 0
    """KPIs of this unit left off by :func:`limit`."""

    @property
    def kr_count(self) -> int:
        """Key results of the unit, paired or not."""
        return sum(len(p.krs) for p in self.pairs) + len(self.krs)

    @property
    def kpi_count(self) -> int:
        """KPI cards in the section (a paired KPI of another unit counts here too)."""
        return len(self.pairs) + len(self.kpis)

    @property
    def warnings(self) -> list[Divergence]:
        return [w for p in self.pairs for w in p.warnings]


def _health_rank(kpi: Mapping[str, Any]) -> int:
    health = kpi.get("health")
    return HEALTH_STATES.index(health) if health in HEALTH_STATES else len(HEALTH_STATES)


def sections(units: pd.DataFrame, krs: pd.DataFrame, kpis: pd.DataFrame) -> list[UnitSection]:
    """The page's sections: one per unit of ``units`` (in its order) that has key results or KPIs.

    - ``units``: :func:`okrdata.queries.units`, narrowed to the units to show (a branch).
    - ``krs``: :func:`okrdata.queries.key_results` of one cycle (that branch).
    - ``kpis``: :func:`okrdata.queries.kpis`; pass every KPI, so a key result measured by a KPI
      of a unit outside the branch still finds it. A KPI gets a card in its own unit's section
      only when that unit is in ``units``.

    Key results pair with the KPI they are measured by, in the key result's unit: a company key
    result measured by a team's KPI is shown in the company's section, and the team's section
    then lists that KPI with the key result that measures it (``measured_elsewhere``). Pairs
    with a warning come first, then the rest by KPI health (worst first) and name; unlinked KPIs
    likewise by health and name. Key results keep the query's order.
    """
    kpi_rows = {int(k["kpi_id"]): k for k in kpis.to_dict("records")} if len(kpis) else {}
    kr_rows = krs.to_dict("records") if len(krs) else []
    by_unit_krs: dict[int, list[dict]] = {}
    for kr in kr_rows:
        by_unit_krs.setdefault(int(kr["unit_id"]), []).append(kr)
    by_unit_kpis: dict[int, list[dict]] = {}
    for k in kpi_rows.values():
        by_unit_kpis.setdefault(int(k["unit_id"]), []).append(k)
    # Which units' key results each KPI measures, to tell a team its KPI is paired elsewhere.
    measuring: dict[int, list[dict]] = {}
    for kr in kr_rows:
        if not _missing(kr.get("kpi_id")) and int(kr["kpi_id"]) in kpi_rows:
            measuring.setdefault(int(kr["kpi_id"]), []).append(kr)

    out = []
    for u in units.to_dict("records"):
        uid = int(u["id"])
        section = UnitSection(
            uid, str(u["name"]), str(u.get("path", u["name"])), int(u.get("depth", 0)), str(u.get("kind", ""))
        )
        grouped: dict[int, list[dict]] = {}
        for kr in by_unit_krs.get(uid, []):
            kid = None if _missing(kr.get("kpi_id")) else int(kr["kpi_id"])
            if kid is not None and kid in kpi_rows:
                grouped.setdefault(kid, []).append(kr)
            else:
                section.krs.append(kr)
        for kid, members in grouped.items():
            kpi = kpi_rows[kid]
            warnings = [w for w in (divergence(kr, kpi) for kr in members) if w is not None]
            section.pairs.append(Pair(kpi, members, warnings, int(kpi["unit_id"]) != uid))
        section.pairs.sort(key=lambda p: (not p.warnings, _health_rank(p.kpi), str(p.kpi["name"]).lower()))
        for kpi in sorted(by_unit_kpis.get(uid, []), key=lambda k: (_health_rank(k), str(k["name"]).lower())):
            kid = int(kpi["kpi_id"])
            if kid in grouped:
                continue
            section.kpis.append(kpi)
            others = [kr for kr in measuring.get(kid, []) if int(kr["unit_id"]) != uid]
            if others:
                section.measured_elsewhere[kid] = others
        if section.pairs or section.krs or section.kpis:
            out.append(section)
    return out


def pair_counts(all_sections: Iterable[UnitSection]) -> dict[str, int]:
    """``pairs`` (linked pairs), ``linked_krs`` (key results in them) and ``warnings``
    (key results doing well while their KPI is in trouble) over some sections."""
    pairs = [p for s in all_sections for p in s.pairs]
    return {
        "pairs": len(pairs),
        "linked_krs": sum(len(p.krs) for p in pairs),
        "warnings": sum(len(p.warnings) for p in pairs),
    }


@dataclass
class Limited:
    """The sections to draw, and what was left off to keep the page fast."""

    sections: list[UnitSection]
    hidden_units: int
    hidden_kpis: int

    @property
    def truncated(self) -> bool:
        return bool(self.hidden_units or self.hidden_kpis)


def limit(all_sections: Sequence[UnitSection], max_units: int = MAX_UNITS, max_charts: int = MAX_CHARTS) -> Limited:
    """The first sections, in order, that fit ``max_units`` sections and ``max_charts`` KPI charts.

    Sections stay whole and in outline order, except the first, which always shows: when it
    alone holds more KPIs than ``max_charts``, its pairs come first and its other KPIs are cut
    (counted in its ``hidden_kpis``). The sections passed in are not changed.
    """
    shown: list[UnitSection] = []
    budget = max_charts
    hidden_kpis = 0
    for i, section in enumerate(all_sections):
        if len(shown) >= max_units or (shown and section.kpi_count > budget):
            rest = all_sections[i:]
            hidden_kpis += sum(s.kpi_count for s in rest)
            return Limited(shown, len(rest), hidden_kpis)
        if section.kpi_count > budget:  # the first section, too big on its own
            pairs = section.pairs[:budget]
            kpis = section.kpis[: max(0, budget - len(pairs))]
            cut = section.kpi_count - len(pairs) - len(kpis)
            # Key results of pairs cut off are still the unit's: list them with the others.
            spilled = [kr for p in section.pairs[len(pairs) :] for kr in p.krs]
            section = UnitSection(
                section.unit_id,
                section.name,
                section.path,
                section.depth,
                section.kind,
                pairs,
                section.krs + spilled,
                kpis,
                {k: v for k, v in section.measured_elsewhere.items() if any(int(x["kpi_id"]) == k for x in kpis)},
                cut,
            )
            hidden_kpis += cut
        budget -= section.kpi_count
        shown.append(section)
    return Limited(shown, 0, hidden_kpis)


# --- chart series ---------------------------------------------------------------------------


SERIES_COLUMNS = ["date", "value", "readings", "low", "high"]


def downsample(readings: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """One KPI's readings as at most ``max_points`` points, oldest first.

    ``readings`` has ``reading_date`` and ``value`` (a slice of
    :func:`okrdata.queries.kpi_readings`). Up to ``max_points`` readings come back as they are;
    more are averaged into buckets counted from the first reading: weeks, or ``ceil(span /
    max_points)`` days when even weekly means would be too many. Each point is dated by the last
    reading in its bucket (so the last point is the latest reading's date) and carries the
    mean ``value``, the number of ``readings`` and their ``low`` and ``high``.
    """
    if max_points < 1:
        raise ValueError("max_points must be at least 1")
    if readings is None or len(readings) == 0:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(readings["reading_date"].astype(str).str[:10]),
            "value": readings["value"].astype(float),
        }
    ).sort_values("date", kind="stable")
    if len(frame) <= max_points:
        return pd.DataFrame(
            {
                "date": frame["date"].to_numpy(),
                "value": frame["value"].to_numpy(),
                "readings": 1,
                "low": frame["value"].to_numpy(),
                "high": frame["value"].to_numpy(),
            },
            columns=SERIES_COLUMNS,
        )
    first = frame["date"].iloc[0]
    span = (frame["date"].iloc[-1] - first).days + 1
    width = max(WEEK_DAYS, math.ceil(span / max_points))
    frame["bucket"] = (frame["date"] - first).dt.days // width
    out = frame.groupby("bucket", sort=True).agg(
        date=("date", "max"),
        value=("value", "mean"),
        readings=("value", "size"),
        low=("value", "min"),
        high=("value", "max"),
    )
    return out.reset_index(drop=True)[SERIES_COLUMNS]


def series(readings: pd.DataFrame, kpi_ids: Iterable[int], max_points: int = MAX_POINTS) -> dict[int, pd.DataFrame]:
    """:func:`downsample` for each of ``kpi_ids`` over a :func:`okrdata.queries.kpi_readings`
    frame of several KPIs; a KPI with no readings in it gets an empty frame."""
    groups = {int(k): g for k, g in readings.groupby("kpi_id")} if len(readings) else {}
    return {int(k): downsample(groups.get(int(k)), max_points) for k in kpi_ids}
