"""The All OKRs page's searchable list: its cached readers and the table on screen.

Every figure comes from :mod:`okrdata.search` and :mod:`okrdata.queries` through cached
readers: the list is built from :func:`ui.data.key_results` and :func:`ui.data.objectives`,
and the text search is a reader declared here the same way (:func:`ui.data.reader`), so a
write by anyone shows at the next rerun. So are the list's rows (:func:`list_rows`), their
owners and counts (:func:`totals`) and, for each set of filters, the rows that pass them with
the table on screen (:func:`listing`): a rerun after a click reads them back instead of
rebuilding thousands of rows. One objective's own page is :mod:`ui.okr_detail`.

Text from the database (titles, descriptions, names, notes) is shown as text: in tables,
with ``st.text``, or in Markdown only after :func:`escape_markdown`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from okrdata import search, wording
from okrdata.queries import KR_COLUMNS
from ui import badges, data, tables
from ui.sidebar import Scope

PAGE = "pages/okrs.py"
URL_PATH = "okrs"
"""The page's address (Streamlit derives it from the file name), for links in table cells."""

SEARCH_KEY = "okrs_search"
OWNER_KEY = "okrs_owner"
STATUS_KEY = "okrs_status"
KIND_KEY = "okrs_kind"
TYPE_KEY = "okrs_type"
ALL_CYCLES_KEY = "okrs_all_cycles"
TABLE_KEY = "okrs_table"
FILTER_KEYS = (SEARCH_KEY, OWNER_KEY, STATUS_KEY, KIND_KEY, TYPE_KEY, ALL_CYCLES_KEY)


class Totals(NamedTuple):
    """What the filters need to know of every row of some cycles, before any filter."""

    owners: dict[int, str]
    """:func:`okrdata.search.owners` of the rows."""
    counts: dict[str, int]
    """:func:`okrdata.search.counts` of the rows."""


class Listing(NamedTuple):
    """What the list shows for some filters."""

    rows: pd.DataFrame
    """Every row that passes the filters (:func:`okrdata.search.select`): the CSV holds them all."""
    display: pd.DataFrame
    """The first :data:`ui.tables.ROW_LIMIT` of them as the table on screen (:func:`display_frame`)."""
    counts: dict[str, int]
    """:func:`okrdata.search.counts` of ``rows``."""


# --- cached readers ----------------------------------------------------------------------


@data.reader(reads=("cycles",))
def matches(text: str, cycle_ids: Sequence[int] | None, unit_ids: Sequence[int] | None) -> pd.DataFrame:
    """Where the words of ``text`` occur (:func:`okrdata.search.text_matches`), cached."""
    with data.opened() as db:
        return search.text_matches(
            db,
            text,
            None if cycle_ids is None else tuple(int(i) for i in cycle_ids),
            None if unit_ids is None else tuple(int(i) for i in unit_ids),
        )


def _wanted(cycle_ids: Sequence[int]) -> dict[int, str]:
    cycles = data.cycles()
    names = {int(i): str(name) for i, name in zip(cycles["id"], cycles["name"])}
    return {int(c): names[int(c)] for c in cycle_ids if int(c) in names}


def _rows_after_checkins(stale: pd.DataFrame, versions_then, now, cycle_ids: Sequence[int]) -> pd.DataFrame | None:
    # A check-in in a one-cycle list: the rows of its objective are made again, the rest stay.
    if len(cycle_ids) != 1:
        return None
    cycle_id = int(cycle_ids[0])
    changed = data.checkins_changed(versions_then, now, cycle_id)
    if changed is None:
        return None
    krs, objs = data.key_results(cycle_id), data.objectives(cycle_id)
    touched = set(krs.loc[krs["kr_id"].isin(changed), "objective_id"])
    if not touched:
        return stale
    fresh = search.okr_rows(
        krs[krs["objective_id"].isin(touched)],
        objs[objs["objective_id"].isin(touched)],
        _wanted(cycle_ids),
        [int(i) for i in data.units()["id"]],
    )
    return data.replace_blocks(stale, fresh, "objective_id", touched)


@data.reader(reads=(), patch=_rows_after_checkins)
def list_rows(cycle_ids: Sequence[int]) -> pd.DataFrame:
    """:func:`okrdata.search.okr_rows` of some cycles, from the cached per-cycle readers; cached."""
    wanted = _wanted(cycle_ids)
    krs = [data.key_results(c) for c in wanted]
    objs = [data.objectives(c) for c in wanted]
    krs = [k for k in krs if not k.empty]
    objs = [o for o in objs if not o.empty]
    return search.okr_rows(
        pd.concat(krs, ignore_index=True) if krs else pd.DataFrame(columns=KR_COLUMNS),
        pd.concat(objs, ignore_index=True) if objs else pd.DataFrame(),
        wanted,
        [int(i) for i in data.units()["id"]],
    )


def _only_checkins(versions_then, now, cycle_ids: Sequence[int]) -> set[int] | None:
    """The key results whose check-ins are all that changed in the cycles ``cycle_ids`` since a
    result was built at ``versions_then`` (:func:`ui.data.checkins_changed`); None otherwise."""
    for cycle_id in cycle_ids:
        changed = data.checkins_changed(versions_then, now, int(cycle_id))
        if changed is not None:
            return changed
    return None


def _totals_after_checkins(stale: Totals, versions_then, now, cycle_ids: Sequence[int]) -> Totals | None:
    # Owners and counts are the plan's: check-ins leave them as they are.
    if _only_checkins(versions_then, now, cycle_ids) is None:
        return None
    list_rows(cycle_ids)  # what they are read from, as a build reads it
    return stale


# Shared by every session, not copied (read, never changed): the rows of a large cycle are
# costly to copy at each rerun.
@data.reader(reads=(), shared=True, patch=_totals_after_checkins)
def totals(cycle_ids: Sequence[int]) -> Totals:
    """The owners and counts of :func:`list_rows`; cached."""
    # Apart from the rows, so that a rerun reads back a few hundred names, not thousands of rows.
    rows = list_rows(cycle_ids)
    return Totals(search.owners(rows), search.counts(rows))


def _listing_after_checkins(
    stale: Listing,
    versions_then,
    now,
    cycle_ids: Sequence[int],
    filters: search.Filters,
    text_cycle_ids: Sequence[int] | None,
    with_cycle: bool,
    link_unit_id: int | None,
) -> Listing | None:
    # The rows are selected again (a status filter may take a changed row in or out), but while
    # the table's rows are the same ones, only the changed objectives' are formatted again.
    changed = _only_checkins(versions_then, now, cycle_ids)
    if changed is None or filters.words:  # a new note may match the words: searched again
        return None
    rows = list_rows(cycle_ids)
    branch = data.subtree_ids(filters.unit_id) if filters.unit_id is not None else None
    shown = search.select(rows, filters, branch, None)
    head, old = shown.head(tables.ROW_LIMIT), stale.rows.head(tables.ROW_LIMIT)
    display = None
    if len(head) == len(old) and all(
        np.array_equal(head[c].to_numpy(dtype=float), old[c].to_numpy(dtype=float), equal_nan=True)
        for c in ("objective_id", "kr_id", "cycle_id")
    ):
        touched = set(head.loc[head["kr_id"].isin(changed), "objective_id"])
        where = np.flatnonzero(head["objective_id"].isin(touched).to_numpy())
        display = (
            data.replace_rows(stale.display, display_frame(head.iloc[where], with_cycle, False, link_unit_id), where)
            if len(where)
            else stale.display
        )
    if display is None:
        display = display_frame(head, with_cycle, False, link_unit_id)
    return Listing(shown, display, search.counts(shown))


@data.reader(reads=(), shared=True, patch=_listing_after_checkins)
def _listing(
    cycle_ids: Sequence[int],
    filters: search.Filters,
    text_cycle_ids: Sequence[int] | None,
    with_cycle: bool,
    link_unit_id: int | None,
) -> Listing:
    rows = list_rows(cycle_ids)
    branch = data.subtree_ids(filters.unit_id) if filters.unit_id is not None else None
    found = matches(filters.text, text_cycle_ids, branch) if filters.words else None
    shown = search.select(rows, filters, branch, found)
    head = display_frame(shown.head(tables.ROW_LIMIT), with_cycle, bool(filters.words), link_unit_id)
    return Listing(shown, head, search.counts(shown))


def listing(
    cycle_ids: Sequence[int],
    filters: search.Filters,
    text_cycle_ids: Sequence[int] | None,
    with_cycle: bool,
    scope: Scope,
) -> Listing:
    """The rows of ``cycle_ids`` that pass ``filters`` (:func:`okrdata.search.select`, with the
    text search over ``text_cycle_ids``, None for every cycle) and the first :data:`ui.tables.ROW_LIMIT`
    of them as the table on screen; cached, so a rerun with the same choices costs nothing."""
    return _listing(cycle_ids, filters, text_cycle_ids, bool(with_cycle), scope.unit_id)


# --- the list ----------------------------------------------------------------------------


def link_params(objective_id: int, cycle_id: int, scope: Scope | int | None) -> dict[str, str]:
    """Query parameters of an objective's page: the objective, its cycle, and the sidebar's unit
    (``scope``: the sidebar's choice, or just its unit id)."""
    unit_id = scope.unit_id if isinstance(scope, Scope) else scope
    params = {"objective": str(int(objective_id)), "cycle": str(int(cycle_id))}
    if unit_id is not None:
        params["unit"] = str(int(unit_id))
    return params


_target = wording.kr_target


def display_frame(shown: pd.DataFrame, with_cycle: bool, with_matches: bool, scope: Scope | int | None) -> pd.DataFrame:
    """The rows as the table on screen: words, units and icons; progress in percent for the bar.

    ``scope`` is the sidebar's choice (or its unit id), kept in each row's link."""
    units = shown["unit_label"].fillna("").astype(str)
    lonely = shown["kr_id"].isna()
    frame = pd.DataFrame(
        {
            "Cycle": shown["cycle_name"].astype(str),
            "Objective": shown["objective_title"].astype(str),
            "Unit": shown["unit_name"].astype(str),
            "Kind": [wording.kind_label(k) for k in shown["kind"]],
            "Key result": ["(no key results yet)" if alone else str(t) for t, alone in zip(shown["title"], lonely)],
            "Type": ["" if pd.isna(t) else wording.kr_type_label(t) for t in shown["kr_type"]],
            "Owner": [
                str(o) if not pd.isna(o) else ("" if pd.isna(oo) or not alone else str(oo))
                for o, oo, alone in zip(shown["owner_name"], shown["objective_owner_name"], lonely)
            ],
            "Status": tables.status_cells(shown),
            "Progress": shown["progress"].astype(float) * 100,
            "Pace": [badges.pace(p, e) for p, e in zip(shown["progress"], shown["expected"])],
            "Current": [
                "" if alone else wording.kr_value(v, u, t)
                for v, u, t, alone in zip(shown["value"], units, shown["kr_type"], lonely)
            ],
            "Target": [
                "" if alone else _target(v, u, t)
                for v, u, t, alone in zip(shown["target"], units, shown["kr_type"], lonely)
            ],
            "Confidence": [wording.confidence(c) for c in shown["confidence"]],
            "Last check-in": ["" if pd.isna(d) else badges.day(d) for d in shown["last_checkin_date"]],
            "Matched in": shown["matched_in"].fillna("").astype(str),
            "Match": shown["snippet"].fillna("").astype(str),
            "Page": [
                f"{URL_PATH}?" + "&".join(f"{k}={v}" for k, v in link_params(o, c, scope).items())
                for o, c in zip(shown["objective_id"], shown["cycle_id"])
            ],
        }
    )
    if not with_cycle:
        frame = frame.drop(columns="Cycle")
    if not with_matches:
        frame = frame.drop(columns=["Matched in", "Match"])
    return frame[[c for c in DISPLAY_ORDER if c in frame.columns]]


DISPLAY_ORDER = [
    "Cycle",
    "Objective",
    "Key result",
    "Status",
    "Progress",
    "Pace",
    "Confidence",
    "Matched in",
    "Match",
    "Current",
    "Target",
    "Last check-in",
    "Owner",
    "Unit",
    "Kind",
    "Type",
    "Page",
]
"""Columns left to right: what it is and how it is going (whole at 1440 px), then what matched,
who and what kind."""
COLUMN_CONFIG = {
    "Objective": tables.text_column("Objective", 210),
    "Key result": tables.text_column("Key result"),
    "Status": tables.KEY_RESULT_COLUMNS["Status"],
    "Progress": tables.PROGRESS,
    "Confidence": tables.CONFIDENCE,
    "Pace": tables.KEY_RESULT_COLUMNS["Pace"],
    "Match": st.column_config.TextColumn(
        "Match", width="large", help="The newest matching check-in note, or the objective's why."
    ),
    "Page": st.column_config.LinkColumn(
        "Page",
        display_text="Open ↗",
        width="small",
        help="The objective's own page, in a new tab: a link to share.",
    ),
}


def show_table(shown: Listing, scope: Scope) -> dict[str, str] | None:
    """Draw the list (its first :data:`ui.tables.ROW_LIMIT` rows); return the query parameters of the
    objective whose row was selected, if any."""
    table = shown.display
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(38 + tables.WRAP_ROW_HEIGHT * max(len(table), 1), 720),
        row_height=tables.WRAP_ROW_HEIGHT,
        key=TABLE_KEY,
        column_config=COLUMN_CONFIG,
        on_select="rerun",
        selection_mode="single-row",
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if rows and 0 <= rows[0] < len(table):
        picked = shown.rows.iloc[rows[0]]
        return link_params(picked["objective_id"], picked["cycle_id"], scope)
    return None
