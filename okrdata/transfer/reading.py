"""Reading a file into tables: a path, bytes or an upload, as CSV (any of the usual encodings and
delimiters) or an .xlsx workbook (every sheet with a header row). :func:`read_tables` finds each
table's header row and keeps the row numbers the spreadsheet shows, for the problems to name.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from okrdata.errors import ValidationError
from okrdata.parsing import is_blank as _is_blank
from okrdata.parsing import normalize_header
from okrdata.transfer.layouts import _SYNONYMS
from okrdata.transfer.sheets import _column_letter, unneutralise_cell


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
