"""Manage's Key results tab: the key results of an objective of the sidebar's cycle and unit,
with the goalposts that moved, for everyone; for a lead or an admin, a new key result, and a
key result's title, type, baseline, target, unit label, weight, cadence, owner and KPI, or its
archiving.

Once the cycle has started, changing a key result's type, baseline or target needs a reason and
is recorded: the key result then shows that its goalposts moved.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import history, lookups, writes
from okrdata.schema import KR_TYPES
from ui import data, form_data, forms, lazy, tables
from ui.badges import escape_markdown
from ui.manage.common import as_int, create_form, edit_form, fill, no_rights, number_text, row_of
from ui.manage.context import ManageContext

TYPE_WORDS = {
    "increase": "Increase to",
    "decrease": "Decrease to",
    "stay_above": "Stay above",
    "stay_below": "Stay below",
    "milestone": "Milestone (0 to 1)",
}


def draw(ctx: ManageContext) -> None:
    """The tab: an objective's key results and moved goalposts, then the forms of a lead (their units) or an admin."""
    scope = ctx.scope
    if scope.cycle_id is None:
        st.caption("Create a cycle first.")
        return
    cycle = scope.cycle
    listed = form_data.objectives_table(scope.cycle_id, scope.unit_id)
    if not listed.total:
        st.caption(
            f"No objectives for {escape_markdown(scope.unit_name)} in {escape_markdown(cycle['name'])} yet; create one in the "
            "Objectives tab."
        )
        return
    if ctx.editable:
        objs = data.objective_rows(scope.cycle_id, scope.unit_id)
        mine = [int(i) for i, u in zip(objs["objective_id"], objs["unit_id"]) if int(u) in ctx.editable]
        if mine:
            forms.prefill("mg_kr_obj", mine[0])  # a lead starts on an objective they may change
    picked_obj = int(
        st.selectbox(
            "Objective", list(listed.labels), format_func=lambda i: listed.labels.get(i, str(i)), key="mg_kr_obj"
        )
    )
    krs, frame = form_data.objective_key_results(scope.cycle_id, scope.unit_id, picked_obj)
    _tables(krs, frame)
    if not ctx.writer:
        return
    if cycle["state"] == "closed":
        st.caption(f"{escape_markdown(cycle['name'])} is closed: its key results are final.")
        return
    o = row_of(data.objective_rows(scope.cycle_id, scope.unit_id), "objective_id", picked_obj)
    if int(o["unit_id"]) not in ctx.editable:
        no_rights(f"You may not change the key results of {escape_markdown(o['unit_name'])}.")
        return
    kpi_labels = {None: "— none —"}
    kpi_labels.update(form_data.kpi_labels())
    _new(ctx, picked_obj, kpi_labels)
    if not krs.empty:
        _edit(ctx, krs, kpi_labels)


def _tables(krs: pd.DataFrame, frame: pd.DataFrame) -> None:
    """The objective's key results, and the goalposts that moved, with who moved them and why."""
    changes = form_data.goalpost_changes([int(i) for i in krs["kr_id"]]) if not krs.empty else pd.DataFrame()
    moved = set(int(i) for i in changes["kr_id"]) if not changes.empty else set()
    if krs.empty:
        st.caption("This objective has no key results yet.")
    else:
        frame.insert(2, "Goalposts", ["moved" if int(i) in moved else "" for i in krs["kr_id"]])
        st.dataframe(
            frame, hide_index=True, width="stretch", key="mg_krs_table", column_config={"Progress": tables.PROGRESS}
        )
    if changes.empty:
        return
    with lazy.expander(
        f"Goalposts moved ({len(changes)})", "mg_kr_goalposts_open", keep=False, icon=":material/swap_vert:"
    ) as shown:
        if shown:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Key result": changes["kr_title"],
                        "Change": [
                            history.describe_goalpost_change(f, b, a)
                            for f, b, a in zip(changes["field"], changes["before"], changes["after"])
                        ],
                        "Who": changes["changed_by_name"].fillna(""),
                        "When": [str(t).replace("T", " ")[:16] for t in changes["changed_at"]],
                        "Why": changes["reason"],
                    }
                ),
                hide_index=True,
                width="stretch",
                key="mg_goalposts_table",
            )


def _fields(ctx: ManageContext, key: str, kpi_labels: dict, reason: bool = False) -> None:
    st.text_input("Title", key=f"{key}_title", help="An outcome, from X to Y; not an activity.")
    a, b, c = st.columns(3)
    a.selectbox("Type", list(KR_TYPES), format_func=lambda t: TYPE_WORDS[t], key=f"{key}_type")
    b.text_input("Baseline", key=f"{key}_baseline", help="Where it starts (empty for stay above/below and milestones).")
    c.text_input(
        "Target", key=f"{key}_target", help="Where it should end, or the bound it keeps (empty for milestones)."
    )
    a, b, c = st.columns(3)
    a.text_input("Unit label", key=f"{key}_unit_label", placeholder="%, EUR, users")
    b.text_input("Weight", key=f"{key}_weight")
    c.number_input("Check-in every (days)", key=f"{key}_cadence", step=1)
    a, b = st.columns(2)
    a.selectbox("Owner", ctx.people_choices(f"{key}_owner"), format_func=ctx.person_label, key=f"{key}_owner")
    b.selectbox("Measured by KPI", list(kpi_labels), format_func=lambda k: kpi_labels.get(k, str(k)), key=f"{key}_kpi")
    if reason:
        st.text_area(
            "Reason for changing the type, baseline or target",
            key=f"{key}_reason",
            height=68,
            help="Required once the cycle has started: the change is recorded and shown as moved goalposts.",
        )


def _changes(key: str) -> dict:
    return {
        "title": forms.text(f"{key}_title"),
        "kr_type": forms.value(f"{key}_type"),
        "baseline": forms.text(f"{key}_baseline"),
        "target": forms.text(f"{key}_target"),
        "unit_label": forms.text(f"{key}_unit_label"),
        "weight": forms.text(f"{key}_weight"),
        "cadence_days": forms.value(f"{key}_cadence"),
        "owner_id": forms.value(f"{key}_owner"),
        "kpi_id": forms.value(f"{key}_kpi"),
    }


def _new(ctx: ManageContext, objective_id: int, kpi_labels: dict) -> None:
    def write(db, who, fid):
        c = _changes(fid)
        writes.add_key_result(
            db,
            objective_id,
            c["title"],
            c["kr_type"],
            c["baseline"],
            c["target"],
            c["unit_label"],
            c["weight"],
            c["owner_id"],
            c["kpi_id"],
            c["cadence_days"],
            person=who,
        )
        return f"Key result {escape_markdown(c['title'])} created."

    prefill = {"type": "increase", "weight": "1", "cadence": 7}
    create_form(
        "mg_kr_new",
        "New key result",
        "Create key result",
        write,
        lambda fid: _fields(ctx, fid, kpi_labels),
        prefill=prefill,
    )


def _edit(ctx: ManageContext, krs: pd.DataFrame, kpi_labels: dict) -> None:
    cycle = ctx.scope.cycle
    st.markdown("**Edit a key result**")
    rows = {int(r["kr_id"]): r for r in krs.to_dict("records")}
    picked = int(st.selectbox("Key result", list(rows), format_func=lambda i: rows[i]["title"], key="mg_kr_pick"))
    form_id = f"mg_kr_edit_{picked}"
    k = forms.read_row(form_id, "key_results", picked)
    milestone = k["kr_type"] == "milestone"
    fill(
        form_id,
        {
            "title": k["title"],
            "type": k["kr_type"],
            "baseline": "" if milestone else number_text(k["baseline"]),
            "target": "" if milestone else number_text(k["target"]),
            "unit_label": k["unit_label"] or "",
            "weight": number_text(k["weight"]),
            "cadence": int(k["cadence_days"]),
            "owner": as_int(k["owner_id"]),
            "kpi": as_int(k["kpi_id"]) if as_int(k["kpi_id"]) in kpi_labels else None,
            "reason": "",
        },
    )
    if lookups.cycle_started(cycle):
        st.caption(
            f":material/info: {escape_markdown(cycle['name'])} has started: a change to the type, baseline or target "
            "needs a reason and shows as moved goalposts."
        )

    def save(db, edit):
        reason = forms.text(f"{form_id}_reason")
        moved = writes.update_key_result(db, picked, **edit, reason=reason, **_changes(form_id))
        if moved:
            return (
                f"Key result saved; the change of its {' and '.join(f.replace('kr_', '') for f in moved)} is recorded."
            )
        return "Key result saved."

    with edit_form(form_id, "Save key result", save):
        _fields(ctx, form_id, kpi_labels, reason=True)
    forms.archive_form(
        "mg_kr_archive",
        picked,
        "Yes, archive this key result",
        "Archive key result",
        lambda db, who, version: writes.archive_key_result(db, picked, person=who, version=version),
        "Key result archived.",
        form_id,
    )
