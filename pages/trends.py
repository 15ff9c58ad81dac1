"""Confidence trends: how confidence and progress moved week by week, with the expected pace and
the forecast drawn in, for the sidebar's unit (or the company), one objective or one key result.

The choice is deep-linked (``?kr=ID``, ``?objective=ID``; :mod:`ui.trend_link`). Every figure
comes from :mod:`okrdata.trends` and :mod:`okrdata.trends_breakdown` through the cached readers
of :mod:`ui.trend_data`, which also build the charts (:mod:`ui.trend_charts`) once per change
of the data; this page lays them out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import wording
from ui import badges, charts, data, empty, sidebar, tables
from ui import trend_data as td
from ui import trend_link as link
from ui import trend_panels as panel


def open_link(page: str, label: str, icon: str) -> None:
    st.page_link(page, label=label, icon=icon, query_params=scope.query_params())


scope = sidebar.current()
st.title("Confidence trends")
st.write(
    "How confidence and progress moved week by week, for a whole unit, one objective or one key "
    "result, with the expected pace and the forecast to the cycle's end drawn in."
)
empty.need_cycle(scope)

cycle = scope.cycle
who = badges.escape_markdown(scope.company_name if scope.unit_id is None else scope.unit_name)
cycle_name = badges.escape_markdown(cycle["name"])
# The plan (what a check-in leaves as it is) for the pickers; the figures come with each mode.
krs = data.key_result_labels(scope.cycle_id, scope.unit_id)
objs = data.objective_rows(scope.cycle_id, scope.unit_id)
kr_ids = [int(i) for i in krs["kr_id"]] if not krs.empty else []
objective_ids = [int(i) for i in objs["objective_id"]] if not objs.empty else []
for text in link.choose(kr_ids, objective_ids, f"{cycle_name} for {who}"):
    st.warning(text, icon=":material/link_off:")

if objs.empty:
    st.info(
        f"{who} has no objectives in {cycle_name}, nor has any unit below it, so there is no trend to "
        "draw. Pick another unit or cycle in the sidebar, or add objectives and key results in Manage.",
        icon=":material/inbox:",
    )
    open_link("pages/manage.py", "Open Manage", ":material/settings:")
    link.write_url("unit")
    st.stop()

trends = td.trends(scope.cycle_id, scope.unit_id)
if trends.weeks.empty:
    st.info(
        f"{cycle_name} starts on {badges.day(cycle['start_date'])}; its first week's figures appear then. "
        "Meanwhile, shape its OKRs in Manage.",
        icon=":material/event_upcoming:",
    )
    open_link("pages/manage.py", "Open Manage", ":material/settings:")
    link.write_url("unit")
    st.stop()
if trends.checkin_count == 0:
    st.info(
        f"No check-ins yet in {cycle_name} for {who}: every key result sits at its baseline and there "
        "is no confidence to draw. Leads record each key result's value, confidence and a note weekly "
        "on the Check-in page; the trends start with the first one.",
        icon=":material/edit_note:",
    )
    open_link("pages/checkin.py", "Open Check-in", ":material/edit_note:")

mode = st.segmented_control(
    "Show trends for",
    link.MODES,
    format_func=link.MODE_LABELS.get,
    key=link.MODE_KEY,
    required=True,
    help="A whole unit follows the unit picked in the sidebar; the link in the address bar keeps the choice.",
)
mode = mode if mode in link.MODES else "unit"

# --- one key result ---------------------------------------------------------------------------
if mode == "kr":
    titles = {int(i): f"{t} · {u}" for i, t, u in zip(krs["kr_id"], krs["title"], krs["unit_name"])}
    chosen_kr = st.selectbox(
        "Key result",
        options=kr_ids,
        format_func=lambda i: titles.get(i, str(i)),
        key=link.KR_KEY,
        help="Type to search the key results of the cycle and unit in the sidebar.",
    )
    link.write_url("kr", kr_id=chosen_kr)
    krs = data.key_results(scope.cycle_id, scope.unit_id)
    row = krs[krs["kr_id"] == chosen_kr].iloc[0]
    label = "" if pd.isna(row["unit_label"]) else str(row["unit_label"])
    view = td.kr_view(scope.cycle_id, scope.unit_id, chosen_kr, label)
    st.subheader(badges.escape_markdown(row["title"]))
    st.caption(
        f"{badges.escape_markdown(row['objective_title'])} · {badges.escape_markdown(row['unit_name'])} · "
        f"owner {'none' if pd.isna(row['owner_name']) else badges.escape_markdown(row['owner_name'])} · "
        f"{badges.escape_markdown(wording.goal(row['kr_type'], row['baseline'], row['target'], label))}"
    )
    panel.kr_metrics(view, trends, row, label)
    if int(row["checkin_count"]) == 0:
        st.info(
            "No check-ins on this key result yet: it sits at its baseline (progress 0) with no confidence. "
            "Its owner or the team lead can record the first on the Check-in page.",
            icon=":material/edit_note:",
        )
        open_link("pages/checkin.py", "Open Check-in", ":material/edit_note:")
    later = "" if view.forecast_drawn or trends.over else " A forecast appears after three check-ins on different days."
    panel.show_charts(view, trends, " Hover a point for its check-in's date, value and note." + later)
    panel.checkins(data.checkin_history(scope.cycle_id, scope.unit_id, kr_ids=[chosen_kr]), label)

# --- one objective ---------------------------------------------------------------------------
elif mode == "objective":
    titles = {int(i): f"{t} · {u}" for i, t, u in zip(objs["objective_id"], objs["title"], objs["unit_name"])}
    chosen_objective = st.selectbox(
        "Objective",
        options=objective_ids,
        format_func=lambda i: titles.get(i, str(i)),
        key=link.OBJECTIVE_KEY,
        help="Type to search the objectives of the cycle and unit in the sidebar.",
    )
    link.write_url("objective", objective_id=chosen_objective)
    krs, objs = data.key_results(scope.cycle_id, scope.unit_id), data.objectives(scope.cycle_id, scope.unit_id)
    row = objs[objs["objective_id"] == chosen_objective].iloc[0]
    st.subheader(badges.escape_markdown(row["title"]))
    st.caption(
        f"{badges.escape_markdown(row['unit_name'])} · {row['kind']} · {badges.plural(row['kr_count'], 'key result')} · "
        "progress is the weighted mean of its key results; confidence their mean."
    )
    if int(row["kr_count"]) == 0:
        st.info(
            "This objective has no key results yet, so it sits at 0. Add two to five in Manage.",
            icon=":material/inbox:",
        )
        open_link("pages/manage.py", "Open Manage", ":material/settings:")
    else:
        panel.aggregate(td.objective_view(scope.cycle_id, scope.unit_id, chosen_objective), trends, "its")
        st.markdown("**Its key results now** · pick one above, under *Key result*, for its notes")
        tables.show_key_results(krs[krs["objective_id"] == chosen_objective], key="trends_objective_krs")

# --- the unit ------------------------------------------------------------------------------
else:
    link.write_url("unit")
    st.subheader(f"{who}: every objective{' of the company' if scope.unit_id is None else ' of its branch'}")
    st.caption(
        f"{badges.plural(len(objs), 'objective')} and {badges.plural(len(krs), 'key result')}; progress is the "
        "weighted mean of the objectives, each counted once, confidence the mean of the key results that have "
        "one. Pick the unit in the sidebar."
    )
    panel.aggregate(td.unit_view(scope.cycle_id, scope.unit_id), trends, "the")

    heat = td.heat_map(scope.cycle_id, scope.unit_id) if trends.checkin_count else None
    if heat is not None:
        rows = heat.rows
        st.subheader(f"Confidence by {rows.kind}, week by week")
        charts.show(heat.spec)
        if rows.kind == "objective":
            about = "Each row is one of its objectives."
        else:
            own = ", and one for its own objectives" if rows.has_own else ""
            about = f"Each row is a unit below it with its whole branch{own}."
        more = (
            f" Showing the {rows.shown} of {rows.total} rows with the most key results; pick a unit in the "
            "sidebar to see the rest."
            if rows.shown < rows.total
            else ""
        )
        st.caption(about + " Grey: no key result checked in yet." + more)

    mix = td.status_mix(scope.cycle_id, scope.unit_id) if trends.checkin_count else None
    if mix is not None:
        st.subheader("Key results by status, week by week")
        charts.show(mix)
        st.caption("Stale: no check-in within its cadence plus the grace period on that day, or none yet.")
