"""Getting OKRs in and out: the spreadsheet layouts, their import and export, and the full export.

The spreadsheet layouts, each told by its columns (:func:`recognise_layout`, which also says
why), and forgiving about how columns are named and values written (``docs/import-format.md``):

- **The OKR layout** (``okrs``): one row per key result, the way a company that has kept its
  OKRs in a shared spreadsheet has them (cycle, unit, objective, key result, type, baseline,
  target, current value, owner, alignment, score and reflection...): :data:`OKR_COLUMNS`.
- **The check-in layout** (``checkins``): one row per check-in (key result, date, value,
  confidence, note, author), for history: :data:`CHECKIN_COLUMNS`.
- **KPIs**, **KPI readings** and **people** (``kpis``, ``kpi_readings``, ``people``):
  :data:`KPI_COLUMNS`, :data:`KPI_READING_COLUMNS`, :data:`PEOPLE_COLUMNS`.

The Excel export holds all five, a sheet each, and comes back whole; several sheets or files
import as one, in the order their contents need (:func:`import_tables`). **The full export**:
every table of the database, as one JSON file or a zip of CSV files, which
:func:`full_import` restores into an empty database exactly as it was.

An import checks every row before anything is kept. Cells are first read into clean values
(numbers with ``%``, thousands separators and decimal commas, dates in the usual ways, type
and kind words); names and titles are compared with spaces collapsed and case folded, so a
file imported twice adds nothing the second time; then every write goes through
:mod:`okrdata.writes`, inside one transaction, so the rules are the writes' own. Any problem,
in any row, rolls the whole transaction back and :class:`ImportRefused` lists them all as
(row, column, message, sheet), with the row number the user sees in their spreadsheet. A dry
run is the same import, always rolled back.

The API the Manage page and the CLI use (every name is exported here, so
``transfer.import_okrs`` works):

- :func:`read_tables` / :func:`read_table` (CSV or Excel, a path, bytes or an uploaded file)
  -> DataFrames; :func:`sheet_names`
- :func:`check_import` -> list of :class:`Problem` (writes nothing)
- :func:`import_tables` / :func:`import_okrs` -> :class:`ImportReport`, or raises :class:`ImportRefused`
- :func:`import_file`: any of the above formats, including a full export, in one call
- :func:`export_okrs`, :func:`export_checkins`, :func:`export_kpis`, :func:`export_kpi_readings`,
  :func:`export_people` -> DataFrame; :func:`export_workbook`; :func:`to_csv_bytes`,
  :func:`to_xlsx_bytes`, :func:`export_okrs_csv`, :func:`export_okrs_xlsx`
- :func:`full_export` -> bytes; :func:`full_import`

Where things live, in the order an import meets them:

- :mod:`~okrdata.transfer.layouts`: the five layouts, their columns and the names they go by;
- :mod:`~okrdata.transfer.reading`: a file (CSV or .xlsx) read into tables;
- :mod:`~okrdata.transfer.columns`: which layout a table is in, and which column is which;
- :mod:`~okrdata.transfer.values`: a cell's value read as people write it (types, kinds,
  roles, people, quarters; numbers and dates are :mod:`okrdata.parsing`'s);
- :mod:`~okrdata.transfer.base`: what every layout's importer shares (one import's state, one
  table's rows and problems);
- :mod:`~okrdata.transfer.okrs` with :mod:`~okrdata.transfer.okr_frame` (cycles, units),
  :mod:`~okrdata.transfer.okr_objectives` and :mod:`~okrdata.transfer.okr_key_results` (key
  results, current values, scores): the OKR layout's importer;
  :mod:`~okrdata.transfer.checkins`, :mod:`~okrdata.transfer.people`,
  :mod:`~okrdata.transfer.kpis` (KPIs and readings): the other layouts';
- :mod:`~okrdata.transfer.importer`: the import itself, every table in one transaction;
- :mod:`~okrdata.transfer.results`: what it gives back (problems, the refusal, the report);
- :mod:`~okrdata.transfer.export`: each layout as a table, the Excel export's sheets;
- :mod:`~okrdata.transfer.sheets`: tables written as CSV or Excel, every cell safe to open;
- :mod:`~okrdata.transfer.full`: the full export and its restore.
"""

from __future__ import annotations

from okrdata.parsing import number_style, parse_confidence, parse_date, parse_number
from okrdata.transfer.columns import detect_layout, map_columns, recognise_layout
from okrdata.transfer.export import (
    export_checkins,
    export_kpi_readings,
    export_kpis,
    export_okrs,
    export_okrs_csv,
    export_okrs_xlsx,
    export_people,
    export_workbook,
    file_slug,
)
from okrdata.transfer.full import full_export, full_import, read_full_export
from okrdata.transfer.importer import check_import, import_file, import_okrs, import_tables
from okrdata.transfer.layouts import (
    CHECKIN_COLUMNS,
    KPI_COLUMNS,
    KPI_READING_COLUMNS,
    LAYOUT_NAMES,
    LAYOUTS,
    OKR_COLUMNS,
    PEOPLE_COLUMNS,
)
from okrdata.transfer.reading import file_kind, read_table, read_tables, sheet_names
from okrdata.transfer.results import ImportRefused, ImportReport, Problem, Progress, counted, problems_frame
from okrdata.transfer.sheets import (
    neutralise_cell,
    neutralise_frame,
    to_csv_bytes,
    to_xlsx_bytes,
    unneutralise_cell,
    write_table,
)
from okrdata.transfer.values import parse_kind, parse_kr_type, quarter_span

__all__ = [
    "CHECKIN_COLUMNS",
    "KPI_COLUMNS",
    "KPI_READING_COLUMNS",
    "LAYOUTS",
    "LAYOUT_NAMES",
    "OKR_COLUMNS",
    "PEOPLE_COLUMNS",
    "ImportRefused",
    "ImportReport",
    "Problem",
    "Progress",
    "check_import",
    "counted",
    "detect_layout",
    "export_checkins",
    "export_kpi_readings",
    "export_kpis",
    "export_okrs",
    "export_okrs_csv",
    "export_okrs_xlsx",
    "export_people",
    "export_workbook",
    "file_kind",
    "file_slug",
    "full_export",
    "full_import",
    "import_file",
    "import_okrs",
    "import_tables",
    "map_columns",
    "neutralise_cell",
    "neutralise_frame",
    "number_style",
    "parse_confidence",
    "parse_date",
    "parse_kind",
    "parse_kr_type",
    "parse_number",
    "problems_frame",
    "quarter_span",
    "read_full_export",
    "read_table",
    "read_tables",
    "recognise_layout",
    "sheet_names",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "unneutralise_cell",
    "write_table",
]
