"""The cached readers of the KRs vs KPIs page: what it shows for a cycle and a unit's branch
(sections, counts, warnings, the table of linked pairs) and the KPIs' charts as finished specs.

They are declared with :func:`ui.data.reader`, so all of it is worked out once per scope and
change of the data and shared by every session: a rerun after a click only lays it out, however
large the organisation. Each chart is a Vega-Lite spec (:func:`ui.kpi_charts.kpi_chart`) whose
data is already in Arrow, the form Streamlit sends it in, kept by what it draws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd

from okrdata import kpis as K
from ui import badges, charts, data, tables
from ui.kpi_charts import health_label, kpi_chart, target_text


class KpiView(NamedTuple):
    """What the KRs vs KPIs page shows for a cycle and a unit's branch, before the charts."""

    counts: dict[str, int]
    """:func:`okrdata.kpis.summary` of the branch's KPIs."""
    pairs: dict[str, int]
    """:func:`okrdata.kpis.pair_counts` over every section."""
    sections: list[K.UnitSection]
    """Every unit of the branch with key results or KPIs (:func:`okrdata.kpis.sections`)."""
    warnings: list[tuple[str, K.Divergence, dict, dict]]
    """The first warnings, in section order: (unit name, the warning, its key result, its KPI)."""
    empty_units: list[str]
    """Names of the branch's units with neither key results nor KPIs."""
    pair_rows: pd.DataFrame
    """Every key result measured by a KPI, beside it, as a display table (:func:`pair_table`)."""
    section_rows: dict[int, list[dict]]
    """The rows of ``pair_rows`` by unit (:func:`section_pairs`), kept to patch the table."""


def _branch_units(unit_id: int | None) -> pd.DataFrame:
    units = data.units()
    if unit_id is not None:
        units = units[units["id"].isin(set(data.subtree_ids(unit_id)))]
    return units


def _view(
    counts: dict[str, int],
    sections: list[K.UnitSection],
    listed: int,
    empty: list[str],
    rows: dict[int, list[dict]],
) -> KpiView:
    warnings = []
    for section in sections:
        for pair in section.pairs:
            by_id = {int(kr["kr_id"]): kr for kr in pair.krs}
            warnings.extend((section.name, w, by_id[w.kr_id], pair.kpi) for w in pair.warnings)
        if len(warnings) >= listed:
            break
    table = _pair_frame([row for s in sections for row in rows[s.unit_id]])
    return KpiView(counts, K.pair_counts(sections), sections, warnings[:listed], empty, table, rows)


def _patch_page_view(
    stale: KpiView, versions_then: Mapping[str, Any], now: Mapping[str, Any], cycle_id: int | None, *args: Any
) -> KpiView | None:
    # No cycle yet: nothing a check-in could change, so anything that moved builds afresh.
    return None if cycle_id is None else _patch_sections(stale, versions_then, now, cycle_id, *args)


@data.after_checkins
def _patch_sections(
    stale: KpiView, changed: set[int], cycle_id: int, unit_id: int | None, listed: int
) -> KpiView | None:
    # A check-in moves its key result's figures: only the sections that show that key result
    # (its unit's, and the unit's whose KPI it is measured by) are worked out again.
    krs = data.key_results(cycle_id, unit_id)
    moved = krs[krs["kr_id"].isin(changed)]
    if moved.empty:
        return stale
    all_kpis = data.kpis(None)
    measured = set(moved["kpi_id"].dropna().astype(int))
    shown = {s.unit_id for s in stale.sections}
    affected = set(moved["unit_id"].astype(int)) | set(all_kpis.loc[all_kpis["kpi_id"].isin(measured), "unit_id"])
    affected = {int(u) for u in affected} & shown
    their_kpis = set(all_kpis.loc[all_kpis["unit_id"].isin(affected), "kpi_id"].astype(int))
    units = _branch_units(unit_id)
    fresh = {
        s.unit_id: s
        for s in K.sections(
            units[units["id"].isin(affected)],
            krs[krs["unit_id"].isin(affected) | krs["kpi_id"].isin(their_kpis)],
            all_kpis,
        )
    }
    if set(fresh) != affected:
        return None
    rows = dict(stale.section_rows)
    rows.update({u: section_pairs(s) for u, s in fresh.items()})
    sections = [fresh.get(s.unit_id, s) for s in stale.sections]
    return _view(stale.counts, sections, listed, stale.empty_units, rows)


# Shared, not copied: a large branch's sections take longer to copy out of the cache than the
# page takes to lay them out. Read it, never change it.
@data.reader(reads=(), shared=True, patch=_patch_page_view)
def page_view(cycle_id: int | None, unit_id: int | None, listed: int) -> KpiView:
    """The sections, counts and first ``listed`` warnings of a cycle (None: no cycle yet) for a
    unit's branch (None: the whole company), from the cached readers; cached like them, and
    shared by every session without a copy. After check-ins, the sections showing the key
    results concerned are worked out again, the others kept."""
    scope_kpis = data.kpis(unit_id)
    all_kpis = data.kpis(None) if unit_id is not None else scope_kpis
    krs = (
        data.key_results(cycle_id, unit_id)
        if cycle_id is not None
        else pd.DataFrame(columns=["kr_id", "unit_id", "kpi_id"])
    )
    units = _branch_units(unit_id)
    sections = K.sections(units, krs, all_kpis)
    with_rows = {s.unit_id for s in sections}
    empty = [str(n) for i, n in zip(units["id"], units["name"]) if int(i) not in with_rows]
    return _view(K.summary(scope_kpis), sections, listed, empty, {s.unit_id: section_pairs(s) for s in sections})


CHECK = "⚠️ Check"
"""The mark of a linked pair whose key result looks fine while its KPI is in trouble."""
PAIR_COLUMNS = ["Check", "Key result", "Status", "Progress", "KPI", "Health", "Latest", "Target", "Unit"]


def section_pairs(section: K.UnitSection) -> list[dict]:
    """A section's linked pairs as rows of :func:`pair_table`, one per key result, in its order."""
    rows = []
    for pair in section.pairs:
        flagged = {w.kr_id for w in pair.warnings}
        kpi = pair.kpi
        label = kpi.get("unit_label") or ""
        for kr in pair.krs:
            progress = kr.get("progress")
            rows.append(
                {
                    "Check": CHECK if int(kr["kr_id"]) in flagged else "",
                    "Key result": str(kr["title"]),
                    "Status": badges.cell(kr["status"]),
                    "Progress": None if progress is None or pd.isna(progress) else float(progress) * 100,
                    "KPI": str(kpi["name"]),
                    "Health": health_label(kpi["health"]),
                    "Latest": badges.number(kpi.get("last_value"), label),
                    "Target": target_text(kpi),
                    "Unit": section.name,
                }
            )
    return rows


def _pair_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    return frame.sort_values("Check", ascending=False, kind="stable").reset_index(drop=True)


@data.reader(reads=())
def pair_list(cycle_id: int | None, unit_id: int | None, listed: int) -> list[str]:
    """The first :data:`ui.tables.ROW_LIMIT` rows of the view's ``pair_rows`` as a phone's list
    items (:func:`ui.tables.phone_items`), worked out once per change of the view."""
    rows = page_view(cycle_id, unit_id, listed).pair_rows.head(tables.ROW_LIMIT)
    return tables.phone_items(
        rows,
        "Key result",
        ["Check", "Status", "Progress"],
        [("KPI", "KPI"), "Health", ("Latest", "latest"), "Target", "Unit"],
    )


def pair_table(sections: list[K.UnitSection]) -> pd.DataFrame:
    """Every linked pair as one row per key result beside its KPI, those to check first, then in
    the sections' order: check mark, key result, status, progress (percent), KPI, health, latest
    reading, target and unit."""
    return _pair_frame([row for s in sections for row in section_pairs(s)])


@data.reader(reads=(), max_entries=256)
def _kpi_spec(
    kpi: Mapping[str, Any], points: pd.DataFrame, since: dt.date, until: dt.date, cycle: Mapping[str, Any] | None
) -> dict:
    # Keyed by what the chart draws, not by the data's versions: a check-in or an edit elsewhere
    # leaves a KPI's chart as it was, and building a dozen of them takes most of a second.
    return charts.spec(kpi_chart(kpi, points, since, until, cycle))


def drawn(view: KpiView, unit_ids: tuple[int, ...]) -> K.Limited:
    """The sections of ``view`` for these units, cut to :data:`okrdata.kpis.MAX_CHARTS` charts
    (:func:`okrdata.kpis.limit`)."""
    chosen = set(unit_ids)
    return K.limit([s for s in view.sections if s.unit_id in chosen], max_units=len(chosen) or 1)


def kpi_ids(limited: K.Limited) -> tuple[int, ...]:
    """The KPIs whose charts the sections drawn show, in order."""
    ids = [int(p.kpi["kpi_id"]) for s in limited.sections for p in s.pairs]
    ids += [int(k["kpi_id"]) for s in limited.sections for k in s.kpis]
    return tuple(dict.fromkeys(ids))


@data.reader(reads=("kpis", "today"))
def chart_specs(kpi_ids: tuple[int, ...], months: int, cycle_id: int | None) -> dict[int, dict | None]:
    """The chart of each of these KPIs over the last ``months`` (readings thinned by
    :func:`okrdata.kpis.series`), with the cycle shaded, as :func:`ui.charts.spec` specs by KPI
    id; None for a KPI without readings in that window. Cached like the readers: a check-in
    leaves them as they are."""
    every = data.kpis(None)
    rows = every[every["kpi_id"].isin(list(kpi_ids))].to_dict("records")
    by_id = {int(k["kpi_id"]): k for k in rows}
    shown = {int(kid): by_id[int(kid)] for kid in kpi_ids if int(kid) in by_id}
    today = data.today()
    since = K.window_start(today, months)
    readings = (
        data.kpi_readings(sorted(shown), since) if shown else pd.DataFrame(columns=["kpi_id", "reading_date", "value"])
    )
    series = K.series(readings, set(shown))
    cycle = data.cycle(cycle_id) if cycle_id is not None else None
    specs: dict[int, dict | None] = {}
    for kid, kpi in shown.items():
        points = series.get(kid, pd.DataFrame())
        specs[kid] = _kpi_spec(kpi, points, since, today, cycle) if len(points) else None
    return specs
