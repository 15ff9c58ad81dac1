"""What an import gives back: :class:`ImportReport` when it went through, :class:`ImportRefused`
listing every :class:`Problem` when it did not, and the words a page shows them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from okrdata.errors import ValidationError

Progress = Callable[[int, int], None]
"""``progress(done, total)``, called as an import or export moves on."""


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
