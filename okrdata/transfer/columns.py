"""Mapping a file's columns: which layout a table is in and why (:func:`recognise_layout`), which
of its columns is which (:func:`map_columns`), and its rows as cells by column key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from okrdata.parsing import is_blank as _is_blank
from okrdata.parsing import normalize_header
from okrdata.transfer.layouts import _HEADERS, _SYNONYMS, LAYOUT_NAMES, LAYOUTS
from okrdata.transfer.results import Problem

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
