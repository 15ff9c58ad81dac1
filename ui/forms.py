"""Form helpers shared by the Check-in and Manage pages: the write callback, errors, prefills.

How a form writes: every input has a key in ``st.session_state``; the submit button's
``on_click`` callback (:func:`submit_button`) runs before the next script run, reads the inputs
from the session state, and calls a *write* function with a short connection and the
signed-in person (read afresh, so a role taken away counts at once). Then:

- a :class:`~okrdata.errors.ValidationError` (or several, :class:`Refused`) is kept for
  :func:`feedback` to show, naming the thing and the field, and the inputs keep what was
  typed, since nothing resets them; okrdata wrote nothing;
- on success the cached reads are cleared (:func:`clear`), the inputs listed in ``reset`` are
  forgotten (so they are filled afresh from the database at the next draw) and the message the
  write returned is shown once.

Inputs are prefilled with :func:`prefill`, which sets the session state only when the key is
not there yet: what the person typed wins over the database until they save or reload.

Also here: cached readers over :mod:`okrdata.history` and the edit rights of the signed-in
person, keyed like :mod:`ui.data` by the database file's stamp.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
import sqlite_utils
import streamlit as st

from okrdata import auth as core_auth
from okrdata import history, writes
from okrdata.errors import ValidationError
from ui import auth, badges, data

ERRORS = "okr_form_errors_"
FLASH = "okr_form_flash_"
FIELD_LABELS = {
    "kr_type": "Type",
    "type": "Type",
    "key_result": "Key result",
    "checkin": "Check-in",
    "start_date": "Start date",
    "end_date": "End date",
    "unit_label": "Unit label",
    "cadence_days": "Check-in every (days)",
    "frequency_days": "Expected every (days)",
    "target_type": "Target type",
    "parent": "Parent unit",
    "parent_objective": "Aligned to",
    "parent_kr": "Aligned to",
    "lead": "Lead",
    "owner": "Owner",
    "kpi": "KPI",
    "units": "Units they may edit",
    "unit": "Unit",
    "role": "Role",
    "from_cycle": "From cycle",
    "to_cycle": "Into cycle",
    "objectives": "Objectives",
    "date": "Date",
    "reason": "Reason",
    "archived": "Archive",
    "state": "State",
    "email": "E-mail",
    "password": "Password",
    "confirm": "Confirm",
}
Write = Callable[[sqlite_utils.Database, dict], "str | None"]
"""A form's write: given a connection and the signed-in person, write (through okrdata) and
return the success message, or raise ValidationError / :class:`Refused`."""


class Refused(Exception):
    """Several problems found at once (a batch form shows them all); nothing was written."""

    def __init__(self, errors: Sequence[ValidationError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


def label(field: str) -> str:
    """The words for a field name: ``"start_date"`` → ``"Start date"``."""
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def error_text(error: ValidationError) -> str:
    """An error as Markdown naming the thing (``where``, in bold) and the field: ``**KR** · Confidence: …``."""
    where = f"**{badges.escape(error.where)}** · " if error.where else ""
    return f"{where}{label(error.field)}: {badges.escape(error.message)}"


def show_error(error: ValidationError) -> None:
    """One refused input, named."""
    st.error(error_text(error), icon=":material/error:")


def value(key: str, default: Any = None) -> Any:
    """The current value of an input (from the session state)."""
    return st.session_state.get(key, default)


def text(key: str) -> str:
    """A text input's value, stripped ("" when empty)."""
    raw = st.session_state.get(key)
    return "" if raw is None else str(raw).strip()


def prefill(key: str, initial: Any) -> None:
    """Give an input its first value, unless it holds one already (what was typed wins)."""
    if key not in st.session_state:
        st.session_state[key] = initial


def forget(keys: Iterable[str] = (), prefix: str | None = None) -> None:
    """Drop inputs from the session state, so they are prefilled afresh at the next draw."""
    state = st.session_state
    for key in list(keys):
        state.pop(key, None)
    if prefix:
        for key in [k for k in state if isinstance(k, str) and k.startswith(prefix)]:
            state.pop(key, None)


def clear() -> None:
    """Forget every cached read after a write (the pages' and this module's)."""
    data.clear()
    for fn in _CACHED:
        fn.clear()


def run_write(form_id: str, write: Write, reset: Iterable[str] = (), reset_prefix: str | None = None) -> bool:
    """Run ``write`` for the signed-in person and keep the outcome for :func:`feedback`; True when saved.

    Refused (nothing written, inputs kept) when nobody is signed in: okrdata skips its
    permission checks for ``person=None``, so the page must never pass it on.
    """
    state = st.session_state
    state.pop(ERRORS + form_id, None)
    state.pop(FLASH + form_id, None)
    person = auth.current_person()
    if person is None:
        state[ERRORS + form_id] = [ValidationError("role", "sign in to make changes; nothing was saved.")]
        return False
    try:
        with data.opened() as db:
            message = write(db, person)
    except ValidationError as error:
        state[ERRORS + form_id] = [error]
        return False
    except Refused as refused:
        state[ERRORS + form_id] = refused.errors
        return False
    clear()
    forget(reset, reset_prefix)
    state[FLASH + form_id] = message or "Saved."
    return True


def submit_button(
    label_text: str,
    form_id: str,
    write: Write,
    *,
    reset: Iterable[str] = (),
    reset_prefix: str | None = None,
    key: str | None = None,
    **kwargs: Any,
) -> bool:
    """A form's submit button whose callback runs ``write`` (see :func:`run_write`)."""
    return st.form_submit_button(
        label_text,
        key=key or f"{form_id}__submit",
        on_click=run_write,
        args=(form_id, write, tuple(reset), reset_prefix),
        **kwargs,
    )


def action_button(
    label_text: str,
    form_id: str,
    write: Write,
    *,
    reset: Iterable[str] = (),
    reset_prefix: str | None = None,
    key: str | None = None,
    **kwargs: Any,
) -> bool:
    """A button outside any form whose callback runs ``write`` (see :func:`run_write`)."""
    return st.button(
        label_text,
        key=key or f"{form_id}__button",
        on_click=run_write,
        args=(form_id, write, tuple(reset), reset_prefix),
        **kwargs,
    )


def errors(form_id: str) -> list[ValidationError]:
    """The problems of this form's last submission (empty when it was saved or never sent)."""
    return list(st.session_state.get(ERRORS + form_id) or [])


def feedback(form_id: str) -> None:
    """Show the outcome of this form's last submission: every error, or the success message once."""
    for problem in errors(form_id):
        show_error(problem)
    flash(form_id)


def flash(form_id: str) -> None:
    """Show this form's success message, once."""
    message = st.session_state.pop(FLASH + form_id, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def signed_in_message(person: dict | None, action: str) -> None:
    """Why this visitor sees no form: signed out, or a viewer."""
    if person is None:
        st.info(f"Sign in as a lead to {action} (the sign-in is in the sidebar). Anyone can read.",
                icon=":material/lock:")
    else:
        st.info(
            f"You are signed in as {person['name']} ({person['role']}): you can read everything. Sign in as a "
            f"lead to {action}, or ask an admin for the rights you need.",
            icon=":material/lock:",
        )


# --- cached readers -------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=data.MAX_ENTRIES)
def _editable(db_file: str, db_stamp: data.Stamp, person_id: int) -> frozenset[int]:
    with data.opened(db_file) as db:
        return frozenset(core_auth.editable_unit_ids(db, person_id))


@st.cache_data(show_spinner=False, max_entries=data.MAX_ENTRIES)
def _revisions(db_file: str, db_stamp: data.Stamp, kr_ids: tuple[int, ...]) -> pd.DataFrame:
    with data.opened(db_file) as db:
        return history.checkin_revisions(db, kr_ids)


@st.cache_data(show_spinner=False, max_entries=data.MAX_ENTRIES)
def _goalposts(db_file: str, db_stamp: data.Stamp, kr_ids: tuple[int, ...]) -> pd.DataFrame:
    with data.opened(db_file) as db:
        return history.goalpost_changes(db, kr_ids)


@st.cache_data(show_spinner=False, max_entries=data.MAX_ENTRIES)
def _alignment_choices(
    db_file: str, db_stamp: data.Stamp, cycle_id: int, unit_id: int, objective_id: int | None
) -> list[dict]:
    with data.opened(db_file) as db:
        return writes.alignment_choices(db, cycle_id, unit_id, objective_id)


@st.cache_data(show_spinner=False, max_entries=data.MAX_ENTRIES)
def _person_units(db_file: str, db_stamp: data.Stamp) -> dict[int, list[int]]:
    with data.opened(db_file) as db:
        return writes.person_units_map(db)


_CACHED = (_editable, _revisions, _goalposts, _alignment_choices, _person_units)


def _key() -> tuple[str, data.Stamp]:
    db_file = data.path()
    return db_file, data.stamp(db_file)


def editable_units(person: dict | None) -> set[int]:
    """The units the person may change (none when signed out or a viewer)."""
    if person is None:
        return set()
    return set(_editable(*_key(), int(person["id"])))


def checkin_revisions(kr_ids: Sequence[int]) -> pd.DataFrame:
    """Revisions of the check-ins of some key results (:func:`okrdata.history.checkin_revisions`)."""
    return _revisions(*_key(), tuple(sorted(int(i) for i in kr_ids)))


def goalpost_changes(kr_ids: Sequence[int]) -> pd.DataFrame:
    """Recorded goalpost changes of some key results (:func:`okrdata.history.goalpost_changes`)."""
    return _goalposts(*_key(), tuple(sorted(int(i) for i in kr_ids)))


def alignment_choices(cycle_id: int, unit_id: int, objective_id: int | None = None) -> list[dict]:
    """What an objective of the unit may align to (:func:`okrdata.writes.alignment_choices`)."""
    return _alignment_choices(*_key(), int(cycle_id), int(unit_id), None if objective_id is None else int(objective_id))


def person_units() -> dict[int, list[int]]:
    """Everyone's extra units to edit (:func:`okrdata.writes.person_units_map`)."""
    return _person_units(*_key())
