"""Tables of key results and objectives shared by the pages, and how any table is laid out.

They only pick, label and format the columns of :func:`okrdata.queries.key_results` and
:func:`okrdata.queries.objectives`, in the words of :mod:`okrdata.wording`: a missing figure
reads "—", never "None".

Layout: a table puts the columns a reader came for first (:func:`order`) with widths that show
them whole at 1440 px beside the sidebar; titles wrap onto a second line (rows taller than
64 px wrap their text) instead of being cut. A phone gets the same rows as a list
(:func:`phone_list`, see :mod:`ui.style`), never a grid cut at the screen's edge.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import overload

import pandas as pd
import pyarrow as pa
import streamlit as st

from okrdata import attention, wording
from ui import badges, style

ROW_LIMIT = 300
"""The most rows a table of key results or objectives draws: more than anyone reads down, and few
enough that a page stays as quick for a company of thousands as for the demo. A page that cuts
a table says so, how to narrow it (a unit in the sidebar, a filter), and where to get every row."""


def arrow(frame: pd.DataFrame) -> pa.Table:
    """A display table as Arrow, the form ``st.dataframe`` sends, to cache beside a page's other
    derived values: handed over as pandas, a long table is converted again at every rerun."""
    return pa.Table.from_pandas(frame, preserve_index=False)


def status_cells(rows: pd.DataFrame) -> list[str]:
    """The Status column of key results: a coloured disc and the label, and, where the status reads
    against the progress beside it (:func:`okrdata.attention.contradicts`), the confidence and date
    it rests on: ``"🟢 On track (8/10 on 3 Dec 2026)"``."""
    return [
        badges.cell(r["status"])
        + (f" ({attention.status_basis(r, named=False)})" if attention.contradiction(r) else "")
        for r in rows.to_dict("records")
    ]


def key_results_frame(krs: pd.DataFrame, reasons: bool = False) -> pd.DataFrame:
    """The key results as a display table (status in words, values with their units)."""
    frame = pd.DataFrame(
        {
            "Status": status_cells(krs),
            "Key result": krs["title"].astype(str),
            "Objective": krs["objective_title"].astype(str),
            "Unit": krs["unit_name"].astype(str),
            "Owner": krs["owner_name"].fillna("").astype(str),
            "Progress": krs["progress"].astype(float) * 100,
            "Pace": [badges.pace(p, e) for p, e in zip(krs["progress"], krs["expected"])],
            "Current": [wording.kr_value(v, u, t) for v, u, t in zip(krs["value"], krs["unit_label"], krs["kr_type"])],
            "Target": [wording.kr_target(v, u, t) for v, u, t in zip(krs["target"], krs["unit_label"], krs["kr_type"])],
            "Confidence": [wording.confidence(c) for c in krs["confidence"]],
            "Last check-in": [badges.day(d) for d in krs["last_checkin_date"]],
        }
    )
    if reasons:
        frame.insert(2, "Why", [" · ".join(r) for r in krs["reasons"]])
    return frame


STATUS_WIDTH = 115
"""Pixels of a status column: "🔴 Off track" whole on one line; the confidence and date a
contradicting status rests on wrap onto the lines below."""
PROGRESS = st.column_config.ProgressColumn(
    "Progress", min_value=0.0, max_value=100.0, format="%.0f%%", color=badges.NEUTRAL, width=110
)
"""Progress cells: the tables hold progress in percent (0–100) so the bar's label reads "42%". The
bar is one neutral colour for every row, whatever the theme: status is said in its own column, in
words beside a coloured disc, so a bar never looks red on an on-track row."""
CONFIDENCE = st.column_config.TextColumn("Confidence", help="The last check-in's confidence, 0–10.")
STATUS = st.column_config.TextColumn(
    "Status",
    width=STATUS_WIDTH,
    help="From the last confidence: 7–10 on track, 4–6 at risk, 0–3 off track; stale without a recent check-in. "
    'Where it reads against the progress beside it, the confidence and date it rests on: "On track (8/10 on '
    '3 Dec 2026)".',
)
"""Status cells of key results; what a contradicting status rests on (:func:`status_cells`) wraps below it."""

WRAP_ROW_HEIGHT = 66
"""Pixels: Streamlit wraps a cell's text only in rows taller than 4rem (64 px); three lines fit."""
TITLE_WIDTH = 250
"""Pixels of a title column (key result, objective, KPI): two lines hold the longest titles."""
PHONE_ROWS = 25
"""The most rows a phone's list shows: a list is read down, and a phone scrolls one page at a time."""


def height(rows: int, most: int = 8) -> int:
    """Pixels of a table of ``rows`` wrapped rows: all of them, or ``most`` and a scroll bar."""
    return 38 + WRAP_ROW_HEIGHT * min(max(rows, 1), most)


def text_column(label: str | None, width: int = TITLE_WIDTH, help: str | None = None) -> st.column_config.Column:
    """A column of text (titles, reasons) wide enough to wrap onto two lines (``label`` None:
    the column's name)."""
    return st.column_config.TextColumn(label, width=width, help=help)


def configure(columns, configs: dict) -> dict:
    """``configs`` keyed by name (see :func:`column`) as ``column_config`` for these ``columns``."""
    out = {}
    for name, config in configs.items():
        c = column(columns, name)
        if c is not None:
            out[c] = config
    return out


KEY_RESULT_ORDER = [
    "Status",
    "Key result",
    "Objective",
    "Progress",
    "Why",
    "Pace",
    "Confidence",
    "Current",
    "Target",
    "Last check-in",
    "Unit",
    "Owner",
]
"""Key results' columns left to right: what it is and how it is going first, who last."""
KEY_RESULT_COLUMNS = {
    "Status": STATUS,
    "Key result": text_column("Key result"),
    "Objective": text_column("Objective", 200),
    "Why": text_column("Why", 270, help="What puts it on this list."),
    "Progress": PROGRESS,
    "Pace": st.column_config.TextColumn("Pace", width=80, help="Progress minus the progress expected by today."),
    "Confidence": CONFIDENCE,
}


def column(columns, name: str) -> str | None:
    """The column of ``columns`` called ``name``, or ``name`` followed by its unit ("Progress (%)")."""
    for c in columns:
        if c == name or str(c).startswith(name + " ("):
            return c
    return None


def order(columns, first: list[str]) -> list[str]:
    """``columns`` with those named in ``first`` leading (see :func:`column`), in that order; the
    rest keep theirs."""
    present = [c for c in (column(columns, name) for name in first) if c is not None]
    return present + [c for c in columns if c not in present]


def _cell(name: str, value) -> str:
    """One value of a display table as text for the phone's list."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or str(value) == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return str(value)
    if name == "Progress":
        return badges.pct(float(value) / 100)
    if name == "Confidence":
        return f"confidence {int(value)}/10"
    return str(value)


Fact = str | tuple[str, str]
"""A column for the phone's list, by name (see :func:`column`), or (name, words put before its value)."""


def _facts(row: dict, facts: list[Fact]) -> str:
    out = []
    for fact in facts:
        name, words = (fact, "") if isinstance(fact, str) else fact
        key = column(row, name)
        text = _cell(name, row.get(key)) if key is not None else ""
        if text:
            out.append(badges.escape_markdown(f"{words} {text}" if words else text))
    return " · ".join(out)


class PhoneItems(Sequence[str]):
    """The phone's list of a display table (:func:`phone_items`): one Markdown item per row, each
    made only when asked for. A phone shows the first :data:`PHONE_ROWS` of a table that may hold
    hundreds of rows, and the page draws that list at every rerun on every screen."""

    def __init__(self, table: pd.DataFrame | pa.Table, item: Callable[[dict], str]):
        self._table = table
        self._item = item

    def __len__(self) -> int:
        return len(self._table)

    def _rows(self, positions: list[int]) -> list[dict]:
        if isinstance(self._table, pa.Table):
            return self._table.take(positions).to_pandas().to_dict("records")
        return self._table.iloc[positions].to_dict("records")

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self._item(row) for row in self._rows(list(range(*index.indices(len(self)))))]
        return self._item(self._rows([range(len(self))[index]])[0])


class _PhoneItem:
    """One row of a display table as a phone's Markdown list item (see :func:`phone_items`).

    A class rather than a closure, so that a cached reader may keep a :class:`PhoneItems`
    (readers that copy their value per session pickle it)."""

    def __init__(self, title: str, facts: list[Fact], under: list[Fact], link: str | None):
        self.title, self.facts, self.under, self.link = title, facts, under, link

    def __call__(self, row: dict) -> str:
        title, link = self.title, self.link
        name = badges.escape_markdown(_cell(title, row.get(title))) or badges.NO_VALUE
        head = f"[**{name}**]({row[link]})" if link and row.get(link) else f"**{name}**"
        line, below = _facts(row, self.facts), _facts(row, self.under)
        parts = [head] + ([line] if line else []) + ([f":gray[{below}]"] if below else [])
        return "- " + "  \n  ".join(parts)


def phone_items(
    frame: pd.DataFrame | pa.Table, title: str, facts: list[Fact], under: list[Fact], link: str | None = None
) -> PhoneItems:
    """Each row of a display table (pandas, or Arrow as :func:`arrow` makes it) as a Markdown list
    item for a phone: the ``title`` column in bold (a link to the row's ``link`` column, if
    given), the ``facts`` columns on one line, the ``under`` columns in grey below. Text is
    escaped (:func:`ui.badges.escape_markdown`)."""

    return PhoneItems(frame, _PhoneItem(title, facts, under, link))


def phone_list(key: str, items: Sequence[str], total: int | None = None, what: str = "rows") -> None:
    """The list a phone shows instead of a table (hidden on wider screens, see :mod:`ui.style`):
    the first :data:`PHONE_ROWS` ``items`` of :func:`phone_items`, and how many there are in all
    (``total``, default the items')."""
    total = len(items) if total is None else total
    with style.phone(key):
        if not items:
            st.caption(f"No {what}.")
            return
        st.markdown("\n".join(items[:PHONE_ROWS]))
        if total > min(len(items), PHONE_ROWS):
            st.caption(
                f"The first {min(len(items), PHONE_ROWS)} of {total:,} {what}; a wider screen shows "
                f"{'them all' if len(items) >= total else f'the first {len(items):,}'} in a table."
            )


def show_table(
    key: str,
    frame: pd.DataFrame | pa.Table,
    first: list[str],
    config: dict,
    items: Sequence[str],
    total: int | None = None,
    what: str = "rows",
) -> None:
    """Draw ``frame`` as a table on a wide screen, its columns named in ``first`` leading
    (:func:`order`) and set up by ``config``, rows tall enough to wrap titles; and as the list
    ``items`` on a phone (:func:`phone_list`, with ``total`` and ``what``)."""
    names, rows = (frame.column_names, frame.num_rows) if isinstance(frame, pa.Table) else (frame.columns, len(frame))
    with style.wide(key):
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            key=key,
            column_order=order(names, first),
            column_config=config,
            row_height=WRAP_ROW_HEIGHT,
            height=height(rows),
        )
    phone_list(key, items, total, what=what)


def show_key_results(krs: pd.DataFrame, reasons: bool = False, key: str | None = None) -> None:
    """Draw key results as a table (a list on a phone)."""
    show_key_results_frame(key_results_frame(krs, reasons), key or "key_results")


def show_key_results_frame(frame: pd.DataFrame | pa.Table, key: str, total: int | None = None) -> None:
    """Draw a :func:`key_results_frame` (or its :func:`arrow`) as a table on a wide screen and as
    a list on a phone (``total``: how many key results there are, when ``frame`` holds the first
    of them)."""
    show_table(key, frame, KEY_RESULT_ORDER, KEY_RESULT_COLUMNS, key_result_items(frame), total, "key results")


def key_result_items(frame: pd.DataFrame | pa.Table) -> PhoneItems:
    """The phone's list of a :func:`key_results_frame`."""
    return phone_items(frame, "Key result", ["Status", "Progress", "Pace", "Confidence"], ["Why", "Objective", "Unit"])


def objectives_frame(objs: pd.DataFrame) -> pd.DataFrame:
    """The objectives as a display table."""
    return pd.DataFrame(
        {
            "ID": objs["objective_id"].astype(int),
            "Status": [badges.cell(s) for s in objs["status"]],
            "Objective": objs["title"].astype(str),
            "Unit": objs["unit_name"].astype(str),
            "Owner": objs["owner_name"].fillna("").astype(str),
            "Kind": [wording.kind_label(k) for k in objs["kind"]],
            "Key results": objs["kr_count"].astype(int),
            "Progress": objs["progress"].astype(float) * 100,
            "Pace": [badges.pace(p, e) for p, e in zip(objs["progress"], objs["expected"])],
            "Aligned to": objs["parent_title"].fillna("").astype(str),
            "Score": [badges.score(s) for s in objs["score"]],
        }
    )


OBJECTIVE_ORDER = [
    "ID",
    "Status",
    "Objective",
    "Progress",
    "Pace",
    "Score",
    "Key results",
    "Unit",
    "Owner",
    "Kind",
    "Aligned to",
]
"""Objectives' columns left to right."""


def show_objectives(objs: pd.DataFrame, key: str | None = None) -> None:
    """Draw objectives as a table (a list on a phone)."""
    frame = objectives_frame(objs)
    key = key or "objectives"
    show_table(
        key,
        frame,
        OBJECTIVE_ORDER,
        {
            "Progress": PROGRESS,
            "Status": KEY_RESULT_COLUMNS["Status"],
            "Objective": text_column("Objective"),
            "Aligned to": text_column("Aligned to", 200),
        },
        phone_items(frame, "Objective", ["Status", "Progress", "Pace", "Score"], ["Unit", "Owner"]),
        what="objectives",
    )
