"""Writing a spreadsheet that a spreadsheet program opens safely: the formula escape every
writer uses (:func:`neutralise_cell`) and its reverse for the import, a table as CSV or Excel
bytes (:func:`to_csv_bytes`, :func:`to_xlsx_bytes`) or as a file (:func:`write_table`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from okrdata.errors import ValidationError
from okrdata.files import write_atomic

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


def _column_letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _plain(value: Any) -> Any:
    """A value as a cell shows it: whole floats as ints, missing values as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


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
