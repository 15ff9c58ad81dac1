"""The Review page's forms: a lead's score and reflection per objective, and an admin's Close cycle.

A score is saved through :func:`okrdata.writes.score_objective` and the close through
:func:`okrdata.writes.close_cycle`, both run by :mod:`ui.forms` for the signed-in person, so
okrdata checks who may do it and refuses what it should; the refusal shows beside the form.
Closing asks for a confirmation first (:data:`CONFIRM_KEY` holds the cycle being confirmed).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import auth as core_auth
from okrdata import review, wording, writes
from ui import badges, data, form_data, forms, review_data, tables
from ui.review_view import SCORE_DOTS
from ui.sidebar import Scope

CLOSE_FORM = "rv_close"
CONFIRM_KEY = "rv_close_confirm"


def score_key(objective_id: int) -> str:
    return f"rv_score_{objective_id}"


def reason_key(objective_id: int) -> str:
    return f"rv_reason_{objective_id}"


def reflection_key(objective_id: int) -> str:
    return f"rv_reflection_{objective_id}"


def form_id(objective_id: int) -> str:
    return f"rv_form_{objective_id}"


# --- scoring ------------------------------------------------------------------------------------


def score_forms(sheet: pd.DataFrame, scope: Scope, person: dict | None, ended: bool) -> None:
    """A form per objective of the sheet that the person may change, or why there is none."""
    editable = form_data.editable_units(person)
    mine = sheet[sheet["unit_id"].astype(int).isin(editable)]
    if person is None or not editable:
        forms.signed_in_message(person, "score objectives")
    elif mine.empty:
        st.info(
            "None of these objectives belongs to a unit you may change. Pick your unit in the sidebar.",
            icon=":material/inbox:",
        )
    else:
        st.caption(f"{wording.plural(len(mine), 'objective')} of the units you may change; each is saved on its own.")
        krs = data.key_results(scope.cycle_id, scope.unit_id)
        few = len(mine) <= 3
        for row in mine.to_dict("records"):
            score_form(row, krs, ended, expand=few and row["review"] == review.NOT_SCORED)


def save_score(objective_id: int):
    """The form's write: the score, reason and reflection of one objective."""

    def write(db, who: dict) -> str:
        result = writes.score_objective(
            db,
            objective_id,
            forms.value(score_key(objective_id)),
            forms.text(reason_key(objective_id)),
            forms.text(reflection_key(objective_id)),
            person=who,
        )
        return f"Saved the score {wording.score(result['score'])} (proposed {wording.score(result['proposal'])})."

    return write


def score_form(row: dict, krs: pd.DataFrame, ended: bool, expand: bool) -> None:
    """One objective's scoring form, in an expander labelled with its title and state (open when
    ``expand``, or when its last save was refused)."""
    oid = int(row["objective_id"])
    recorded = row["recorded"]
    forms.prefill(score_key(oid), float(row["proposal"]) if pd.isna(recorded) else float(recorded))
    forms.prefill(reason_key(oid), row["reason"])
    forms.prefill(reflection_key(oid), row["reflection"])
    problems = forms.errors(form_id(oid))
    label = (
        f"{SCORE_DOTS[row['colour']]} {badges.escape_markdown(row['title'])} · {badges.escape_markdown(row['unit_name'])} · "
        f"{review.REVIEW_LABELS[row['review']]}"
    )
    with st.expander(label, expanded=bool(problems) or expand):
        st.markdown(
            f"Proposed **{badges.score(row['proposal'])}**: the {'final ' if ended else ''}progress of its key "
            f"results{'' if ended else ' so far'}; tracking to **{badges.score(row['forecast'])}** "
            f"({row['band']}). {wording.kind_label(row['kind'])}, so expected at **{row['expected']:.1f}**. "
            f"An adjustment of more than {review.REASON_TOLERANCE:g} needs a reason."
        )
        mine = krs[krs["objective_id"] == oid]
        if not mine.empty:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Key result": mine["title"].astype(str),
                        "Progress": mine["progress"].astype(float) * 100,
                        "Last confidence": [wording.confidence(c) for c in mine["confidence"]],
                        "Status": [badges.cell(s) for s in mine["status"]],
                    }
                ),
                hide_index=True,
                width="stretch",
                key=f"rv_krs_{oid}",
                column_config={
                    "Progress": tables.PROGRESS,
                },
            )
        with st.form(form_id(oid), border=False):
            st.number_input(
                "Score (0.0 to 1.0)",
                key=score_key(oid),
                step=0.05,
                format="%.2f",
                help="Start from the proposal; adjust it when the numbers do not tell the whole story.",
            )
            st.text_area(
                "Reason for the adjustment",
                key=reason_key(oid),
                help=f"Required when the score differs from the proposal by more than {review.REASON_TOLERANCE:g}.",
            )
            st.text_area(
                "Reflection",
                key=reflection_key(oid),
                placeholder="What we learned, and what we carry over into the next cycle.",
            )
            forms.submit_button(
                "Save score",
                form_id(oid),
                save_score(oid),
                reset=[score_key(oid), reason_key(oid), reflection_key(oid)],
                type="primary",
            )
        forms.feedback(form_id(oid))


# --- closing the cycle --------------------------------------------------------------------------


def ask_close(cycle_id: int) -> None:
    st.session_state[CONFIRM_KEY] = cycle_id


def cancel_close() -> None:
    st.session_state.pop(CONFIRM_KEY, None)


def close_write(cycle_id: int):
    """The confirmation's write: close the cycle, then say what the close recorded."""

    def write(db, who: dict) -> str:
        result = writes.close_cycle(db, cycle_id, person=who)
        st.session_state.pop(CONFIRM_KEY, None)
        proposed = result["proposed"]
        return (
            f"Closed {badges.escape_markdown(result['cycle'])}: its OKRs are now read only. "
            f"{wording.plural(result['scored'], 'objective')} kept a lead's score; {proposed} got "
            f"{'their' if proposed != 1 else 'its'} proposed score, marked as not reviewed."
        )

    return write


def close_cycle(scope: Scope, person: dict | None, refusal: str | None, ended: bool) -> None:
    """An open cycle's Close button for an admin, with a confirmation saying what closing does
    (for anyone else, who closes it and when); a refused close shows its reason here."""
    cycle_name = badges.escape_markdown(scope.cycle["name"])
    if refusal:
        st.caption(f"{cycle_name} can be closed at its end, once it is active or past its end date.")
    elif not core_auth.is_admin(person):
        st.caption(
            "An admin closes the cycle once the leads have scored their objectives; its OKRs then become "
            "read only, and objectives nobody scored keep their proposed score."
        )
    elif st.session_state.get(CONFIRM_KEY) != scope.cycle_id:
        st.button(
            f"Close {cycle_name}…",
            key="rv_close_ask",
            icon=":material/lock:",
            on_click=ask_close,
            args=(scope.cycle_id,),
        )
    else:
        unscored = review_data.unscored(scope.cycle_id)
        end = badges.day(scope.cycle["end_date"])
        st.warning(
            f"Close {cycle_name} for the whole company? Its OKRs become read only: no more check-ins, "
            f"edits or scores. {unscored} objective{'s have' if unscored != 1 else ' has'} no lead's score "
            f"yet and will keep the proposed score, marked as not reviewed."
            + ("" if ended else f" It runs until {end}: closing now ends it early."),
            icon=":material/lock:",
        )
        yes, no = st.columns(2)
        with yes:
            forms.action_button(
                f"Yes, close {cycle_name}",
                CLOSE_FORM,
                close_write(scope.cycle_id),
                key="rv_close_yes",
                type="primary",
            )
        with no:
            st.button("Cancel", key="rv_close_cancel", on_click=cancel_close)
    for problem in forms.errors(CLOSE_FORM):
        forms.show_error(problem)
