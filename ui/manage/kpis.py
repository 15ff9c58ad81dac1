"""Manage's KPIs tab: the KPIs of the sidebar's unit with their latest reading, for everyone; for
a lead or an admin, a new KPI in a unit they may change, a reading of one, and a KPI's name,
target, warning threshold, unit label, frequency and description, or its archiving (its
readings stay).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from okrdata import writes
from okrdata.schema import KPI_TARGET_TYPES
from ui import data, form_data, forms
from ui.badges import escape_markdown
from ui.manage.common import create_form, edit_form, fill, no_rights, number_text
from ui.manage.context import ManageContext


def draw(ctx: ManageContext) -> None:
    """The tab: the unit's KPIs, then the forms of a lead (their units) or an admin."""
    scope = ctx.scope
    table = form_data.kpis_table(scope.unit_id)
    if not table.num_rows:
        st.caption(f"No KPIs for {escape_markdown(scope.unit_name)} yet.")
    else:
        st.dataframe(table, hide_index=True, width="stretch", key="mg_kpis_table")
    if not ctx.writer:
        return
    kpis = data.kpis(scope.unit_id)
    if not ctx.editable_units:
        no_rights("You lead no unit, so there is no KPI you can change.")
        return
    _new(ctx)
    mine = kpis[kpis["unit_id"].isin(ctx.editable_units)] if not kpis.empty else kpis
    if mine.empty:
        st.caption("No KPI here that you may change.")
        return
    rows = {int(r["kpi_id"]): r for r in mine.to_dict("records")}
    _reading(rows)
    _edit(ctx, rows)


def _label(row: dict) -> str:
    return f"{row['name']} ({row['unit_name']})"


def _fields(ctx: ManageContext, key: str, with_unit: bool) -> None:
    if with_unit:
        st.selectbox("Unit", ctx.editable_units, format_func=ctx.unit_label, key=f"{key}_unit")
    st.text_input("Name", key=f"{key}_name")
    a, b, c = st.columns(3)
    a.selectbox(
        "Target type",
        list(KPI_TARGET_TYPES),
        format_func=lambda t: form_data.KPI_TYPE_WORDS[t],
        key=f"{key}_target_type",
    )
    b.text_input("Target", key=f"{key}_target")
    c.text_input(
        "Warning threshold", key=f"{key}_warning", help="Optional: a line before the target where it turns amber."
    )
    a, b = st.columns(2)
    a.text_input("Unit label", key=f"{key}_unit_label")
    b.number_input("Expected every (days)", key=f"{key}_frequency", step=1)
    st.text_area("Description", key=f"{key}_description", height=68)


def _changes(key: str) -> dict:
    return {
        "name": forms.text(f"{key}_name"),
        "target_type": forms.value(f"{key}_target_type"),
        "target": forms.text(f"{key}_target"),
        "warning": forms.text(f"{key}_warning"),
        "unit_label": forms.text(f"{key}_unit_label"),
        "frequency_days": forms.value(f"{key}_frequency"),
        "description": forms.text(f"{key}_description"),
    }


def _new(ctx: ManageContext) -> None:
    def write(db, who, fid):
        c = _changes(fid)
        writes.add_kpi(
            db,
            forms.value(f"{fid}_unit"),
            c["name"],
            c["target_type"],
            c["target"],
            c["warning"],
            c["frequency_days"],
            c["unit_label"],
            c["description"],
            person=who,
        )
        return f"KPI {escape_markdown(c['name'])} created."

    unit_id = ctx.scope.unit_id
    prefill = {"frequency": 7, **({"unit": unit_id} if unit_id in ctx.editable_units else {})}
    create_form(
        "mg_kpi_new", "New KPI", "Create KPI", write, lambda fid: _fields(ctx, fid, with_unit=True), prefill=prefill
    )


def _reading(rows: dict[int, dict]) -> None:
    form_id = "mg_kpi_reading"

    def write(db, who, fid):
        kpi_id = forms.value(f"{form_id}_kpi")
        writes.add_kpi_reading(db, kpi_id, forms.value(f"{form_id}_date"), forms.text(f"{fid}_value"), person=who)
        return f"Reading of {escape_markdown(rows[int(kpi_id)]['name'])} recorded."

    # Only the value is keyed by the form's round: after a reading it is empty, the KPI and date stay.
    forms.prefill(f"{form_id}_date", dt.date.today())
    icon = ":material/add_chart:"

    def fields(fid: str) -> None:
        st.selectbox("KPI", list(rows), format_func=lambda i: _label(rows[i]), key=f"{form_id}_kpi")
        a, b = st.columns(2)
        a.date_input("Date", key=f"{form_id}_date")
        b.text_input("Value", key=f"{fid}_value")

    create_form(form_id, "Record a reading", "Record reading", write, fields, icon=icon, reset=["value"])


def _edit(ctx: ManageContext, rows: dict[int, dict]) -> None:
    st.markdown("**Edit a KPI**")
    picked = int(st.selectbox("KPI", list(rows), format_func=lambda i: _label(rows[i]), key="mg_kpi_pick"))
    form_id = f"mg_kpi_edit_{picked}"
    k = forms.read_row(form_id, "kpis", picked)
    fill(
        form_id,
        {
            "name": k["name"],
            "target_type": k["target_type"],
            "target": number_text(k["target"]),
            "warning": number_text(k["warning"]),
            "unit_label": k["unit_label"] or "",
            "frequency": int(k["frequency_days"]),
            "description": k["description"] or "",
        },
    )

    def save(db, edit):
        writes.update_kpi(db, picked, **edit, **_changes(form_id))
        return "KPI saved."

    with edit_form(form_id, "Save KPI", save):
        _fields(ctx, form_id, with_unit=False)
    forms.archive_form(
        "mg_kpi_archive",
        picked,
        "Yes, archive this KPI (its readings stay)",
        "Archive KPI",
        lambda db, who, version: writes.archive_kpi(db, picked, person=who, version=version),
        "KPI archived.",
        form_id,
    )
