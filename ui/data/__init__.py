"""What the pages read, cached: ``from ui import data`` and then ``data.key_results(...)``,
``data.reader``, ``data.opened`` and so on, whichever module below holds them.

- :mod:`ui.data.database`: opening the database: its path and stamp, a short connection for
  one unit of work (:func:`opened`), the day the figures are computed for (:func:`today`), and
  the one-time init of each process (:func:`ensure_database`, which loads the demo into a
  brand-new file, and :func:`show_problem` when the file cannot be used);
- :mod:`ui.data.cache`: the cached-reader mechanism: :func:`reader` declares a reader, kept until
  the versions of the data it read move (:func:`versions`, :func:`depends`); :func:`builds`
  lists what was built, :func:`clear` forgets it all;
- :mod:`ui.data.patches`: bringing a cycle's frames up to date after check-ins
  (:func:`after_checkins`, :func:`splice`, :func:`replace_blocks`, :func:`replace_rows`);
- :mod:`ui.data.warm`: the server's warmer, which builds again after any write what sessions
  read recently (imported by the server's lifespan, :func:`ui.process.lifespan`);
- :mod:`ui.data.readers`: the readers every page shares (cycles, units, people, a cycle's key
  results, objectives and check-ins, KPIs, the coach's findings, the review's calibration).

A reader is declared once::

    @data.reader(reads=("cycle", "today"))
    def key_results(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
        with data.opened() as db:
            return q.key_results(db, cycle_id, unit_id, today())

and is handed out again until a write (by anyone) moves what it was built from; see
:mod:`ui.data.cache`.
"""

from ui.data.cache import (
    Reader,
    all_readers,
    builds,
    changed_key_results,
    clear,
    depends,
    last_asked,
    reader,
    versions,
)
from ui.data.database import (
    MAX_ENTRIES,
    Stamp,
    _init,  # noqa: F401 - tests/test_processes.py starts processes on it
    ensure_database,
    opened,
    path,
    show_problem,
    stamp,
    today,
)
from ui.data.patches import (
    after_checkins,
    checkins_changed,
    replace_blocks,
    replace_rows,
    splice,
)
from ui.data.readers import (
    calibration,
    checkin_history,
    cycle,
    cycle_summary,
    cycles,
    default_cycle_id,
    is_demo,
    key_result_labels,
    key_results,
    kpi_readings,
    kpis,
    objective_rows,
    objectives,
    people,
    quality_findings,
    scope_choices,
    subtree_ids,
    unit_paths,
    unit_progress,
    units,
)

__all__ = [
    "all_readers",
    "MAX_ENTRIES",
    "Reader",
    "Stamp",
    "after_checkins",
    "builds",
    "calibration",
    "changed_key_results",
    "checkin_history",
    "checkins_changed",
    "clear",
    "cycle",
    "cycle_summary",
    "cycles",
    "default_cycle_id",
    "depends",
    "ensure_database",
    "is_demo",
    "last_asked",
    "key_result_labels",
    "key_results",
    "kpi_readings",
    "kpis",
    "objective_rows",
    "objectives",
    "opened",
    "path",
    "people",
    "quality_findings",
    "reader",
    "replace_blocks",
    "replace_rows",
    "scope_choices",
    "show_problem",
    "splice",
    "stamp",
    "subtree_ids",
    "today",
    "unit_paths",
    "unit_progress",
    "units",
    "versions",
]
