"""Manage's Cycles tab: every cycle for everyone; for an admin, a new cycle, and a cycle's name,
dates and state (planning, active, closed).

Cycles are the whole company's, so only an admin changes them; a closed cycle's name and dates
are final until an admin reopens it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from okrdata import writes
from okrdata.schema import CYCLE_STATES
from ui import badges, forms
from ui.badges import escape_markdown
from ui.manage.common import create_form, day, edit_form, fill, no_rights
from ui.manage.context import ManageContext


def draw(ctx: ManageContext) -> None:
    """The tab: the cycles' table, then an admin's forms."""
    _table(ctx.cycles)
    if not ctx.is_admin:
        if ctx.writer:
            no_rights(
                "Cycles are the whole company's: only an admin can add one, rename it, move its dates or "
                "change its state."
            )
        return
    _new(ctx)
    if ctx.cycle_rows:
        _edit(ctx)


def _table(cycles: pd.DataFrame) -> None:
    if cycles.empty:
        st.caption("No cycles yet.")
        return
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
        key="mg_cycles_table",
    )


def _new(ctx: ManageContext) -> None:
    # The day after the last cycle ends, for about a quarter.
    last = max((day(r["end_date"]) for r in ctx.cycle_rows.values()), default=dt.date.today() - dt.timedelta(days=1))
    start = last + dt.timedelta(days=1)

    def write(db, who, fid):
        name = forms.text(f"{fid}_name")
        start, end, state = (forms.value(f"{fid}_{k}") for k in ("start", "end", "state"))
        writes.add_cycle(db, name, start, end, state, person=who)
        return f"Cycle {escape_markdown(name)} created."

    prefill = {"start": start, "end": start + dt.timedelta(days=90)}

    def fields(fid: str) -> None:
        st.text_input("Name", key=f"{fid}_name", placeholder="2027 Q1")
        a, b, c = st.columns(3)
        a.date_input("Start date", key=f"{fid}_start")
        b.date_input("End date", key=f"{fid}_end")
        c.selectbox("State", ["planning", "active"], key=f"{fid}_state")

    create_form("mg_cycle_new", "New cycle", "Create cycle", write, fields, prefill=prefill)


def _edit(ctx: ManageContext) -> None:
    st.markdown("**Edit a cycle**")
    rows = ctx.cycle_rows
    picked = int(st.selectbox("Cycle", list(rows), format_func=lambda i: rows[i]["name"], key="mg_cycle_pick"))
    form_id, state_id = f"mg_cycle_edit_{picked}", f"mg_cycle_state_{picked}"
    c = forms.read_row(form_id, "cycles", picked, also=[f"{state_id}_"])
    if c["state"] == "closed":
        st.caption(
            f"{escape_markdown(c['name'])} is closed; its name and dates are final. An admin can reopen it below."
        )
    else:
        fill(form_id, {"name": c["name"], "start": day(c["start_date"]), "end": day(c["end_date"])})

        def save(db, edit):
            writes.update_cycle(
                db,
                picked,
                **edit,
                name=forms.text(f"{form_id}_name"),
                start_date=forms.value(f"{form_id}_start"),
                end_date=forms.value(f"{form_id}_end"),
            )
            return "Cycle saved."

        with edit_form(form_id, "Save cycle", save):
            st.text_input("Name", key=f"{form_id}_name")
            a, b = st.columns(2)
            a.date_input("Start date", key=f"{form_id}_start")
            b.date_input("End date", key=f"{form_id}_end")
    _state(picked, form_id, state_id, c["state"])


def _state(cycle_id: int, form_id: str, state_id: str, state: str) -> None:
    """The cycle's state: a form of its own, writing the row the edit form ``form_id`` read."""
    forms.prefill(f"{state_id}_state", state)
    with st.form(state_id):
        st.radio(
            "State",
            list(CYCLE_STATES),
            key=f"{state_id}_state",
            horizontal=True,
            format_func=str.capitalize,
            help="Planning while the OKRs are drafted, active while they run, closed when scored. "
            "Closing a cycle makes its OKRs final.",
        )

        def write(db, who):
            state = forms.value(f"{state_id}_state")
            read = forms.value(forms.read_key(form_id))
            writes.set_cycle_state(db, cycle_id, state, person=who, version=read["version"], seen=read)
            return f"{escape_markdown(read['name'])} is now {state}."

        # The cycle's row as read is the edit form's: a new state moves its version for both.
        forms.submit_button(
            "Change state", state_id, write, reset=[forms.read_key(form_id)], reset_prefix=f"{state_id}_"
        )
    forms.feedback(state_id, reload=[f"{state_id}_state"], reload_prefix=f"{form_id}_")
