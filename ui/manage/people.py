"""Manage's People tab: everyone for everyone; for an admin, a new person, and a person's name,
e-mail, role, the units they may edit besides those they lead, password and archiving.

A person without a password signs in through single sign-on. Archived units are not offered in
the picker of units to edit and stay as they were.
"""

from __future__ import annotations

import streamlit as st

from okrdata import auth as core_auth
from okrdata import writes
from okrdata.db import transaction
from okrdata.schema import ROLES
from ui import form_data, forms
from ui.badges import escape_markdown
from ui.manage.common import create_form, edit_form, fill, no_rights
from ui.manage.context import ManageContext


def draw(ctx: ManageContext) -> None:
    """The tab: the people's table, then an admin's forms."""
    if not ctx.person_labels:
        st.caption("No people yet.")
    else:
        st.dataframe(form_data.people_table(), hide_index=True, width="stretch", key="mg_people_table")
    if not ctx.is_admin:
        if ctx.writer:
            no_rights("Only an admin can add people, change roles and the units people may edit.")
        return
    _new(ctx)
    _edit(ctx)


def _fields(ctx: ManageContext, key: str) -> None:
    """Who the person is and what they may edit, keyed ``{key}_name`` and so on."""
    a, b = st.columns(2)
    a.text_input("Name", key=f"{key}_name")
    b.text_input("E-mail", key=f"{key}_email")
    st.selectbox("Role", list(ROLES), format_func=str.capitalize, key=f"{key}_role")
    st.multiselect(
        "Units they may edit (besides those they lead, and the units below)",
        list(ctx.unit_paths),
        format_func=ctx.unit_label,
        key=f"{key}_units",
    )


def _new(ctx: ManageContext) -> None:
    def write(db, who, fid):
        password = forms.value(f"{fid}_password") or ""
        hashed = core_auth.hash_password(core_auth.check_password(password)) if password else None
        name = forms.text(f"{fid}_name")
        writes.add_person(
            db,
            name,
            forms.text(f"{fid}_email"),
            forms.value(f"{fid}_role"),
            forms.value(f"{fid}_units") or [],
            password_hash=hashed,
            person=who,
        )
        return f"{escape_markdown(name)} added."

    def fields(fid: str) -> None:
        _fields(ctx, fid)
        st.text_input(
            "Password (optional: without one they sign in through single sign-on)",
            type="password",
            key=f"{fid}_password",
        )

    create_form("mg_person_new", "Add a person", "Add person", write, fields, icon=":material/person_add:")


def _edit(ctx: ManageContext) -> None:
    st.markdown("**Edit a person**")
    picked = int(st.selectbox("Person", list(ctx.person_labels), format_func=ctx.person_label, key="mg_person_pick"))
    form_id = f"mg_person_edit_{picked}"
    p = forms.read_row(form_id, "people", picked)
    fill(
        form_id,
        {
            "name": p["name"],
            "email": p["email"],
            "role": p["role"],
            "units": [u for u in p["unit_ids"] if u in ctx.unit_paths],
            "archived": bool(p["archived"]),
        },
    )

    def save(db, edit):
        password = forms.value(f"{form_id}_password") or ""
        # Archived units are not offered in the picker; they stay as they were.
        hidden = [u for u in edit["seen"]["unit_ids"] if u not in ctx.unit_paths]
        with transaction(db):  # all of it or none of it
            writes.update_person(
                db,
                picked,
                **edit,
                name=forms.text(f"{form_id}_name"),
                email=forms.text(f"{form_id}_email"),
                role=forms.value(f"{form_id}_role"),
                archived=forms.value(f"{form_id}_archived"),
                unit_ids=[*(forms.value(f"{form_id}_units") or []), *hidden],
            )
            if password:
                core_auth.set_password(db, picked, password)
        return "Person saved."

    with edit_form(form_id, "Save person", save):
        _fields(ctx, form_id)
        st.text_input("New password (leave empty to keep the current one)", type="password", key=f"{form_id}_password")
        st.checkbox("Archived (cannot sign in, edits nothing)", key=f"{form_id}_archived")
