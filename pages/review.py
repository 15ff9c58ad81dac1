"""Review: end-of-cycle scoring and reflections, and a one-page executive summary.

For now the objectives of the chosen cycle with their scores once it is closed (or their
progress while it runs); scoring, reflections and the summary come next.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata.numbers import score_colour
from ui import badges, data, sidebar

SCORE_DOTS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}

scope = sidebar.current()
st.title("Review")
st.write(
    "At the end of a cycle each objective is scored from 0.0 to 1.0 with a reflection, and "
    "the learning is carried into the next cycle."
)
if scope.cycle_id is None:
    st.info("There are no cycles yet. Run `okr demo` or create a cycle in Manage.", icon=":material/event_busy:")
    st.stop()
sidebar.scope_caption(scope)

objs = data.objectives(scope.cycle_id, scope.unit_id)
if objs.empty:
    st.info("No objectives in this cycle for this unit.", icon=":material/inbox:")
    st.stop()

closed = scope.cycle["state"] == "closed"
if not closed:
    st.caption(
        f"{scope.cycle['name']} is still {scope.cycle['state']}; scores are set when it closes. "
        "Meanwhile, the progress each objective would score today:"
    )
scores = objs["score"] if closed else objs["progress"]
st.dataframe(
    pd.DataFrame(
        {
            "Score": [f"{SCORE_DOTS[score_colour(float(s))]} {badges.score(s)}" for s in scores],
            "Objective": objs["title"].astype(str),
            "Unit": objs["unit_name"].astype(str),
            "Kind": objs["kind"].astype(str).str.capitalize(),
            "Reflection": objs["reflection"].fillna("").astype(str),
        }
    ),
    hide_index=True,
    width="stretch",
)
st.caption("Scores: 🔴 below 0.4 · 🟡 0.4 to below 0.7 · 🟢 0.7 and above. Aspirational objectives are expected near 0.7.")
