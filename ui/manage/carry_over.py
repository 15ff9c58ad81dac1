"""Manage's Carry over tab: at the end of a cycle, a lead or an admin carries its unfinished
objectives (those of units they may change) into a cycle that is not closed.

Each comes with its key results, starting from their last value, without their check-ins; a key
result already reached stays behind (:func:`okrdata.writes.carry_over`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import writes
from ui import badges, data, forms
from ui.badges import escape_markdown
from ui.manage.common import present
from ui.manage.context import ManageContext


def draw(ctx: ManageContext) -> None:
    """The tab: what carrying over does, then a lead's or an admin's form."""
    st.caption(
        "At the end of a cycle, carry its unfinished objectives into the next one: each comes with its key "
        "results, starting from their last value, without their check-ins. A key result already reached stays "
        "behind, and alignment is kept when the parent objective comes along too."
    )
    if not ctx.writer:
        return
    cycles = ctx.cycle_rows
    closed = [i for i, r in cycles.items() if r["state"] == "closed"]
    open_ = [i for i, r in cycles.items() if r["state"] != "closed"]
    if not closed or not open_:
        st.caption("Carrying over needs a closed cycle and a cycle that is not closed.")
        return
    a, b = st.columns(2)
    source = a.selectbox("From the closed cycle", closed, format_func=lambda i: cycles[i]["name"], key="mg_co_from")
    target = b.selectbox(
        "Into", open_, format_func=lambda i: f"{cycles[i]['name']} ({cycles[i]['state']})", key="mg_co_to"
    )
    objs = data.objectives(int(source))
    if objs.empty:
        st.caption("That cycle has no objectives.")
        return
    final = [s if present(s) else p for s, p in zip(objs["score"], objs["progress"])]
    keep = pd.Series([f < 1 for f in final], index=objs.index) & objs["unit_id"].isin(ctx.editable_units)
    unfinished = objs[keep]
    if unfinished.empty:
        st.caption("Every objective you may change in that cycle was finished.")
        return
    rows = {int(r["objective_id"]): r for r in unfinished.to_dict("records")}
    form_id = f"mg_co_{source}_{target}"
    forms.prefill(f"{form_id}_objs", list(rows))
    with st.form(form_id):
        st.multiselect(
            "Unfinished objectives to carry over",
            list(rows),
            format_func=lambda i: (
                f"{rows[i]['title']} ({rows[i]['unit_name']}, score "
                f"{badges.score(rows[i]['score'] if present(rows[i]['score']) else rows[i]['progress'])})"
            ),
            key=f"{form_id}_objs",
        )

        def write(db, who, from_id=int(source), to_id=int(target)):
            result = writes.carry_over(db, from_id, to_id, forms.value(f"{form_id}_objs") or [], person=who)
            n_obj, n_kr, done = len(result["objectives"]), len(result["key_results"]), len(result["done_key_results"])
            message = (
                f"Carried {n_obj} objective{'s' if n_obj != 1 else ''} with {n_kr} key "
                f"result{'s' if n_kr != 1 else ''} into {escape_markdown(cycles[to_id]['name'])}."
            )
            if done:
                message += f" {done} key result{'s were' if done != 1 else ' was'} reached and stayed behind."
            return message

        forms.submit_button("Carry over", form_id, write, reset_prefix=f"{form_id}_", type="primary")
    forms.feedback(form_id)
