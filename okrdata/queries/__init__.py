"""The read side: every query a page needs, returning pandas DataFrames.

Each query is bounded by what a page shows (one cycle, one unit's branch, some key results),
never by the whole history, and filters on indexed columns; the latest check-in of each key
result is picked by SQLite through the ``(kr_id, deleted, checkin_date, id)`` index rather
than by loading every check-in. The numbers themselves come from :mod:`okrdata.numbers`.

Where things live (every public name is exported here, so ``queries.key_results`` works):

- :mod:`~okrdata.queries.organisation`: cycles, units, people, the date a cycle's figures are
  computed for (:func:`as_of`), a unit's branch, and whether the database holds the demo;
- :mod:`~okrdata.queries.key_result_figures`: key results with every figure, their labels, and
  the check-in history;
- :mod:`~okrdata.queries.rollups`: objectives, each unit's roll-up and the cycle summary;
- :mod:`~okrdata.queries.kpi_figures`: KPIs with their health, and their readings;
- :mod:`~okrdata.queries.frames`: the SQL-to-DataFrame helper they share.
"""

from __future__ import annotations

from okrdata.queries.key_result_figures import KR_COLUMNS, checkin_history, key_result_labels, key_results
from okrdata.queries.kpi_figures import KPI_COLUMNS, kpi_health, kpi_readings, kpis
from okrdata.queries.organisation import (
    UNIT_COLUMNS,
    as_of,
    cycle,
    cycles,
    default_cycle_id,
    is_demo,
    people,
    subtree_ids,
    units,
)
from okrdata.queries.rollups import (
    OBJECTIVE_COLUMNS,
    OBJECTIVE_ROW_COLUMNS,
    cycle_summary,
    objective_rows,
    objectives,
    unit_progress,
)

__all__ = [
    "KPI_COLUMNS",
    "KR_COLUMNS",
    "OBJECTIVE_COLUMNS",
    "OBJECTIVE_ROW_COLUMNS",
    "UNIT_COLUMNS",
    "as_of",
    "checkin_history",
    "cycle",
    "cycle_summary",
    "cycles",
    "default_cycle_id",
    "is_demo",
    "key_result_labels",
    "key_results",
    "kpi_health",
    "kpi_readings",
    "kpis",
    "objective_rows",
    "objectives",
    "people",
    "subtree_ids",
    "unit_progress",
    "units",
]
