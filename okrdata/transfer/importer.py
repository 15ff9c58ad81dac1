"""The import: several tables (sheets or files), each in the layout its columns show, read and
written as one, in one transaction (:func:`import_tables`); one table (:func:`import_okrs`), a
dry run (:func:`check_import`), any file including a full export (:func:`import_file`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlite_utils

from okrdata import schema, wording, writes
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.transfer.base import _COUNTED, _LAYOUT_COUNTS, _Run
from okrdata.transfer.checkins import _CheckinImporter
from okrdata.transfer.columns import _Columns, _rows, map_columns
from okrdata.transfer.full import _check_full_target, full_import, read_full_export
from okrdata.transfer.kpis import _KpiImporter, _ReadingImporter
from okrdata.transfer.layouts import LAYOUT_NAMES
from okrdata.transfer.okrs import _OkrImporter
from okrdata.transfer.people import _PeopleImporter
from okrdata.transfer.reading import _read_source, file_kind, read_tables
from okrdata.transfer.results import ImportRefused, ImportReport, Problem, Progress


class _Rollback(Exception):
    """Raised inside the import's transaction to undo it (a dry run, or problems found)."""


_IMPORTERS = {
    "okrs": _OkrImporter,
    "checkins": _CheckinImporter,
    "people": _PeopleImporter,
    "kpis": _KpiImporter,
    "kpi_readings": _ReadingImporter,
}


def _where(table: pd.DataFrame) -> str:
    """How a report names a table: its sheet, else its file."""
    return str(table.attrs.get("sheet") or table.attrs.get("filename") or "the file")


def import_tables(
    db: sqlite_utils.Database,
    tables: list[pd.DataFrame],
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    person: writes.Actor,
    into_closed: bool = False,
) -> ImportReport:
    """Import several tables (the sheets of a workbook, or several files) as one import, in one
    transaction: all of it or, when any row of any table has a problem, nothing.

    Each table is read in the layout its columns show (:func:`recognise_layout`); they are
    imported in the order their contents need, whatever order they come in: cycles and units
    (OKR layout), people, KPIs, objectives and key results, the check-in history, the OKR
    layout's current values (a current value the history holds already is not added again),
    KPI readings, scores; then the cycles the file closes are closed. ``into_closed`` lets the
    import write into cycles that are closed (history during a migration): each is opened for
    the import and closed again at its end, which only an admin may. Other arguments as for
    :func:`import_okrs`.
    """
    today = today or dt.date.today()
    several = len(tables) > 1
    prepared: list[tuple[pd.DataFrame, _Columns, list[tuple[int, dict]]]] = []
    problems: list[Problem] = []
    for table in tables:
        columns, found = map_columns(table.columns, table.attrs.get("header_row", 1))
        rows = _rows(table, columns)
        sheet = _where(table) if several else None
        problems += [Problem(p.row, p.column, p.message, sheet) for p in found]
        prepared.append((table, columns, rows))
    total_rows = sum(len(rows) for _, _, rows in prepared)
    if not total_rows and not problems:
        # An empty sheet beside others is read as empty; a file with nothing to import is a mistake.
        problems.append(Problem(None, "", "has no rows below its header."))
    if problems:
        raise ImportRefused(problems, total_rows)
    run = _Run(db, today, person, progress, total_rows, into_closed)
    importers = [
        _IMPORTERS[columns.layout](run, columns, rows, _where(table) if several else None)
        for table, columns, rows in prepared
    ]
    of = lambda kind: [i for i in importers if isinstance(i, kind)]
    try:
        with transaction(db):
            for step in (
                *[i.prepare for i in of(_OkrImporter)],
                *[i.frame for i in of(_OkrImporter)],
                *[i.run_people for i in of(_PeopleImporter)],
                *[i.leads for i in of(_OkrImporter)],
                *[i.run_kpis for i in of(_KpiImporter)],
                *[i.okrs for i in of(_OkrImporter)],
                *[i.run_checkins for i in of(_CheckinImporter)],
                *[i.values for i in of(_OkrImporter)],
                *[i.run_readings for i in of(_ReadingImporter)],
                *[i.scores for i in of(_OkrImporter)],
                *[i.finish for i in of(_PeopleImporter)],
                *[i.ignored_columns for i in of(_OkrImporter)],
            ):
                step()
            if not run.problems:
                run.close_cycles()
            if run.problems or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if run.problems:
        # In the order a reader meets them: by table, by row, then from left to right.
        order = {(_where(t) if several else None): i for i, (t, _, _) in enumerate(prepared)}
        position = {
            (_where(t) if several else None): {str(c): i for i, c in enumerate(t.columns)} for t, _, _ in prepared
        }
        ordered = sorted(
            run.problems,
            key=lambda p: (order.get(p.sheet, 0), p.row or 0, position.get(p.sheet, {}).get(p.column, 10**6)),
        )
        raise ImportRefused(ordered, total_rows)
    layouts = list(dict.fromkeys(columns.layout for _, columns, _ in prepared))
    counted_tables = set().union(*(_LAYOUT_COUNTS[layout] for layout in layouts))
    counts = {k: run.counts[k] for k in _COUNTED if k in counted_tables}
    read = [
        f"{_where(table)}: read as {LAYOUT_NAMES[columns.layout]}, because {columns.why}; "
        f"{wording.plural(len(rows), 'row')}."
        for table, columns, rows in prepared
    ]
    for table in tables:
        for name in table.attrs.get("skipped", []):
            line = f"Sheet {name!r}: not read; no row of its first 30 names two columns an import knows."
            if line not in read:
                read.append(line)
    return ImportReport("+".join(layouts), total_rows, counts, run.notes, dry_run, read)


def import_okrs(
    db: sqlite_utils.Database,
    table: pd.DataFrame,
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    person: writes.Actor,
    into_closed: bool = False,
) -> ImportReport:
    """Import a table in any layout (told by its columns): the OKR layout, the check-in layout,
    or the KPI, KPI reading or people layouts.

    Every row is read and written through :mod:`okrdata.writes` inside one transaction;
    existing cycles, units, people (by e-mail or name), objectives (by cycle, unit and title)
    and key results (by objective and title) are reused, names compared regardless of case and
    of how spaces are written. When any row has a problem, the transaction is rolled back and
    :class:`ImportRefused` lists every problem found; with ``dry_run`` it is rolled back anyway
    and the report says what would have been added. ``progress(done, total)`` is called per
    row; ``person`` is who imports (checked by the writes: a lead may write only to the units
    they lead, and records check-ins in their own name; an admin or
    :data:`okrdata.writes.SYSTEM`, the command line's, may name other authors in an Author
    column); ``today`` dates current values that have no As of date; ``into_closed``: see
    :func:`import_tables`.
    """
    return import_tables(
        db, [table], progress=progress, dry_run=dry_run, today=today, person=person, into_closed=into_closed
    )


def check_import(
    db: sqlite_utils.Database, table: pd.DataFrame, *, today: dt.date | None = None, person: writes.Actor
) -> list[Problem]:
    """Every problem an import of ``table`` would meet (empty when it would go through); writes nothing."""
    try:
        import_okrs(db, table, dry_run=True, today=today, person=person)
    except ImportRefused as refused:
        return refused.problems
    return []


def import_file(
    db: sqlite_utils.Database,
    source: Any,
    filename: str | None = None,
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    person: writes.Actor,
    sheet: str | None = None,
    into_closed: bool = False,
) -> ImportReport:
    """Import any file this module reads: a spreadsheet (every sheet of a workbook in a layout
    the import knows, or only ``sheet``), or a full export.

    A full export (.json or .zip) goes to :func:`full_import` (an empty database only).
    """
    data, name = _read_source(source, filename)
    if not data.strip():
        raise ValidationError("file", "is empty.")
    schema.migrate(db)
    if file_kind(data, name) in ("json", "zip"):
        if dry_run:
            manifest = read_full_export(data)
            counts = {t: len(spec["rows"]) for t, spec in manifest["tables"].items()}
            _check_full_target(db, manifest)
            return ImportReport("full", sum(counts.values()), counts, [], True)
        counts = full_import(db, data, progress=progress, person=person)
        return ImportReport("full", sum(counts.values()), counts, [], False)
    return import_tables(
        db,
        read_tables(data, name, sheet),
        progress=progress,
        dry_run=dry_run,
        today=today,
        person=person,
        into_closed=into_closed,
    )
