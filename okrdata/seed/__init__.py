"""The demo organisation: read from the data files in ``seed/`` and written through ``okrdata.writes``.

The files describe Northwind Labs (people, units, KPIs, two cycles of OKRs) with every date
relative to the day of loading, so the demo always looks like a company eight weeks into its
quarter. Weekly check-ins and KPI readings are not listed one by one: each key result and KPI
gives a trajectory (a shape, where it ends, a confidence path, a few notes of its own) and
:func:`load_demo` generates the rows from it deterministically, so two loads on the same day
give the same database.

Everything goes through the validated write functions, inside one transaction: the demo
loads whole or not at all. The only direct updates are the ones no write function covers on
purpose: scores and reflections of the closed cycle (written after it closes, as the Review
page would) and the timestamps of generated rows (stamped on the day they describe rather
than the second they were loaded).

Where things live (every public name is exported here, so ``seed.load_demo`` works):
:mod:`~okrdata.seed.data_files` (reading the files; cycle dates and names),
:mod:`~okrdata.seed.trajectories` (the planned check-ins and KPI readings),
:mod:`~okrdata.seed.notes` (their notes, and values as a person writes them) and
:mod:`~okrdata.seed.loader` (the load itself, and the row counts).
"""

from __future__ import annotations

from okrdata.seed.data_files import SEED_DIR, cycle_names, cycle_span, quarter_name, read_seed, seed_dir
from okrdata.seed.loader import COUNTED_TABLES, DEMO_ACCOUNTS, is_empty, load_demo, table_counts
from okrdata.seed.notes import NOTE_SILENCE, format_amount, format_value, write_notes
from okrdata.seed.trajectories import (
    SHAPES,
    WEEK,
    PlannedCheckin,
    confidence_path,
    default_decimals,
    frequency_days,
    kpi_reading_plan,
    plan_checkins,
)

__all__ = [
    "COUNTED_TABLES",
    "DEMO_ACCOUNTS",
    "NOTE_SILENCE",
    "SEED_DIR",
    "SHAPES",
    "WEEK",
    "PlannedCheckin",
    "confidence_path",
    "cycle_names",
    "cycle_span",
    "default_decimals",
    "format_amount",
    "format_value",
    "frequency_days",
    "is_empty",
    "kpi_reading_plan",
    "load_demo",
    "plan_checkins",
    "quarter_name",
    "read_seed",
    "seed_dir",
    "table_counts",
    "write_notes",
]
