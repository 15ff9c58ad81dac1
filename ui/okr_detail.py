"""The All OKRs page's widgets: the searchable list and one objective's own page.

Every figure comes from :mod:`okrdata.search` and :mod:`okrdata.queries` through cached
readers: the list is built from :func:`ui.data.key_results` and :func:`ui.data.objectives`,
and the few queries of its own (the text search, one objective, its alignment chain) are
readers declared here the same way (:func:`ui.data.reader`), so a write by anyone shows at the
next rerun. So are the list's rows (:func:`list_rows`), their
owners and counts (:func:`totals`) and, for each set of filters, the rows that pass them with
the table on screen (:func:`listing`): a rerun after a click reads them back instead of
rebuilding thousands of rows.

Text from the database (titles, descriptions, names, notes) is shown as text: in tables,
with ``st.text``, or in Markdown only after :func:`escape_markdown`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from okrdata import attention, search, wording
from okrdata import numbers as n
from okrdata.queries import KR_COLUMNS
from ui import badges, chart_templates, charts, data, form_data, tables
from ui.badges import escape_markdown
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


@data.reader(reads=("all",))
def _objective(objective_id: int) -> dict | None:
    with data.opened() as db:
        return search.objective(db, objective_id)


def objective(raw: Any) -> dict | None:
    """The objective a query parameter names (:func:`okrdata.search.objective`), or None."""
    objective_id = search.as_id(raw)
    return None if objective_id is None else _objective(objective_id)


@data.reader(reads=("all",))
def alignment(objective_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(:func:`~okrdata.search.alignment_up`, :func:`~okrdata.search.alignment_down`) of an objective."""
    with data.opened() as db:
        return search.alignment_up(db, int(objective_id)), search.alignment_down(db, int(objective_id))


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


_value = wording.kr_value
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
                "" if alone else _value(v, u, t)
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


# --- one objective -----------------------------------------------------------------------


def kr_frames(
    kr: dict, history: pd.DataFrame, guides: dict, start: Any, end: Any, today: dt.date | None = None
) -> dict[str, pd.DataFrame]:
    """The data sets of :func:`kr_chart`, by layer (``pace``, ``target``, ``today``, ``points``),
    in the order drawn; a layer without data is left out."""
    start_d, end_d = pd.Timestamp(str(start)[:10]), pd.Timestamp(str(end)[:10])
    frames = {}
    if guides.get("pace"):
        frames["pace"] = pd.DataFrame(
            {
                "Date": [pd.Timestamp(d) for d, _ in guides["pace"]],
                "Value": [float(v) for _, v in guides["pace"]],
                "Line": "Expected pace (baseline to target)",
            }
        )
    if guides.get("target") is not None:
        frames["target"] = pd.DataFrame({"Value": [float(guides["target"])], "Line": ["Target"]})
    if today is not None and start_d.date() <= today <= end_d.date():
        frames["today"] = pd.DataFrame({"Date": [pd.Timestamp(today)], "Line": ["Today"]})
    if not history.empty:
        frames["points"] = pd.DataFrame(
            {
                "Date": pd.to_datetime(history["checkin_date"].astype(str).str[:10]),
                "Value": history["value"].astype(float),
                "Confidence": history["confidence"].astype(float),
                "Author": history["author_name"].fillna("").astype(str),
                "Note": history["note"].fillna("").astype(str).str.slice(0, 160),
            }
        ).sort_values("Date")
    return frames


def kr_chart(
    kr: dict, history: pd.DataFrame, guides: dict, start: Any, end: Any, today: dt.date | None = None
) -> alt.Chart:
    """A key result's value at each check-in, with its target and the expected pace drawn in.

    ``history`` is the key result's check-ins (:func:`okrdata.search.kr_notes` or
    :func:`okrdata.queries.checkin_history`), ``guides`` :func:`okrdata.search.kr_guides`.
    """
    return _kr_chart_of(kr, kr_frames(kr, history, guides, start, end, today), start, end)


def _kr_shape(kr: dict, frames: dict[str, pd.DataFrame], start: Any, end: Any) -> tuple:
    # All that :func:`_kr_chart_of` draws besides its frames' data (see ui.chart_templates).
    unit_label = "" if pd.isna(kr.get("unit_label")) else str(kr.get("unit_label") or "")
    colour = badges.COLOURS.get(kr.get("status"), "#1f77b4")
    return ("okrs.kr", kr["kr_type"] == "milestone", unit_label, colour, str(start)[:10], str(end)[:10], *frames)


def kr_spec(kr: dict, history: pd.DataFrame, guides: dict, start: Any, end: Any, today: dt.date | None = None) -> dict:
    """:func:`ui.charts.spec` of :func:`kr_chart`, refilled from its shape's template
    (:mod:`ui.chart_templates`): a check-in moves the points, not the chart's structure."""
    frames = kr_frames(kr, history, guides, start, end, today)
    return chart_templates.spec(_kr_shape(kr, frames, start, end), frames, lambda: _kr_chart_of(kr, frames, start, end))


def _kr_chart_of(kr: dict, frames: dict[str, pd.DataFrame], start: Any, end: Any) -> alt.Chart:
    """:func:`kr_chart` drawn from its :func:`kr_frames`."""
    milestone = kr["kr_type"] == "milestone"
    unit_label = "" if pd.isna(kr.get("unit_label")) else str(kr.get("unit_label") or "")
    start_d, end_d = pd.Timestamp(str(start)[:10]), pd.Timestamp(str(end)[:10])
    domain = [alt.DateTime(year=d.year, month=d.month, date=d.day) for d in (start_d, end_d)]
    x = alt.X("Date:T", title=None, scale=alt.Scale(domain=domain), axis=alt.Axis(format="%-d %b", tickCount=6))
    y_axis = alt.Axis(format="%" if milestone else ",~r", title="Done" if milestone else (unit_label or "Value"))
    y = alt.Y("Value:Q", axis=y_axis, scale=alt.Scale(zero=False))
    layers = []
    if "pace" in frames:
        layers.append(
            alt.Chart(frames["pace"])
            .mark_line(strokeDash=[5, 4], color="#8a8f98", strokeWidth=1.5)
            .encode(
                x=x,
                y=y,
                tooltip=[
                    alt.Tooltip("Line:N", title="What"),
                    alt.Tooltip("Date:T", format=wording.CHART_DAY),
                    alt.Tooltip("Value:Q", format=",~r"),
                ],
            )
        )
    if "target" in frames:
        layers.append(
            alt.Chart(frames["target"])
            .mark_rule(color=badges.COLOURS[n.ON_TRACK], strokeDash=[2, 3], strokeWidth=1.5)
            .encode(y=y, tooltip=[alt.Tooltip("Line:N", title="What"), alt.Tooltip("Value:Q", format=",~r")])
        )
    if "today" in frames:
        layers.append(
            alt.Chart(frames["today"])
            .mark_rule(color="#c9ccd1", strokeWidth=1)
            .encode(x=x, tooltip=[alt.Tooltip("Line:N", title="What"), alt.Tooltip("Date:T", format=wording.CHART_DAY)])
        )
    if "points" in frames:
        colour = badges.COLOURS.get(kr.get("status"), "#1f77b4")
        layers.append(
            alt.Chart(frames["points"])
            .mark_line(point=alt.OverlayMarkDef(size=45, filled=True, color=colour), color=colour, strokeWidth=2.5)
            .encode(
                x=x,
                y=y,
                tooltip=[
                    alt.Tooltip("Date:T", format=wording.CHART_DAY),
                    alt.Tooltip("Value:Q", format=".0%" if milestone else ",~r"),
                    alt.Tooltip("Confidence:Q", format="d"),
                    "Author:N",
                    "Note:N",
                ],
            )
        )
    return alt.layer(*layers).properties(height=230)


def _notes_table(notes: pd.DataFrame, kr: dict, key: str) -> None:
    unit_label = "" if pd.isna(kr.get("unit_label")) else str(kr.get("unit_label") or "")
    table = pd.DataFrame(
        {
            "Date": [badges.day(d) for d in notes["checkin_date"]],
            "Value": [_value(v, unit_label, kr["kr_type"]) for v in notes["value"]],
            "Confidence": [wording.confidence(c) for c in notes["confidence"]],
            "Note": notes["note"].fillna("").astype(str),
            "Author": notes["author_name"].fillna("").astype(str),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(36 + 35 * max(len(table), 1), 282),
        key=key,
        column_config={
            "Date": st.column_config.TextColumn("Date", width=95),
            "Value": st.column_config.TextColumn("Value", width=80),
            "Confidence": st.column_config.TextColumn("Conf.", width=55, help="Confidence 0–10 at the check-in."),
            "Note": st.column_config.TextColumn("Note", width="large", help="Hover a cell to read a long note."),
            "Author": st.column_config.TextColumn("Author", width="medium"),
        },
    )


def _label(title: Any, unit: Any, progress: Any = None) -> str:
    parts = [escape_markdown(title), escape_markdown(unit)]
    if progress is not None and not pd.isna(progress):
        parts.append(badges.pct(progress))
    return " · ".join(parts)


def _status_of(objs: pd.DataFrame, objective_id: int) -> tuple[str | None, float | None]:
    hit = objs[objs["objective_id"] == int(objective_id)] if not objs.empty else objs
    if hit.empty:
        return None, None
    return str(hit.iloc[0]["status"]), float(hit.iloc[0]["progress"])


def _alignment_section(obj: dict, objs: pd.DataFrame, scope: Scope) -> None:
    up, down = alignment(obj["id"])
    st.markdown("**Aligned to**")
    if up.empty:
        st.caption("Nothing: this is a top-level objective." if obj["parent_objective_id"] is None else "—")
    for r in up.to_dict("records"):
        status, progress = _status_of(objs, r["objective_id"])
        st.page_link(
            PAGE,
            label=_label(r["title"], r["unit_name"], progress),
            icon=badges.icon(status) if status else ":material/flag:",
            query_params=link_params(r["objective_id"], r["cycle_id"], scope),
            help=badges.label(status) if status else None,
        )
    if obj.get("parent_kr_title"):
        st.caption(f"Through the key result “{escape_markdown(obj['parent_kr_title'])}”.")
    st.markdown(f"**Aligned below** ({len(down)})")
    if down.empty:
        st.caption("No objective is aligned to this one yet.")
    for r in down.to_dict("records"):
        status, progress = _status_of(objs, r["objective_id"])
        indent = "\u2003" * (int(r["depth"]) - 1) + "↳ "
        st.page_link(
            PAGE,
            label=indent + _label(r["title"], r["unit_name"], progress),
            icon=badges.icon(status) if status else ":material/flag:",
            query_params=link_params(r["objective_id"], r["cycle_id"], scope),
            help=(badges.label(status) if status else "")
            + (f" · through “{escape_markdown(r['parent_kr_title'])}”" if r.get("parent_kr_title") else ""),
        )


def _kr_caption(kr: dict, closed: bool, goalposts: str | None = None) -> str:
    """One line about a key result: its goal, where it stands, where its forecast heads, the
    confidence and date its status rests on, its owner, and whether its goalposts moved."""
    unit_label = "" if pd.isna(kr.get("unit_label")) else str(kr.get("unit_label") or "")
    now = _value(kr["value"], unit_label, kr["kr_type"]) if not pd.isna(kr["value"]) else "no check-in yet"
    parts = [
        escape_markdown(wording.goal(kr["kr_type"], kr["baseline"], kr["target"], unit_label)),
        f"now **{escape_markdown(now)}**",
        escape_markdown(f"progress {badges.pct(kr['progress'])} ({badges.pace(kr['progress'], kr['expected'])})"),
    ]
    if not closed and not pd.isna(kr.get("forecast_value")):
        forecast = wording.forecast(kr["forecast_value"], kr["forecast_score"], unit_label, kr["kr_type"])
        parts.append(escape_markdown(f"heading for {forecast} by the end"))
    if kr["status"] == n.STALE:
        # Stale whatever the last confidence said: the line names the silence and that confidence.
        reason = attention.status_reason(kr)
        parts.append(escape_markdown(reason[0].lower() + reason[1:]))
    elif not pd.isna(kr["confidence"]):
        parts.append(f"confidence {wording.confidence(kr['confidence'])}")
    if not pd.isna(kr["last_checkin_date"]):
        parts.append(f"last check-in {badges.day(kr['last_checkin_date'])}")
    if not pd.isna(kr["owner_name"]) and kr["owner_name"]:
        parts.append(f"owner {escape_markdown(kr['owner_name'])}")
    line = " · ".join(parts)
    contrary = attention.contradiction(kr)
    if contrary:
        line += (
            f"  \n:material/info: {escape_markdown(contrary)}: the status is the lead's confidence, not the progress."
        )
    if goalposts:
        line += f"  \n:orange[:material/swap_vert: {escape_markdown(goalposts)}]"
    return line


def draw_detail(obj: dict, scope: Scope) -> None:
    """One objective's page: what, why, how it is going, its key results with history and notes,
    its alignment up and down, and the coach's notes about it."""
    cycle_id = int(obj["cycle_id"])
    objs = data.objectives(cycle_id)
    figures = objs[objs["objective_id"] == int(obj["id"])] if not objs.empty else objs
    krs = data.key_results(cycle_id)
    mine = krs[krs["objective_id"] == int(obj["id"])].sort_values("kr_id") if not krs.empty else krs
    kr_ids = [int(i) for i in mine["kr_id"]] if not mine.empty else []
    history = data.checkin_history(cycle_id, kr_ids=kr_ids) if kr_ids else pd.DataFrame()

    st.page_link(PAGE, label="All OKRs", icon=":material/arrow_back:", query_params=scope.query_params())
    st.header(escape_markdown(obj["title"]), anchor=False)
    status = str(figures.iloc[0]["status"]) if not figures.empty else n.STALE
    facts = [
        badges.markdown(status),
        f":material/groups: {escape_markdown(obj['unit_name'])}",
        f":material/person: {escape_markdown(obj['owner_name'] or 'no owner')}",
        f":material/{'rocket_launch' if obj['kind'] == 'aspirational' else 'handshake'}: "
        f"{escape_markdown(wording.kind_label(obj['kind']))}",
        f"weight {badges.number(obj['weight'])}",
        f":material/date_range: {escape_markdown(obj['cycle_name'])} "
        f"({badges.date_range(obj['cycle_start'], obj['cycle_end'])}, {obj['cycle_state']})",
    ]
    st.markdown(" · ".join(facts))
    if scope.cycle_id is not None and scope.cycle_id != cycle_id:
        st.caption(f"This objective belongs to {escape_markdown(obj['cycle_name'])}; the sidebar shows another cycle.")

    if not figures.empty:
        f = figures.iloc[0]
        closed = obj["cycle_state"] == "closed"
        cols = st.columns(5)
        cols[0].metric(
            "Progress", badges.pct(f["progress"]), border=True, help="Weighted mean progress of its key results."
        )
        cols[1].metric(
            "Expected",
            badges.pct(f["expected"]),
            border=True,
            help="The elapsed fraction of the cycle" + (" (all of it: the cycle is over)." if closed else " by today."),
        )
        cols[2].metric(
            "Pace",
            badges.pace(f["progress"], f["expected"]),
            border=True,
            **badges.pace_delta(f["progress"], f["expected"]),
            help="Progress minus expected progress, in percentage points: the difference of the two percentages shown.",
        )
        if closed:
            cols[3].metric(
                "Score",
                badges.score(f["score"]),
                border=True,
                help="The score at close: the final progress unless a reason was given to adjust it.",
            )
        else:
            cols[3].metric(
                "Forecast",
                badges.pct(f["forecast_score"]),
                border=True,
                help="The progress its key results' trends point to at the cycle's end (their current "
                "progress where there are fewer than three check-ins).",
            )
        cols[4].metric("Key results", str(len(mine)), border=True)
        contrary = attention.objective_contradiction(f.to_dict(), mine)
        if contrary:
            st.caption(
                f":material/info: {escape_markdown(contrary)}: an objective takes its weakest key result's "
                "status, and a status is the lead's confidence, not the progress."
            )

    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Why**")
        if str(obj.get("description") or "").strip():
            st.text(obj["description"])
        else:
            st.caption("No why written down yet.")
        if obj["cycle_state"] == "closed" and (obj.get("reflection") or obj.get("score_reason")):
            st.markdown("**Reflection at close**")
            if obj.get("score_reason"):
                st.text(f"Score adjusted: {obj['score_reason']}")
            if obj.get("reflection"):
                st.text(obj["reflection"])
    with right:
        _alignment_section(obj, objs, scope)

    st.subheader(f"Key results ({len(mine)})", anchor=False)
    if mine.empty:
        st.info(
            "This objective has no key results yet: add two or three measurable outcomes in Manage.",
            icon=":material/inbox:",
        )
    today = dt.date.today()
    moved = attention.goalpost_marks(form_data.goalpost_changes(kr_ids)) if kr_ids else {}
    for kr in mine.to_dict("records"):
        guides = search.kr_guides(kr["kr_type"], kr["baseline"], kr["target"], obj["cycle_start"], obj["cycle_end"])
        notes = search.kr_notes(history, kr["kr_id"]) if not history.empty else search.kr_notes(pd.DataFrame(), 0)
        with st.container(border=True):
            st.markdown(f"{badges.markdown(kr['status'])} **{escape_markdown(kr['title'])}**")
            st.caption(_kr_caption(kr, obj["cycle_state"] == "closed", moved.get(int(kr["kr_id"]))))
            chart_col, notes_col = st.columns(2, gap="medium")
            with chart_col:
                kr_history = (
                    history[history["kr_id"] == kr["kr_id"]]
                    if not history.empty
                    else pd.DataFrame(columns=["checkin_date", "value", "confidence", "author_name", "note"])
                )
                charts.show_in(
                    st, kr_spec(kr, kr_history, guides, obj["cycle_start"], obj["cycle_end"], today), width="stretch"
                )
            with notes_col:
                if notes.empty:
                    st.caption("No check-in yet.")
                else:
                    _notes_table(notes, kr, key=f"okrs_notes_{kr['kr_id']}")
    st.caption(
        "Charts: the value at each check-in (coloured by status), the target (dotted green), "
        "the expected pace from baseline to target (dashed grey) and today (light grey)."
    )

    findings = search.objective_findings(data.quality_findings(cycle_id), int(obj["id"]), kr_ids)
    st.subheader("Coaching notes", anchor=False)
    if findings.empty:
        st.caption("The OKR coach has nothing to add about this objective.")
    for f in findings.to_dict("records"):
        text = f"**{escape_markdown(f['rule_title'])}**: {escape_markdown(f['advice'])}"
        if f["severity"] == "warning":
            st.warning(text, icon=":material/school:")
        else:
            st.info(text, icon=":material/school:")
