"""Manage: cycles, units, people, objectives, key results and KPIs; carrying over; import and export.

One tab per thing. Everyone sees the tables; the forms show to a signed-in lead (for the units
they lead and those below them) or admin (everything, and the only one who manages people and
cycles). Every form writes through :mod:`okrdata.writes`, which checks the input and the
person's rights again (see :mod:`ui.forms` for how errors keep what was typed). An edit form
carries the version of the row it was read from: a save made after someone else changed the
thing is refused with what changed and a button to reload the form. A create form is empty
again after a save, and a second click of the same submission creates nothing. Editing a key
result's type, baseline or target once its cycle started asks for a reason and is recorded: the
key result then shows that its goalposts moved. User text in messages goes through
:func:`ui.okr_detail.escape_markdown`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from okrdata import auth as core_auth
from okrdata import history, lookups, transfer, writes
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.schema import CYCLE_STATES, KPI_TARGET_TYPES, KR_TYPES, OBJECTIVE_KINDS, ROLES
from ui import auth, badges, data, forms, sidebar, tables
from ui.okr_detail import escape_markdown

IMPORT_FORM = "mg_import"
IMPORT_ROUND = "mg_import_round"  # counts imports: the uploader's key, so each import empties it

scope = sidebar.current()
st.title("Manage")
st.write(
    "Keep the organisation here: cycles, units, people, objectives, key results and KPIs, "
    "carrying unfinished objectives into the next cycle, and import and export."
)

person = auth.current_person()
editable = forms.editable_units(person)
is_admin = core_auth.is_admin(person)
writer = person is not None and person["role"] in ("lead", "admin")
if not writer:
    forms.signed_in_message(person, "make changes")

cycles = data.cycles()
cycle_rows = {int(r["id"]): r for r in cycles.to_dict("records")}
# Labels for pickers, cached: a thousand units or people cost nothing to list at a rerun.
unit_paths = data.unit_paths()
person_labels, active_people = forms.people_labels()
editable_units = [u for u in unit_paths if u in editable]

TYPE_WORDS = {
    "increase": "Increase to",
    "decrease": "Decrease to",
    "stay_above": "Stay above",
    "stay_below": "Stay below",
    "milestone": "Milestone (0 to 1)",
}
KPI_TYPE_WORDS = forms.KPI_TYPE_WORDS


def _present(x) -> bool:
    return x is not None and not (isinstance(x, float) and pd.isna(x)) and x is not pd.NA


def _int(x) -> int | None:
    return int(x) if _present(x) else None


def number_text(x) -> str:
    if not _present(x):
        return ""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)  # repr: exact, so an unchanged value reads back equal


def people_choices(key: str) -> list:
    """Nobody, everyone not archived, and whoever the input holds now (an archived owner stays shown)."""
    current = st.session_state.get(key)
    return [None] + active_people + ([current] if current is not None and current not in active_people else [])


def unit_label(uid) -> str:
    # Without the company's name ("Product & Engineering / Web App"), as in the sidebar.
    return unit_paths.get(_int(uid), f"unit {uid}")


def person_label(pid) -> str:
    if pid is None:
        return "— nobody —"
    return person_labels.get(int(pid), f"person {pid}")


def row_of(frame: pd.DataFrame, column: str, value: int) -> dict:
    """The row of ``frame`` whose ``column`` is ``value``, as a dict (one row, not the whole frame)."""
    return frame[frame[column] == int(value)].to_dict("records")[0]


def day(x) -> dt.date:
    return dt.date.fromisoformat(str(x)[:10])


def no_rights(what: str) -> None:
    st.caption(f":material/lock: {what}")


# --- cycles ----------------------------------------------------------------------------------


def cycles_tab() -> None:
    if cycles.empty:
        st.caption("No cycles yet.")
    else:
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
    if not is_admin:
        if writer:
            no_rights(
                "Cycles are the whole company's: only an admin can add one, rename it, move its dates or "
                "change its state."
            )
        return
    with st.expander("New cycle", icon=":material/add:"):
        form_id = "mg_cycle_new"
        fid = forms.fresh_id(form_id)
        start = max((day(r["end_date"]) for r in cycle_rows.values()), default=dt.date.today() - dt.timedelta(days=1))
        start += dt.timedelta(days=1)
        forms.prefill(f"{fid}_start", start)
        forms.prefill(f"{fid}_end", start + dt.timedelta(days=90))
        with st.form(fid):
            st.text_input("Name", key=f"{fid}_name", placeholder="2027 Q1")
            a, b, c = st.columns(3)
            a.date_input("Start date", key=f"{fid}_start")
            b.date_input("End date", key=f"{fid}_end")
            c.selectbox("State", ["planning", "active"], key=f"{fid}_state")

            def write(db, who, fid=fid):
                name = forms.text(f"{fid}_name")
                writes.add_cycle(
                    db,
                    name,
                    forms.value(f"{fid}_start"),
                    forms.value(f"{fid}_end"),
                    forms.value(f"{fid}_state"),
                    person=who,
                )
                return f"Cycle {escape_markdown(name)} created."

            forms.submit_button("Create cycle", form_id, write, reset_prefix=f"{fid}_", type="primary")
        forms.feedback(form_id)
    if not cycle_rows:
        return
    st.markdown("**Edit a cycle**")
    picked = st.selectbox("Cycle", list(cycle_rows), format_func=lambda i: cycle_rows[i]["name"], key="mg_cycle_pick")
    form_id, state_id = f"mg_cycle_edit_{picked}", f"mg_cycle_state_{picked}"
    c = forms.read_row(form_id, "cycles", int(picked), also=[f"{state_id}_"])
    if c["state"] == "closed":
        st.caption(
            f"{escape_markdown(c['name'])} is closed; its name and dates are final. An admin can reopen it below."
        )
    else:
        forms.prefill(f"{form_id}_name", c["name"])
        forms.prefill(f"{form_id}_start", day(c["start_date"]))
        forms.prefill(f"{form_id}_end", day(c["end_date"]))
        with st.form(form_id):
            st.text_input("Name", key=f"{form_id}_name")
            a, b = st.columns(2)
            a.date_input("Start date", key=f"{form_id}_start")
            b.date_input("End date", key=f"{form_id}_end")

            def write(db, who, cycle_id=int(picked), form_id=form_id):
                read = forms.value(forms.read_key(form_id))
                writes.update_cycle(
                    db,
                    cycle_id,
                    person=who,
                    version=read["version"],
                    seen=read,
                    name=forms.text(f"{form_id}_name"),
                    start_date=forms.value(f"{form_id}_start"),
                    end_date=forms.value(f"{form_id}_end"),
                )
                return "Cycle saved."

            forms.submit_button("Save cycle", form_id, write, reset_prefix=f"{form_id}_")
        forms.feedback(form_id, reload_prefix=f"{form_id}_")
    forms.prefill(f"{state_id}_state", c["state"])
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

        def write_state(db, who, cycle_id=int(picked), state_id=state_id, form_id=form_id):
            state = forms.value(f"{state_id}_state")
            read = forms.value(forms.read_key(form_id))
            writes.set_cycle_state(db, cycle_id, state, person=who, version=read["version"], seen=read)
            return f"{escape_markdown(read['name'])} is now {state}."

        # The cycle's row as read is the edit form's: a new state moves its version for both.
        forms.submit_button(
            "Change state", state_id, write_state, reset=[forms.read_key(form_id)], reset_prefix=f"{state_id}_"
        )
    forms.feedback(state_id, reload=[f"{state_id}_state"], reload_prefix=f"{form_id}_")


# --- units -----------------------------------------------------------------------------------


def units_tab() -> None:
    if not unit_paths:
        st.caption("No units yet.")
    else:
        st.dataframe(
            forms.units_table(),
            hide_index=True,
            width="stretch",
            key="mg_units_table",
        )
    if not writer:
        return
    if not editable_units:
        no_rights("You lead no unit, so there is no unit you can change.")
        return
    with st.expander("New unit", icon=":material/add:"):
        form_id = "mg_unit_new"
        fid = forms.fresh_id(form_id)
        with st.form(fid):
            st.text_input("Name", key=f"{fid}_name")
            st.selectbox("Parent unit", editable_units, format_func=unit_label, key=f"{fid}_parent")
            st.selectbox("Lead", people_choices(f"{fid}_lead"), format_func=person_label, key=f"{fid}_lead")
            st.text_area("Description", key=f"{fid}_description", height=68)

            def write(db, who, fid=fid):
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

            forms.submit_button("Create unit", form_id, write, reset_prefix=f"{fid}_", type="primary")
        forms.feedback(form_id)
    st.markdown("**Edit a unit**")
    picked = st.selectbox("Unit", editable_units, format_func=unit_label, key="mg_unit_pick")
    form_id = f"mg_unit_edit_{picked}"
    u = forms.read_row(form_id, "units", int(picked))
    is_company = not _present(u["parent_id"])
    parent_options = [i for i in unit_paths if i != int(picked)]
    forms.prefill(f"{form_id}_name", u["name"])
    forms.prefill(f"{form_id}_parent", _int(u["parent_id"]))
    forms.prefill(f"{form_id}_lead", _int(u["lead_id"]))
    forms.prefill(f"{form_id}_description", u["description"] or "")
    with st.form(form_id):
        st.text_input("Name", key=f"{form_id}_name")
        if not is_company:
            st.selectbox(
                "Parent unit",
                parent_options,
                format_func=unit_label,
                key=f"{form_id}_parent",
                help="Move the unit (with everything below it) under another unit.",
            )
        st.selectbox("Lead", people_choices(f"{form_id}_lead"), format_func=person_label, key=f"{form_id}_lead")
        st.text_area("Description", key=f"{form_id}_description", height=68)

        def write(db, who, unit_id=int(picked), form_id=form_id):
            changes = {
                "name": forms.text(f"{form_id}_name"),
                "lead_id": forms.value(f"{form_id}_lead"),
                "description": forms.text(f"{form_id}_description"),
            }
            if not is_company:
                changes["parent_id"] = forms.value(f"{form_id}_parent")
            read = forms.value(forms.read_key(form_id))
            writes.update_unit(db, unit_id, person=who, version=read["version"], seen=read, **changes)
            return "Unit saved."

        forms.submit_button("Save unit", form_id, write, reset_prefix=f"{form_id}_")
    forms.feedback(form_id, reload_prefix=f"{form_id}_")
    if not is_company:
        forms.archive_form(
            "mg_unit_archive",
            int(picked),
            f"Yes, archive {escape_markdown(u['name'])}",
            "Archive unit",
            lambda db, who, version, unit_id=int(picked): writes.archive_unit(db, unit_id, person=who, version=version),
            f"{escape_markdown(u['name'])} archived.",
            form_id,
        )


# --- people ----------------------------------------------------------------------------------


def people_tab() -> None:
    if not person_labels:
        st.caption("No people yet.")
    else:
        st.dataframe(
            forms.people_table(),
            hide_index=True,
            width="stretch",
            key="mg_people_table",
        )
    if not is_admin:
        if writer:
            no_rights("Only an admin can add people, change roles and the units people may edit.")
        return
    with st.expander("Add a person", icon=":material/person_add:"):
        form_id = "mg_person_new"
        fid = forms.fresh_id(form_id)
        with st.form(fid):
            a, b = st.columns(2)
            a.text_input("Name", key=f"{fid}_name")
            b.text_input("E-mail", key=f"{fid}_email")
            st.selectbox("Role", list(ROLES), format_func=str.capitalize, key=f"{fid}_role")
            st.multiselect(
                "Units they may edit (besides those they lead, and the units below)",
                list(unit_paths),
                format_func=unit_label,
                key=f"{fid}_units",
            )
            st.text_input(
                "Password (optional: without one they sign in through single sign-on)",
                type="password",
                key=f"{fid}_password",
            )

            def write(db, who, fid=fid):
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

            forms.submit_button("Add person", form_id, write, reset_prefix=f"{fid}_", type="primary")
        forms.feedback(form_id)
    st.markdown("**Edit a person**")
    picked = st.selectbox("Person", list(person_labels), format_func=person_label, key="mg_person_pick")
    form_id = f"mg_person_edit_{picked}"
    p = forms.read_row(form_id, "people", int(picked))
    forms.prefill(f"{form_id}_name", p["name"])
    forms.prefill(f"{form_id}_email", p["email"])
    forms.prefill(f"{form_id}_role", p["role"])
    forms.prefill(f"{form_id}_units", [u for u in p["unit_ids"] if u in unit_paths])
    forms.prefill(f"{form_id}_archived", bool(p["archived"]))
    with st.form(form_id):
        a, b = st.columns(2)
        a.text_input("Name", key=f"{form_id}_name")
        b.text_input("E-mail", key=f"{form_id}_email")
        st.selectbox("Role", list(ROLES), format_func=str.capitalize, key=f"{form_id}_role")
        st.multiselect(
            "Units they may edit (besides those they lead, and the units below)",
            list(unit_paths),
            format_func=unit_label,
            key=f"{form_id}_units",
        )
        st.text_input("New password (leave empty to keep the current one)", type="password", key=f"{form_id}_password")
        st.checkbox("Archived (cannot sign in, edits nothing)", key=f"{form_id}_archived")

        def write(db, who, person_id=int(picked), form_id=form_id):
            password = forms.value(f"{form_id}_password") or ""
            read = forms.value(forms.read_key(form_id))
            # Archived units are not offered in the picker; they stay as they were.
            hidden = [u for u in read["unit_ids"] if u not in unit_paths]
            with transaction(db):  # all of it or none of it
                writes.update_person(
                    db,
                    person_id,
                    person=who,
                    version=read["version"],
                    seen=read,
                    name=forms.text(f"{form_id}_name"),
                    email=forms.text(f"{form_id}_email"),
                    role=forms.value(f"{form_id}_role"),
                    archived=forms.value(f"{form_id}_archived"),
                    unit_ids=[*(forms.value(f"{form_id}_units") or []), *hidden],
                )
                if password:
                    core_auth.set_password(db, person_id, password)
            return "Person saved."

        forms.submit_button("Save person", form_id, write, reset_prefix=f"{form_id}_")
    forms.feedback(form_id, reload_prefix=f"{form_id}_")


# --- objectives ------------------------------------------------------------------------------


def align_options(cycle_id: int, unit_id: int, objective_id: int | None = None) -> tuple[list[str], dict[str, str]]:
    """Select-box options for an objective's alignment: "" (none), "o:ID" or "k:ID"."""
    labels = {"": "— aligned to nothing —"}
    for c in forms.alignment_choices(cycle_id, unit_id, objective_id):
        if c["kind"] == "objective":
            labels[f"o:{c['objective_id']}"] = f"{c['title']} ({c['unit_name']})"
        else:
            labels[f"k:{c['kr_id']}"] = f"    ↳ key result: {c['title']}"
    return list(labels), labels


def parse_align(raw: str | None) -> tuple[int | None, int | None]:
    if not raw:
        return None, None
    kind, _, ident = str(raw).partition(":")
    return (int(ident), None) if kind == "o" else (None, int(ident))


def objective_fields(form_id: str, options: list[str], labels: dict[str, str]) -> None:
    st.text_input("Title", key=f"{form_id}_title", help="Qualitative: the what, not the how.")
    st.text_area("Why", key=f"{form_id}_description", height=68)
    a, b, c = st.columns(3)
    a.selectbox("Owner", people_choices(f"{form_id}_owner"), format_func=person_label, key=f"{form_id}_owner")
    b.selectbox(
        "Kind",
        list(OBJECTIVE_KINDS),
        format_func=str.capitalize,
        key=f"{form_id}_kind",
        help="Committed OKRs are expected to reach 1.0; aspirational ones about 0.7.",
    )
    c.text_input("Weight", key=f"{form_id}_weight", help="Its share in its unit's roll-up (default 1).")
    st.selectbox(
        "Aligned to",
        options,
        format_func=lambda k: labels.get(k, k),
        key=f"{form_id}_align",
        help="An objective or key result of this unit or a unit above it, in the same cycle.",
    )


def objective_changes(form_id: str) -> dict:
    parent_objective, parent_kr = parse_align(forms.value(f"{form_id}_align"))
    return {
        "title": forms.text(f"{form_id}_title"),
        "description": forms.text(f"{form_id}_description"),
        "owner_id": forms.value(f"{form_id}_owner"),
        "kind": forms.value(f"{form_id}_kind"),
        "weight": forms.text(f"{form_id}_weight"),
        "parent_objective_id": parent_objective,
        "parent_kr_id": parent_kr,
    }


def objectives_tab() -> None:
    if scope.cycle_id is None:
        st.caption("Create a cycle first.")
        return
    cycle = scope.cycle
    listed = forms.objectives_table(scope.cycle_id, scope.unit_id)
    st.caption(
        f"Objectives of {escape_markdown(cycle['name'])} for {escape_markdown(scope.unit_name)} (change the cycle and unit in the "
        "sidebar)."
    )
    if not listed.total:
        st.caption("No objectives here yet.")
    else:
        forms.more_rows_note(len(listed.table), listed.total, "objectives")
        st.dataframe(
            listed.table,
            hide_index=True,
            width="stretch",
            key="mg_objectives_table",
            column_config={"Progress": tables.PROGRESS},
        )
    if not writer:
        return
    if cycle["state"] == "closed":
        st.caption(f"{escape_markdown(cycle['name'])} is closed: its objectives are final.")
        return
    if not editable_units:
        no_rights("You lead no unit, so there is no objective you can change.")
        return
    with st.expander("New objective", icon=":material/add:"):
        form_id = "mg_obj_new"
        fid = forms.fresh_id(form_id)  # the unit picker (outside the form) keeps its choice
        default_unit = scope.unit_id if scope.unit_id in editable_units else editable_units[0]
        forms.prefill(f"{form_id}_unit", default_unit)
        unit_id = st.selectbox("Unit", editable_units, format_func=unit_label, key=f"{form_id}_unit")
        options, labels = align_options(scope.cycle_id, int(unit_id))
        forms.prefill(f"{fid}_kind", "committed")
        forms.prefill(f"{fid}_weight", "1")
        if forms.value(f"{fid}_align") not in options:
            st.session_state[f"{fid}_align"] = ""
        with st.form(fid):
            objective_fields(fid, options, labels)

            def write(db, who, cycle_id=int(scope.cycle_id), form_id=form_id, fid=fid):
                changes = objective_changes(fid)
                writes.add_objective(
                    db, cycle_id, forms.value(f"{form_id}_unit"), changes.pop("title"), person=who, **changes
                )
                return "Objective created."

            forms.submit_button(
                "Create objective",
                form_id,
                write,
                type="primary",
                reset=[f"{fid}_{k}" for k in ("title", "description", "owner", "kind", "weight", "align")],
            )
        forms.feedback(form_id)
    objs = data.objective_rows(scope.cycle_id, scope.unit_id)
    mine = objs[objs["unit_id"].isin(editable_units)] if not objs.empty else objs
    if mine.empty:
        st.caption("No objective here that you may change.")
        return
    st.markdown("**Edit an objective**")
    mine_ids = [int(i) for i in mine["objective_id"]]
    picked = st.selectbox("Objective", mine_ids, format_func=lambda i: listed.labels.get(i, str(i)), key="mg_obj_pick")
    form_id = f"mg_obj_edit_{picked}"
    o = forms.read_row(form_id, "objectives", int(picked))
    options, labels = align_options(scope.cycle_id, int(o["unit_id"]), int(picked))
    current = (
        f"k:{int(o['parent_kr_id'])}"
        if _present(o["parent_kr_id"])
        else (f"o:{int(o['parent_objective_id'])}" if _present(o["parent_objective_id"]) else "")
    )
    forms.prefill(f"{form_id}_title", o["title"])
    forms.prefill(f"{form_id}_description", o["description"] or "")
    forms.prefill(f"{form_id}_owner", _int(o["owner_id"]))
    forms.prefill(f"{form_id}_kind", o["kind"])
    forms.prefill(f"{form_id}_weight", number_text(o["weight"]))
    forms.prefill(f"{form_id}_align", current if current in options else "")
    with st.form(form_id):
        objective_fields(form_id, options, labels)

        def write(db, who, objective_id=int(picked), form_id=form_id):
            read = forms.value(forms.read_key(form_id))
            writes.update_objective(
                db, objective_id, person=who, version=read["version"], seen=read, **objective_changes(form_id)
            )
            return "Objective saved."

        forms.submit_button("Save objective", form_id, write, reset_prefix=f"{form_id}_")
    forms.feedback(form_id, reload_prefix=f"{form_id}_")
    forms.archive_form(
        "mg_obj_archive",
        int(picked),
        "Yes, archive this objective (it leaves every page and roll-up)",
        "Archive objective",
        lambda db, who, version, objective_id=int(picked): writes.archive_objective(
            db, objective_id, person=who, version=version
        ),
        "Objective archived.",
        form_id,
    )


# --- key results -----------------------------------------------------------------------------


def kr_fields(form_id: str, kpi_options: list, kpi_labels: dict, reason: bool = False) -> None:
    st.text_input("Title", key=f"{form_id}_title", help="An outcome, from X to Y; not an activity.")
    a, b, c = st.columns(3)
    a.selectbox("Type", list(KR_TYPES), format_func=lambda t: TYPE_WORDS[t], key=f"{form_id}_type")
    b.text_input(
        "Baseline", key=f"{form_id}_baseline", help="Where it starts (empty for stay above/below and milestones)."
    )
    c.text_input(
        "Target", key=f"{form_id}_target", help="Where it should end, or the bound it keeps (empty for milestones)."
    )
    a, b, c = st.columns(3)
    a.text_input("Unit label", key=f"{form_id}_unit_label", placeholder="%, EUR, users")
    b.text_input("Weight", key=f"{form_id}_weight")
    c.number_input("Check-in every (days)", key=f"{form_id}_cadence", step=1)
    a, b = st.columns(2)
    a.selectbox("Owner", people_choices(f"{form_id}_owner"), format_func=person_label, key=f"{form_id}_owner")
    b.selectbox("Measured by KPI", kpi_options, format_func=lambda k: kpi_labels.get(k, str(k)), key=f"{form_id}_kpi")
    if reason:
        st.text_area(
            "Reason for changing the type, baseline or target",
            key=f"{form_id}_reason",
            height=68,
            help="Required once the cycle has started: the change is recorded and shown as moved goalposts.",
        )


def kr_changes(form_id: str) -> dict:
    return {
        "title": forms.text(f"{form_id}_title"),
        "kr_type": forms.value(f"{form_id}_type"),
        "baseline": forms.text(f"{form_id}_baseline"),
        "target": forms.text(f"{form_id}_target"),
        "unit_label": forms.text(f"{form_id}_unit_label"),
        "weight": forms.text(f"{form_id}_weight"),
        "cadence_days": forms.value(f"{form_id}_cadence"),
        "owner_id": forms.value(f"{form_id}_owner"),
        "kpi_id": forms.value(f"{form_id}_kpi"),
    }


def key_results_tab() -> None:
    if scope.cycle_id is None:
        st.caption("Create a cycle first.")
        return
    cycle = scope.cycle
    listed = forms.objectives_table(scope.cycle_id, scope.unit_id)
    if not listed.total:
        st.caption(
            f"No objectives for {escape_markdown(scope.unit_name)} in {escape_markdown(cycle['name'])} yet; create one in the "
            "Objectives tab."
        )
        return
    if editable:
        objs = data.objective_rows(scope.cycle_id, scope.unit_id)
        mine = [int(i) for i, u in zip(objs["objective_id"], objs["unit_id"]) if int(u) in editable]
        if mine:
            forms.prefill("mg_kr_obj", mine[0])  # a lead starts on an objective they may change
    picked_obj = st.selectbox(
        "Objective", list(listed.labels), format_func=lambda i: listed.labels.get(i, str(i)), key="mg_kr_obj"
    )
    krs, frame = forms.objective_key_results(scope.cycle_id, scope.unit_id, int(picked_obj))
    changes = forms.goalpost_changes([int(i) for i in krs["kr_id"]]) if not krs.empty else pd.DataFrame()
    moved = set(int(i) for i in changes["kr_id"]) if not changes.empty else set()
    if krs.empty:
        st.caption("This objective has no key results yet.")
    else:
        frame.insert(2, "Goalposts", ["moved" if int(i) in moved else "" for i in krs["kr_id"]])
        st.dataframe(
            frame, hide_index=True, width="stretch", key="mg_krs_table", column_config={"Progress": tables.PROGRESS}
        )
    if not changes.empty:
        with st.expander(f"Goalposts moved ({len(changes)})", icon=":material/swap_vert:"):
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
    if not writer:
        return
    if cycle["state"] == "closed":
        st.caption(f"{escape_markdown(cycle['name'])} is closed: its key results are final.")
        return
    o = row_of(data.objective_rows(scope.cycle_id, scope.unit_id), "objective_id", picked_obj)
    if int(o["unit_id"]) not in editable:
        no_rights(f"You may not change the key results of {escape_markdown(o['unit_name'])}.")
        return
    kpi_labels = {None: "— none —"}
    kpi_labels.update(forms.kpi_labels())
    kpi_options = list(kpi_labels)
    with st.expander("New key result", icon=":material/add:"):
        form_id = "mg_kr_new"
        fid = forms.fresh_id(form_id)
        forms.prefill(f"{fid}_type", "increase")
        forms.prefill(f"{fid}_weight", "1")
        forms.prefill(f"{fid}_cadence", 7)
        with st.form(fid):
            kr_fields(fid, kpi_options, kpi_labels)

            def write(db, who, objective_id=int(picked_obj), fid=fid):
                c = kr_changes(fid)
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

            forms.submit_button("Create key result", form_id, write, reset_prefix=f"{fid}_", type="primary")
        forms.feedback(form_id)
    if krs.empty:
        return
    st.markdown("**Edit a key result**")
    rows = {int(r["kr_id"]): r for r in krs.to_dict("records")}
    picked = st.selectbox("Key result", list(rows), format_func=lambda i: rows[i]["title"], key="mg_kr_pick")
    form_id = f"mg_kr_edit_{picked}"
    k = forms.read_row(form_id, "key_results", int(picked))
    forms.prefill(f"{form_id}_title", k["title"])
    forms.prefill(f"{form_id}_type", k["kr_type"])
    forms.prefill(f"{form_id}_baseline", "" if k["kr_type"] == "milestone" else number_text(k["baseline"]))
    forms.prefill(f"{form_id}_target", "" if k["kr_type"] == "milestone" else number_text(k["target"]))
    forms.prefill(f"{form_id}_unit_label", k["unit_label"] or "")
    forms.prefill(f"{form_id}_weight", number_text(k["weight"]))
    forms.prefill(f"{form_id}_cadence", int(k["cadence_days"]))
    forms.prefill(f"{form_id}_owner", _int(k["owner_id"]))
    forms.prefill(f"{form_id}_kpi", _int(k["kpi_id"]) if _int(k["kpi_id"]) in kpi_labels else None)
    forms.prefill(f"{form_id}_reason", "")
    started = lookups.cycle_started(cycle)
    if started:
        st.caption(
            f":material/info: {escape_markdown(cycle['name'])} has started: a change to the type, baseline or target "
            "needs a reason and shows as moved goalposts."
        )
    with st.form(form_id):
        kr_fields(form_id, kpi_options, kpi_labels, reason=True)

        def write(db, who, kr_id=int(picked), form_id=form_id):
            read = forms.value(forms.read_key(form_id))
            moved_fields = writes.update_key_result(
                db,
                kr_id,
                person=who,
                version=read["version"],
                seen=read,
                reason=forms.text(f"{form_id}_reason"),
                **kr_changes(form_id),
            )
            if moved_fields:
                return f"Key result saved; the change of its {' and '.join(f.replace('kr_', '') for f in moved_fields)} is recorded."
            return "Key result saved."

        forms.submit_button("Save key result", form_id, write, reset_prefix=f"{form_id}_")
    forms.feedback(form_id, reload_prefix=f"{form_id}_")
    forms.archive_form(
        "mg_kr_archive",
        int(picked),
        "Yes, archive this key result",
        "Archive key result",
        lambda db, who, version, kr_id=int(picked): writes.archive_key_result(db, kr_id, person=who, version=version),
        "Key result archived.",
        form_id,
    )


# --- KPIs ------------------------------------------------------------------------------------


def kpi_fields(form_id: str, with_unit: bool) -> None:
    if with_unit:
        st.selectbox("Unit", editable_units, format_func=unit_label, key=f"{form_id}_unit")
    st.text_input("Name", key=f"{form_id}_name")
    a, b, c = st.columns(3)
    a.selectbox(
        "Target type", list(KPI_TARGET_TYPES), format_func=lambda t: KPI_TYPE_WORDS[t], key=f"{form_id}_target_type"
    )
    b.text_input("Target", key=f"{form_id}_target")
    c.text_input(
        "Warning threshold", key=f"{form_id}_warning", help="Optional: a line before the target where it turns amber."
    )
    a, b = st.columns(2)
    a.text_input("Unit label", key=f"{form_id}_unit_label")
    b.number_input("Expected every (days)", key=f"{form_id}_frequency", step=1)
    st.text_area("Description", key=f"{form_id}_description", height=68)


def kpi_changes(form_id: str) -> dict:
    return {
        "name": forms.text(f"{form_id}_name"),
        "target_type": forms.value(f"{form_id}_target_type"),
        "target": forms.text(f"{form_id}_target"),
        "warning": forms.text(f"{form_id}_warning"),
        "unit_label": forms.text(f"{form_id}_unit_label"),
        "frequency_days": forms.value(f"{form_id}_frequency"),
        "description": forms.text(f"{form_id}_description"),
    }


def kpis_tab() -> None:
    table = forms.kpis_table(scope.unit_id)
    if not table.num_rows:
        st.caption(f"No KPIs for {escape_markdown(scope.unit_name)} yet.")
    else:
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            key="mg_kpis_table",
        )
    if not writer:
        return
    kpis = data.kpis(scope.unit_id)
    if not editable_units:
        no_rights("You lead no unit, so there is no KPI you can change.")
        return
    with st.expander("New KPI", icon=":material/add:"):
        form_id = "mg_kpi_new"
        fid = forms.fresh_id(form_id)
        forms.prefill(f"{fid}_frequency", 7)
        if scope.unit_id in editable_units:
            forms.prefill(f"{fid}_unit", scope.unit_id)
        with st.form(fid):
            kpi_fields(fid, with_unit=True)

            def write(db, who, fid=fid):
                c = kpi_changes(fid)
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

            forms.submit_button("Create KPI", form_id, write, reset_prefix=f"{fid}_", type="primary")
        forms.feedback(form_id)
    mine = kpis[kpis["unit_id"].isin(editable_units)] if not kpis.empty else kpis
    if mine.empty:
        st.caption("No KPI here that you may change.")
        return
    rows = {int(r["kpi_id"]): r for r in mine.to_dict("records")}
    with st.expander("Record a reading", icon=":material/add_chart:"):
        form_id = "mg_kpi_reading"
        fid = forms.fresh_id(form_id)  # a new, empty value after each reading; the KPI and date stay
        forms.prefill(f"{form_id}_date", dt.date.today())
        with st.form(fid):
            st.selectbox(
                "KPI",
                list(rows),
                format_func=lambda i: f"{rows[i]['name']} ({rows[i]['unit_name']})",
                key=f"{form_id}_kpi",
            )
            a, b = st.columns(2)
            a.date_input("Date", key=f"{form_id}_date")
            b.text_input("Value", key=f"{fid}_value")

            def write(db, who, form_id=form_id, fid=fid):
                kpi_id = forms.value(f"{form_id}_kpi")
                writes.add_kpi_reading(
                    db, kpi_id, forms.value(f"{form_id}_date"), forms.text(f"{fid}_value"), person=who
                )
                return f"Reading of {escape_markdown(rows[int(kpi_id)]['name'])} recorded."

            forms.submit_button("Record reading", form_id, write, reset=[f"{fid}_value"], type="primary")
        forms.feedback(form_id)
    st.markdown("**Edit a KPI**")
    picked = st.selectbox(
        "KPI", list(rows), format_func=lambda i: f"{rows[i]['name']} ({rows[i]['unit_name']})", key="mg_kpi_pick"
    )
    form_id = f"mg_kpi_edit_{picked}"
    k = forms.read_row(form_id, "kpis", int(picked))
    forms.prefill(f"{form_id}_name", k["name"])
    forms.prefill(f"{form_id}_target_type", k["target_type"])
    forms.prefill(f"{form_id}_target", number_text(k["target"]))
    forms.prefill(f"{form_id}_warning", number_text(k["warning"]))
    forms.prefill(f"{form_id}_unit_label", k["unit_label"] or "")
    forms.prefill(f"{form_id}_frequency", int(k["frequency_days"]))
    forms.prefill(f"{form_id}_description", k["description"] or "")
    with st.form(form_id):
        kpi_fields(form_id, with_unit=False)

        def write(db, who, kpi_id=int(picked), form_id=form_id):
            read = forms.value(forms.read_key(form_id))
            writes.update_kpi(db, kpi_id, person=who, version=read["version"], seen=read, **kpi_changes(form_id))
            return "KPI saved."

        forms.submit_button("Save KPI", form_id, write, reset_prefix=f"{form_id}_")
    forms.feedback(form_id, reload_prefix=f"{form_id}_")
    forms.archive_form(
        "mg_kpi_archive",
        int(picked),
        "Yes, archive this KPI (its readings stay)",
        "Archive KPI",
        lambda db, who, version, kpi_id=int(picked): writes.archive_kpi(db, kpi_id, person=who, version=version),
        "KPI archived.",
        form_id,
    )


# --- carry over ------------------------------------------------------------------------------


def carry_tab() -> None:
    st.caption(
        "At the end of a cycle, carry its unfinished objectives into the next one: each comes with its key "
        "results, starting from their last value, without their check-ins. A key result already reached stays "
        "behind, and alignment is kept when the parent objective comes along too."
    )
    if not writer:
        return
    closed = [i for i, r in cycle_rows.items() if r["state"] == "closed"]
    open_ = [i for i, r in cycle_rows.items() if r["state"] != "closed"]
    if not closed or not open_:
        st.caption("Carrying over needs a closed cycle and a cycle that is not closed.")
        return
    a, b = st.columns(2)
    source = a.selectbox("From the closed cycle", closed, format_func=lambda i: cycle_rows[i]["name"], key="mg_co_from")
    target = b.selectbox(
        "Into", open_, format_func=lambda i: f"{cycle_rows[i]['name']} ({cycle_rows[i]['state']})", key="mg_co_to"
    )
    objs = data.objectives(int(source))
    if objs.empty:
        st.caption("That cycle has no objectives.")
        return
    final = [s if _present(s) else p for s, p in zip(objs["score"], objs["progress"])]
    keep = pd.Series([f < 1 for f in final], index=objs.index) & objs["unit_id"].isin(editable_units)
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
                f"{badges.score(rows[i]['score'] if _present(rows[i]['score']) else rows[i]['progress'])})"
            ),
            key=f"{form_id}_objs",
        )

        def write(db, who, from_id=int(source), to_id=int(target), form_id=form_id):
            result = writes.carry_over(db, from_id, to_id, forms.value(f"{form_id}_objs") or [], person=who)
            n_obj, n_kr, done = len(result["objectives"]), len(result["key_results"]), len(result["done_key_results"])
            message = (
                f"Carried {n_obj} objective{'s' if n_obj != 1 else ''} with {n_kr} key "
                f"result{'s' if n_kr != 1 else ''} into {escape_markdown(cycle_rows[to_id]['name'])}."
            )
            if done:
                message += f" {done} key result{'s were' if done != 1 else ' was'} reached and stayed behind."
            return message

        forms.submit_button("Carry over", form_id, write, reset_prefix=f"{form_id}_", type="primary")
    forms.feedback(form_id)


# --- import and export -----------------------------------------------------------------------


def transfer_tab() -> None:
    st.caption(
        "A spreadsheet (CSV or Excel) with one row per key result: cycle, unit, objective, key result, type, "
        "baseline, target, current value, unit label, owner and, optionally, what it aligns to; or one row per "
        "check-in (key result, date, value, confidence, note); an export below is an example of the layout. Every "
        "row is checked first: a file with any bad row is refused whole, and the database is left as it was."
    )
    with st.expander("The columns", icon=":material/table_chart:"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Column": [c.header for c in transfer.OKR_COLUMNS],
                    "Required": ["yes" if c.required else "" for c in transfer.OKR_COLUMNS],
                    "Also known as": [", ".join(c.synonyms[:4]) for c in transfer.OKR_COLUMNS],
                    "What it holds": [c.help for c in transfer.OKR_COLUMNS],
                }
            ),
            hide_index=True,
            width="stretch",
            key="mg_import_columns",
        )
    import_section()
    st.divider()
    export_section()


def import_section() -> None:
    st.markdown("**Import**")
    if not writer:
        no_rights("Sign in as a lead or an admin to import.")
        return
    forms.flash(IMPORT_FORM)  # "Added …", once, after the rerun that follows an import
    # A new key after each import empties the uploader, so the file just imported is not offered again.
    upload = st.file_uploader(
        "Spreadsheet to import", type=["csv", "xlsx"], key=f"mg_import_file_{st.session_state.get(IMPORT_ROUND, 0)}"
    )
    if upload is None:
        return
    raw = upload.getvalue()
    sheets = transfer.sheet_names(raw, upload.name)
    sheet = None  # every sheet in a layout the import knows
    if len(sheets) > 1:
        sheet = st.selectbox(
            "Sheets to import",
            [None, *sheets],
            format_func=lambda name: name or "Every sheet",
            key=f"mg_import_sheet_{st.session_state.get(IMPORT_ROUND, 0)}",
        )
    try:
        tables = transfer.read_tables(raw, upload.name, sheet=sheet)
    except ValidationError as error:
        forms.show_error(error)
        return
    rows = sum(len(t) for t in tables)
    if st.session_state.pop("mg_import_requested", None) == (upload.file_id, sheet):
        run_import(tables)
        return
    # The dry run reads the whole file against the database: once per file, sheet and database state.
    check_key = ("mg_import_check", upload.file_id, sheet, data.stamp())
    checked = st.session_state.get("mg_import_checked")
    if not checked or checked[0] != check_key:
        try:
            with data.opened() as db:
                report = transfer.import_tables(db, tables, dry_run=True, person=person)
            checked = (check_key, report, [])
        except transfer.ImportRefused as refused:
            checked = (check_key, None, refused.problems)
        except ValidationError as error:
            checked = (check_key, None, [transfer.Problem(None, label_of(error.field), error.message)])
        st.session_state["mg_import_checked"] = checked
    _, report, problems = checked
    st.caption(f"{escape_markdown(upload.name)}: {rows} row{'s' if rows != 1 else ''}.")
    if problems:
        st.error(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in this file; nothing can be imported "
            "until they are corrected:",
            icon=":material/error:",
        )
        st.dataframe(transfer.problems_frame(problems), hide_index=True, width="stretch", key="mg_import_problems")
        return
    st.info(report.summary(), icon=":material/fact_check:")
    for line in report.read:  # which layout each sheet was read in, and why
        st.caption(escape_markdown(line))
    for note in report.notes[:20]:
        st.caption(escape_markdown(note))
    # The button only raises a flag (its callback survives any rerun); the import then runs in
    # the script, so that its progress bar can show.
    st.button(
        f"Import {rows} rows",
        key="mg_import_go",
        type="primary",
        icon=":material/upload:",
        on_click=st.session_state.__setitem__,
        args=("mg_import_requested", (upload.file_id, sheet)),
    )


def run_import(tables: list[pd.DataFrame]) -> None:
    bar = st.progress(0.0, text="Importing…")

    def progress(done: int, total: int) -> None:
        bar.progress(min(1.0, done / max(total, 1)), text=f"Row {done} of {total}")

    who = auth.current_person()  # afresh, as the writes will check it
    try:
        if who is None:
            raise ValidationError("role", "sign in to make changes; nothing was imported.")
        with data.opened() as db:
            done = transfer.import_tables(db, tables, progress=progress, person=who)
    except transfer.ImportRefused as refused:
        bar.empty()
        st.error(escape_markdown(f"{refused.message[:1].upper()}{refused.message[1:]}"), icon=":material/error:")
        st.dataframe(
            transfer.problems_frame(refused.problems), hide_index=True, width="stretch", key="mg_import_refused"
        )
    except ValidationError as error:
        bar.empty()
        forms.show_error(error)
    else:
        bar.progress(1.0, text="Done")
        forms.clear()
        state = st.session_state
        state.pop("mg_import_checked", None)
        state[IMPORT_ROUND] = state.get(IMPORT_ROUND, 0) + 1
        forms.set_flash(IMPORT_FORM, done.summary())
        # The whole page again, the sidebar's cycle and unit pickers first: they were drawn before the import.
        st.rerun()


def label_of(field: str) -> str:
    return forms.label(field)


def export_section() -> None:
    st.markdown("**Export**")
    db_file = data.path()
    # 0 stands for every cycle: a None value would show as "Choose an option", not as its label.
    options = [0] + list(cycle_rows)
    forms.prefill("mg_export_cycle", scope.cycle_id if scope.cycle_id in cycle_rows else 0)
    chosen = st.selectbox(
        "Cycle",
        options,
        key="mg_export_cycle",
        format_func=lambda i: cycle_rows[i]["name"] if i in cycle_rows else "All cycles",
    )
    cycle_id = chosen if chosen in cycle_rows else None
    stem = "okrs" if cycle_id is None else f"okrs-{transfer.file_slug(cycle_rows[cycle_id]['name'], 'cycle')}"

    # The files are made when the button is clicked (on a thread of their own, with their own
    # connection), not at every rerun.
    def make(kind: str):
        def build() -> bytes:
            with data.opened(db_file) as db:
                if kind == "csv":
                    return transfer.export_okrs_csv(db, cycle_id)
                if kind == "xlsx":
                    return transfer.export_okrs_xlsx(db, cycle_id)
                if kind == "checkins":
                    return transfer.to_csv_bytes(transfer.export_checkins(db, cycle_id))
                return transfer.full_export(db, "json")

        return build

    a, b, c = st.columns(3)
    a.download_button(
        "OKRs as CSV",
        make("csv"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="mg_export_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    b.download_button(
        "OKRs as Excel",
        make("xlsx"),
        file_name=f"{stem}.xlsx",
        key="mg_export_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/download:",
    )
    c.download_button(
        "Check-ins as CSV",
        make("checkins"),
        file_name=f"{stem}-checkins.csv".replace("okrs-", ""),
        mime="text/csv",
        key="mg_export_checkins",
        on_click="ignore",
        icon=":material/download:",
    )
    if is_admin:
        st.download_button(
            "Full export (every table, for a backup or a move; includes password hashes)",
            make("full"),
            file_name="okr-full-export.json",
            mime="application/json",
            key="mg_export_full",
            on_click="ignore",
            icon=":material/database:",
        )
        st.caption("A full export restores into an empty database with `okr import FILE`.")


# --- the page --------------------------------------------------------------------------------

TABS = ["Cycles", "Units", "People", "Objectives", "Key results", "KPIs", "Carry over", "Import / export"]
views = [cycles_tab, units_tab, people_tab, objectives_tab, key_results_tab, kpis_tab, carry_tab, transfer_tab]
from ui import manage_deliveries  # noqa: E402

TABS.append("Notifications")
views.append(lambda: manage_deliveries.draw(person))
for tab, view in zip(st.tabs(TABS), views):
    with tab:
        view()
