"""Confidence trends: how confidence and progress moved over the weeks of the cycle.

For now one key result at a time: its confidence at every check-in, with the on-track and
at-risk band edges drawn in. Trends by objective and unit, with the expected pace and the
forecast, come next.
"""

from __future__ import annotations

import streamlit as st

from ui import badges, charts, data, sidebar

scope = sidebar.current()
st.title("Confidence trends")
st.write(
    "Confidence and progress over the weeks, by key result, objective and unit, with the "
    "expected pace and the forecast drawn in."
)
if scope.cycle_id is None:
    st.info("There are no cycles yet. Run `okr demo` or create a cycle in Manage.", icon=":material/event_busy:")
    st.stop()
sidebar.scope_caption(scope)

krs = data.key_results(scope.cycle_id, scope.unit_id)
checked = krs[krs["checkin_count"] > 0] if not krs.empty else krs
if checked.empty:
    st.info("No check-ins in this cycle for this unit yet.", icon=":material/inbox:")
    st.stop()

titles = {int(r["kr_id"]): f"{r['title']} ({r['unit_name']})" for r in checked.to_dict("records")}
kr_id = st.selectbox("Key result", options=list(titles), format_func=titles.get, key="trends_kr")
row = checked[checked["kr_id"] == kr_id].iloc[0]
history = data.checkin_history(scope.cycle_id, scope.unit_id, kr_ids=[kr_id])
st.altair_chart(charts.checkins(history, str(row["title"])), width="stretch")
st.caption(
    f"{badges.cell(row['status'])} · progress {badges.pct(row['progress'])} ({badges.pace(row['pace'])}) · "
    f"{int(row['checkin_count'])} check-ins"
)
