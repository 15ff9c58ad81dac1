"""What the Manage tabs' forms share: reading stored values into inputs, the lock line, and the
two shapes of form every tab draws.

- :func:`create_form`: an expander holding a form that creates a thing, drawn once opened; its
  inputs are keyed by the form's round (:func:`ui.forms.fresh_id`), so it comes back empty after
  a save.
- :func:`edit_form`: a form that changes one stored row and hands okrdata the row as it was read
  (:func:`ui.forms.read_row`), with its version, so that a save made after someone else changed
  the row is refused, with a button to reload the form.

Both write through :func:`ui.forms.submit_button` (so :func:`ui.forms.run_write`: once per
submission, for the person signed in at the click) and show the outcome beside the form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pandas as pd
import sqlite_utils
import streamlit as st

from ui import forms, lazy

Create = Callable[[sqlite_utils.Database, dict, str], "str | None"]
"""A create form's write: given a connection, the signed-in person and the prefix of the
form's inputs, write through okrdata and return the success message."""

Save = Callable[[sqlite_utils.Database, dict], "str | None"]
"""An edit form's write: given a connection and the keywords every okrdata edit takes
(``person``, the signed-in person; ``version`` and ``seen``, the row as the form read it), write
and return the success message."""


def present(x: Any) -> bool:
    """Whether a stored value is there (not None, NaN or NA)."""
    return x is not None and not (isinstance(x, float) and pd.isna(x)) and x is not pd.NA


def as_int(x: Any) -> int | None:
    """A stored id as an int, or None when absent."""
    return int(x) if present(x) else None


def number_text(x: Any) -> str:
    """A stored number as a text input shows it: "" when absent, "12" for a whole number."""
    if not present(x):
        return ""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)  # repr: exact, so an unchanged value reads back equal


def day(x: Any) -> dt.date:
    """A stored date (or timestamp) as a date."""
    return dt.date.fromisoformat(str(x)[:10])


def row_of(frame: pd.DataFrame, column: str, value: int) -> dict:
    """The row of ``frame`` whose ``column`` is ``value``, as a dict (one row, not the whole frame)."""
    return frame[frame[column] == int(value)].to_dict("records")[0]


def no_rights(what: str) -> None:
    """Say, behind a lock, why there is no form here for this person."""
    st.caption(f":material/lock: {what}")


def fill(prefix: str, values: Mapping[str, Any]) -> None:
    """Prefill the inputs ``{prefix}_{name}`` of a form (what was typed wins, see :func:`ui.forms.prefill`)."""
    for name, initial in values.items():
        forms.prefill(f"{prefix}_{name}", initial)


def create_form(
    form_id: str,
    title: str,
    button: str,
    write: Create,
    fields: Callable[[str], None],
    *,
    icon: str = ":material/add:",
    prefill: Mapping[str, Any] | None = None,
    reset: Iterable[str] | None = None,
) -> None:
    """The expander ``title`` holding the create form ``form_id``.

    ``fields(prefix)`` draws the inputs, keyed ``{prefix}_{name}``, from the first time the
    expander is opened on a visit of the page (:mod:`ui.lazy`: a collapsed form costs nothing,
    and one left half-filled keeps what was typed); then the primary ``button`` calls
    ``write(db, person, prefix)``. ``prefill`` gives inputs their first values, by name. A save
    empties the inputs (only those named in ``reset``, when given) and the form comes back empty
    under a new prefix; errors and the success message show below it.
    """
    with lazy.expander(title, f"mg_open__{form_id}", icon=icon) as shown:
        if not shown:
            return
        fid = forms.fresh_id(form_id)
        fill(fid, prefill or {})
        with st.form(fid):
            fields(fid)
            forms.submit_button(
                button,
                form_id,
                lambda db, who: write(db, who, fid),
                reset=[f"{fid}_{name}" for name in reset or ()],
                reset_prefix=None if reset is not None else f"{fid}_",
                type="primary",
            )
        forms.feedback(form_id)


@contextmanager
def edit_form(form_id: str, button: str, save: Save) -> Iterator[None]:
    """The edit form ``form_id``, whose row was read with :func:`ui.forms.read_row`.

    Draw its inputs, keyed ``{form_id}_{name}``, inside the ``with``; then ``button`` calls
    ``save(db, edit)``, ``edit`` holding the signed-in person and the row as read (its version),
    for the okrdata edit: ``writes.update_kpi(db, kpi_id, **edit, name=...)``. A save forgets the
    inputs and the row, so they are read afresh; a refusal because someone changed the row
    meanwhile shows what changed and a button reloading the form.
    """

    def write(db: sqlite_utils.Database, who: dict) -> str | None:
        read = forms.value(forms.read_key(form_id))
        return save(db, {"person": who, "version": read["version"], "seen": read})

    with st.form(form_id):
        yield
        forms.submit_button(button, form_id, write, reset_prefix=f"{form_id}_")
    forms.feedback(form_id, reload_prefix=f"{form_id}_")
