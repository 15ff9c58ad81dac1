"""The cached readers of the Confidence trends page: a cycle's weekly figures, and what the page
draws from them (a series with its forecast and charts, the heat map, the status mix).

Each is declared with :func:`ui.data.reader`, so it is worked out once per change of the data
it was built from and shared by every session. :func:`trends` reads the cycle's frames through
:mod:`ui.data` and holds every weekly figure (:func:`okrdata.trends.build`); after check-ins it
is patched, key result by key result, rather than worked out again. The views below read
nothing themselves (``reads=()``): they follow :func:`trends` and the plan.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from okrdata import queries as q
from okrdata import trends as tr
from okrdata import trends_breakdown as tb
from ui import data
from ui import trend_charts as tc


@data.after_checkins
def _patch_trends(stale: tr.Trends, changed: set[int], cycle_id: int, unit_id: int | None = None) -> tr.Trends | None:
    # Only the rows of the key results whose check-ins changed are worked out again, from their
    # own check-ins and figures: the cycle's whole frames are neither read nor copied.
    krs = stale.krs
    mine = changed & {int(i) for i in krs["kr_id"]}
    if not mine:
        return stale
    touched = sorted({int(i) for i in krs.loc[krs["kr_id"].isin(mine), "objective_id"]})
    on = data.today()
    with data.opened() as db:
        checkins = q.checkin_history(db, int(cycle_id), unit_id, sorted(mine))
        figures = q.key_results(db, int(cycle_id), unit_id, on, objective_ids=touched)
    kr_weekly = data.replace_blocks(
        stale.kr_weekly, tr.kr_weeks(krs[krs["kr_id"].isin(mine)], checkins, stale.cycle, on), "kr_id", mine
    )
    if kr_weekly is None:
        return None
    objective_weekly = data.replace_blocks(
        stale.objective_weekly,
        tr.objective_weeks(
            kr_weekly[kr_weekly["objective_id"].isin(touched)],
            stale.objectives[stale.objectives["objective_id"].isin(touched)],
            stale.cycle,
            on,
        ),
        "objective_id",
        touched,
    )
    if objective_weekly is None:
        return None
    return tr.patch(stale, figures[figures["kr_id"].isin(mine)], kr_weekly, objective_weekly, checkins, mine)


# Shared, not copied: the weekly frames of a large organisation take longer to copy out of the
# cache than a page takes to draw.
@data.reader(reads=("cycle", "plan", "today"), shared=True, max_entries=4, patch=_patch_trends)
def trends(cycle_id: int, unit_id: int | None = None) -> tr.Trends:
    """Every weekly figure of a cycle for a unit's branch (:func:`okrdata.trends.build`).

    Shared by every session without a copy: read it, never change it."""
    krs = data.key_results(cycle_id, unit_id)
    objs = data.objectives(cycle_id, unit_id)
    history = data.checkin_history(cycle_id, unit_id)
    return tr.build(data.cycle(int(cycle_id)), krs, objs, history, data.today())


@data.reader(reads=())
def breakdown(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """The rows of the weekly heat map of a unit's branch (:func:`okrdata.trends_breakdown.breakdown_rows`):
    its child units, or a team's objectives. They follow the plan, so a check-in leaves them."""
    # Every unit, archived ones too: archiving hides a unit from pickers, never from the figures.
    return tb.breakdown_rows(data.units(include_archived=True), data.objective_rows(cycle_id, unit_id), unit_id)


class View(NamedTuple):
    """A weekly series as the page shows it: its figures, its forecast and its two charts."""

    series: pd.DataFrame
    """Week by week (:data:`okrdata.trends.SERIES_COLUMNS`, or a key result's rows)."""
    projected: float | None
    """The forecast score at the cycle's end; None without one."""
    used: bool
    """Whether any key result's forecast fed ``projected``."""
    progress: dict
    """The progress chart's spec (:func:`ui.trend_charts.series_specs`)."""
    confidence: dict | None
    """The confidence chart's spec; None when there is no confidence to draw."""
    forecast_drawn: bool


def _view(
    t: tr.Trends,
    series: pd.DataFrame,
    projected: float | None,
    used: bool,
    title: str,
    unit_label: str | None = None,
) -> View:
    specs = tc.series_specs(series, t.expected, projected if used else None, t.cycle, title, unit_label)
    return View(series, projected, used, *specs)


@data.reader(reads=())
def unit_view(cycle_id: int, unit_id: int | None = None) -> View:
    """The whole branch's series (every objective, each counted once), forecast and charts."""
    t = trends(cycle_id, unit_id)
    return _view(t, t.unit(), *t.unit_projected(), "Mean confidence of the key results")


@data.reader(reads=())
def objective_view(cycle_id: int, unit_id: int | None, objective_id: int) -> View:
    """One objective's series, forecast and charts."""
    t = trends(cycle_id, unit_id)
    return _view(
        t, t.objective(objective_id), *t.objective_projected(objective_id), "Mean confidence of its key results"
    )


@data.reader(reads=())
def kr_view(cycle_id: int, unit_id: int | None, kr_id: int, unit_label: str) -> View:
    """One key result's series (with its check-ins' notes), forecast and charts; ``unit_label``
    writes its values."""
    t = trends(cycle_id, unit_id)
    projected = t.kr_projected(kr_id)
    return _view(t, t.kr(kr_id), projected, projected is not None, "Confidence, week by week", unit_label)


class HeatMap(NamedTuple):
    """The heat map of a unit's branch: its spec and what its rows are."""

    spec: dict
    rows: tb.Shown


@data.reader(reads=())
def heat_map(cycle_id: int, unit_id: int | None = None) -> HeatMap | None:
    """The confidence of each row of the branch (:func:`breakdown`) week by week, at most
    :data:`okrdata.trends_breakdown.MAX_ROWS` rows and 4,500 cells; None with nothing to draw."""
    t, rows = trends(cycle_id, unit_id), breakdown(cycle_id, unit_id)
    cells = tb.heatmap(t.objective_weekly, t.kr_weekly, rows, max_cells=tc.MAX_POINTS - 500, max_rows=tb.MAX_ROWS)
    if cells.empty:
        return None
    shown = tb.shown(rows, cells)
    title = f"Mean confidence of each {shown.kind}'s key results"
    return HeatMap(tc.heatmap_spec(cells, t.weeks, title, row_title=shown.kind.title()), shown)


@data.reader(reads=())
def status_mix(cycle_id: int, unit_id: int | None = None) -> dict | None:
    """The key results of the branch by status at each week's end, as a spec; None with none."""
    t = trends(cycle_id, unit_id)
    frame = tb.status_mix(t.kr_weekly)
    return None if frame.empty else tc.status_mix_spec(frame, t.weeks, "Status of the key results at each week's end")
