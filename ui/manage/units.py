"""Manage's Units tab: every unit for everyone; for a lead or an admin, a new unit below one they
may change, and a unit's name, parent, lead and description, or its archiving.

The company (the unit without a parent) cannot be moved or archived.
"""

from __future__ import annotations

import streamlit as st

from okrdata import writes
from ui import form_data, forms
from ui.badges import escape_markdown
from ui.manage.common import as_int, create_form, edit_form, fill, no_rights, present
from ui.manage.context import ManageContext

PARENT_HELP = "Move the unit (with everything below it) under another unit."


def draw(ctx: ManageContext) -> None:
    """The tab: the units' table, then the forms of a lead (their units) or an admin."""
    if not ctx.unit_paths:
        st.caption("No units yet.")
    else:
        st.dataframe(form_data.units_table(), hide_index=True, width="stretch", key="mg_units_table")
    if not ctx.writer:
        return
    if not ctx.editable_units:
        no_rights("You lead no unit, so there is no unit you can change.")
        return
    _new(ctx)
    _edit(ctx)


def _fields(ctx: ManageContext, key: str, parents: list[int] | None, parent_help: str | None = None) -> None:
    """A unit's inputs, keyed ``{key}_name`` and so on; no parent picker when ``parents`` is None (the company)."""
    st.text_input("Name", key=f"{key}_name")
    if parents is not None:
        st.selectbox("Parent unit", parents, format_func=ctx.unit_label, key=f"{key}_parent", help=parent_help)
    st.selectbox("Lead", ctx.people_choices(f"{key}_lead"), format_func=ctx.person_label, key=f"{key}_lead")
    st.text_area("Description", key=f"{key}_description", height=68)


def _new(ctx: ManageContext) -> None:
    def write(db, who, fid):
        name = forms.text(f"{fid}_name")
        writes.add_unit(
            db,
            name,
            parent_id=forms.value(f"{fid}_parent"),
            lead_id=forms.value(f"{fid}_lead"),
            description=forms.text(f"{fid}_description"),
            person=who,
        )
        return f"Unit {escape_markdown(name)} created."

    create_form("mg_unit_new", "New unit", "Create unit", write, lambda fid: _fields(ctx, fid, ctx.editable_units))


def _edit(ctx: ManageContext) -> None:
    st.markdown("**Edit a unit**")
    picked = int(st.selectbox("Unit", ctx.editable_units, format_func=ctx.unit_label, key="mg_unit_pick"))
    form_id = f"mg_unit_edit_{picked}"
    u = forms.read_row(form_id, "units", picked)
    is_company = not present(u["parent_id"])
    fill(
        form_id,
        {
            "name": u["name"],
            "parent": as_int(u["parent_id"]),
            "lead": as_int(u["lead_id"]),
            "description": u["description"] or "",
        },
    )

    def save(db, edit):
        changes = {
            "name": forms.text(f"{form_id}_name"),
            "lead_id": forms.value(f"{form_id}_lead"),
            "description": forms.text(f"{form_id}_description"),
        }
        if not is_company:
            changes["parent_id"] = forms.value(f"{form_id}_parent")
        writes.update_unit(db, picked, **edit, **changes)
        return "Unit saved."

    with edit_form(form_id, "Save unit", save):
        parents = None if is_company else [i for i in ctx.unit_paths if i != picked]
        _fields(ctx, form_id, parents, PARENT_HELP)
    if not is_company:
        forms.archive_form(
            "mg_unit_archive",
            picked,
            f"Yes, archive {escape_markdown(u['name'])}",
            "Archive unit",
            lambda db, who, version: writes.archive_unit(db, picked, person=who, version=version),
            f"{escape_markdown(u['name'])} archived.",
            form_id,
        )
