"""Writing a generated organisation: the planned rows bulk-inserted with sqlite-utils
``insert_all`` in batches, inside one transaction, reporting progress as rows are written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

import sqlite_utils

from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.schema import migrate
from okrdata.seed import is_empty, table_counts
from okrdata.synth.plan import _Plan
from okrdata.writes import SYSTEM, set_setting

Progress = Callable[[int, int], Any]
BATCH = 5_000


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


class _Writer:
    """Bulk-inserts rows in batches and reports progress as rows are written."""

    def __init__(self, db: sqlite_utils.Database, total: int, progress: Progress | None):
        self.db = db
        self.total = total
        self.done = 0
        self.progress = progress

    def insert(self, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
        for batch in _batches(rows, BATCH):
            # List mode (column names first, then tuples) skips building a dict per row.
            self.db[table].insert_all([columns, *batch], batch_size=BATCH)
            self.done += len(batch)
            if self.progress is not None:
                self.progress(self.done, self.total)


def synthesize(
    db: sqlite_utils.Database,
    scale: int,
    today: dt.date | None = None,
    progress: Progress | None = None,
    seed: int = 20240501,
) -> dict[str, int]:
    """Fill an empty database with a generated organisation ``scale`` times the demo's size.

    Eight quarterly cycles (seven closed with scores and reflections, the last active and eight
    weeks in before ``today``), weekly check-ins across all of them and two years of KPI
    readings. ``progress(done, total)`` is called after each batch of rows written. Returns
    the row counts of the main tables. Refused with ``ValidationError`` when the database
    already holds an organisation; the settings ``demo`` = ``"1"`` and ``synthetic`` = the
    scale mark the result as not real.
    """
    if not isinstance(scale, int) or isinstance(scale, bool) or not 1 <= scale <= 1000:
        raise ValidationError("scale", f"must be a whole number from 1 to 1000; got {scale!r}.")
    today = today or dt.date.today()
    migrate(db)
    plan = _Plan(scale, today, seed)
    small = [plan.people, plan.units, plan.person_units, plan.kpis, plan.cycles, plan.objectives, plan.key_results]
    total = sum(len(rows) for rows in small) + plan.checkin_count() + plan.kpi_reading_count()
    with transaction(db):
        if not is_empty(db):
            raise ValidationError("database", "already holds an organisation; synthesize into an empty database.")
        writer = _Writer(db, total, progress)
        writer.insert("people", ["id", "name", "email", "role", "password_hash", "archived"], plan.people)
        writer.insert("units", ["id", "name", "parent_id", "lead_id", "description", "archived"], plan.units)
        writer.insert("person_units", ["person_id", "unit_id"], plan.person_units)
        writer.insert(
            "kpis",
            [
                "id",
                "unit_id",
                "name",
                "unit_label",
                "target_type",
                "target",
                "warning",
                "frequency_days",
                "description",
                "archived",
            ],
            plan.kpis,
        )
        writer.insert(
            "kpi_readings",
            ["id", "kpi_id", "reading_date", "value", "author_id", "created_at"],
            plan.kpi_reading_rows(),
        )
        writer.insert("cycles", ["id", "name", "start_date", "end_date", "state"], plan.cycles)
        writer.insert(
            "objectives",
            [
                "id",
                "cycle_id",
                "unit_id",
                "title",
                "description",
                "owner_id",
                "kind",
                "parent_objective_id",
                "parent_kr_id",
                "weight",
                "state",
                "score",
                "score_reason",
                "reflection",
            ],
            plan.objectives,
        )
        writer.insert(
            "key_results",
            [
                "id",
                "objective_id",
                "title",
                "kr_type",
                "baseline",
                "target",
                "unit_label",
                "weight",
                "owner_id",
                "kpi_id",
                "cadence_days",
                "archived",
            ],
            plan.key_results,
        )
        writer.insert(
            "checkins",
            [
                "id",
                "kr_id",
                "checkin_date",
                "value",
                "confidence",
                "note",
                "author_id",
                "created_at",
                "updated_at",
                "version",
                "deleted",
            ],
            plan.checkin_rows(),
        )
        set_setting(db, "demo", "1", person=SYSTEM)
        set_setting(db, "synthetic", str(scale), person=SYSTEM)
    return table_counts(db)
