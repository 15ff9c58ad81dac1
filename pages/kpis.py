"""KRs vs KPIs: key results (change) beside KPIs (health), linked pairs side by side.

For now the KPIs of the chosen unit's branch with their latest reading and health; the side by
side view with the key results that move them comes next.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import badges, data, sidebar

HEALTH = {
    "healthy": "🟢 Healthy",
    "warning": "🟠 Warning",
    "breached": "🔴 Breached",
    "no_data": "⚪ No data",
}
TARGET_WORDS = {
    "stay_above": "stay above",
    "stay_below": "stay below",
    "increase": "increase to",
    "decrease": "decrease to",
}

scope = sidebar.current()
st.title("KRs vs KPIs")
st.write(
    "Key results drive change for one cycle; KPIs watch the health of running operations. "
    "Here they sit side by side per unit, so a key result won while its KPI collapses shows."
)
sidebar.scope_caption(scope)

kpis = data.kpis(scope.unit_id)
if kpis.empty:
    st.info("No KPIs for this unit yet; add them in Manage.", icon=":material/inbox:")
    st.stop()

st.subheader("KPIs")
st.dataframe(
    pd.DataFrame(
        {
            "Health": [HEALTH.get(h, h) for h in kpis["health"]],
            "KPI": kpis["name"].astype(str),
            "Unit": kpis["unit_name"].astype(str),
            "Latest": [badges.number(v, u) for v, u in zip(kpis["last_value"], kpis["unit_label"].fillna(""))],
            "Target": [
                f"{TARGET_WORDS.get(t, t)} {badges.number(v, u)}"
                for t, v, u in zip(kpis["target_type"], kpis["target"], kpis["unit_label"].fillna(""))
            ],
            "Warning at": [badges.number(v, u) for v, u in zip(kpis["warning"], kpis["unit_label"].fillna(""))],
            "Last reading": [badges.day(d) for d in kpis["last_reading_date"]],
            "Overdue": kpis["overdue"].astype(bool),
            "Linked key results": [len(x) for x in kpis["linked_krs"]],
        }
    ),
    hide_index=True,
    width="stretch",
)
