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
from ui import badges, charts, data
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


def _branch_units(unit_id: int | None) -> pd.DataFrame:
    units = data.units()
    if unit_id is not None:
        units = units[units["id"].isin(set(data.subtree_ids(unit_id)))]
    return units


@data.reader(reads=())
def page_view(cycle_id: int | None, unit_id: int | None, listed: int) -> KpiView:
    """The sections, counts and first ``listed`` warnings of a cycle (None: no cycle yet) for a
    unit's branch (None: the whole company), from the cached readers; cached like them."""
    scope_kpis = data.kpis(unit_id)
    all_kpis = data.kpis(None) if unit_id is not None else scope_kpis
    krs = (
        data.key_results(cycle_id, unit_id)
        if cycle_id is not None
        else pd.DataFrame(columns=["kr_id", "unit_id", "kpi_id"])
    )
    units = _branch_units(unit_id)
    sections = K.sections(units, krs, all_kpis)
    warnings = []
    for section in sections:
        for pair in section.pairs:
            by_id = {int(kr["kr_id"]): kr for kr in pair.krs}
            warnings.extend((section.name, w, by_id[w.kr_id], pair.kpi) for w in pair.warnings)
        if len(warnings) >= listed:
            break
    with_rows = {s.unit_id for s in sections}
    empty = [str(n) for i, n in zip(units["id"], units["name"]) if int(i) not in with_rows]
    return KpiView(
        K.summary(scope_kpis), K.pair_counts(sections), sections, warnings[:listed], empty, pair_table(sections)
    )


CHECK = "⚠️ Check"
"""The mark of a linked pair whose key result looks fine while its KPI is in trouble."""


def pair_table(sections: list[K.UnitSection]) -> pd.DataFrame:
    """Every linked pair as one row per key result beside its KPI, those to check first, then in
    the sections' order: check mark, key result, status, progress (percent), KPI, health, latest
    reading, target and unit."""
    rows = []
    for section in sections:
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
    frame = pd.DataFrame(
        rows, columns=["Check", "Key result", "Status", "Progress", "KPI", "Health", "Latest", "Target", "Unit"]
    )
    return frame.sort_values("Check", ascending=False, kind="stable").reset_index(drop=True)


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


@data.reader(reads=("today",))
def chart_specs(
    cycle_id: int | None, unit_id: int | None, listed: int, months: int, unit_ids: tuple[int, ...]
) -> dict[int, dict | None]:
    """The chart of every KPI in the sections of ``unit_ids`` (as :func:`drawn` cuts them), over
    the last ``months`` (readings thinned by :func:`okrdata.kpis.series`), as :func:`ui.charts.spec`
    specs by KPI id; None for a KPI without readings in that window. Cached like the readers."""
    view = page_view(cycle_id, unit_id, listed)
    sections = drawn(view, tuple(int(u) for u in unit_ids)).sections
    shown = {int(p.kpi["kpi_id"]): p.kpi for s in sections for p in s.pairs}
    shown.update({int(k["kpi_id"]): k for s in sections for k in s.kpis})
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
