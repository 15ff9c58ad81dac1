"""Manage's Objectives tab: the objectives of the sidebar's cycle and unit for everyone; for a
lead or an admin, a new objective in a unit they may change, and an objective's title, why,
owner, kind, weight and alignment, or its archiving.

An objective aligns to an objective or a key result of its own unit or a unit above it, in the
same cycle. A closed cycle's objectives are final.
"""

from __future__ import annotations

import streamlit as st

from okrdata import writes
from okrdata.schema import OBJECTIVE_KINDS
from ui import data, form_data, forms, lazy, tables
from ui.badges import escape_markdown
from ui.manage.common import as_int, edit_form, fill, no_rights, number_text, present
from ui.manage.context import ManageContext

FIELDS = ("title", "description", "owner", "kind", "weight", "align")


def draw(ctx: ManageContext) -> None:
    """The tab: the scope's objectives, then the forms of a lead (their units) or an admin."""
    scope = ctx.scope
    if scope.cycle_id is None:
        st.caption("Create a cycle first.")
        return
    cycle = scope.cycle
    listed = form_data.objectives_table(scope.cycle_id, scope.unit_id)
    st.caption(
        f"Objectives of {escape_markdown(cycle['name'])} for {escape_markdown(scope.unit_name)} (change the cycle and unit in the "
        "sidebar)."
    )
    if not listed.total:
        st.caption("No objectives here yet.")
    else:
        form_data.more_rows_note(len(listed.table), listed.total, "objectives")
        st.dataframe(
            listed.table,
            hide_index=True,
            width="stretch",
            key="mg_objectives_table",
            column_config={"Progress": tables.PROGRESS},
        )
    if not ctx.writer:
        return
    if cycle["state"] == "closed":
        st.caption(f"{escape_markdown(cycle['name'])} is closed: its objectives are final.")
        return
    if not ctx.editable_units:
        no_rights("You lead no unit, so there is no objective you can change.")
        return
    _new(ctx)
    objs = data.objective_rows(scope.cycle_id, scope.unit_id)
    mine = objs[objs["unit_id"].isin(ctx.editable_units)] if not objs.empty else objs
    if mine.empty:
        st.caption("No objective here that you may change.")
        return
    _edit(ctx, [int(i) for i in mine["objective_id"]], listed.labels)


def align_options(cycle_id: int, unit_id: int, objective_id: int | None = None) -> tuple[list[str], dict[str, str]]:
    """Select-box options for an objective's alignment: "" (none), "o:ID" or "k:ID"."""
    labels = {"": "— aligned to nothing —"}
    for c in form_data.alignment_choices(cycle_id, unit_id, objective_id):
        if c["kind"] == "objective":
            labels[f"o:{c['objective_id']}"] = f"{c['title']} ({c['unit_name']})"
        else:
            labels[f"k:{c['kr_id']}"] = f"    ↳ key result: {c['title']}"
    return list(labels), labels


def parse_align(raw: str | None) -> tuple[int | None, int | None]:
    """The parent objective and parent key result of an alignment option (one of them, or neither)."""
    if not raw:
        return None, None
    kind, _, ident = str(raw).partition(":")
    return (int(ident), None) if kind == "o" else (None, int(ident))


def _fields(ctx: ManageContext, key: str, options: list[str], labels: dict[str, str]) -> None:
    st.text_input("Title", key=f"{key}_title", help="Qualitative: the what, not the how.")
    st.text_area("Why", key=f"{key}_description", height=68)
    a, b, c = st.columns(3)
    a.selectbox("Owner", ctx.people_choices(f"{key}_owner"), format_func=ctx.person_label, key=f"{key}_owner")
    b.selectbox(
        "Kind",
        list(OBJECTIVE_KINDS),
        format_func=str.capitalize,
        key=f"{key}_kind",
        help="Committed OKRs are expected to reach 1.0; aspirational ones about 0.7.",
    )
    c.text_input("Weight", key=f"{key}_weight", help="Its share in its unit's roll-up (default 1).")
    st.selectbox(
        "Aligned to",
        options,
        format_func=lambda k: labels.get(k, k),
        key=f"{key}_align",
        help="An objective or key result of this unit or a unit above it, in the same cycle.",
    )


def _changes(key: str) -> dict:
    parent_objective, parent_kr = parse_align(forms.value(f"{key}_align"))
    return {
        "title": forms.text(f"{key}_title"),
        "description": forms.text(f"{key}_description"),
        "owner_id": forms.value(f"{key}_owner"),
        "kind": forms.value(f"{key}_kind"),
        "weight": forms.text(f"{key}_weight"),
        "parent_objective_id": parent_objective,
        "parent_kr_id": parent_kr,
    }


def _new(ctx: ManageContext) -> None:
    scope = ctx.scope
    # Not a create_form: the unit picker sits outside the form, so that the alignment options
    # follow it, and keeps its choice after a save.
    with lazy.expander("New objective", "mg_open__mg_obj_new", icon=":material/add:") as shown:
        if shown:
            form_id = "mg_obj_new"
            fid = forms.fresh_id(form_id)
            forms.prefill(
                f"{form_id}_unit", scope.unit_id if scope.unit_id in ctx.editable_units else ctx.editable_units[0]
            )
            unit_id = st.selectbox("Unit", ctx.editable_units, format_func=ctx.unit_label, key=f"{form_id}_unit")
            options, labels = align_options(scope.cycle_id, int(unit_id))
            fill(fid, {"kind": "committed", "weight": "1"})
            if forms.value(f"{fid}_align") not in options:
                st.session_state[f"{fid}_align"] = ""
            with st.form(fid):
                _fields(ctx, fid, options, labels)

                def write(db, who, cycle_id=int(scope.cycle_id)):
                    changes = _changes(fid)
                    unit = forms.value(f"{form_id}_unit")
                    writes.add_objective(db, cycle_id, unit, changes.pop("title"), person=who, **changes)
                    return "Objective created."

                reset = [f"{fid}_{k}" for k in FIELDS]
                forms.submit_button("Create objective", form_id, write, type="primary", reset=reset)
            forms.feedback(form_id)


def _edit(ctx: ManageContext, mine: list[int], labels: dict[int, str]) -> None:
    st.markdown("**Edit an objective**")
    picked = int(st.selectbox("Objective", mine, format_func=lambda i: labels.get(i, str(i)), key="mg_obj_pick"))
    form_id = f"mg_obj_edit_{picked}"
    o = forms.read_row(form_id, "objectives", picked)
    options, align_labels = align_options(ctx.scope.cycle_id, int(o["unit_id"]), picked)
    current = (
        f"k:{int(o['parent_kr_id'])}"
        if present(o["parent_kr_id"])
        else (f"o:{int(o['parent_objective_id'])}" if present(o["parent_objective_id"]) else "")
    )
    fill(
        form_id,
        {
            "title": o["title"],
            "description": o["description"] or "",
            "owner": as_int(o["owner_id"]),
            "kind": o["kind"],
            "weight": number_text(o["weight"]),
            "align": current if current in options else "",
        },
    )

    def save(db, edit):
        writes.update_objective(db, picked, **edit, **_changes(form_id))
        return "Objective saved."

    with edit_form(form_id, "Save objective", save):
        _fields(ctx, form_id, options, align_labels)
    forms.archive_form(
        "mg_obj_archive",
        picked,
        "Yes, archive this objective (it leaves every page and roll-up)",
        "Archive objective",
        lambda db, who, version: writes.archive_objective(db, picked, person=who, version=version),
        "Objective archived.",
        form_id,
    )
