"""What the executive summary holds, and how it is gathered from okrdata's figures.

:func:`build` (or :func:`from_frames`, when the caller already holds the frames, as the page
does through its cached readers) gathers a :class:`Report`: the headline figures of
:func:`okrdata.queries.cycle_summary`, the objectives of :func:`okrdata.queries.objectives`
with their status and score (closed cycle) or forecast (active cycle), the top risks of
:func:`okrdata.attention.needing_attention`, learnings picked from check-in notes
(:func:`okrdata.report.learnings.pick_learnings`), the reflections written at close, and KPI
health from :func:`okrdata.queries.kpis` counted by :func:`okrdata.kpis.summary`. Nothing is
recomputed here: the report only selects, orders and bounds what those functions return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import sqlite_utils

from okrdata import attention, queries, wording
from okrdata import kpis as kpi_rules
from okrdata.history import goalpost_changes
from okrdata.report.learnings import NOTE_CHARS, pick_learnings, shorten
from okrdata.transfer import file_slug
from okrdata.wording import day

TOP_RISKS = 8
"""At most this many key results are listed as risks; the rest are counted."""
OBJECTIVES_LIMIT = 60
"""At most this many objectives are listed; a larger scope is narrowed with the unit."""
KPIS_LIMIT = 20
"""At most this many KPIs in trouble are listed (worst first); the rest are counted."""
STATE_WORDS = {"planning": "in planning", "active": "active", "closed": "closed"}


@dataclass(eq=False)
class Report:
    """Everything the executive summary shows, for one cycle and one unit's branch.

    ``headline`` is :func:`okrdata.queries.cycle_summary` as returned. ``objectives`` holds the
    columns of :func:`okrdata.queries.objectives` in the report's order (units in outline
    order), ``risks`` the first :data:`TOP_RISKS` rows of
    :func:`okrdata.attention.needing_attention` (``risk_total`` counts them all), ``kpis`` the
    first :data:`KPIS_LIMIT` KPIs that are not healthy or are overdue (``kpi_trouble_total``
    counts them all), and ``kpi_counts`` :func:`okrdata.kpis.summary`. ``goalposts`` lists the
    key results in scope whose goalposts moved after the cycle started (:data:`GOALPOST_COLUMNS`),
    and ``status_notes`` says, for an objective whose status reads against its progress, what
    the status rests on (:func:`okrdata.attention.objective_basis`).
    """

    company: str
    unit_id: int | None
    unit_name: str
    cycle: dict
    today: dt.date
    headline: dict
    objectives: pd.DataFrame
    objective_total: int
    risks: pd.DataFrame
    risk_total: int
    kr_total: int
    learnings: pd.DataFrame
    reflections: pd.DataFrame
    kpi_counts: dict
    kpis: pd.DataFrame
    kpi_trouble_total: int = 0
    demo: bool = False
    notes: list[str] = field(default_factory=list)
    goalposts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GOALPOST_COLUMNS))
    status_notes: dict[int, str] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        """True once the cycle is closed: objectives then have a score rather than a forecast."""
        return self.cycle["state"] == "closed"

    @property
    def scope(self) -> str:
        """``"Northwind Labs"`` for the whole company, else the unit's name."""
        return self.company if self.unit_id is None else self.unit_name

    @property
    def scope_note(self) -> str:
        """``"whole company"``, or ``"Web App and every unit below it"``."""
        return "whole company" if self.unit_id is None else f"{self.unit_name} and every unit below it"

    @property
    def title(self) -> str:
        """``"Executive summary: Northwind Labs, 2026 Q4"``."""
        return f"Executive summary: {self.scope}, {self.cycle['name']}"

    @property
    def period(self) -> str:
        """``"27 Sep 2026 – 26 Dec 2026 · active"``."""
        return f"{day(self.cycle['start_date'])} – {day(self.cycle['end_date'])} · {STATE_WORDS.get(self.cycle['state'], self.cycle['state'])}"

    def file_name(self, extension: str) -> str:
        """``"executive-summary-2026-q4-northwind-labs.pdf"``: safe on every file system."""
        slug = file_slug(f"{self.cycle['name']} {self.scope}", "report")
        return f"executive-summary-{slug}.{extension.lstrip('.')}"


def _outline_order(objs: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The objectives with their units in outline order (company, then each branch), then by id."""
    if objs.empty:
        return objs
    position = {int(u): i for i, u in enumerate(units["id"])} if not units.empty else {}
    keyed = objs.assign(_pos=[position.get(int(u), len(position)) for u in objs["unit_id"]])
    return keyed.sort_values(["_pos", "objective_id"], kind="stable").drop(columns="_pos").reset_index(drop=True)


GOALPOST_COLUMNS = ["kr_id", "kr_title", "objective_title", "unit_name", "change", "changed_on", "reason"]


def goalpost_rows(changes: pd.DataFrame, key_results: pd.DataFrame) -> pd.DataFrame:
    """The key results whose goalposts moved, one row each (its latest change, in words), in
    ``key_results``' order. ``changes`` is :func:`okrdata.history.goalpost_changes`."""
    marks = attention.goalpost_marks(changes)
    if not marks or key_results.empty:
        return pd.DataFrame(columns=GOALPOST_COLUMNS)
    latest = changes.drop_duplicates("kr_id").set_index("kr_id")
    moved = key_results[key_results["kr_id"].astype(int).isin(marks)]
    return pd.DataFrame(
        {
            "kr_id": moved["kr_id"].astype(int),
            "kr_title": moved["title"].astype(str),
            "objective_title": moved["objective_title"].astype(str),
            "unit_name": moved["unit_name"].astype(str),
            "change": [marks[int(k)].removeprefix("Goalposts moved: ") for k in moved["kr_id"]],
            "changed_on": [wording.day(latest.loc[k, "changed_at"]) for k in moved["kr_id"]],
            "reason": [shorten(latest.loc[k, "reason"]) for k in moved["kr_id"]],
        },
        columns=GOALPOST_COLUMNS,
    ).reset_index(drop=True)


def kpis_needing_attention(kpis: pd.DataFrame) -> pd.DataFrame:
    """The KPIs that are not healthy or are overdue, worst health first, then by unit and name."""
    if kpis.empty:
        return kpis
    trouble = kpis[(kpis["health"] != kpi_rules.HEALTHY) | kpis["overdue"].astype(bool)].copy()
    rank = {h: i for i, h in enumerate(kpi_rules.HEALTH_STATES)}
    trouble["_rank"] = [rank.get(h, len(rank)) for h in trouble["health"]]
    trouble["_fresh"] = ~trouble["overdue"].astype(bool)
    trouble = trouble.sort_values(["_rank", "_fresh", "unit_name", "name"], kind="stable")
    return trouble.drop(columns=["_rank", "_fresh"]).reset_index(drop=True)


def from_frames(
    *,
    cycle: dict,
    headline: dict,
    objectives: pd.DataFrame,
    key_results: pd.DataFrame,
    history: pd.DataFrame,
    kpis: pd.DataFrame,
    units: pd.DataFrame,
    company: str,
    unit_id: int | None,
    unit_name: str,
    today: dt.date,
    demo: bool = False,
    goalposts: pd.DataFrame | None = None,
) -> Report:
    """A :class:`Report` from frames already read (the page passes its cached readers' results).

    ``headline`` is :func:`okrdata.queries.cycle_summary`, ``objectives`` and ``key_results``
    the cycle's :func:`~okrdata.queries.objectives` and :func:`~okrdata.queries.key_results`
    for the unit's branch, ``history`` its :func:`~okrdata.queries.checkin_history`, ``kpis``
    :func:`~okrdata.queries.kpis` of the same branch, ``units`` :func:`~okrdata.queries.units`,
    ``goalposts`` the key results' :func:`~okrdata.history.goalpost_changes` (none when not given).
    """
    goalposts = pd.DataFrame(columns=["kr_id"]) if goalposts is None else goalposts
    ordered = _outline_order(objectives, units)
    risks, risk_total = attention.needing_attention(key_results, limit=TOP_RISKS)
    risks = attention.with_goalposts(risks, goalposts)
    shown = ordered.head(OBJECTIVES_LIMIT)
    reflected = shown["reflection"].fillna("").astype(str).str.strip() != ""
    if cycle["state"] != "closed":
        reflected = reflected & False
    # At close, an objective's reflection is its learning; its check-in notes speak for the others.
    learnings = pick_learnings(shown[~reflected], history)
    reflections = shown[reflected]
    reflections = pd.DataFrame(
        {
            "objective_id": reflections["objective_id"].astype(int),
            "objective_title": reflections["title"].astype(str),
            "unit_name": reflections["unit_name"].astype(str),
            "reflection": [shorten(t, 2 * NOTE_CHARS) for t in reflections["reflection"]],
        }
    ).reset_index(drop=True)
    trouble = kpis_needing_attention(kpis)
    notes = []
    if len(ordered) > OBJECTIVES_LIMIT:
        more = len(ordered) - OBJECTIVES_LIMIT
        notes.append(
            f"{wording.plural(more, 'more objective')} {'is' if more == 1 else 'are'} not listed: "
            "make a summary per unit to see them."
        )
    status_notes = attention.objective_bases(shown, key_results)
    return Report(
        company=company,
        unit_id=unit_id,
        unit_name=unit_name,
        cycle=dict(cycle),
        today=today,
        headline=headline,
        objectives=shown.reset_index(drop=True),
        objective_total=len(ordered),
        risks=risks,
        risk_total=risk_total,
        kr_total=len(key_results),
        learnings=learnings,
        reflections=reflections,
        kpi_counts=kpi_rules.summary(kpis),
        kpis=trouble.head(KPIS_LIMIT).reset_index(drop=True),
        kpi_trouble_total=len(trouble),
        demo=demo,
        notes=notes,
        goalposts=goalpost_rows(goalposts, key_results),
        status_notes=status_notes,
    )


def build(db: sqlite_utils.Database, cycle_id: int, unit_id: int | None = None, today: dt.date | None = None) -> Report:
    """The executive summary of a cycle for a unit's branch (the whole company when ``unit_id`` is None).

    Raises KeyError for a cycle or unit that does not exist.
    """
    today = today or dt.date.today()
    cyc = queries.cycle(db, cycle_id)
    if cyc is None:
        raise KeyError(f"no cycle with id {cycle_id}")
    # Archived units too: their objectives keep their place in the outline, as in every figure.
    units = queries.units(db, include_archived=True)
    roots = units[units["depth"] == 0]
    company = str(roots["name"].iloc[0]) if not roots.empty else "Company"
    if unit_id is None:
        unit_name = "whole company"
    else:
        match = units[units["id"] == unit_id]
        if match.empty:
            raise KeyError(f"no unit with id {unit_id}")
        unit_name = str(match["name"].iloc[0])
        if int(unit_id) == int(roots["id"].iloc[0]):
            unit_id, unit_name = None, "whole company"  # the company's branch is the whole company
    krs = queries.key_results(db, cycle_id, unit_id, today)
    objs = queries.objectives(db, cycle_id, unit_id, today, krs=krs)
    return from_frames(
        cycle=cyc,
        headline=queries.cycle_summary(db, cycle_id, unit_id, today, objs=objs, krs=krs),
        objectives=objs,
        key_results=krs,
        history=queries.checkin_history(db, cycle_id, unit_id),
        kpis=queries.kpis(db, unit_id, today),
        units=units,
        company=company,
        unit_id=unit_id,
        unit_name=unit_name,
        today=today,
        demo=queries.is_demo(db),
        goalposts=goalpost_changes(db, [int(i) for i in krs["kr_id"]]),
    )
