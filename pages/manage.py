"""Manage: cycles, units, people, objectives, key results and KPIs; import and export.

For now a read-only view of the cycles, the unit tree and the people; the editing forms (for
admins) and import and export come next.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import badges, data, sidebar

sidebar.current()
st.title("Manage")
st.write(
    "Admins keep the organisation here: cycles, units, people, objectives, key results and "
    "KPIs, plus import and export. Until the forms arrive, the `okr` command line does it."
)

cycles = data.cycles()
st.subheader("Cycles")
if cycles.empty:
    st.caption("No cycles yet.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Cycle": cycles["name"],
                "Starts": [badges.day(d) for d in cycles["start_date"]],
                "Ends": [badges.day(d) for d in cycles["end_date"]],
                "State": cycles["state"].str.capitalize(),
            }
        ),
        hide_index=True,
        width="stretch",
    )

units = data.units()
st.subheader("Units")
if units.empty:
    st.caption("No units yet.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Unit": units["path"],
                "Kind": units["kind"].str.capitalize(),
                "Lead": units["lead_name"].fillna(""),
            }
        ),
        hide_index=True,
        width="stretch",
    )

people = data.people()
st.subheader("People")
if people.empty:
    st.caption("No people yet.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Name": people["name"],
                "Email": people["email"],
                "Role": people["role"].str.capitalize(),
                "Leads": people["leads"].fillna(""),
            }
        ),
        hide_index=True,
        width="stretch",
    )
