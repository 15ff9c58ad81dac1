"""The All OKRs page's own page of one objective: its figures, its key results with their
charts and notes, and its alignment chain.

The objective and its alignment are cached readers (:func:`ui.data.reader`), so a write by
anyone shows at the next rerun; a key result's chart is refilled into the spec of its shape
(:mod:`ui.chart_templates`). The list the page opens on is :mod:`ui.okr_list`.

Text from the database (titles, descriptions, names, notes) is shown as text: in tables,
with ``st.text``, or in Markdown only after :func:`escape_markdown`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from okrdata import attention, search, wording
from okrdata import numbers as n
from ui import badges, chart_templates, charts, data, form_data
from ui.badges import escape_markdown
from ui.okr_list import PAGE, link_params
from ui.sidebar import Scope

# --- cached readers ----------------------------------------------------------------------


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
            "Value": [wording.kr_value(v, unit_label, kr["kr_type"]) for v in notes["value"]],
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
    now = wording.kr_value(kr["value"], unit_label, kr["kr_type"]) if not pd.isna(kr["value"]) else "no check-in yet"
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
