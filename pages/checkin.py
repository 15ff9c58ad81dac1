"""Check-in: a lead enters this week's value, confidence and note for each key result of a team.

For now the key results of the chosen unit with their last check-in in view; the entry form
(for signed-in leads) and corrections with history kept come next.
"""

from __future__ import annotations

import streamlit as st

from ui import data, sidebar, tables

scope = sidebar.current()
st.title("Check-in")
st.write(
    "Each week a team lead records every key result's new value, a confidence from 0 to 10 "
    "and what was learned, with the last check-in in view."
)
if scope.cycle_id is None:
    st.info("There are no cycles yet. Run `okr demo` or create a cycle in Manage.", icon=":material/event_busy:")
    st.stop()
sidebar.scope_caption(scope)

krs = data.key_results(scope.cycle_id, scope.unit_id)
if krs.empty:
    st.info("No key results to check in for this unit in this cycle.", icon=":material/inbox:")
    st.stop()
st.subheader("Last check-ins")
tables.show_key_results(krs, key="checkin_krs")
