"""Manage's Import / export tab: a spreadsheet of OKRs or check-ins imported by a lead or an
admin after a dry run that shows every problem; the OKRs and check-ins exported as CSV or Excel
for anyone, and the full export (every table) for an admin.

A file with any bad row is refused whole (:func:`okrdata.transfer.import_tables`), and the
database is left as it was. The dry run is made once per file, sheet and database state; the
import itself runs in the script (not in a button's callback) so that its progress bar shows.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import transfer
from okrdata.errors import ValidationError
from ui import auth, data, forms, lazy
from ui.badges import escape_markdown
from ui.manage.common import no_rights
from ui.manage.context import ManageContext

IMPORT_FORM = "mg_import"
IMPORT_ROUND = "mg_import_round"  # counts imports: the uploader's key, so each import empties it
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def draw(ctx: ManageContext) -> None:
    """The tab: the layout of a file to import, the import, then the exports."""
    st.caption(
        "A spreadsheet (CSV or Excel) with one row per key result: cycle, unit, objective, key result, type, "
        "baseline, target, current value, unit label, owner and, optionally, what it aligns to; or one row per "
        "check-in (key result, date, value, confidence, note); an export below is an example of the layout. Every "
        "row is checked first: a file with any bad row is refused whole, and the database is left as it was."
    )
    with lazy.expander("The columns", "mg_columns_open", keep=False, icon=":material/table_chart:") as shown:
        if shown:
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
    _import(ctx)
    st.divider()
    _export(ctx)


def _import(ctx: ManageContext) -> None:
    st.markdown("**Import**")
    if not ctx.writer:
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
        _run_import(tables)
        return
    # The dry run reads the whole file against the database: once per file, sheet and database state.
    check_key = ("mg_import_check", upload.file_id, sheet, data.stamp())
    checked = st.session_state.get("mg_import_checked")
    if not checked or checked[0] != check_key:
        try:
            with data.opened() as db:
                report = transfer.import_tables(db, tables, dry_run=True, person=ctx.person)
            checked = (check_key, report, [])
        except transfer.ImportRefused as refused:
            checked = (check_key, None, refused.problems)
        except ValidationError as error:
            checked = (check_key, None, [transfer.Problem(None, forms.label(error.field), error.message)])
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


def _run_import(tables: list[pd.DataFrame]) -> None:
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


def _export(ctx: ManageContext) -> None:
    st.markdown("**Export**")
    db_file = data.path()
    cycles = ctx.cycle_rows
    # 0 stands for every cycle: a None value would show as "Choose an option", not as its label.
    options = [0] + list(cycles)
    forms.prefill("mg_export_cycle", ctx.scope.cycle_id if ctx.scope.cycle_id in cycles else 0)
    chosen = st.selectbox(
        "Cycle",
        options,
        key="mg_export_cycle",
        format_func=lambda i: cycles[i]["name"] if i in cycles else "All cycles",
    )
    cycle_id = chosen if chosen in cycles else None
    stem = "okrs" if cycle_id is None else f"okrs-{transfer.file_slug(cycles[cycle_id]['name'], 'cycle')}"

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

    files = [
        ("OKRs as CSV", "csv", f"{stem}.csv", "text/csv"),
        ("OKRs as Excel", "xlsx", f"{stem}.xlsx", XLSX),
        ("Check-ins as CSV", "checkins", f"{stem}-checkins.csv".replace("okrs-", ""), "text/csv"),
    ]
    for column, (label, kind, name, mime) in zip(st.columns(3), files):
        column.download_button(
            label,
            make(kind),
            file_name=name,
            mime=mime,
            key=f"mg_export_{kind}",
            on_click="ignore",
            icon=":material/download:",
        )
    if ctx.is_admin:
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
