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

The API the Manage page and the CLI use:

- :func:`read_tables` / :func:`read_table` (CSV or Excel, a path, bytes or an uploaded file)
  -> DataFrames; :func:`sheet_names`
- :func:`check_import` -> list of :class:`Problem` (writes nothing)
- :func:`import_tables` / :func:`import_okrs` -> :class:`ImportReport`, or raises :class:`ImportRefused`
- :func:`import_file`: any of the above formats, including a full export, in one call
- :func:`export_okrs`, :func:`export_checkins`, :func:`export_kpis`, :func:`export_kpi_readings`,
  :func:`export_people` -> DataFrame; :func:`export_workbook`; :func:`to_csv_bytes`,
  :func:`to_xlsx_bytes`, :func:`export_okrs_csv`, :func:`export_okrs_xlsx`
- :func:`full_export` -> bytes; :func:`full_import`
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlite_utils

from okrdata import lookups, queries, schema, wording, writes
from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.files import write_atomic
from okrdata.parsing import (  # noqa: F401 (read from here by the tests and older callers)
    CONFIDENCE_WORDS,
    date_style,
    has_percent,
    normalize_header,
    number_style,
    parse_confidence,
    parse_date,
    parse_number,
)
from okrdata.parsing import is_blank as _is_blank
from okrdata.parsing import words as _words

Progress = Callable[[int, int], None]
"""``progress(done, total)``, called as an import or export moves on."""

DEFAULT_CONFIDENCE = 5
"""Confidence recorded with an imported current value that comes without one: 5 is *at risk*,
so that nothing looks on track without someone having said so."""

FULL_EXPORT_FORMAT = "okr-dashboard full export"
FULL_EXPORT_VERSION = 1


# --- the layouts -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a layout: its key, the header the export writes, and the names it is known by."""

    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str = ""


def file_slug(text: str, fallback: str) -> str:
    """``text`` made safe for a download's file name: lower case, every run of other characters
    than letters and digits as one hyphen, at most 80 characters; ``fallback`` when nothing is left
    (``"2026 Q4 / Sales"`` → ``"2026-q4-sales"``)."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:80].strip("-") or fallback


OKR_COLUMNS: tuple[Column, ...] = (
    Column(
        "cycle",
        "Cycle",
        ("cycle name", "quarter", "period", "okr cycle", "okr period", "timeframe", "time frame", "okr quarter"),
        True,
        "The cycle's name, such as 2026 Q1.",
    ),
    Column(
        "cycle_start",
        "Cycle start",
        (
            "cycle start date",
            "start",
            "start date",
            "starts",
            "from",
            "begins",
            "period start",
            "quarter start",
            "cycle from",
        ),
        help="First day of the cycle; needed only for a new cycle not named like 2026 Q1.",
    ),
    Column(
        "cycle_end",
        "Cycle end",
        ("cycle end date", "end", "end date", "ends", "to", "until", "period end", "quarter end", "cycle to"),
        help="Last day of the cycle; as for Cycle start.",
    ),
    # Not "state" or "status" alone: another tool's column of that name means a key result's state.
    Column(
        "cycle_state",
        "Cycle state",
        ("cycle status", "state of cycle", "cycle phase"),
        help="planning, active or closed, for a new cycle (default: planning if it starts later, else active).",
    ),
    Column(
        "unit",
        "Unit",
        (
            "team",
            "department",
            "org unit",
            "organisation unit",
            "organization unit",
            "group",
            "business unit",
            "squad",
            "unit name",
            "team name",
            "owning unit",
        ),
        True,
        "The unit (company, department or team) whose objective it is.",
    ),
    Column(
        "parent_unit",
        "Parent unit",
        ("parent", "parent team", "parent department", "part of", "belongs to", "reports to", "parent unit name"),
        help="The unit above it, to create a unit that does not exist yet.",
    ),
    Column(
        "unit_lead",
        "Unit lead",
        ("team lead", "unit owner", "head of unit", "team leader", "department head"),
        help="E-mail or name of who leads a new unit (and may edit it).",
    ),
    Column(
        "objective",
        "Objective",
        ("objective title", "objective name", "objectives", "o", "goal", "okr", "objective statement"),
        True,
        "The objective's title. Left blank on following rows: the objective of the row above.",
    ),
    Column(
        "objective_id",
        "Objective ID",
        ("objective key", "objective number", "objective no", "o id", "objective ref", "okr id"),
        help="Tells apart objectives of one unit and cycle that share a title: rows with the same ID are one "
        "objective (the export numbers such objectives 1, 2...).",
    ),
    Column(
        "objective_description",
        "Objective description",
        ("description", "why", "objective why", "rationale", "context", "objective details", "objective notes"),
        help="Why the objective matters.",
    ),
    Column(
        "kind",
        "Kind",
        (
            "objective kind",
            "objective type",
            "commitment",
            "okr type",
            "okr kind",
            "committed or aspirational",
            "ambition",
        ),
        help="committed (default) or aspirational (also: moonshot, stretch).",
    ),
    Column(
        "objective_owner",
        "Objective owner",
        ("objective lead", "o owner", "objective responsible", "objective owner email"),
        help="E-mail or name; default: the unit's lead.",
    ),
    Column(
        "objective_weight",
        "Objective weight",
        ("o weight", "objective weighting"),
        help="The objective's weight in its unit's progress (default 1).",
    ),
    Column(
        "aligned_to",
        "Aligned to",
        (
            "aligns to",
            "alignment",
            "parent objective",
            "contributes to",
            "supports",
            "aligned with",
            "linked to",
            "parent okr",
            "aligned to objective",
        ),
        help="Title of the objective (or key result) of a unit above that this objective serves.",
    ),
    Column(
        "score",
        "Score",
        ("objective score", "final score", "grade", "okr score"),
        help="The objective's score at the end of its cycle, 0.0 to 1.0 (default: proposed from its final "
        "progress when the cycle closes).",
    ),
    Column(
        "score_reason",
        "Score reason",
        ("reason", "scoring reason", "score comment", "score note"),
        help="Why the score differs from the final progress (needed when it differs by more than 0.05).",
    ),
    Column(
        "reflection",
        "Reflection",
        ("retrospective", "retro", "lessons learned", "objective reflection", "what we learned"),
        help="What the cycle taught, written at its end.",
    ),
    Column(
        "key_result",
        "Key result",
        (
            "key results",
            "kr",
            "krs",
            "key result title",
            "kr title",
            "kr name",
            "key result name",
            "result",
            "measurable result",
        ),
        True,
        "The key result's title.",
    ),
    Column(
        "type",
        "Type",
        ("kr type", "key result type", "measurement type", "direction", "metric type", "goal type", "target type"),
        help="increase to, decrease to, stay above, stay below or milestone (inferred when blank).",
    ),
    Column(
        "baseline",
        "Baseline",
        (
            "base",
            "baseline value",
            "starting value",
            "start value",
            "initial value",
            "from value",
            "begin value",
            "starting point",
        ),
        help="Where the key result starts.",
    ),
    Column(
        "target",
        "Target",
        ("target value", "goal value", "to value", "end value", "target level"),
        help="Where it must get to (the bound, for stay above/below).",
    ),
    Column(
        "unit_label",
        "Unit label",
        (
            "label",
            "unit of measure",
            "uom",
            "measure unit",
            "metric unit",
            "measurement unit",
            "unit symbol",
            "kr unit",
        ),
        help="What the numbers count: %, EUR, users, ms...",
    ),
    Column(
        "current_value",
        "Current value",
        (
            "current",
            "value",
            "actual",
            "actual value",
            "latest value",
            "latest",
            "progress value",
            "current status value",
            "now",
            "today",
            "achieved",
            "current level",
        ),
        help="The latest value; becomes a check-in dated As of (default today).",
    ),
    Column(
        "confidence",
        "Confidence",
        ("confidence level", "confidence score", "conf", "confidence 0 10"),
        help=f"0-10 (also 7/10, or on track / at risk / off track); default {DEFAULT_CONFIDENCE}.",
    ),
    Column(
        "as_of",
        "As of",
        (
            "as of date",
            "date",
            "updated",
            "last updated",
            "updated on",
            "check in date",
            "checkin date",
            "measured on",
            "value date",
            "last check in",
        ),
        help="The date of the current value.",
    ),
    Column(
        "note",
        "Note",
        ("notes", "comment", "comments", "remark", "remarks", "check in note", "progress note", "learnings", "update"),
        help="The check-in's note: progress, obstacles, learnings.",
    ),
    Column(
        "checkin_author",
        "Checked in by",
        ("value by", "updated by", "current value by", "reported by", "checked in"),
        help="E-mail or name of who recorded the current value (default: the key result's owner).",
    ),
    Column(
        "weight",
        "Weight",
        ("kr weight", "key result weight", "weighting"),
        help="The key result's weight in its objective's progress (default 1).",
    ),
    Column(
        "owner",
        "Owner",
        (
            "kr owner",
            "key result owner",
            "responsible",
            "assignee",
            "accountable",
            "owner email",
            "dri",
            "kr owner email",
        ),
        help="E-mail or name of who owns the key result; a new e-mail adds the person (as a viewer).",
    ),
    Column(
        "kpi",
        "KPI",
        ("measured by", "kpi name", "linked kpi", "kpi link"),
        help="The name of the KPI the key result is measured by (the KPIs sheet or file defines it).",
    ),
    Column(
        "cadence_days",
        "Check-in every (days)",
        ("cadence", "cadence days", "check in cadence", "check in every", "check in frequency"),
        help="Days between check-ins (default 7); a key result silent for longer is stale.",
    ),
)

CHECKIN_COLUMNS: tuple[Column, ...] = (
    Column("cycle", "Cycle", ("cycle name", "quarter", "period", "okr cycle")),
    Column("unit", "Unit", ("team", "department", "org unit", "group", "squad", "unit name", "team name")),
    Column("objective", "Objective", ("objective title", "objective name", "o", "goal")),
    Column(
        "objective_id",
        "Objective ID",
        ("objective key", "objective number", "objective no", "o id", "objective ref", "okr id"),
    ),
    Column("key_result", "Key result", ("key results", "kr", "key result title", "kr title", "kr name"), True),
    Column(
        "date",
        "Date",
        (
            "check in date",
            "checkin date",
            "as of",
            "as of date",
            "week",
            "day",
            "reported on",
            "measured on",
            "updated on",
        ),
        True,
    ),
    Column("value", "Value", ("current value", "actual", "actual value", "reading", "measured value"), True),
    Column("confidence", "Confidence", ("confidence level", "confidence score", "conf")),
    Column("note", "Note", ("notes", "comment", "comments", "remark", "remarks", "learnings", "update")),
    Column("author", "Author", ("by", "reported by", "entered by", "who", "author email", "checked in by")),
)

_UNIT_NAMES = (
    "team",
    "department",
    "org unit",
    "organisation unit",
    "organization unit",
    "group",
    "business unit",
    "squad",
    "unit name",
    "team name",
    "owning unit",
)
_KPI_NAMES = ("kpi name", "indicator", "health metric", "metric name", "kpi title")

PEOPLE_COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "Name",
        ("full name", "person", "display name", "person name", "employee"),
        True,
        "The person's name as the pages show it.",
    ),
    Column(
        "email",
        "E-mail",
        ("email address", "e mail address", "mail", "work email"),
        True,
        "Their e-mail address: how the dashboard knows them.",
    ),
    Column(
        "role", "Role", ("access", "permission", "permissions", "rights"), help="viewer (the default), lead or admin."
    ),
    Column(
        "units",
        "Units",
        ("can edit", "edits", "edit units", "units to edit", "teams"),
        help="The units they may edit besides those they lead, separated by semicolons.",
    ),
    Column(
        "archived",
        "Archived",
        ("inactive", "left"),
        help="yes for someone who has left (kept for the record); blank otherwise.",
    ),
)

KPI_COLUMNS: tuple[Column, ...] = (
    Column("unit", "Unit", _UNIT_NAMES, True, "The unit whose health the KPI watches."),
    Column("kpi", "KPI", _KPI_NAMES, True, "The KPI's name."),
    Column("unit_label", "Unit label", ("label", "unit of measure", "uom", "measure unit")),
    Column(
        "target_type",
        "Target type",
        ("type", "direction", "kpi type", "goal type"),
        True,
        "stay above, stay below, increase to or decrease to.",
    ),
    Column("target", "Target", ("target value", "goal", "goal value"), True),
    Column(
        "warning",
        "Warning",
        ("warning threshold", "warn at", "threshold", "warning level"),
        help="Where it warns before the target is breached.",
    ),
    Column(
        "frequency_days",
        "Frequency (days)",
        ("frequency", "frequency days", "update every", "expected frequency", "cadence"),
        help="Days between readings (default 7).",
    ),
    Column("description", "Description", ("why", "about", "notes")),
)

KPI_READING_COLUMNS: tuple[Column, ...] = (
    Column("unit", "Unit", _UNIT_NAMES, help="The KPI's unit, when KPI names repeat across units."),
    Column("kpi", "KPI", _KPI_NAMES, True),
    Column("date", "Date", ("reading date", "measured on", "as of", "week", "day"), True),
    Column("value", "Value", ("reading", "actual", "measured value", "actual value"), True),
    Column("author", "Author", ("by", "reported by", "entered by", "who", "author email")),
)

LAYOUTS = {
    "okrs": OKR_COLUMNS,
    "checkins": CHECKIN_COLUMNS,
    "kpis": KPI_COLUMNS,
    "kpi_readings": KPI_READING_COLUMNS,
    "people": PEOPLE_COLUMNS,
}
LAYOUT_NAMES = {
    "okrs": "the OKR layout (one row per key result)",
    "checkins": "the check-in layout (one row per check-in)",
    "kpis": "the KPI layout (one row per KPI)",
    "kpi_readings": "the KPI reading layout (one row per reading)",
    "people": "the people layout (one row per person)",
}
"""Each layout in words, as an import report names the one it recognised."""


def _synonym_map(columns: Iterable[Column]) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in columns:
        for name in (col.key, col.header, *col.synonyms):
            out.setdefault(normalize_header(name), col.key)
    return out


_SYNONYMS = {name: _synonym_map(cols) for name, cols in LAYOUTS.items()}
_HEADERS = {name: {c.key: c.header for c in cols} for name, cols in LAYOUTS.items()}
# A file with a key result and a date is in the check-in layout, unless it has any of these
# (named in this order when a report says why a file was read as OKRs).
_MARKER_ORDER = (
    "type",
    "baseline",
    "target",
    "unit_label",
    "aligned_to",
    "kind",
    "parent_unit",
    "weight",
    "objective_owner",
    "cycle_start",
    "cycle_end",
    "score",
    "reflection",
    "cadence_days",
    "objective_description",
    "objective_weight",
    "unit_lead",
)
_OKR_MARKERS = set(_MARKER_ORDER)


@dataclass(frozen=True)
class Problem:
    """One problem of an import: the spreadsheet row (None for the file as a whole), the column
    as the file names it, what is wrong, and the sheet or file it is in when an import reads
    several (None when it reads one)."""

    row: int | None
    column: str
    message: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        if self.sheet:
            where = f"{self.sheet}, {where}"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class ImportRefused(ValidationError):
    """An import refused whole; ``problems`` lists every (row, column, message) found."""

    def __init__(self, problems: list[Problem], rows: int | None = None):
        sheets = {name: i for i, name in enumerate(dict.fromkeys(p.sheet for p in problems))}
        self.problems = sorted(problems, key=lambda p: (sheets[p.sheet], p.row is not None, p.row or 0))
        bad_rows = len({(p.sheet, p.row) for p in problems if p.row is not None})
        where = f" in {bad_rows} row{'s' if bad_rows != 1 else ''}" if bad_rows else ""
        count = len(problems)
        super().__init__("file", f"{count} problem{'s' if count != 1 else ''}{where}; nothing was imported.")


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do).

    ``counts`` holds the rows added per table (cycles, units, people, objectives, key_results,
    checkins, kpis, kpi_readings; table names for a full import); ``read`` says, per sheet or
    file, which layout it was read in and why (and which sheets were not read); ``notes`` says
    what was reused or left as it was.
    """

    layout: str
    rows: int
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    read: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence: what was (or would be) added."""
        added = ", ".join(counted(n, k) for k, n in self.counts.items() if n) or "nothing new"
        verb = "Would add" if self.dry_run else "Added"
        return f"{verb} {added} from {self.rows} row{'s' if self.rows != 1 else ''}."


_NOUNS = {
    "people": ("person", "people"),
    "checkins": ("check-in", "check-ins"),
    "key_results": ("key result", "key results"),
    "kpis": ("KPI", "KPIs"),
    "kpi_readings": ("KPI reading", "KPI readings"),
}


def counted(n: int, table: str) -> str:
    """``"1 cycle"``, ``"3 key results"``: a count of a table's rows in words."""
    plural = table.replace("_", " ")
    one, many = _NOUNS.get(table, (plural[:-1] if plural.endswith("s") else plural, plural))
    return f"{n} {one if n == 1 else many}"


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """Problems as a table with the columns Row, Column, Problem (for a page to show), and
    Sheet first when the import read several sheets or files."""
    problems = list(problems)
    if any(p.sheet for p in problems):
        return pd.DataFrame(
            [{"Sheet": p.sheet, "Row": p.row, "Column": p.column, "Problem": p.message} for p in problems],
            columns=["Sheet", "Row", "Column", "Problem"],
        )
    return pd.DataFrame(
        [{"Row": p.row, "Column": p.column, "Problem": p.message} for p in problems],
        columns=["Row", "Column", "Problem"],
    )


# --- cells a spreadsheet program opens safely -----------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""The characters that make Excel, LibreOffice or Google Sheets read a cell as a formula
(OWASP, "CSV Injection")."""
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """A value as every spreadsheet writer here puts it in a cell: text that a spreadsheet
    program would run as a formula (starting with one of :data:`FORMULA_START`) gets a leading
    ``'``, and so does text already starting with ``'``, so that :func:`unneutralise_cell` gives
    back exactly what was written. Numbers, dates, blanks and text that is a plain number
    (``"-5"``) are left as they are.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] == "'" or (value[0] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def unneutralise_cell(value: Any) -> Any:
    """A cell as the importer reads it: one leading ``'`` is dropped when a formula character or
    another ``'`` follows it (what :func:`neutralise_cell` added, or a spreadsheet user's own
    ``'=...``), so an export imported again gives back the same text."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in (*FORMULA_START, "'"):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every header and text cell passed through :func:`neutralise_cell`,
    for a writer that is not :func:`to_csv_bytes` or :func:`to_xlsx_bytes` (pandas' ``to_csv``)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


# --- reading a file ----------------------------------------------------------------------


def _read_source(source: Any, filename: str | None) -> tuple[bytes, str]:
    """The bytes and the file name of a path, bytes, or a file-like object (an upload)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            return path.read_bytes(), filename or path.name
        except OSError as exc:
            raise ValidationError("file", f"cannot read {path}: {exc.strerror or exc}.") from None
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), filename or ""
    name = filename or getattr(source, "name", "") or ""
    if hasattr(source, "getvalue"):
        data = source.getvalue()
    elif hasattr(source, "read"):
        data = source.read()
    else:
        raise ValidationError("file", f"cannot read a {type(source).__name__}.")
    return (data.encode("utf-8") if isinstance(data, str) else bytes(data)), str(name)


def file_kind(data: bytes, filename: str = "") -> str:
    """``"xlsx"``, ``"csv"``, ``"json"`` (a full export) or ``"zip"`` (a full export), by content and name."""
    suffix = Path(filename).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        if suffix in (".xlsx", ".xlsm"):
            return "xlsx"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            raise ValidationError(
                "file", "is damaged: it looks like a zip or Excel file but cannot be opened."
            ) from None
        if "[Content_Types].xml" in names:
            return "xlsx"
        return "zip"
    if suffix in (".xls",) or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValidationError("file", "is an old Excel .xls file; save it as .xlsx or .csv and try again.")
    if suffix == ".json" or data.lstrip()[:1] == b"{":
        return "json"
    return "csv"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    # Spreadsheets saved as "CSV" on Windows are often in the Windows code page.
    return data.decode("cp1252", errors="replace")


def _csv_rows(data: bytes) -> list[list[Any]]:
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    # Excel in much of Europe writes ";" (the comma being the decimal mark); tabs from copy-paste.
    delimiter = max((",", ";", "\t"), key=lambda d: first.count(d))
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            rows.append([unneutralise_cell(c) for c in record])
    except csv.Error as exc:
        # The row that failed is the one after the last read: where a runaway cell starts.
        row = len(rows) + 1
        if "field larger than field limit" in str(exc):
            raise ValidationError(
                "file",
                f"row {row}: a cell runs on for more than {csv.field_size_limit() // 1024} KB, most "
                'likely because a quotation mark (") opens a cell there and is never closed; close it '
                "or remove it, and import again.",
            ) from None
        raise ValidationError("file", f"row {row}: cannot be read as CSV ({exc}).") from None
    return rows


def _xlsx_cell(cell: Any) -> Any:
    value = cell.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and "%" in str(cell.number_format or ""):
        # A cell shown as 45% holds 0.45; the sheet's reader means 45 (with the unit label %).
        return f"{round(value * 100, 9):g}%"
    if isinstance(value, str):
        return unneutralise_cell(value).strip()
    return value


def _xlsx_sheets(data: bytes, sheet: str | None) -> list[tuple[str, list[list[Any]]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationError("file", f"cannot be read as an Excel workbook ({exc}).") from None
    names = [sheet] if sheet else book.sheetnames
    if sheet and sheet not in book.sheetnames:
        raise ValidationError("sheet", f"the workbook has no sheet {sheet!r}; it has {', '.join(book.sheetnames)}.")
    out = []
    for name in names:
        ws = book[name]
        rows = [[_xlsx_cell(c) for c in row] for row in ws.iter_rows(min_row=1, min_col=1)]
        out.append((name, rows))
    return out


_KNOWN_HEADERS = set().union(*_SYNONYMS.values())


def _header_score(cells: list[Any]) -> int:
    return sum(1 for c in cells if isinstance(c, str) and normalize_header(c) in _KNOWN_HEADERS)


def _table_from_rows(rows: list[list[Any]]) -> pd.DataFrame | None:
    """The table in ``rows``: the header is the first row naming two known columns (title rows
    above it are skipped); the index holds each row's number as the spreadsheet shows it."""
    header_at = None
    for i, row in enumerate(rows[:30]):
        if _header_score(row) >= 2:
            header_at = i
            break
    if header_at is None:
        return None
    header = rows[header_at]
    width = max(len(r) for r in rows[header_at:])
    names, seen = [], {}
    for j in range(width):
        raw = header[j] if j < len(header) else None
        name = str(raw).strip() if not _is_blank(raw) else f"Column {_column_letter(j)}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(name if count == 0 else f"{name} ({count + 1})")
    body, index = [], []
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = list(row) + [None] * (width - len(row))
        if all(_is_blank(c) for c in cells):
            continue
        body.append(["" if _is_blank(c) else c for c in cells])
        index.append(i)
    frame = pd.DataFrame(body, columns=names, index=pd.Index(index, name="row"), dtype=object)
    # Unnamed columns with nothing in them are formatting leftovers.
    empty = [
        n
        for j, n in enumerate(names)
        if n.startswith("Column ")
        and _is_blank(header[j] if j < len(header) else None)
        and all(_is_blank(x) for x in frame[n])
    ]
    frame = frame.drop(columns=empty)
    frame.attrs["row_numbers"] = True
    frame.attrs["header_row"] = header_at + 1
    return frame


def _column_letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_NO_HEADER = (
    "has no header row naming its columns (such as Cycle, Unit, Objective, Key result, Target); "
    "see docs/import-format.md."
)


def read_tables(source: Any, filename: str | None = None, sheet: str | None = None) -> list[pd.DataFrame]:
    """Every table of a spreadsheet: the CSV file's, or each sheet of an .xlsx workbook that has
    a header row (only ``sheet`` when it is given).

    ``source`` is a path, bytes, or a file-like object such as a Streamlit upload (its ``name``
    gives the type when ``filename`` is not passed). A table's header is the first row naming
    at least two known columns; blank rows are skipped; the index holds each row's number as
    the spreadsheet shows it. Each table's ``attrs`` hold ``filename``, ``sheet`` (for a
    workbook) and ``skipped``: the workbook's sheets with no header, which were not read.
    Raises a ValidationError on the field ``file`` when no table is found (``sheet`` when the
    workbook has no such sheet).
    """
    data, name = _read_source(source, filename)
    if not data.strip():
        raise ValidationError("file", "is empty.")
    kind = file_kind(data, name)
    if kind in ("json", "zip"):
        raise ValidationError("file", "is a full export, not a spreadsheet; import it with full_import.")
    tables: list[pd.DataFrame] = []
    skipped: list[str] = []
    if kind == "xlsx":
        for sheet_name, rows in _xlsx_sheets(data, sheet):
            table = _table_from_rows(rows)
            if table is None:
                skipped.append(sheet_name)
                continue
            table.attrs.update(filename=name, sheet=sheet_name)
            tables.append(table)
    else:
        table = _table_from_rows(_csv_rows(data))
        if table is not None:
            table.attrs.update(filename=name)
            tables.append(table)
    if not tables:
        raise ValidationError("file", _NO_HEADER)
    for table in tables:
        table.attrs["skipped"] = skipped
    return tables


def read_table(source: Any, filename: str | None = None, sheet: str | None = None) -> pd.DataFrame:
    """The first table of a spreadsheet (CSV or .xlsx; in a workbook, the first sheet with a
    header row, or ``sheet``): see :func:`read_tables`, which reads every sheet."""
    return read_tables(source, filename, sheet)[0]


def sheet_names(source: Any, filename: str | None = None) -> list[str]:
    """The sheets of an .xlsx workbook in their order; empty for a CSV file (or a file that is
    not a workbook: reading it says what is wrong)."""
    data, name = _read_source(source, filename)
    try:
        if not data.strip() or file_kind(data, name) != "xlsx":
            return []
    except ValidationError:
        return []
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file; reading it says which
        return []
    try:
        return list(book.sheetnames)
    finally:
        book.close()


# --- reading values (okrdata.parsing) -----------------------------------------------------


KR_TYPE_WORDS: dict[str, str] = {}
for _type, _words_list in {
    "increase": [
        "increase",
        "increase to",
        "increase from to",
        "grow",
        "grow to",
        "raise",
        "raise to",
        "up",
        "go up",
        "higher",
        "higher is better",
        "more",
        "maximize",
        "maximise",
        "reach",
        "climb",
        "increase target",
    ],
    "decrease": [
        "decrease",
        "decrease to",
        "decrease from to",
        "reduce",
        "reduce to",
        "lower",
        "lower to",
        "down",
        "go down",
        "lower is better",
        "less",
        "minimize",
        "minimise",
        "cut",
        "cut to",
        "drop",
        "drop to",
        "shrink",
        "decrease target",
    ],
    "stay_above": [
        "stay above",
        "keep above",
        "stay at or above",
        "above",
        "at least",
        "minimum",
        "min",
        ">=",
        ">",
        "no less than",
        "not below",
        "floor",
        "maintain above",
        "hold above",
        "stay over",
        "keep at least",
    ],
    "stay_below": [
        "stay below",
        "keep below",
        "stay at or below",
        "below",
        "at most",
        "maximum",
        "max",
        "<=",
        "<",
        "no more than",
        "not above",
        "ceiling",
        "cap",
        "maintain below",
        "hold below",
        "under",
        "stay under",
        "keep at most",
    ],
    "milestone": [
        "milestone",
        "done",
        "binary",
        "yes no",
        "boolean",
        "0 1",
        "done not done",
        "deliverable",
        "completion",
        "complete",
        "project",
        "percent complete",
        "percent done",
    ],
}.items():
    for _word in _words_list:
        KR_TYPE_WORDS[_words(_word)] = _type
KR_TYPE_LABELS = {
    "increase": "increase to",
    "decrease": "decrease to",
    "stay_above": "stay above",
    "stay_below": "stay below",
    "milestone": "milestone",
}
"""How the export writes each key-result type."""

KIND_WORDS = {
    **{_words(w): "committed" for w in ("committed", "commit", "commitment", "committed okr", "must")},
    **{
        _words(w): "aspirational"
        for w in (
            "aspirational",
            "aspiration",
            "moonshot",
            "moon shot",
            "stretch",
            "stretch goal",
            "ambitious",
            "aspirational okr",
            "roofshot",
        )
    },
}
CYCLE_STATE_WORDS = {
    "planning": "planning",
    "planned": "planning",
    "draft": "planning",
    "active": "active",
    "open": "active",
    "running": "active",
    "current": "active",
    "closed": "closed",
    "done": "closed",
    "finished": "closed",
    "archived": "closed",
}
MILESTONE_WORDS = {
    **{w: 1.0 for w in ("done", "yes", "complete", "completed", "true", "finished", "shipped")},
    **{w: 0.0 for w in ("no", "not started", "not done", "false", "todo", "to do", "open")},
}


def parse_kr_type(value: Any) -> str | None:
    """A key-result type from how people write it (``"Increase to"``, ``"at least"``, ``"≤"``...); None when blank."""
    if _is_blank(value):
        return None
    found = KR_TYPE_WORDS.get(_words(value))
    try:
        return v.choice("type", found or str(value), schema.KR_TYPES)
    except ValidationError:
        words = ", ".join(KR_TYPE_LABELS[t] for t in schema.KR_TYPES)
        raise ValidationError("type", f"{str(value).strip()!r} is not a type; write one of {words}.") from None


def parse_kind(value: Any) -> str | None:
    """An objective's kind: committed or aspirational (``moonshot``, ``stretch``...); None when blank."""
    if _is_blank(value):
        return None
    try:
        return v.choice("kind", KIND_WORDS.get(_words(value)) or str(value), schema.OBJECTIVE_KINDS)
    except ValidationError:
        raise ValidationError(
            "kind", f"{str(value).strip()!r} is not a kind; write committed or aspirational (or moonshot, stretch)."
        ) from None


KPI_TYPE_LABELS = {t: KR_TYPE_LABELS[t] for t in schema.KPI_TARGET_TYPES}
"""How the export writes each KPI target type."""
ROLE_WORDS = {
    **{_words(w): "viewer" for w in ("viewer", "view", "reader", "read only", "member", "employee", "user")},
    **{_words(w): "lead" for w in ("lead", "team lead", "leader", "manager", "editor", "owner")},
    **{_words(w): "admin" for w in ("admin", "administrator", "superuser")},
}
YES_WORDS = {"yes", "y", "true", "1", "x", "archived", "inactive", "left", "ja"}
NO_WORDS = {"no", "n", "false", "0", "active", "nein"}


def parse_kpi_type(value: Any) -> str | None:
    """A KPI's target type from how people write it (``"stay above"``, ``"at most"``, ``"≥"``...); None when blank."""
    if _is_blank(value):
        return None
    found = KR_TYPE_WORDS.get(_words(value)) or str(value).strip()
    if found not in schema.KPI_TARGET_TYPES:
        words = ", ".join(KPI_TYPE_LABELS[t] for t in schema.KPI_TARGET_TYPES)
        raise ValidationError("target_type", f"{str(value).strip()!r} is not a target type; write one of {words}.")
    return found


def parse_role(value: Any) -> str | None:
    """A person's role: viewer, lead or admin (``"team lead"``, ``"administrator"``...); None when blank."""
    if _is_blank(value):
        return None
    found = ROLE_WORDS.get(_words(value))
    if found is None:
        raise ValidationError("role", f"{str(value).strip()!r} is not a role; write viewer, lead or admin.")
    return found


def parse_yes(value: Any, field: str) -> bool:
    """A yes/no cell (``yes``, ``x``, ``true``...; blank is no)."""
    if _is_blank(value):
        return False
    word = str(value).strip().casefold()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValidationError(field, f"write yes or leave it blank, not {str(value).strip()!r}.")


@dataclass(frozen=True)
class PersonRef:
    """A person as a cell names them: by e-mail, by name, or as ``Name <email>``."""

    name: str | None
    email: str | None

    def __str__(self) -> str:
        return self.email or self.name or ""


def parse_person(value: Any) -> PersonRef | None:
    """A person reference from ``jane@x.com``, ``Jane Doe`` or ``Jane Doe <jane@x.com>``; None when blank."""
    if _is_blank(value):
        return None
    s = " ".join(str(value).split())
    if m := re.match(r"^(.*?)\s*<([^<>]+)>$", s):
        return PersonRef(m.group(1).strip(" \"'") or None, m.group(2).strip().lower())
    if "@" in s:
        return PersonRef(None, s.lower())
    return PersonRef(s, None)


def name_from_email(email: str) -> str:
    """A display name guessed from an address: ``jane.doe@x.com`` -> ``Jane Doe``."""
    local = email.split("@")[0]
    return " ".join(part.capitalize() for part in re.split(r"[._\-+]+", local) if part) or email


def quarter_span(name: str) -> tuple[dt.date, dt.date] | None:
    """The dates of a cycle named like a calendar quarter or half (``2026 Q1``, ``Q3/2026``, ``H2 2026``)."""
    s = normalize_header(name)
    m = re.match(r"^(?:(\d{4}) ([qh])([1-4])|([qh])([1-4]) (\d{4}))$", s) or re.match(
        r"^(?:(\d{4})([qh])([1-4])|([qh])([1-4])(\d{4}))$", s.replace(" ", "")
    )
    if not m:
        return None
    year = int(m.group(1) or m.group(6))
    letter, number = (m.group(2), int(m.group(3))) if m.group(1) else (m.group(4), int(m.group(5)))
    if letter == "h" and number > 2:
        return None
    months = 3 if letter == "q" else 6
    first = (number - 1) * months + 1
    start = dt.date(year, first, 1)
    after = dt.date(year + (first + months > 12), (first + months - 1) % 12 + 1, 1)
    return start, after - dt.timedelta(days=1)


def _key(text: Any) -> str:
    """A name as compared: spaces collapsed, case folded."""
    return " ".join(str(text).split()).casefold()


# --- columns of a file -------------------------------------------------------------------


@dataclass
class _Columns:
    layout: str
    headers: dict[str, str]  # key -> the file's header
    ignored: list[str]
    why: str = ""  # why the file was read in this layout, in words

    def header(self, key: str) -> str:
        return self.headers.get(key) or _HEADERS[self.layout].get(key, key.replace("_", " ").capitalize())


def _listed(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def recognise_layout(found: dict[str, dict[str, list[str]]]) -> tuple[str, str]:
    """The layout a file is in, from the known columns it has (``found[layout][key]`` = the
    file's headers read as that key), and why, in words ("it has 'KR' and 'Date' columns...")."""
    okr, checkin, kpi, reading, people = (found[k] for k in ("okrs", "checkins", "kpis", "kpi_readings", "people"))
    first = lambda cols, keys: [cols[k][0] for k in keys if k in cols]
    has_kr = "key_result" in okr or "objective" in okr
    if "kpi" in kpi and not has_kr:
        if "date" in reading or "value" in reading:
            return "kpi_readings", (
                f"it has {_listed(first(reading, ('kpi', 'date', 'value')))} columns and no key result"
            )
        return "kpis", f"it has a {first(kpi, ('kpi',))[0]!r} column and no key result or date"
    if "email" in people and not has_kr and "date" not in checkin:
        return (
            "people",
            f"it has {_listed(first(people, ('name', 'email', 'role', 'units')))} columns and no key result",
        )
    markers = sorted((key for key in okr if key in _OKR_MARKERS), key=_MARKER_ORDER.index)
    if "date" in checkin and "key_result" in checkin and not markers:
        return "checkins", (
            f"it has {_listed(first(checkin, ('key_result', 'date')))} columns and none of "
            "Type, Baseline or Target (which the OKR layout has)"
        )
    if markers:
        return "okrs", f"it has {_listed(first(okr, markers[:4]))} columns"
    if "date" not in checkin:
        return "okrs", "it has no Date column (a file of check-ins has one)"
    return "okrs", "it has no Key result column"


def map_columns(columns: Iterable[Any], header_row: int = 1) -> tuple[_Columns, list[Problem]]:
    """Which layout a file is in (and why) and which of its columns is which; problems with the
    header (on spreadsheet row ``header_row``)."""
    names = [str(c) for c in columns]
    problems: list[Problem] = []
    found: dict[str, dict[str, list[str]]] = {layout: {} for layout in LAYOUTS}
    for layout, synonyms in _SYNONYMS.items():
        for name in names:
            key = synonyms.get(normalize_header(re.sub(r" \(\d+\)$", "", name)))
            if key:
                found[layout].setdefault(key, []).append(name)
    layout, why = recognise_layout(found)
    headers: dict[str, str] = {}
    for key, given in found[layout].items():
        headers[key] = given[0]
        if len(given) > 1:
            problems.append(
                Problem(
                    header_row, given[1], f"is a second {_HEADERS[layout][key]} column (after {given[0]!r}); keep one."
                )
            )
    for col in LAYOUTS[layout]:
        if col.required and col.key not in headers:
            problems.append(
                Problem(
                    None,
                    col.header,
                    f"column is missing; the file was read as {LAYOUT_NAMES[layout]} because {why}, and it has "
                    f"{', '.join(repr(n) for n in names) or 'no columns'}. See docs/import-format.md for the layout.",
                )
            )
    used = {h for h in headers.values()}
    ignored = [n for n in names if n not in used and not re.match(r"^Column [A-Z]+$", n)]
    return _Columns(layout, headers, ignored, why), problems


def detect_layout(table: pd.DataFrame) -> str:
    """``"okrs"`` (one row per key result) or ``"checkins"`` (one row per check-in), from the columns."""
    return map_columns(table.columns)[0].layout


def _row_numbers(table: pd.DataFrame) -> list[int]:
    if table.attrs.get("row_numbers"):
        return [int(i) for i in table.index]
    return list(range(2, len(table) + 2))  # the header is row 1


# --- importing ---------------------------------------------------------------------------


class _Rollback(Exception):
    """Raised inside the import's transaction to undo it (a dry run, or problems found)."""


# Which column of a layout a writes field names, per kind of write.
_FIELD_COLUMNS = {
    "unit": {
        "name": "unit",
        "parent": "parent_unit",
        "description": "unit",
        "role": "unit",
        "unit": "parent_unit",
        "lead": "unit_lead",
    },
    "cycle": {
        "name": "cycle",
        "start_date": "cycle_start",
        "end_date": "cycle_end",
        "state": "cycle_state",
        "role": "cycle",
    },
    "objective": {
        "cycle": "cycle",
        "unit": "unit",
        "title": "objective",
        "description": "objective_description",
        "owner": "objective_owner",
        "kind": "kind",
        "weight": "objective_weight",
        "role": "objective",
        "parent_objective": "aligned_to",
        "parent_kr": "aligned_to",
    },
    "close": {"role": "cycle_state", "state": "cycle_state", "cycle": "cycle"},
    "alignment": {
        "parent_objective": "aligned_to",
        "parent_kr": "aligned_to",
        "unit": "aligned_to",
        "cycle": "aligned_to",
        "objective": "aligned_to",
    },
    "key_result": {
        "objective": "objective",
        "title": "key_result",
        "type": "type",
        "baseline": "baseline",
        "target": "target",
        "unit_label": "unit_label",
        "weight": "weight",
        "owner": "owner",
        "cycle": "cycle",
        "unit": "unit",
        "role": "key_result",
        "kpi": "kpi",
        "cadence_days": "cadence_days",
    },
    "checkin": {
        "key_result": "key_result",
        "date": "as_of",
        "value": "current_value",
        "confidence": "confidence",
        "note": "note",
        "author": "checkin_author",
        "cycle": "cycle",
        "unit": "unit",
        "role": "key_result",
    },
    "score": {
        "score": "score",
        "reason": "score_reason",
        "reflection": "reflection",
        "cycle": "score",
        "objective": "objective",
        "unit": "objective",
        "role": "objective",
    },
    "history": {
        "key_result": "key_result",
        "date": "date",
        "value": "value",
        "confidence": "confidence",
        "note": "note",
        "author": "author",
        "cycle": "cycle",
        "unit": "unit",
        "role": "key_result",
        "checkin": "key_result",
    },
    "person": {"name": "name", "email": "email", "role": "role", "units": "units", "person": "email"},
    "kpi": {
        "unit": "unit",
        "name": "kpi",
        "target_type": "target_type",
        "target": "target",
        "warning": "warning",
        "frequency_days": "frequency_days",
        "unit_label": "unit_label",
        "description": "description",
        "role": "unit",
    },
    "reading": {"kpi": "kpi", "date": "date", "value": "value", "author": "author", "role": "kpi"},
}

# The tables whose rows an import of each layout may add, in the order a report names them.
_COUNTED = ("cycles", "units", "people", "objectives", "key_results", "checkins", "kpis", "kpi_readings")
_LAYOUT_COUNTS = {
    "okrs": {"cycles", "units", "people", "objectives", "key_results", "checkins"},
    "checkins": {"people", "checkins"},
    "kpis": {"kpis"},
    "kpi_readings": {"people", "kpi_readings"},
    "people": {"people"},
}


class _Run:
    """One import: what its importers (one per sheet or file) share. Who imports, the problems
    found, the rows added, what exists (people, cycles' states, KPIs), and the closed cycles
    opened for the import, to close again at its end."""

    def __init__(
        self, db, today: dt.date, person: writes.Actor, progress: Progress | None, total: int, into_closed: bool
    ):
        self.db = db
        self.today = today
        self.person = person
        self.names_authors = writes.acts_as_admin(db, person)
        """Whether the check-ins may be recorded in other people's names (an admin's or the system's import)."""
        self.progress = progress
        self.total = total
        self.into_closed = into_closed
        self.done = 0
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.counts = dict.fromkeys(_COUNTED, 0)
        self.people_by_email = {r["email"].casefold(): r["id"] for r in db.query("SELECT id, email FROM people")}
        self.people_by_name: dict[str, list[int]] = {}
        for r in db.query("SELECT id, name FROM people WHERE archived = 0"):
            self.people_by_name.setdefault(_key(r["name"]), []).append(r["id"])
        self.failed_people: set[str] = set()
        self.cycle_state = {r["id"]: (r["name"], r["state"]) for r in db.query("SELECT id, name, state FROM cycles")}
        self.reopened: dict[int, str] = {}
        self.to_close: dict[int, tuple[_Importer, int]] = {}  # new cycles the file closes: where it says so
        # The file's Objective IDs: (cycle, unit, title, ID) as compared -> the objective's id, so the
        # check-ins of one import find the objectives its OKRs made.
        self.objective_ids: dict[tuple[str, str, str, str], int] = {}
        self.kpis_missing: dict[str, list[int]] = {}

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def person_id(self, importer: _Importer, row: int, key: str, ref: PersonRef | None) -> int | None:
        """The id of the person a cell names, adding them when named by a new e-mail address."""
        if ref is None:
            return None
        if ref.email:
            found = self.people_by_email.get(ref.email.casefold())
            if found is not None:
                return found
            if ref.email in self.failed_people:
                return None
            name = ref.name or name_from_email(ref.email)
            try:
                new_id = writes.add_person(self.db, name, ref.email, role="viewer", person=self.person)
            except ValidationError as error:
                self.failed_people.add(ref.email)
                if error.field == "role":
                    importer.problem(
                        row,
                        key,
                        f"{ref.email} is not in the database yet, and only an admin can "
                        "add people; ask one to import this file or to add them first.",
                    )
                else:
                    importer.problem(row, key, error.message)
                return None
            self.added_person(new_id, name, ref.email)
            return new_id
        ids = self.people_by_name.get(_key(ref.name), [])
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            importer.problem(row, key, f"{len(ids)} people are called {ref.name!r}; write the e-mail address instead.")
        else:
            importer.problem(
                row, key, f"no one is called {ref.name!r}; write their e-mail address (or Name <e-mail>) to add them."
            )
        return None

    def added_person(self, person_id: int, name: str, email: str) -> None:
        self.counts["people"] += 1
        self.people_by_email[email.casefold()] = person_id
        self.people_by_name.setdefault(_key(name), []).append(person_id)

    def writable(self, importer: _Importer, row: int, key: str, cycle_id: int) -> bool:
        """Whether the import may write into a cycle: one not closed, or a closed one opened for
        this import (``into_closed``: admins only; closed again at the end). Else a problem."""
        name, state = self.cycle_state[cycle_id]
        if state != "closed":
            return True
        if not self.into_closed:
            importer.problem(
                row,
                key,
                f"{name} is closed; its OKRs are read only. To add its history during a "
                "migration, an admin imports the file with `okr import --into-closed`: the "
                "cycle is opened for the import and closed again at its end.",
            )
            return False
        try:
            writes.set_cycle_state(
                self.db, cycle_id, "active", person=self.person, version=writes.version_of(self.db, "cycles", cycle_id)
            )
        except ValidationError as error:
            importer.problem(row, key, f"{name} is closed, and opening it for the import was refused: {error.message}")
            self.cycle_state[cycle_id] = (name, "refused")
            return False
        self.cycle_state[cycle_id] = (name, "active")
        self.reopened[cycle_id] = name
        return True

    def kpi_for(self, name: str, unit_id: int) -> int | None:
        """The KPI a key result of ``unit_id`` names: by name, the unit's own or the nearest above's."""
        candidates = [
            r
            for r in self.db.query("SELECT id, name, unit_id FROM kpis WHERE archived = 0")
            if _key(r["name"]) == _key(name)
        ]
        if len(candidates) > 1:
            above = [unit_id, *lookups.unit_ancestors(self.db, unit_id)]
            ranked = sorted((above.index(r["unit_id"]), r["id"]) for r in candidates if r["unit_id"] in above)
            return ranked[0][1] if ranked else candidates[0]["id"]
        return candidates[0]["id"] if candidates else None

    def close_cycles(self) -> None:
        """Close the new cycles the file closes and the closed ones opened for the import, with
        :func:`okrdata.writes.close_cycle`: the objectives nobody scored get the proposed score."""
        for cycle_id, (importer, row) in self.to_close.items():
            result = importer.attempt(
                row,
                "close",
                lambda: writes.close_cycle(self.db, cycle_id, person=self.person, today=self.today),
                "cycle_state",
            )
            if result:
                self.notes.append(
                    f"{result['cycle']}: closed at the end of the import, as the file says; "
                    f"{wording.plural(result['scored'], 'objective')} scored as given, {result['proposed']} "
                    "with the proposed score (the final progress)."
                )
        for cycle_id, name in self.reopened.items():
            try:
                writes.close_cycle(self.db, cycle_id, person=self.person, today=self.today)
            except ValidationError as error:
                self.problems.append(Problem(None, "", f"{name} could not be closed again: {error.message}"))
                continue
            self.notes.append(
                f"{name}: opened for the import and closed again at its end; the scores nobody "
                "reviewed are proposed afresh from its history."
            )


class _Importer:
    """The import of one table (a CSV file or a sheet) in one layout; see :class:`_Run` for what
    the importers of one import share."""

    def __init__(self, run: _Run, columns: _Columns, rows: list[tuple[int, dict]], sheet: str | None):
        self.run = run
        self.db = run.db
        self.columns = columns
        self.rows = rows
        self.sheet = sheet
        self.failed: set[str] = set()  # the cells of the row being read that could not be read

    # problems ------------------------------------------------------------------------

    def problem(self, row: int | None, key: str, message: str) -> None:
        self.run.problems.append(Problem(row, self.columns.header(key) if key else "", message, self.sheet))

    def attempt(self, row: int, kind: str, call: Callable[[], Any], default_key: str, where: str = "") -> Any:
        """Run a write; on a ValidationError record it against the column its field maps to."""
        try:
            return call()
        except ImportRefused:
            raise
        except ValidationError as error:
            key = _FIELD_COLUMNS.get(kind, {}).get(error.field, default_key) or default_key
            self.problem(row, key, error.message + where)
            return None

    def cell(self, row: int, key: str, raw: dict, parse: Callable[[Any], Any]) -> Any:
        """Parse one cell; a problem (and None) when it cannot be read."""
        try:
            return parse(raw.get(key))
        except ValidationError as error:
            self.problem(row, key, error.message)
            self.failed.add(key)
            return None

    def person_id(self, row: int, key: str, ref: PersonRef | None) -> int | None:
        return self.run.person_id(self, row, key, ref)

    def ignored_columns(self) -> None:
        if self.columns.ignored:
            where = f"{self.sheet}: c" if self.sheet else "C"
            self.run.notes.append(where + "olumns not used: " + ", ".join(self.columns.ignored) + ".")


def _fill_down(rows: list[tuple[int, dict]], levels: tuple[str, ...], needs: Callable[[dict], bool]) -> None:
    """Fill blank cells of the hierarchy columns from the row above (merged cells, "same as above").

    A level is filled only while every level above it is the same as on the row above, so a
    new unit never inherits the previous unit's objective. ``needs(row)`` says whether the row
    carries something below the hierarchy (a key result, a value) that needs the levels filled.
    """
    previous: dict | None = None
    for _, cells in rows:
        if previous is not None and needs(cells):
            same = True
            for level in levels:
                if _is_blank(cells.get(level)):
                    if same and not _is_blank(previous.get(level)):
                        cells[level] = previous[level]
                else:
                    same = same and _key(cells[level]) == _key(previous.get(level) or "")
        elif previous is not None and _is_blank(cells.get(levels[0])) and not _is_blank(previous.get(levels[0])):
            cells[levels[0]] = previous[levels[0]]
        previous = cells


def _rows(table: pd.DataFrame, columns: _Columns) -> list[tuple[int, dict]]:
    out = []
    numbers = _row_numbers(table)
    for number, record in zip(numbers, table.to_dict("records")):
        cells = {key: record.get(header) for key, header in columns.headers.items()}
        cells = {
            k: (None if _is_blank(val) else (val.strip() if isinstance(val, str) else val)) for k, val in cells.items()
        }
        if all(val is None for val in cells.values()):
            continue
        out.append((number, cells))
    return out


def _text(value: Any) -> str | None:
    """A cell as text: None when blank; a whole number written by Excel as 7.0 reads ``7``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value).strip() or None


def _nth(label: str | None, count: int) -> int | None:
    """The place (from 0) an Objective ID such as ``"2"`` gives among ``count`` objectives sharing a
    title, as the export numbers them; None for any other label."""
    if label is not None and label.isdigit() and 1 <= int(label) <= count:
        return int(label) - 1
    return None


@dataclass
class _ObjectiveGroup:
    cycle: str
    unit: str
    title: str
    label: str | None  # the file's Objective ID, as compared
    rows: list[int]
    first_row: int
    attrs: dict[str, tuple[Any, int]] = field(default_factory=dict)
    id: int | None = None
    new: bool = False
    again: list[int] = field(default_factory=list)  # rows naming it again after other objectives


class _OkrImporter(_Importer):
    """The OKR layout: cycles, units, people, objectives, key results and current values, in
    the steps :func:`import_tables` runs (the current values after any history, so that they
    meet the check-ins they repeat; scores after both)."""

    def prepare(self) -> None:
        levels = ("cycle", "unit", "objective", "objective_id")
        _fill_down(self.rows, levels, lambda c: not _is_blank(c.get("key_result")) or not _is_blank(c.get("objective")))
        numeric = [
            c.get(k)
            for _, c in self.rows
            for k in ("baseline", "target", "current_value", "weight", "objective_weight", "score")
        ]
        self.decimal = number_style(numeric)
        self.day_first = date_style([c.get(k) for _, c in self.rows for k in ("cycle_start", "cycle_end", "as_of")])
        # Every row takes part in building cycles, units and objectives (so a bad number in one
        # key result does not hide a problem with its unit); rows with a problem add no key result.
        self.parsed = [(row, self.parse(row, cells)) for row, cells in self.rows]
        self.values_to_add: list[tuple[int, dict, int, int | None, int]] = []

    def frame(self) -> None:
        """Cycles and units: what people, KPIs and objectives need to exist."""
        self.load_cycles()
        self.load_units()

    def okrs(self) -> None:
        """Objectives, their alignment, and key results."""
        self.load_objectives()
        self.align()
        self.load_key_results()

    # reading rows --------------------------------------------------------------------

    def parse(self, row: int, c: dict) -> dict:
        """The row's cells as clean values; ``_bad`` marks a row with a problem, ``_failed`` the
        cells that could not be read (left as None)."""
        before = len(self.run.problems)
        self.failed = set()
        num = lambda k: self.cell(row, k, c, lambda x: parse_number(x, k, self.decimal))  # noqa: E731
        day = lambda k: self.cell(row, k, c, lambda x: parse_date(x, k, self.day_first))  # noqa: E731
        p: dict[str, Any] = {
            k: (str(c[k]).strip() if c.get(k) is not None else None)
            for k in (
                "cycle",
                "unit",
                "parent_unit",
                "objective",
                "objective_description",
                "aligned_to",
                "key_result",
                "unit_label",
                "note",
                "score_reason",
                "reflection",
                "kpi",
            )
        }
        p["objective_id"] = _text(c.get("objective_id"))
        if isinstance(c.get("cycle"), (int, float)):
            p["cycle"] = f"{c['cycle']:g}"
        p["cycle_start"], p["cycle_end"], p["as_of"] = day("cycle_start"), day("cycle_end"), day("as_of")
        p["cycle_state"] = self.cell(
            row,
            "cycle_state",
            c,
            lambda x: (
                None
                if _is_blank(x)
                else v.choice("cycle_state", CYCLE_STATE_WORDS.get(_words(x), str(x)), schema.CYCLE_STATES)
            ),
        )
        p["kind"] = self.cell(row, "kind", c, parse_kind)
        p["objective_owner"] = parse_person(c.get("objective_owner"))
        p["owner"] = parse_person(c.get("owner"))
        p["checkin_author"] = parse_person(c.get("checkin_author"))
        p["unit_lead"] = parse_person(c.get("unit_lead"))
        p["objective_weight"] = num("objective_weight")
        p["weight"] = num("weight")
        p["score"] = num("score")
        p["cadence_days"] = self.cell(
            row,
            "cadence_days",
            c,
            lambda x: (
                None if _is_blank(x) else v.integer("cadence_days", parse_number(x, "cadence_days"), low=1, high=90)
            ),
        )
        p["confidence"] = self.cell(row, "confidence", c, parse_confidence)
        p["type"] = self.cell(row, "type", c, parse_kr_type)
        p["baseline"], p["target"] = num("baseline"), num("target")
        raw_value = c.get("current_value")
        word = MILESTONE_WORDS.get(_key(raw_value)) if isinstance(raw_value, str) else None
        p["current_value"] = word if word is not None else num("current_value")
        percent = {k: has_percent(c.get(k)) for k in ("baseline", "target", "current_value")}

        if p["key_result"] is not None:
            # A type that could not be read is one problem: no second one about inferring it.
            if p["type"] is None and "type" not in self.failed:
                p["type"] = self.infer_type(row, p)
            if p["type"] == "milestone":
                # A milestone is a fraction done: "50%" is 0.5 and "100%" is done.
                for k in ("baseline", "target", "current_value"):
                    if percent[k] and p[k] is not None:
                        p[k] = p[k] / 100
            elif p["unit_label"] is None and any(percent.values()):
                p["unit_label"] = "%"
            if p["objective"] is None:
                self.problem(row, "objective", "is required: which objective does this key result belong to?")
        elif p["objective"] is None and any(p[k] is not None for k in ("type", "baseline", "target", "current_value")):
            self.problem(row, "key_result", "is required on a row that gives a type, baseline, target or value.")
        if p["objective"] is not None or p["key_result"] is not None:
            for k in ("cycle", "unit"):
                if p[k] is None:
                    self.problem(row, k, "is required.")
        elif p["unit"] is None and p["cycle"] is None:
            self.problem(row, "unit", "is required: this row names no unit, objective or key result.")
        if p["confidence"] is not None and p["current_value"] is None and p["key_result"] is not None:
            self.problem(row, "confidence", "is given without a current value to go with it.")
        p["_failed"] = self.failed
        p["_bad"] = len(self.run.problems) > before
        return p

    def infer_type(self, row: int, p: dict) -> str | None:
        baseline, target = p["baseline"], p["target"]
        if baseline is not None and target is not None:
            return "decrease" if target < baseline else "increase"
        if baseline is None and target is None:
            return "milestone"
        self.problem(
            row,
            "type",
            "is required when only a target or only a baseline is given "
            "(increase to, decrease to, stay above, stay below or milestone).",
        )
        return None

    # cycles --------------------------------------------------------------------------

    def load_cycles(self) -> None:
        self.cycles = {_key(r["name"]): dict(r) for r in self.db.query("SELECT * FROM cycles")}
        specs: dict[str, dict] = {}
        for row, p in self.parsed:
            if p["cycle"] is None:
                continue
            spec = specs.setdefault(_key(p["cycle"]), {"name": p["cycle"], "row": row, "failed": False})
            spec["failed"] |= bool(p["_failed"] & {"cycle_start", "cycle_end", "cycle_state"})
            for k in ("cycle_start", "cycle_end", "cycle_state"):
                if p[k] is None:
                    continue
                if k in spec and spec[k][0] != p[k]:
                    self.problem(row, k, f"{p[k]} differs from row {spec[k][1]} ({spec[k][0]}) for the same cycle.")
                spec.setdefault(k, (p[k], row))
        for key, spec in specs.items():
            given = {k: spec[k][0] for k in ("cycle_start", "cycle_end", "cycle_state") if k in spec}
            existing = self.cycles.get(key)
            if existing is not None:
                for k, column in (("cycle_start", "start_date"), ("cycle_end", "end_date"), ("cycle_state", "state")):
                    if k in given and str(given[k]) != existing[column]:
                        self.run.notes.append(
                            f"{existing['name']} exists with {column.replace('_', ' ')} {existing[column]}; "
                            f"the file's {given[k]} (row {spec[k][1]}) was not applied."
                        )
                continue
            if spec["failed"]:
                continue  # a date or state of it could not be read: reported already
            span = quarter_span(spec["name"])
            start = given.get("cycle_start") or (span[0] if span else None)
            end = given.get("cycle_end") or (span[1] if span else None)
            if start is None or end is None:
                missing = "cycle_start" if start is None else "cycle_end"
                self.problem(
                    spec["row"], missing, f"is required for the new cycle {spec['name']!r} (or name it like 2026 Q1)."
                )
                continue
            state = given.get("cycle_state")
            # A cycle to close is filled while active, then closed: a closed cycle takes no writes.
            initial = "active" if state == "closed" else (state or ("planning" if start > self.run.today else "active"))
            new_id = self.attempt(
                spec["row"],
                "cycle",
                lambda: writes.add_cycle(self.db, spec["name"], start, end, state=initial, person=self.run.person),
                "cycle",
            )
            if new_id is not None:
                self.run.counts["cycles"] += 1
                self.cycles[key] = dict(next(self.db.query("SELECT * FROM cycles WHERE id = ?", [new_id])))
                self.run.cycle_state[new_id] = (spec["name"], initial)
                if state == "closed":
                    self.run.to_close[new_id] = (self, spec["cycle_state"][1])

    # units ---------------------------------------------------------------------------

    def load_units(self) -> None:
        self.units = {_key(r["name"]): dict(r) for r in self.db.query("SELECT * FROM units")}
        declared: dict[str, dict] = {}
        for row, p in self.parsed:
            if p["unit"] is None:
                continue
            spec = declared.setdefault(_key(p["unit"]), {"name": p["unit"], "row": row, "parent": None, "lead": None})
            if p["unit_lead"] is not None:
                if spec["lead"] is not None and spec["lead"][0] != p["unit_lead"]:
                    self.problem(
                        row,
                        "unit_lead",
                        f"{p['unit_lead']} differs from row {spec['lead'][1]} "
                        f"({spec['lead'][0]}) for the unit {p['unit']!r}.",
                    )
                elif spec["lead"] is None:
                    spec["lead"] = (p["unit_lead"], row)
            if p["parent_unit"] is not None:
                if spec["parent"] is not None and _key(spec["parent"][0]) != _key(p["parent_unit"]):
                    self.problem(
                        row,
                        "parent_unit",
                        f"{p['parent_unit']!r} differs from row {spec['parent'][1]} "
                        f"({spec['parent'][0]!r}) for the unit {p['unit']!r}.",
                    )
                elif spec["parent"] is None:
                    spec["parent"] = (p["parent_unit"], row)
        self.unit_failed: set[str] = set()
        self.declared_units = declared
        self.new_units: set[str] = set()
        by_parent_id = {}
        for key, spec in declared.items():
            existing = self.units.get(key)
            if existing is not None and spec["parent"] is not None:
                by_parent_id[key] = spec
        # Units first in the order of the tree: a new unit needs its parent to exist.
        for key in declared:
            self._ensure_unit(key, declared, ())
        for key, spec in by_parent_id.items():
            parent = self.units.get(_key(spec["parent"][0]))
            existing = self.units[key]
            if parent is not None and existing["parent_id"] != parent["id"]:
                self.run.notes.append(
                    f"The unit {existing['name']} exists under another parent; "
                    f"the file's {spec['parent'][0]!r} (row {spec['parent'][1]}) was not applied."
                )

    def _ensure_unit(self, key: str, declared: dict, chain: tuple[str, ...]) -> int | None:
        if key in self.units:
            return self.units[key]["id"]
        if key in self.unit_failed:
            return None
        spec = declared.get(key)
        if spec is None:
            return None
        parent_id = None
        if spec["parent"] is not None:
            parent_name, parent_row = spec["parent"]
            parent_key = _key(parent_name)
            if parent_key in chain or parent_key == key:
                self.problem(parent_row, "parent_unit", f"{parent_name!r} would sit below {spec['name']!r}: a loop.")
                self.unit_failed.add(key)
                return None
            parent_id = self._ensure_unit(parent_key, declared, chain + (key,))
            if parent_id is None:
                if parent_key not in declared:
                    self.problem(
                        parent_row,
                        "parent_unit",
                        f"there is no unit called {parent_name!r}; add a row for it or create it first.",
                    )
                self.unit_failed.add(key)
                return None
        new_id = self.attempt(
            spec["row"],
            "unit",
            lambda: writes.add_unit(self.db, spec["name"], parent_id=parent_id, person=self.run.person),
            "unit",
        )
        if new_id is None:
            self.unit_failed.add(key)
            return None
        self.run.counts["units"] += 1
        self.units[key] = dict(next(self.db.query("SELECT * FROM units WHERE id = ?", [new_id])))
        self.new_units.add(key)
        return new_id

    def leads(self) -> None:
        """The leads of the new units, once the people (with their roles) are in: a person
        named only here is added as a viewer."""
        for key in self.new_units:
            lead = self.declared_units[key]["lead"]
            if lead is None:
                continue
            ref, row = lead
            lead_id = self.person_id(row, "unit_lead", ref)
            if lead_id is None:
                continue
            unit_id = self.units[key]["id"]
            self.attempt(
                row,
                "unit",
                lambda: writes.update_unit(
                    self.db,
                    unit_id,
                    lead_id=lead_id,
                    person=self.run.person,
                    version=writes.version_of(self.db, "units", unit_id),
                ),
                "unit_lead",
            )
            self.units[key]["lead_id"] = lead_id

    # objectives ----------------------------------------------------------------------

    def group_objectives(self) -> None:
        """The objectives of the file: rows of one cycle, unit and title (and Objective ID) are one.

        Without an ID, a title named again after other objectives of its unit and cycle may be
        a second objective (the export gives such twins an ID): :meth:`load_objectives` reads
        it as the objective that exists, and refuses it for a new one."""
        self.groups: dict[tuple, _ObjectiveGroup] = {}
        previous: dict[tuple[str, str], tuple] = {}  # (cycle, unit) -> the objective of its last row
        labels: dict[tuple[str, str, str], tuple[str, int]] = {}  # (cycle, unit, ID) -> its title and row
        for row, p in self.parsed:
            if p["objective"] is None or p["cycle"] is None or p["unit"] is None:
                continue
            place = (_key(p["cycle"]), _key(p["unit"]))
            label = _key(p["objective_id"]) if p["objective_id"] is not None else None
            gkey = (*place, _key(p["objective"]), label)
            group = self.groups.get(gkey)
            if group is None:
                group = self.groups[gkey] = _ObjectiveGroup(p["cycle"], p["unit"], p["objective"], label, [], row)
            elif label is None and previous.get(place) != gkey:
                group.again.append(row)
            previous[place] = gkey
            if label is not None:
                first = labels.setdefault((*place, label), (p["objective"], row))
                if _key(first[0]) != _key(p["objective"]):
                    self.problem(
                        row,
                        "objective_id",
                        f"{p['objective_id']!r} names another objective on row "
                        f"{first[1]} ({first[0]!r}); one ID, one objective.",
                    )
                    p["_bad"] = True
                    continue
            group.rows.append(row)
            for k in (
                "objective_description",
                "kind",
                "objective_owner",
                "objective_weight",
                "aligned_to",
                "score",
                "score_reason",
                "reflection",
            ):
                if p[k] is None:
                    continue
                if k in group.attrs:
                    first, first_row = group.attrs[k]
                    same = _key(first) == _key(p[k]) if isinstance(first, str) else first == p[k]
                    if not same:
                        self.problem(
                            row,
                            k,
                            f"{str(p[k])!r} differs from row {first_row} ({str(first)!r}) "
                            f"for the same objective {p['objective']!r}.",
                        )
                else:
                    group.attrs[k] = (p[k], row)
        # A title with an ID on some rows and none on others: which objective is meant?
        titled: dict[tuple, list[_ObjectiveGroup]] = {}
        for (cycle, unit, title, _label), group in self.groups.items():
            titled.setdefault((cycle, unit, title), []).append(group)
        for twins in titled.values():
            if len(twins) > 1:
                for group in twins:
                    if group.label is None:
                        self.problem(
                            group.first_row,
                            "objective_id",
                            (
                                f"is needed here: {len(twins)} objectives of {group.unit} in {group.cycle} are called "
                                f"{group.title!r} in this file."
                            ),
                        )

    def group_of(self, p: dict) -> _ObjectiveGroup | None:
        label = _key(p["objective_id"]) if p["objective_id"] is not None else None
        return self.groups.get((_key(p["cycle"]), _key(p["unit"]), _key(p["objective"]), label))

    def load_objectives(self) -> None:
        self.group_objectives()
        existing: dict[tuple[int, int, str], list[dict]] = {}
        for r in self.db.query(
            "SELECT id, cycle_id, unit_id, title FROM objectives WHERE state = 'active' ORDER BY id"
        ):
            existing.setdefault((r["cycle_id"], r["unit_id"], _key(r["title"])), []).append(dict(r))
        titled: dict[tuple[int, int, str], list[_ObjectiveGroup]] = {}
        for group in self.groups.values():
            cycle = self.cycles.get(_key(group.cycle))
            unit = self.units.get(_key(group.unit))
            if cycle is None or unit is None:
                continue  # its problem is reported already
            titled.setdefault((cycle["id"], unit["id"], _key(group.title)), []).append(group)
        for (cycle_id, unit_id, _title), groups in titled.items():
            found = list(existing.get((cycle_id, unit_id, _title), []))
            if len(groups) == 1 and groups[0].label is None and len(found) > 1:
                group = groups[0]
                self.problem(
                    group.first_row,
                    "objective",
                    (
                        f"{len(found)} objectives of {group.unit} in {group.cycle} are called {group.title!r} already; "
                        "add an Objective ID column (the export numbers them 1, 2...) to say which."
                    ),
                )
                continue
            # Twins pair up in order: an ID such as "2" is the second of its title, as the export numbers them.
            taken: set[int] = set()
            for group in groups:
                place = _nth(group.label, len(found))
                if place is not None and found[place]["id"] not in taken:
                    group.id = found[place]["id"]
                    taken.add(group.id)
            free = [r for r in found if r["id"] not in taken]
            for group in groups:
                if group.id is None and free:
                    group.id = free.pop(0)["id"]
            for group in groups:
                if group.id is None and group.again:
                    # Two blocks of rows with one new title: two objectives, or one written apart?
                    self.problem(
                        group.again[0],
                        "objective",
                        (
                            f"{group.title!r} is named again after other objectives of {group.unit} in {group.cycle} "
                            f"(first at row {group.first_row}). If it is a second objective with that title, give each "
                            "an Objective ID to tell them apart (as the export does); if it is the same one, put its "
                            "rows together."
                        ),
                    )
                elif group.id is None:
                    self.add_objective(group, self.cycles[_key(group.cycle)], self.units[_key(group.unit)])
                elif group.again:
                    self.run.notes.append(
                        f"Row {group.again[0]} names {group.title!r} of {group.unit} again after other objectives "
                        f"(first at row {group.first_row}): read as that objective, which exists already. To add a "
                        "second objective with that title, give each an Objective ID."
                    )
                if group.id is not None and group.label is not None:
                    self.run.objective_ids[(_key(group.cycle), _key(group.unit), _key(group.title), group.label)] = (
                        group.id
                    )

    def add_objective(self, group: _ObjectiveGroup, cycle: dict, unit: dict) -> None:
        attrs = {k: val for k, (val, _) in group.attrs.items()}
        owner_ref = attrs.get("objective_owner")
        owner_row = group.attrs.get("objective_owner", (None, group.first_row))[1]
        owner_id = self.person_id(owner_row, "objective_owner", owner_ref) if owner_ref else unit["lead_id"]
        if owner_ref and owner_id is None:
            return
        if not self.run.writable(self, group.first_row, "objective", cycle["id"]):
            return
        new_id = self.attempt(
            group.first_row,
            "objective",
            lambda: writes.add_objective(
                self.db,
                cycle["id"],
                unit["id"],
                group.title,
                description=attrs.get("objective_description") or "",
                owner_id=owner_id,
                kind=attrs.get("kind") or "committed",
                weight=attrs["objective_weight"] if attrs.get("objective_weight") is not None else 1.0,
                person=self.run.person,
            ),
            "objective",
        )
        if new_id is not None:
            group.id, group.new = new_id, True
            self.run.counts["objectives"] += 1

    def align(self) -> None:
        """Align the new objectives, now that every objective of the file exists (parents may come later)."""
        for group in self.groups.values():
            if group.id is None or "aligned_to" not in group.attrs or not group.new:
                continue
            title, row = group.attrs["aligned_to"]
            cycle = self.cycles[_key(group.cycle)]
            unit = self.units[_key(group.unit)]
            target = self.find_parent(cycle["id"], unit["id"], title, group.id)
            if target is None:
                self.problem(row, "aligned_to", f"no objective or key result of {cycle['name']} is called {title!r}.")
                continue
            objective_id, kr_id = target
            self.attempt(
                row,
                "alignment",
                lambda: writes.update_objective(
                    self.db,
                    group.id,
                    parent_objective_id=objective_id,
                    parent_kr_id=kr_id,
                    person=self.run.person,
                    version=writes.version_of(self.db, "objectives", group.id),
                ),
                "aligned_to",
            )

    def find_parent(self, cycle_id: int, unit_id: int, title: str, self_id: int) -> tuple[int, int | None] | None:
        """The objective (or key result) called ``title`` in the cycle, preferring the nearest unit above."""
        above = lookups.unit_ancestors(self.db, unit_id)
        rank = {u: i for i, u in enumerate(above)}

        def best(rows: list[dict]) -> dict | None:
            rows = [r for r in rows if r["id"] != self_id]
            if not rows:
                return None
            return min(rows, key=lambda r: rank.get(r["unit_id"], len(rank) + 1))

        objs = [
            dict(r)
            for r in self.db.query(
                "SELECT id, unit_id, title FROM objectives WHERE cycle_id = ? AND state = 'active'", [cycle_id]
            )
            if _key(r["title"]) == _key(title)
        ]
        found = best(objs)
        if found is not None:
            return found["id"], None
        krs = [
            dict(r)
            for r in self.db.query(
                "SELECT kr.id AS kr_id, o.id, o.unit_id, kr.title FROM key_results kr "
                "JOIN objectives o ON o.id = kr.objective_id "
                "WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0",
                [cycle_id],
            )
            if _key(r["title"]) == _key(title)
        ]
        found = best(krs)
        return (found["id"], found["kr_id"]) if found is not None else None

    # key results ---------------------------------------------------------------------

    def load_key_results(self) -> None:
        seen: dict[tuple[int, str], int] = {}
        kept = 0
        kpi_missing: dict[str, list[int]] = {}
        for row, p in self.parsed:
            self.run.tick()
            if p["key_result"] is None or p["_bad"]:
                continue
            group = self.group_of(p)
            if group is None or group.id is None:
                continue
            skey = (group.id, _key(p["key_result"]))
            if skey in seen:
                self.problem(
                    row,
                    "key_result",
                    f"{p['key_result']!r} appears twice in this objective (rows {seen[skey]} and {row}).",
                )
                continue
            seen[skey] = row
            # Compared as names are everywhere: spaces collapsed, case folded (a title with a double
            # space or a line break finds itself again).
            kr = next(
                (
                    dict(r)
                    for r in self.db.query(
                        "SELECT * FROM key_results WHERE objective_id = ? AND archived = 0 ORDER BY id", [group.id]
                    )
                    if _key(r["title"]) == skey[1]
                ),
                None,
            )
            cycle_id = self.cycles[_key(group.cycle)]["id"]
            if kr is not None:
                kept += 1
                if not self.same_goal(row, p, kr):
                    continue
                kr_id, owner_id = kr["id"], kr["owner_id"]
            else:
                owner_id = self.person_id(row, "owner", p["owner"])
                if p["owner"] is not None and owner_id is None:
                    continue
                kpi_id = None
                if p["kpi"] is not None:
                    kpi_id = self.run.kpi_for(p["kpi"], self.units[_key(group.unit)]["id"])
                    if kpi_id is None:
                        kpi_missing.setdefault(p["kpi"], []).append(row)
                if not self.run.writable(self, row, "key_result", cycle_id):
                    continue
                kr_id = self.attempt(
                    row,
                    "key_result",
                    lambda: writes.add_key_result(
                        self.db,
                        group.id,
                        p["key_result"],
                        p["type"],
                        baseline=p["baseline"],
                        target=p["target"],
                        unit_label=p["unit_label"] or "",
                        weight=p["weight"] if p["weight"] is not None else 1.0,
                        owner_id=owner_id,
                        kpi_id=kpi_id,
                        cadence_days=p["cadence_days"] if p["cadence_days"] is not None else 7,
                        person=self.run.person,
                    ),
                    "key_result",
                )
                if kr_id is None:
                    continue
                self.run.counts["key_results"] += 1
            if p["current_value"] is not None:
                self.values_to_add.append((row, p, kr_id, owner_id, cycle_id))
        if kept:
            self.run.notes.append(
                f"{kept} key result{'s' if kept != 1 else ''} existed already and were kept as they are."
            )
        kept_objectives = sum(1 for g in self.groups.values() if g.id is not None and not g.new)
        if kept_objectives:
            self.run.notes.append(
                f"{kept_objectives} objective{'s' if kept_objectives != 1 else ''} existed already "
                "and were kept as they are."
            )
        if kpi_missing:
            names = ", ".join(f"{name!r} (row {rows[0]})" for name, rows in list(kpi_missing.items())[:5])
            count = sum(len(rows) for rows in kpi_missing.values())
            self.run.notes.append(
                f"{wording.plural(count, 'key result')} name a KPI the database does not have ({names}); they were added "
                "without it. Import the KPIs with them (the KPIs sheet of the export) to keep the link."
            )

    def same_goal(self, row: int, p: dict, kr: dict) -> bool:
        """An existing key result named again must agree on type, baseline and target."""
        ok = True
        if p["type"] is not None and p["type"] != kr["kr_type"]:
            self.problem(
                row,
                "type",
                f"{KR_TYPE_LABELS[p['type']]} differs from the key result already in the "
                f"database ({KR_TYPE_LABELS[kr['kr_type']]}); change it on the Manage page.",
            )
            ok = False
        for k in ("baseline", "target"):
            given, stored = p[k], kr[k]
            if given is None or (kr["kr_type"] == "milestone"):
                continue
            if stored is None or not math.isclose(given, stored, rel_tol=1e-9, abs_tol=1e-12):
                self.problem(
                    row,
                    k,
                    f"{given:g} differs from the key result already in the database "
                    f"({'empty' if stored is None else f'{stored:g}'}); change it on the Manage page.",
                )
                ok = False
        return ok

    # current values, then scores -----------------------------------------------------

    def values(self) -> None:
        """Each key result's current value, as a check-in dated As of; one already recorded on
        that day (by this file's history too) is not added again."""
        default_confidence = unchanged = 0
        for row, p, kr_id, owner_id, cycle_id in self.values_to_add:
            day = p["as_of"] or self.run.today
            duplicate = self.db.execute(
                "SELECT 1 FROM checkins WHERE kr_id = ? AND checkin_date = ? AND value = ? AND deleted = 0",
                [kr_id, day.isoformat(), p["current_value"]],
            ).fetchone()
            if duplicate:
                unchanged += 1
                continue
            # The owner's value when an admin (or the system) imports; a lead's import is theirs,
            # unless the file names who checked in (which the write allows an admin only).
            author_id = owner_id if self.run.names_authors else None
            if p["checkin_author"] is not None:
                author_id = self.person_id(row, "checkin_author", p["checkin_author"])
                if author_id is None:
                    continue
            if not self.run.writable(self, row, "current_value", cycle_id):
                continue
            confidence = p["confidence"]
            if confidence is None:
                confidence = DEFAULT_CONFIDENCE
                default_confidence += 1
            hint = "" if p["as_of"] else " No As of date was given, so today was used; add an As of column."
            added = self.attempt(
                row,
                "checkin",
                lambda: writes.add_checkin(
                    self.db,
                    kr_id,
                    day,
                    p["current_value"],
                    confidence,
                    p["note"] or "",
                    author_id=author_id,
                    person=self.run.person,
                ),
                "current_value",
                hint,
            )
            if added is not None:
                self.run.counts["checkins"] += 1
        if unchanged:
            self.run.notes.append(
                f"{wording.plural(unchanged, 'current value')} matched a check-in already recorded and "
                f"{'was' if unchanged == 1 else 'were'} not added again."
            )
        if default_confidence:
            self.run.notes.append(
                f"{default_confidence} current value{'s' if default_confidence != 1 else ''} came "
                f"without a confidence; {DEFAULT_CONFIDENCE} (at risk) was recorded."
            )

    def scores(self) -> None:
        """The scores, reasons and reflections of the new objectives (:func:`okrdata.writes.score_objective`),
        now that their check-ins are in. A reflection without a score keeps the proposed score;
        a score the file marks as proposed at close is left to the close, which proposes it again."""
        from okrdata import review

        for group in self.groups.values():
            if not group.new:
                continue
            attrs = {k: val for k, (val, _) in group.attrs.items() if k in ("score", "score_reason", "reflection")}
            if not attrs:
                continue
            row = min(r for _, r in (group.attrs[k] for k in attrs))
            cycle_id = self.cycles[_key(group.cycle)]["id"]
            closing = cycle_id in self.run.to_close or cycle_id in self.run.reopened
            if attrs.get("score_reason") == review.PROPOSED_AT_CLOSE and not attrs.get("reflection") and closing:
                continue
            score = attrs.get("score")
            if score is None:
                sheet = review.proposals(self.db, cycle_id, self.run.today)
                found = sheet[sheet["objective_id"] == group.id]
                score = float(found["proposal"].iloc[0]) if len(found) else 0.0
            self.attempt(
                row,
                "score",
                lambda: writes.score_objective(
                    self.db,
                    group.id,
                    score,
                    attrs.get("score_reason") or "",
                    attrs.get("reflection") or "",
                    person=self.run.person,
                    today=self.run.today,
                ),
                "score",
            )


class _CheckinImporter(_Importer):
    """The check-in layout: one check-in per row, for key results that exist.

    Two check-ins of a key result on one day keep the file's order (the later one is the
    current one): top to bottom, or bottom to top in a file listing the newest first. A row
    that repeats a check-in already recorded is not added again; when the check-ins already
    recorded for that day would then stand in another order than the file's, or the file
    names another author for one, it is recorded again in the file's place and the earlier
    record is withdrawn (kept, marked deleted, as every withdrawal is)."""

    def run_checkins(self) -> None:
        _fill_down(
            self.rows,
            ("cycle", "unit", "objective", "objective_id", "key_result"),
            lambda c: not _is_blank(c.get("value")) or not _is_blank(c.get("date")),
        )
        decimal = number_style([c.get("value") for _, c in self.rows])
        day_first = date_style([c.get("date") for _, c in self.rows])
        krs = [
            dict(r)
            for r in self.db.query(
                """
            SELECT kr.id, kr.title, kr.kr_type, kr.owner_id, kr.objective_id, o.title AS objective, u.name AS unit,
                   c.id AS cycle_id, c.name AS cycle, c.start_date, c.end_date
            FROM key_results kr JOIN objectives o ON o.id = kr.objective_id
            JOIN units u ON u.id = o.unit_id JOIN cycles c ON c.id = o.cycle_id
            WHERE kr.archived = 0 AND o.state = 'active'
            ORDER BY o.id, kr.id
            """
            )
        ]
        by_title: dict[str, list[dict]] = {}
        for kr in krs:
            by_title.setdefault(_key(kr["title"]), []).append(kr)
        entries: list[dict] = []
        defaulted = 0
        for row, c in self.rows:
            self.run.tick()
            before = len(self.run.problems)
            day = self.cell(row, "date", c, lambda x: parse_date(x, "date", day_first))
            confidence = self.cell(row, "confidence", c, parse_confidence)
            value = self.cell(row, "value", c, lambda x: parse_number(x, "value", decimal))
            for k, val in (("key_result", c.get("key_result")), ("date", day), ("value", value)):
                if val is None and not any(
                    p.column == self.columns.header(k) and p.row == row for p in self.run.problems[before:]
                ):
                    self.problem(row, k, "is required.")
            if len(self.run.problems) > before:
                continue
            kr = self.find_key_result(row, c, day, by_title)
            if kr is None:
                continue
            if kr["kr_type"] == "milestone" and has_percent(c.get("value")):
                value = value / 100
            author = parse_person(c.get("author"))
            # Without an Author column the key result's owner wrote it, when an admin (or the
            # system) imports; a lead's import is in the lead's name (see writes.add_checkin).
            author_id = (
                self.person_id(row, "author", author)
                if author
                else (kr["owner_id"] if self.run.names_authors else None)
            )
            if author is not None and author_id is None:
                continue
            if confidence is None:
                confidence = DEFAULT_CONFIDENCE
                defaulted += 1
            note = "" if c.get("note") is None else str(c["note"]).strip()
            entries.append(
                {
                    "row": row,
                    "kr": kr,
                    "day": day.isoformat(),
                    "value": value,
                    "confidence": confidence,
                    "note": note,
                    "author_id": author_id,
                    "author_given": author is not None,
                }
            )
        self.record(entries)
        if defaulted:
            self.run.notes.append(
                f"{defaulted} check-in{'s' if defaulted != 1 else ''} came without a confidence; "
                f"{DEFAULT_CONFIDENCE} (at risk) was recorded."
            )
        self.ignored_columns()

    def find_key_result(self, row: int, c: dict, day: dt.date, by_title: dict[str, list[dict]]) -> dict | None:
        candidates = by_title.get(_key(c["key_result"]), [])
        for k in ("cycle", "unit", "objective"):
            if c.get(k) is not None:
                candidates = [kr for kr in candidates if _key(kr[k]) == _key(c[k])]
        label = _text(c.get("objective_id"))
        if len(candidates) > 1 and label is not None:
            candidates = self.by_objective_id(candidates, _key(label))
        if len(candidates) > 1:
            # The same title in several cycles (carried over): the one whose cycle holds the date.
            inside = [kr for kr in candidates if kr["start_date"] <= day.isoformat() <= kr["end_date"]]
            candidates = inside or candidates
        if not candidates:
            scope = ", ".join(f"{k} {c[k]!r}" for k in ("cycle", "unit", "objective") if c.get(k) is not None)
            self.problem(
                row,
                "key_result",
                f"no key result is called {c['key_result']!r}"
                f"{' (' + scope + ')' if scope else ''}; import the OKRs first.",
            )
            return None
        if len(candidates) > 1:
            where = "; ".join(f"{kr['cycle']} / {kr['unit']} / {kr['objective']}" for kr in candidates[:4])
            self.problem(
                row,
                "key_result",
                f"{len(candidates)} key results are called {c['key_result']!r} "
                f"({where}); add Cycle, Unit, Objective (and Objective ID) columns "
                "to say which.",
            )
            return None
        return candidates[0]

    def by_objective_id(self, candidates: list[dict], label: str) -> list[dict]:
        """The candidates under the objective an Objective ID names: one this import's OKRs
        labelled so, or the n-th of objectives sharing a title (as the export numbers them)."""
        mapped = {
            self.run.objective_ids.get((_key(kr["cycle"]), _key(kr["unit"]), _key(kr["objective"]), label))
            for kr in candidates
        } - {None}
        if mapped:
            return [kr for kr in candidates if kr["objective_id"] in mapped]
        twins: dict[tuple, list[int]] = {}
        for kr in candidates:
            ids = twins.setdefault((kr["cycle_id"], _key(kr["unit"]), _key(kr["objective"])), [])
            if kr["objective_id"] not in ids:
                ids.append(kr["objective_id"])
        chosen = set()
        for ids in twins.values():
            place = _nth(label, len(ids))
            if place is not None:
                chosen.add(sorted(ids)[place])
        return [kr for kr in candidates if kr["objective_id"] in chosen] if chosen else candidates

    def record(self, entries: list[dict]) -> None:
        """Write the check-ins, per key result and day, in the file's order (see the class)."""
        # A file listing the newest first lists a day's later check-in first, too.
        rising = falling = 0
        last: dict[int, str] = {}
        for e in entries:
            before = last.get(e["kr"]["id"])
            if before is not None:
                rising += e["day"] > before
                falling += e["day"] < before
            last[e["kr"]["id"]] = e["day"]
        days: dict[tuple[int, str], list[dict]] = {}
        for e in entries:
            days.setdefault((e["kr"]["id"], e["day"]), []).append(e)
        if falling > rising:
            days = {k: list(reversed(group)) for k, group in days.items()}
        unchanged = again = added = 0
        # In the file's order, so that check-ins of one date keep it across key results too.
        for (kr_id, day), wanted in days.items():
            recorded = [
                dict(r)
                for r in self.db.query(
                    "SELECT id, value, confidence, note, author_id, version FROM checkins "
                    "WHERE kr_id = ? AND checkin_date = ? AND deleted = 0 ORDER BY id",
                    [kr_id, day],
                )
            ]
            plan = _day_plan(recorded, wanted)
            unchanged += sum(1 for step in plan if step[0] == "keep")
            writing = [step for step in plan if step[0] != "keep"]
            if not writing or not self.run.writable(self, writing[0][1]["row"], "date", wanted[0]["kr"]["cycle_id"]):
                continue
            for action, e, old in writing:
                if action == "again":
                    before = len(self.run.problems)
                    self.attempt(
                        e["row"],
                        "history",
                        lambda: writes.delete_checkin(
                            self.db, old["id"], version=old["version"], person=self.run.person
                        ),
                        "value",
                    )
                    if len(self.run.problems) > before:
                        continue
                done = self.attempt(
                    e["row"],
                    "history",
                    lambda: writes.add_checkin(
                        self.db,
                        kr_id,
                        day,
                        e["value"],
                        e["confidence"],
                        e["note"],
                        author_id=e["author_id"],
                        person=self.run.person,
                    ),
                    "value",
                )
                if done is not None and action == "again":
                    again += 1
                elif done is not None:
                    added += 1
        self.run.counts["checkins"] += added
        if unchanged:
            self.run.notes.append(
                f"{wording.plural(unchanged, 'check-in')} matched one already recorded and "
                f"{'was' if unchanged == 1 else 'were'} not added again."
            )
        if again:
            self.run.notes.append(
                f"{wording.plural(again, 'check-in')} already recorded {'was' if again == 1 else 'were'} recorded again from "
                "the file, to keep its order within a day or its author; the earlier records are kept as withdrawn."
            )


def _same_checkin(old: dict, e: dict) -> bool:
    return (
        math.isclose(old["value"], e["value"], rel_tol=1e-12, abs_tol=1e-12)
        and old["confidence"] == e["confidence"]
        and (old["note"] or "").strip() == e["note"]
    )


def _day_plan(recorded: list[dict], wanted: list[dict]) -> list[tuple[str, dict, dict | None]]:
    """What to do with a key result's check-ins of one day: ``("keep", row, check-in)`` for a
    row recorded already, ``("add", row, None)`` for a new one, ``("again", row, check-in)``
    for one to withdraw and record again so that the day's check-ins end in the file's order
    (new check-ins are recorded after those already there) or carry the file's author."""
    used: set[int] = set()

    def pair(i: int, e: dict, same_author: bool) -> dict | None:
        for old in recorded:
            if (
                old["id"] not in used
                and _same_checkin(old, e)
                and (not same_author or not e["author_given"] or old["author_id"] == e["author_id"])
            ):
                used.add(old["id"])
                return old
        return None

    matched = {i: old for i, e in enumerate(wanted) if (old := pair(i, e, True)) is not None}
    other_author = {i: old for i, e in enumerate(wanted) if i not in matched and (old := pair(i, e, False)) is not None}
    # Everything written goes after what is there: from the first row written before a row
    # kept, the rows kept are recorded again too.
    first_written = next((i for i in range(len(wanted)) if i not in matched), len(wanted))
    plan = []
    for i, e in enumerate(wanted):
        if i in matched and i < first_written:
            plan.append(("keep", e, matched[i]))
        elif i in matched or i in other_author:
            plan.append(("again", e, matched.get(i) or other_author[i]))
        else:
            plan.append(("add", e, None))
    return plan


class _PeopleImporter(_Importer):
    """The people layout: people with their names, roles and the units they may edit."""

    def run_people(self) -> None:
        units = {_key(r["name"]): r["id"] for r in self.db.query("SELECT id, name FROM units")}
        seen: dict[str, int] = {}
        kept = 0
        self.to_archive: list[tuple[int, int]] = []
        for row, c in self.rows:
            self.run.tick()
            before = len(self.run.problems)
            name = _text(c.get("name"))
            email = self.cell(row, "email", c, lambda x: None if _is_blank(x) else v.email("email", str(x)))
            role = self.cell(row, "role", c, parse_role) or "viewer"
            archived = self.cell(row, "archived", c, lambda x: parse_yes(x, "archived"))
            unit_ids = []
            for unit in re.split(r"[;\n]+", str(c.get("units") or "")):
                if unit.strip():
                    if _key(unit) in units:
                        unit_ids.append(units[_key(unit)])
                    else:
                        self.problem(
                            row,
                            "units",
                            f"there is no unit called {unit.strip()!r}; import the OKRs "
                            "(which make the units) with this file or first.",
                        )
            for k, val in (("name", name), ("email", email)):
                if val is None and k not in self.failed:
                    self.problem(row, k, "is required.")
            if len(self.run.problems) > before:
                continue
            if email.casefold() in seen:
                self.problem(row, "email", f"{email} appears twice (rows {seen[email.casefold()]} and {row}).")
                continue
            seen[email.casefold()] = row
            if email.casefold() in self.run.people_by_email:
                kept += 1
                continue
            try:
                new_id = writes.add_person(self.db, name, email, role=role, unit_ids=unit_ids, person=self.run.person)
            except ValidationError as error:
                if error.field == "role" and role == "viewer":
                    self.problem(
                        row,
                        "email",
                        f"{email} is not in the database yet, and only an admin can add "
                        "people; ask one to import this file.",
                    )
                else:
                    self.problem(row, _FIELD_COLUMNS["person"].get(error.field, "email"), error.message)
                continue
            self.run.added_person(new_id, name, email)
            if archived:
                self.to_archive.append((row, new_id))
        if kept:
            self.run.notes.append(
                f"{wording.plural(kept, 'person', 'people')} existed already and "
                f"{'was' if kept == 1 else 'were'} kept as they are."
            )
        self.ignored_columns()

    def finish(self) -> None:
        """Archive who has left, once every check-in they wrote is in."""
        for row, person_id in self.to_archive:
            self.attempt(
                row,
                "person",
                lambda: writes.update_person(
                    self.db,
                    person_id,
                    archived=True,
                    person=self.run.person,
                    version=writes.version_of(self.db, "people", person_id),
                ),
                "archived",
            )


class _KpiImporter(_Importer):
    """The KPI layout: KPIs of units that exist (or that the OKRs of the same import make)."""

    def run_kpis(self) -> None:
        decimal = number_style([c.get(k) for _, c in self.rows for k in ("target", "warning")])
        units = {_key(r["name"]): r["id"] for r in self.db.query("SELECT id, name FROM units")}
        existing = {(r["unit_id"], _key(r["name"])) for r in self.db.query("SELECT unit_id, name FROM kpis")}
        seen: dict[tuple[int, str], int] = {}
        kept = 0
        for row, c in self.rows:
            self.run.tick()
            before = len(self.run.problems)
            num = lambda k: self.cell(row, k, c, lambda x: parse_number(x, k, decimal))
            target_type = self.cell(row, "target_type", c, parse_kpi_type)
            target, warning = num("target"), num("warning")
            frequency = self.cell(
                row,
                "frequency_days",
                c,
                lambda x: (
                    None
                    if _is_blank(x)
                    else v.integer("frequency_days", parse_number(x, "frequency_days"), low=1, high=366)
                ),
            )
            name, unit = _text(c.get("kpi")), _text(c.get("unit"))
            for k, val in (("unit", unit), ("kpi", name), ("target_type", target_type), ("target", target)):
                if val is None and k not in self.failed:
                    self.problem(row, k, "is required.")
            if unit is not None and _key(unit) not in units:
                self.problem(
                    row,
                    "unit",
                    f"there is no unit called {unit!r}; import the OKRs (which make the units) "
                    "with this file or first.",
                )
            if len(self.run.problems) > before:
                continue
            key = (units[_key(unit)], _key(name))
            if key in seen:
                self.problem(row, "kpi", f"{name!r} of {unit} appears twice (rows {seen[key]} and {row}).")
                continue
            seen[key] = row
            if key in existing:
                kept += 1
                continue
            added = self.attempt(
                row,
                "kpi",
                lambda: writes.add_kpi(
                    self.db,
                    key[0],
                    name,
                    target_type,
                    target,
                    warning=warning,
                    frequency_days=frequency if frequency is not None else 7,
                    unit_label=_text(c.get("unit_label")) or "",
                    description=_text(c.get("description")) or "",
                    person=self.run.person,
                ),
                "kpi",
            )
            if added is not None:
                self.run.counts["kpis"] += 1
        if kept:
            self.run.notes.append(
                f"{wording.plural(kept, 'KPI')} existed already and {'was' if kept == 1 else 'were'} kept as they are."
            )
        self.ignored_columns()


class _ReadingImporter(_Importer):
    """The KPI reading layout: one reading per row, for KPIs that exist."""

    def run_readings(self) -> None:
        _fill_down(self.rows, ("unit", "kpi"), lambda c: not _is_blank(c.get("value")) or not _is_blank(c.get("date")))
        decimal = number_style([c.get("value") for _, c in self.rows])
        day_first = date_style([c.get("date") for _, c in self.rows])
        kpis = [
            dict(r)
            for r in self.db.query(
                "SELECT k.id, k.name, u.name AS unit FROM kpis k JOIN units u ON u.id = k.unit_id ORDER BY k.id"
            )
        ]
        recorded: dict[tuple[int, str], list[float]] = {}
        for r in self.db.query("SELECT kpi_id, reading_date, value FROM kpi_readings"):
            recorded.setdefault((r["kpi_id"], r["reading_date"]), []).append(r["value"])
        unchanged = 0
        for row, c in self.rows:
            self.run.tick()
            before = len(self.run.problems)
            day = self.cell(row, "date", c, lambda x: parse_date(x, "date", day_first))
            value = self.cell(row, "value", c, lambda x: parse_number(x, "value", decimal))
            name = _text(c.get("kpi"))
            for k, val in (("kpi", name), ("date", day), ("value", value)):
                if val is None and k not in self.failed:
                    self.problem(row, k, "is required.")
            if len(self.run.problems) > before:
                continue
            candidates = [
                k
                for k in kpis
                if _key(k["name"]) == _key(name) and (c.get("unit") is None or _key(k["unit"]) == _key(c["unit"]))
            ]
            if len(candidates) != 1:
                self.problem(
                    row,
                    "kpi",
                    f"no KPI is called {name!r}; import the KPIs first."
                    if not candidates
                    else f"{len(candidates)} KPIs are called {name!r}; add a Unit column to say which.",
                )
                continue
            kpi_id = candidates[0]["id"]
            same = recorded.get((kpi_id, day.isoformat()), [])
            match = next((i for i, x in enumerate(same) if math.isclose(x, value, rel_tol=1e-12, abs_tol=1e-12)), None)
            if match is not None:
                same.pop(match)  # each reading recorded matches one row of the file
                unchanged += 1
                continue
            author = parse_person(c.get("author"))
            author_id = self.person_id(row, "author", author) if author else None
            if author is not None and author_id is None:
                continue
            added = self.attempt(
                row,
                "reading",
                lambda: writes.add_kpi_reading(
                    self.db, kpi_id, day, value, author_id=author_id, person=self.run.person
                ),
                "value",
            )
            if added is not None:
                self.run.counts["kpi_readings"] += 1
        if unchanged:
            self.run.notes.append(
                f"{wording.plural(unchanged, 'KPI reading')} matched one already recorded and "
                f"{'was' if unchanged == 1 else 'were'} not added again."
            )
        self.ignored_columns()


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


# --- exporting ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as a cell shows it: whole floats as ints, missing values as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _export_cycles(db, cycle_id: int | None) -> list[dict]:
    rows = [dict(r) for r in db.query("SELECT * FROM cycles ORDER BY start_date, id")]
    if cycle_id is not None:
        rows = [r for r in rows if r["id"] == int(cycle_id)]
        if not rows:
            raise ValidationError("cycle", f"there is no cycle with id {cycle_id}.")
    return rows


def person_cell(name: str | None, email: str | None) -> str | None:
    """A person as the export writes them: ``Name <e-mail>``, which the import reads back whole."""
    if not email:
        return name or None
    return f"{name} <{email}>" if name else email


def _people_cells(db) -> dict[int, str]:
    return {r["id"]: person_cell(r["name"], r["email"]) for r in db.query("SELECT id, name, email FROM people")}


def _objective_labels(db, cycle_id: int) -> dict[int, str]:
    """Objective IDs for the objectives of a cycle that share their title with another of their
    unit: 1, 2... in the order they were made (:func:`_nth` reads them back)."""
    twins: dict[tuple[int, str], list[int]] = {}
    for r in db.query(
        "SELECT id, unit_id, title FROM objectives WHERE cycle_id = ? AND state = 'active' ORDER BY id", [cycle_id]
    ):
        twins.setdefault((r["unit_id"], _key(r["title"])), []).append(r["id"])
    return {oid: str(n) for ids in twins.values() if len(ids) > 1 for n, oid in enumerate(ids, start=1)}


def export_okrs(db: sqlite_utils.Database, cycle_id: int | None = None) -> pd.DataFrame:
    """The OKRs in the import layout: one row per key result, with its latest check-in.

    Every cycle (oldest first) or one; archived objectives and key results are left out.
    Units with no objective in the export come first as rows of their own (Unit and Parent
    unit only), so that importing the file into an empty database rebuilds the unit tree.
    People are written as ``Name <e-mail>``, types as words; objectives sharing a title in one
    unit get an Objective ID. Importing the result gives the same objectives and key results,
    their scores and their latest values; the full history needs :func:`export_checkins` (or
    :func:`export_okrs_xlsx`, which holds every layout).
    """
    headers = [c.header for c in OKR_COLUMNS]
    people = _people_cells(db)
    kpi_names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM kpis")}
    tree = queries.units(db)
    unit_rows = {int(r["id"]): r for r in tree.to_dict("records")}
    parent_name = {
        uid: (
            unit_rows[int(r["parent_id"])]["name"]
            if not pd.isna(r["parent_id"]) and int(r["parent_id"]) in unit_rows
            else None
        )
        for uid, r in unit_rows.items()
    }
    order = {int(uid): i for i, uid in enumerate(tree["id"])}
    lead = {uid: people.get(_plain(r["lead_id"])) for uid, r in unit_rows.items()}
    out: list[dict] = []
    used_units: set[int] = set()
    body: list[dict] = []
    for cyc in _export_cycles(db, cycle_id):
        objs = queries.objectives(db, cyc["id"])
        krs = queries.key_results(db, cyc["id"])
        labels = _objective_labels(db, cyc["id"])
        titles = {}
        for r in db.query("SELECT id, title FROM objectives WHERE cycle_id = ?", [cyc["id"]]):
            titles[("o", r["id"])] = r["title"]
        for r in db.query(
            "SELECT kr.id, kr.title FROM key_results kr JOIN objectives o ON o.id = kr.objective_id "
            "WHERE o.cycle_id = ?",
            [cyc["id"]],
        ):
            titles[("k", r["id"])] = r["title"]
        scores = {
            r["id"]: r
            for r in db.query(
                "SELECT id, score, score_reason, reflection FROM objectives WHERE cycle_id = ?", [cyc["id"]]
            )
        }
        authors = {
            r["id"]: r["author_id"]
            for r in db.query(
                "SELECT c.id, c.author_id FROM checkins c JOIN key_results kr ON kr.id = c.kr_id "
                "JOIN objectives o ON o.id = kr.objective_id WHERE o.cycle_id = ?",
                [cyc["id"]],
            )
        }
        by_objective = {oid: g for oid, g in krs.groupby("objective_id")} if not krs.empty else {}
        objs = objs.assign(_order=[order.get(int(u), 10**9) for u in objs["unit_id"]]) if not objs.empty else objs
        for o in objs.sort_values(["_order", "objective_id"]).to_dict("records") if not objs.empty else []:
            used_units.add(int(o["unit_id"]))
            if not pd.isna(o["parent_kr_id"]):
                aligned = titles.get(("k", int(o["parent_kr_id"])))
            elif not pd.isna(o["parent_objective_id"]):
                aligned = titles.get(("o", int(o["parent_objective_id"])))
            else:
                aligned = None
            scored = scores[int(o["objective_id"])]
            base = {
                "Cycle": cyc["name"],
                "Cycle start": cyc["start_date"],
                "Cycle end": cyc["end_date"],
                "Cycle state": cyc["state"],
                "Unit": o["unit_name"],
                "Parent unit": parent_name.get(int(o["unit_id"])),
                "Unit lead": lead.get(int(o["unit_id"])),
                "Objective": o["title"],
                "Objective ID": labels.get(int(o["objective_id"])),
                "Objective description": o["description"] or None,
                "Kind": o["kind"],
                "Objective owner": people.get(_plain(o["owner_id"])),
                "Objective weight": _plain(o["weight"]),
                "Aligned to": aligned,
                "Score": _plain(scored["score"]),
                "Score reason": scored["score_reason"] or None,
                "Reflection": scored["reflection"] or None,
            }
            group = by_objective.get(o["objective_id"])
            if group is None or group.empty:
                body.append(base)
                continue
            for k in group.to_dict("records"):
                milestone = k["kr_type"] == "milestone"
                has_value = _plain(k["value"]) is not None
                checkin = _plain(k["checkin_id"])
                body.append(
                    {
                        **base,
                        "Key result": k["title"],
                        "Type": KR_TYPE_LABELS[k["kr_type"]],
                        "Baseline": None if milestone else _plain(k["baseline"]),
                        "Target": None if milestone else _plain(k["target"]),
                        "Unit label": k["unit_label"] or None,
                        "Current value": _plain(k["value"]),
                        "Confidence": _plain(k["confidence"]) if has_value else None,
                        "As of": k["last_checkin_date"] if has_value else None,
                        "Note": (k["note"] or None) if has_value else None,
                        "Checked in by": people.get(authors.get(checkin))
                        if has_value and checkin is not None
                        else None,
                        "Weight": _plain(k["weight"]),
                        "Owner": people.get(_plain(k["owner_id"])),
                        "KPI": kpi_names.get(_plain(k["kpi_id"])),
                        "Check-in every (days)": _plain(k["cadence_days"]),
                    }
                )
    for uid, r in unit_rows.items():
        if uid not in used_units:
            out.append({"Unit": r["name"], "Parent unit": parent_name.get(uid), "Unit lead": lead.get(uid)})
    out.extend(body)
    frame = pd.DataFrame(out, columns=headers, dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def export_checkins(db: sqlite_utils.Database, cycle_id: int | None = None) -> pd.DataFrame:
    """Every check-in (not deleted) in the check-in layout: by cycle, then oldest first, two on
    one day in the order they were made (the order the import keeps); authors as ``Name <e-mail>``."""
    rows = []
    for cyc in _export_cycles(db, cycle_id):
        labels = _objective_labels(db, cyc["id"])
        for r in db.query(
            """
            SELECT c.checkin_date, c.value, c.confidence, c.note, p.name AS author_name, p.email AS author,
                   kr.title AS kr, o.id AS objective_id, o.title AS objective, u.name AS unit
            FROM checkins c JOIN key_results kr ON kr.id = c.kr_id
            JOIN objectives o ON o.id = kr.objective_id JOIN units u ON u.id = o.unit_id
            LEFT JOIN people p ON p.id = c.author_id
            WHERE o.cycle_id = ? AND c.deleted = 0 AND kr.archived = 0 AND o.state = 'active'
            ORDER BY c.checkin_date, c.id
            """,
            [cyc["id"]],
        ):
            rows.append(
                {
                    "Cycle": cyc["name"],
                    "Unit": r["unit"],
                    "Objective": r["objective"],
                    "Objective ID": labels.get(r["objective_id"]),
                    "Key result": r["kr"],
                    "Date": r["checkin_date"],
                    "Value": _plain(r["value"]),
                    "Confidence": r["confidence"],
                    "Note": r["note"] or None,
                    "Author": person_cell(r["author_name"], r["author"]),
                }
            )
    frame = pd.DataFrame(rows, columns=[c.header for c in CHECKIN_COLUMNS], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def export_people(db: sqlite_utils.Database) -> pd.DataFrame:
    """Everyone in the people layout: name, e-mail, role, the units they may edit besides those
    they lead, and whether they have left (archived). No passwords: those move with a full export."""
    units = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM units")}
    edits: dict[int, list[str]] = {}
    for person_id, unit_ids in lookups.person_units_map(db).items():
        edits[person_id] = [units[u] for u in unit_ids if u in units]
    rows = [
        {
            "Name": r["name"],
            "E-mail": r["email"],
            "Role": r["role"],
            "Units": "; ".join(edits.get(r["id"], [])) or None,
            "Archived": "yes" if r["archived"] else None,
        }
        for r in db.query("SELECT id, name, email, role, archived FROM people ORDER BY id")
    ]
    frame = pd.DataFrame(rows, columns=[c.header for c in PEOPLE_COLUMNS], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def _kpi_rows(db) -> list[dict]:
    """The KPIs that are not archived, in the order of the unit tree."""
    order = {int(uid): i for i, uid in enumerate(queries.units(db, include_archived=True)["id"])}
    rows = [
        dict(r)
        for r in db.query(
            "SELECT k.*, u.name AS unit FROM kpis k JOIN units u ON u.id = k.unit_id WHERE k.archived = 0"
        )
    ]
    return sorted(rows, key=lambda r: (order.get(r["unit_id"], 10**9), r["id"]))


def export_kpis(db: sqlite_utils.Database) -> pd.DataFrame:
    """The KPIs (not archived) in the KPI layout, target types as words."""
    rows = [
        {
            "Unit": r["unit"],
            "KPI": r["name"],
            "Unit label": r["unit_label"] or None,
            "Target type": KPI_TYPE_LABELS[r["target_type"]],
            "Target": _plain(r["target"]),
            "Warning": _plain(r["warning"]),
            "Frequency (days)": r["frequency_days"],
            "Description": r["description"] or None,
        }
        for r in _kpi_rows(db)
    ]
    frame = pd.DataFrame(rows, columns=[c.header for c in KPI_COLUMNS], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def export_kpi_readings(db: sqlite_utils.Database, cycle_id: int | None = None) -> pd.DataFrame:
    """Every reading of the KPIs :func:`export_kpis` writes (only those inside the cycle's dates
    when ``cycle_id`` is given), per KPI oldest first; authors as ``Name <e-mail>``."""
    span = None
    if cycle_id is not None:
        cyc = _export_cycles(db, cycle_id)[0]
        span = (cyc["start_date"], cyc["end_date"])
    rows = []
    for kpi in _kpi_rows(db):
        for r in db.query(
            "SELECT r.reading_date, r.value, p.name, p.email FROM kpi_readings r LEFT JOIN people p ON p.id = r.author_id "
            "WHERE r.kpi_id = ? ORDER BY r.reading_date, r.id",
            [kpi["id"]],
        ):
            if span is None or span[0] <= r["reading_date"] <= span[1]:
                rows.append(
                    {
                        "Unit": kpi["unit"],
                        "KPI": kpi["name"],
                        "Date": r["reading_date"],
                        "Value": _plain(r["value"]),
                        "Author": person_cell(r["name"], r["email"]),
                    }
                )
    frame = pd.DataFrame(rows, columns=[c.header for c in KPI_READING_COLUMNS], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def _csv_cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return neutralise_cell(str(value)) if isinstance(value, str) else str(value)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as CSV (UTF-8 with a byte-order mark, so Excel shows accents right)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise_cell(str(c)) for c in frame.columns])
    for record in frame.itertuples(index=False):
        writer.writerow([_csv_cell(x) for x in record])
    return buffer.getvalue().encode("utf-8-sig")


_DATE_HEADERS = {"Cycle start", "Cycle end", "As of", "Date"}


def _text_cells(ws, row: list[Any]) -> None:
    """Append ``row`` to ``ws`` with every text cell typed as text (openpyxl would make a cell
    starting with ``=`` a formula) and neutralised (:func:`neutralise_cell`); an escaped cell
    also carries Excel's quote prefix, so editing it in Excel keeps it text."""
    ws.append([neutralise_cell(x) for x in row])
    for cell, raw in zip(ws[ws.max_row], row):
        if isinstance(raw, str):
            cell.data_type = "s"
            if cell.value != raw:
                cell.quotePrefix = True


def _fill_sheet(ws, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Font

    _text_cells(ws, [str(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    date_cols = [j for j, c in enumerate(frame.columns) if c in _DATE_HEADERS]
    for record in frame.itertuples(index=False):
        row = [_plain(x) for x in record]
        for j in date_cols:
            if isinstance(row[j], str):
                try:
                    row[j] = dt.date.fromisoformat(row[j][:10])
                except ValueError:
                    pass
        _text_cells(ws, row)
    for j, name in enumerate(frame.columns):
        letter = _column_letter(j)
        values = [str(name)] + [str(x) for x in frame.iloc[:200, j] if x is not None]
        ws.column_dimensions[letter].width = min(60, max(8, max(len(x) for x in values) + 2))
        if name in _DATE_HEADERS:
            for cell in ws[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"


def to_xlsx_bytes(frame: pd.DataFrame | dict[str, pd.DataFrame], sheet_name: str = "OKRs") -> bytes:
    """A table (or ``{sheet name: table}``) as an Excel workbook: bold frozen header, dates as
    dates, numbers as numbers."""
    import openpyxl

    sheets = frame if isinstance(frame, dict) else {sheet_name: frame}
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, table in sheets.items():
        _fill_sheet(book.create_sheet(name[:31]), table)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_okrs_csv(db: sqlite_utils.Database, cycle_id: int | None = None) -> bytes:
    """:func:`export_okrs` as CSV bytes (for a download button)."""
    return to_csv_bytes(export_okrs(db, cycle_id))


def export_workbook(db: sqlite_utils.Database, cycle_id: int | None = None) -> dict[str, pd.DataFrame]:
    """The sheets of the Excel export, each in a layout the import reads back: OKRs, their
    check-ins, KPIs and their readings, and people, for every cycle or one (KPIs and people
    are everyone's)."""
    return {
        "OKRs": export_okrs(db, cycle_id),
        "Check-ins": export_checkins(db, cycle_id),
        "KPIs": export_kpis(db),
        "KPI readings": export_kpi_readings(db, cycle_id),
        "People": export_people(db),
    }


def export_okrs_xlsx(db: sqlite_utils.Database, cycle_id: int | None = None) -> bytes:
    """:func:`export_workbook` as an Excel workbook: importing it into an empty database gives
    back the OKRs with their whole history, scores and reflections, the KPIs with their
    readings, and the people with their names and roles."""
    return to_xlsx_bytes(export_workbook(db, cycle_id))


def write_table(frame: pd.DataFrame, path: str | os.PathLike, sheet_name: str = "OKRs") -> Path:
    """Write a table to ``path`` as .csv or .xlsx, by its extension, whole or not at all
    (:func:`okrdata.files.write_atomic`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = to_csv_bytes(frame)
    elif suffix in (".xlsx", ".xlsm"):
        data = to_xlsx_bytes(frame, sheet_name)
    else:
        raise ValidationError("file", f"must end in .csv or .xlsx, not {suffix or 'nothing'!r}.")
    return write_atomic(path, data, field="file")


# --- the full export ---------------------------------------------------------------------


def data_tables(db: sqlite_utils.Database) -> list[str]:
    """The tables a full export holds: every table but SQLite's own, the migrations record, the
    server's bookkeeping (:data:`okrdata.schema.SERVER_TABLES`) and virtual tables (with their shadow tables), parents before the tables that refer to them."""
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    names = [
        name
        for name, _ in rows
        if not name.startswith("sqlite_")
        and name != "_migrations"
        and name not in virtual
        and name not in schema.SERVER_TABLES
        and not any(name.startswith(vt + "_") for vt in virtual)
    ]
    deps = {n: {fk.other_table for fk in db[n].foreign_keys if fk.other_table != n} for n in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and deps[n] <= set(ordered) | ({n} - set(names))]
        if not ready:  # a cycle of references (objectives <-> key_results): foreign keys are deferred anyway
            ready = [next(n for n in names if n not in ordered)]
        ordered.extend(ready[:1])
    return ordered


def _export_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$base64": base64.b64encode(value).decode("ascii")}
    return value


def _import_value(value: Any) -> Any:
    if isinstance(value, dict) and "$base64" in value:
        return base64.b64decode(value["$base64"])
    return value


def full_export(db: sqlite_utils.Database, fmt: str = "json", progress: Progress | None = None) -> bytes:
    """Every row of every table, as JSON (``fmt="json"``) or a zip of CSV files (``fmt="zip"``).

    Ids, timestamps, revisions, scores, password hashes and settings (the demo flag) are all
    kept, so :func:`full_import` into an empty database gives the same dashboard. The JSON form
    is exact; in the CSV form an empty cell is NULL in a column that allows it, else ''.
    The rows are read in one transaction, so the export is consistent while others write.
    """
    if fmt not in ("json", "zip"):
        raise ValidationError("format", f"must be json or zip, not {fmt!r}.")
    own = not db.conn.in_transaction
    if own:
        db.execute("BEGIN")  # one read snapshot for every table, while others go on writing
    try:
        tables = data_tables(db)
        manifest = {
            "format": FULL_EXPORT_FORMAT,
            "version": FULL_EXPORT_VERSION,
            "schema_version": schema.schema_version(db),
            "migrations": schema.applied_migrations(db),
            "exported_at": writes.now_iso(),
            "tables": {},
        }
        for i, name in enumerate(tables, start=1):
            cursor = db.execute(f"SELECT * FROM [{name}] ORDER BY rowid")
            columns = [d[0] for d in cursor.description]
            manifest["tables"][name] = {
                "columns": columns,
                "types": {c.name: c.type for c in db[name].columns},
                "rows": [[_export_value(x) for x in row] for row in cursor.fetchall()],
            }
            if progress:
                progress(i, len(tables))
    finally:
        if own:
            db.execute("COMMIT")
    if fmt == "json":
        return json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        head = {k: val for k, val in manifest.items() if k != "tables"}
        head["tables"] = {
            name: {"columns": spec["columns"], "types": spec["types"], "file": f"{name}.csv", "rows": len(spec["rows"])}
            for name, spec in manifest["tables"].items()
        }
        zf.writestr("manifest.json", json.dumps(head, ensure_ascii=False, indent=1))
        for name, spec in manifest["tables"].items():
            text = io.StringIO(newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(spec["columns"])
            for row in spec["rows"]:
                writer.writerow(
                    [
                        ""
                        if x is None
                        else (
                            repr(x)
                            if isinstance(x, float)
                            else json.dumps(x)
                            if isinstance(x, dict)
                            else neutralise_cell(x)
                        )
                        for x in row
                    ]
                )
            zf.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()


def _csv_value(text: str, declared: str, nullable: bool) -> Any:
    if text == "":
        return None if nullable else ""
    affinity = (declared or "").upper()
    if "INT" in affinity:
        try:
            return int(text)
        except ValueError:
            return text
    if any(t in affinity for t in ("REAL", "FLOA", "DOUB")):
        try:
            return float(text)
        except ValueError:
            return text
    if "CHAR" in affinity or "CLOB" in affinity or "TEXT" in affinity:
        return text
    # No declared type: a number stays a number, as it was stored.
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def read_full_export(data: bytes) -> dict:
    """A full export (JSON or zip, as :func:`full_export` writes it) as one dict with every row."""
    try:
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                manifest = json.loads(zf.read("manifest.json"))
                for name, spec in manifest.get("tables", {}).items():
                    reader = csv.reader(io.StringIO(zf.read(spec["file"]).decode("utf-8"), newline=""))
                    header = next(reader)
                    if header != spec["columns"]:
                        raise ValidationError("file", f"{spec['file']} has columns {header}, not {spec['columns']}.")
                    spec["rows"] = [[unneutralise_cell(c) for c in r] for r in reader]
                    spec["csv"] = True
        else:
            manifest = json.loads(data.decode("utf-8"))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ValidationError("file", f"is not a full export this version can read ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FULL_EXPORT_FORMAT:
        raise ValidationError("file", "is not a full export of the OKR dashboard (okr export --full writes one).")
    if int(manifest.get("version", 0)) > FULL_EXPORT_VERSION:
        raise ValidationError("file", "was written by a newer version of the dashboard; upgrade this one first.")
    return manifest


def _check_full_target(db: sqlite_utils.Database, manifest: dict) -> None:
    schema.migrate(db)
    known = set(schema.applied_migrations(db))
    newer = [m for m in manifest.get("migrations", []) if m not in known]
    if newer:
        raise ValidationError(
            "file", f"comes from a newer schema (migrations {', '.join(newer)}); upgrade the dashboard first."
        )
    present = set(data_tables(db))
    for name, spec in manifest["tables"].items():
        if name not in present:
            raise ValidationError("file", f"holds a table {name!r} this version does not know.")
        have = set(db[name].columns_dict)
        unknown = [c for c in spec["columns"] if c not in have]
        if unknown:
            raise ValidationError("file", f"table {name} has columns this version does not know: {', '.join(unknown)}.")
    busy = [t for t in present if db.execute(f"SELECT 1 FROM [{t}] LIMIT 1").fetchone()]
    if busy:
        raise ValidationError(
            "database",
            f"is not empty ({', '.join(busy[:4])} hold rows); a full export is restored only into "
            "an empty database (okr init --db NEW.db, then import into it).",
        )


def full_import(
    db: sqlite_utils.Database, data: bytes, *, progress: Progress | None = None, person: writes.Actor
) -> dict[str, int]:
    """Restore a full export into an empty database (migrated first); return the rows per table.

    Rows keep their ids. Foreign keys are checked once all rows are in (objectives and key
    results refer to each other), in one transaction: a damaged export changes nothing.
    ``person`` must be an admin or :data:`okrdata.writes.SYSTEM`.
    """
    writes.check_admin(db, person)
    manifest = read_full_export(data)
    _check_full_target(db, manifest)
    order = [t for t in data_tables(db) if t in manifest["tables"]]
    total = sum(len(manifest["tables"][t]["rows"]) for t in order) or 1
    done = 0
    counts: dict[str, int] = {}
    with transaction(db):
        db.execute("PRAGMA defer_foreign_keys = ON")
        for name in order:
            spec = manifest["tables"][name]
            info = {c.name: c for c in db[name].columns}
            nullable = {c: not info[c].notnull for c in spec["columns"]}
            cols = spec["columns"]
            sql = f"INSERT INTO [{name}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
            rows = spec["rows"]
            if spec.get("csv"):
                rows = [[_csv_value(x, info[c].type, nullable[c]) for x, c in zip(row, cols)] for row in rows]
            else:
                rows = [[_import_value(x) for x in row] for row in rows]
            for start in range(0, len(rows), 500):
                db.conn.executemany(sql, rows[start : start + 500])
                done += len(rows[start : start + 500])
                if progress:
                    progress(done, total)
            counts[name] = len(rows)
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            table, rowid, parent, _ = broken[0]
            raise ValidationError(
                "file",
                f"{len(broken)} row(s) refer to rows that are not in it "
                f"(first: {table} row {rowid} -> {parent}); nothing was imported.",
            )
    return counts
