"""Check-in: a lead enters this week's value, confidence and note for each key result of a team.

A signed-in lead picks one of the units they may change (an admin: any unit) and sees every
key result of that unit in one form, each with its last value, confidence, date and note beside
the new entry; a key result measured by a KPI is offered the KPI's latest reading as its value.
The form saves the rows the lead filled in together through :func:`okrdata.writes.add_checkins`,
all or nothing: a problem names the key result and the field, nothing of the submission is
saved, and what was typed stays. Which rows were filled in is judged against what each row
showed when it was drawn (:mod:`okrdata.checkin_rows`), so a key result that someone else
checked in meanwhile, or whose check-in was corrected, is never part of the lead's submission
unless they changed it; it is shown as moved, with who changed it and when. Below, the history
of each key result: its check-ins with their authors, corrections and withdrawals (refused when
someone else changed the check-in since its form showed it), every revision (who, when, before
→ after) and any moved goalposts.

Everyone else (signed out, viewers) reads the same, without the forms: the last check-ins of
the sidebar's unit (the first :data:`ui.tables.ROW_LIMIT` key results, cached) and the history
of any of its key results.

The form is :mod:`ui.checkin_form`, the history and its correction form
:mod:`ui.checkin_history`, and what they read besides :mod:`ui.data` is :mod:`ui.checkin_data`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import auth, checkin_data, checkin_form, checkin_history, data, empty, form_data, forms, sidebar, tables
from ui.badges import escape_markdown

scope = sidebar.current()
st.title("Check-in")
st.write(
    "Each week a team lead records every key result's new value, a confidence from 0 to 10 "
    "and what was learned, with the last check-in in view."
)
empty.need_cycle(scope)

person = auth.current_person()
cycle = scope.cycle
closed = cycle["state"] == "closed"


# --- who may write --------------------------------------------------------------------------

editable = form_data.editable_units(person)
# Every key result of the cycle, for the forms (read only when there is someone to write them).
all_krs = data.key_results(scope.cycle_id) if editable and not closed else pd.DataFrame(columns=["unit_id"])
team_options = checkin_data.teams(all_krs, editable)

if closed:
    st.info(
        f"{escape_markdown(cycle['name'])} is closed: its check-ins are final and read only. Pick the current cycle in "
        "the sidebar to check in.",
        icon=":material/lock:",
    )
elif person is None or not editable:
    forms.signed_in_message(person, "check in")
elif not team_options:
    st.info(
        f"None of the units you may change has key results in {escape_markdown(cycle['name'])}. Add some in Manage, or "
        "pick another cycle in the sidebar.",
        icon=":material/inbox:",
    )


# --- this week's check-in, or the last check-ins for a reader ------------------------------------

if not closed and team_options:
    default_team = scope.unit_id if scope.unit_id in team_options else team_options[0]
    forms.prefill("ci_team", default_team)
    if st.session_state["ci_team"] not in team_options:
        st.session_state["ci_team"] = default_team
    unit_paths = data.unit_paths()
    team_id = int(
        st.selectbox(
            "Team",
            options=team_options,
            format_func=lambda i: unit_paths[i],
            key="ci_team",
            help="The units you may check in for: those you lead and every unit below them.",
        )
    )
    units = data.units()
    team_name = str(units.loc[units["id"] == team_id, "name"].iloc[0])
    st.subheader(f"This week's check-in · {escape_markdown(team_name)}")
    team_krs = all_krs[all_krs["unit_id"] == team_id]
    checkin_form.checkin_form(team_id, team_krs, cycle, person)
    checkin_history.history_section(cycle, *form_data.kr_labels(team_krs), True, f"ci_hist_{team_id}")
else:
    # A submission refused because the rights went away meanwhile: say so, since the form is gone.
    for problem in forms.errors(checkin_form.FORM):
        forms.show_error(problem)
    listed = form_data.key_results_table(scope.cycle_id, scope.unit_id)
    if not listed.total:
        st.info("No key results to check in for this unit in this cycle.", icon=":material/inbox:")
        st.stop()
    st.subheader("Last check-ins")
    form_data.more_rows_note(len(listed.table), listed.total, "key results")
    tables.show_key_results_frame(listed.table, "checkin_krs", listed.total)
    checkin_history.history_section(cycle, listed.labels, listed.unit_labels, False, "ci_hist_read")
