"""The Check-in page's history of a key result: its check-ins with their authors, corrections and
withdrawals (who, when, before → after), moved goalposts, and, for a lead, the form correcting
or withdrawing a check-in.

The history is :func:`ui.data.checkin_history`, :func:`ui.form_data.checkin_revisions` and
:func:`ui.form_data.goalpost_changes`, worded by :mod:`okrdata.history`. A correction carries the
version of the check-in its form showed (:func:`okrdata.writes.edit_checkin`,
:func:`okrdata.writes.delete_checkin`), so one changed meanwhile by someone else is refused,
with a button reloading it as it is now.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from okrdata import checkin_rows, history, wording, writes
from okrdata.errors import ValidationError
from ui import badges, data, form_data, forms, lazy, style, tables
from ui.checkin_form import day_choices, day_picker, prefill_together


def edit_write(checkin_id: int, delete: bool):
    """The correction form's write: the check-in corrected, or withdrawn once confirmed."""
    prefix = f"ci_edit_{checkin_id}_"

    def write(db, who: dict) -> str:
        expected = forms.value(prefix + "version")
        if delete:
            if not forms.value(prefix + "confirm"):
                raise ValidationError("confirm", "tick the box to confirm that this check-in should be withdrawn.")
            writes.delete_checkin(db, checkin_id, version=expected, person=who)
            return "Check-in withdrawn; it stays in the history below."
        writes.edit_checkin(
            db,
            checkin_id,
            value=forms.text(prefix + "value"),
            confidence=forms.value(prefix + "confidence"),
            note=forms.text(prefix + "note"),
            checkin_date=forms.value(prefix + "date"),
            version=expected,
            person=who,
        )
        return "Correction saved; the earlier values are kept as a revision."

    return write


def correction_form(checkin: dict, cycle: dict, outcome_id: str) -> None:
    """The form correcting or withdrawing one check-in; its outcome shows under ``outcome_id``
    (per key result, since a withdrawn check-in's form is gone at the next run)."""
    checkin_id = int(checkin["checkin_id"])
    prefix = f"ci_edit_{checkin_id}_"
    form_id = f"ci_edit_{checkin_id}"
    dated = dt.date.fromisoformat(str(checkin["checkin_date"])[:10])
    # The version of the values the form shows: saving is refused if it moved since.
    prefill_together(
        {
            prefix + "version": int(checkin["version"]),
            prefix + "date": dated,
            prefix + "value": checkin_rows.value_text(checkin["value"]),
            prefix + "confidence": int(checkin["confidence"]),
            prefix + "note": checkin["note"] or "",
        }
    )
    inputs = [prefix + k for k in ("version", "date", "value", "confidence", "note", "confirm")]
    with st.form(form_id):
        a, b, c = st.columns(3)
        day_picker(a, "Date", prefix + "date", day_choices(cycle, dated))
        b.text_input("Value", key=prefix + "value")
        c.number_input("Confidence (0–10)", key=prefix + "confidence", step=1)
        st.text_area("Note", key=prefix + "note", height=68)
        st.checkbox("Withdraw this check-in (it stays in the history)", key=prefix + "confirm")
        x, y = st.columns(2)
        with x:
            forms.submit_button(
                "Save correction",
                outcome_id,
                edit_write(checkin_id, False),
                reset=inputs,
                key=f"{form_id}__save",
                icon=":material/edit:",
            )
        with y:
            forms.submit_button(
                "Withdraw",
                outcome_id,
                edit_write(checkin_id, True),
                reset=inputs,
                key=f"{form_id}__delete",
                icon=":material/delete:",
            )
    if any(p.field in ("checkin", "version") for p in forms.errors(outcome_id)):
        st.button(
            "Reload the check-in as it is now",
            key=f"{form_id}__reload",
            on_click=forms.forget,
            args=(inputs + [forms.ERRORS + outcome_id],),
            icon=":material/refresh:",
        )


def history_section(cycle: dict, labels: dict[int, str], unit_labels: dict[int, str], writable: bool, key: str) -> None:
    """The check-ins of one key result of the cycle (picked by its label in ``labels``;
    ``unit_labels`` their units), their corrections and moved goalposts; with ``writable``, the
    form correcting one."""
    st.subheader("Past check-ins")
    if not labels:
        st.caption("No key results here.")
        return
    kr_id = st.selectbox(
        "Key result",
        options=list(labels),
        format_func=lambda i: labels.get(i, str(i)),
        key=key,
    )
    checkins = data.checkin_history(int(cycle["id"]), kr_ids=[int(kr_id)])
    unit_label = unit_labels.get(int(kr_id), "")
    if checkins.empty:
        st.caption("No check-ins yet.")
    else:
        newest = checkins.iloc[::-1]
        past = pd.DataFrame(
            {
                "Date": [badges.day(d) for d in newest["checkin_date"]],
                "Value": [badges.number(x, unit_label) for x in newest["value"]],
                "Confidence": [wording.confidence(c) for c in newest["confidence"]],
                "Note": newest["note"].fillna("").astype(str),
                "Author": newest["author_name"].fillna("").astype(str),
                "Corrected": ["yes" if int(v) > 1 else "" for v in newest["version"]],
            }
        )
        with style.wide(f"{key}_table"):
            st.dataframe(past, hide_index=True, width="stretch", key=f"{key}_table")
        tables.phone_list(
            f"{key}_table",
            tables.phone_items(
                past, "Date", ["Value", ("Confidence", "confidence"), ("Corrected", "corrected")], ["Note", "Author"]
            ),
            what="check-ins",
        )
    revisions = form_data.checkin_revisions([int(kr_id)])
    if not revisions.empty:
        st.markdown("**Corrections and withdrawals**")
        st.dataframe(
            pd.DataFrame(
                {
                    "When": [wording.moment(t) for t in revisions["changed_at"]],
                    "Who": revisions["changed_by_name"].fillna("").astype(str),
                    "Check-in of": [badges.day(b.get("checkin_date")) for b in revisions["before"]],
                    "Change": [
                        history.describe_revision(a, b, c)
                        for a, b, c in zip(revisions["action"], revisions["before"], revisions["after"])
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            key=f"{key}_revisions",
        )
    goalposts = form_data.goalpost_changes([int(kr_id)])
    if not goalposts.empty:
        st.markdown("**Goalposts moved**")
        st.dataframe(
            pd.DataFrame(
                {
                    "When": [wording.moment(t) for t in goalposts["changed_at"]],
                    "Who": goalposts["changed_by_name"].fillna("").astype(str),
                    "Change": [
                        history.describe_goalpost_change(f, b, a)
                        for f, b, a in zip(goalposts["field"], goalposts["before"], goalposts["after"])
                    ],
                    "Why": goalposts["reason"].fillna("").astype(str),
                }
            ),
            hide_index=True,
            width="stretch",
            key=f"{key}_goalposts",
        )
    if writable and not checkins.empty:
        options = [int(i) for i in checkins["checkin_id"].iloc[::-1]]
        by_id = {int(r["checkin_id"]): r for r in checkins.to_dict("records")}
        with lazy.expander("Correct or withdraw a check-in", f"{key}_fix_open", icon=":material/edit:") as shown:
            if shown:
                picked = st.selectbox(
                    "Check-in",
                    options=options,
                    format_func=lambda i: (
                        f"{badges.day(by_id[i]['checkin_date'])}: {badges.number(by_id[i]['value'], unit_label)}, "
                        f"confidence {wording.confidence(by_id[i]['confidence'])}"
                    ),
                    key=f"{key}_pick",
                )
                correction_form(by_id[int(picked)], cycle, f"ci_fix_{int(kr_id)}")
    if writable:
        forms.feedback(f"ci_fix_{int(kr_id)}")
