"""Form helpers shared by the Check-in and Manage pages: the write callback, errors, prefills.

How a form writes: every input has a key in ``st.session_state``; the submit button's
``on_click`` callback (:func:`submit_button`) runs before the next script run, reads the inputs
from the session state, and calls a *write* function with a short connection and the
signed-in person (read afresh, so a role taken away counts at once). Then:

- a :class:`~okrdata.errors.ValidationError` (or several, :class:`Refused`) is kept for
  :func:`feedback` to show, naming the thing and the field, and the inputs keep what was
  typed, since nothing resets them; okrdata wrote nothing;
- on success the inputs listed in ``reset`` are
  forgotten (so they are filled afresh from the database at the next draw) and the message the
  write returned is shown once.

A form's submission counts once: each button carries the form's *round*, which a save moves on,
so a second click of a form already saved (a double click, or a click that reached the server
before the page redrew) writes nothing. A create form keys its inputs by the round too
(:func:`fresh_id`): after a save the browser draws new, empty inputs instead of keeping what
was typed for a second click to send again.

Inputs are prefilled with :func:`prefill`, which sets the session state only when the key is
not there yet: what the person typed wins over the database until they save or reload. An edit
form keeps the row it was read from (:func:`read_row`, with its version) the same way, and its
write hands that version to okrdata, which refuses the save if someone changed the row since;
:func:`feedback` then shows what changed and a button reloading the form from the stored row.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlite_utils
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from okrdata import writes
from okrdata.errors import ValidationError
from ui import auth, badges, data

ERRORS = "okr_form_errors_"
FLASH = "okr_form_flash_"
ROUNDS = "okr_form_rounds"


class _Lock:
    """A lock that a weak dictionary can hold (a bare ``threading.Lock`` cannot be referenced weakly)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __enter__(self) -> None:
        self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


_locks: weakref.WeakValueDictionary[str, _Lock] = weakref.WeakValueDictionary()
_locks_guard = threading.Lock()


def _session_lock() -> _Lock:
    """This browser session's lock around a form's write (kept while someone holds it)."""
    ctx = get_script_run_ctx()
    key = ctx.session_id if ctx is not None else ""
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = _Lock()
        return lock


FIELD_LABELS = {
    "version": "Changed meanwhile",
    "author": "Author",
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
    where = f"**{badges.escape_markdown(error.where)}** · " if error.where else ""
    return f"{where}{label(error.field)}: {badges.escape_markdown(error.message)}"


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
    """Forget every cached read (:func:`ui.data.clear`). A write needs none: the caches follow
    the database's versions of what they were built from."""
    data.clear()


def _rounds() -> dict[str, int]:
    # A plain dict kept in the session state: reading and setting it later never yields to
    # Streamlit, which may stop a callback at any access of st.session_state.
    rounds = st.session_state.get(ROUNDS)
    if rounds is None:
        rounds = st.session_state[ROUNDS] = {}
    return rounds


def form_round(form_id: str) -> int:
    """How many times this form was saved in this session: its buttons carry it, so that a
    second click of a submission already saved is told apart (see :func:`run_write`)."""
    return _rounds().get(form_id, 0)


def fresh_id(form_id: str) -> str:
    """The key of a create form and the prefix of its inputs for this round.

    A new one after each save: a widget with a new key starts from its default in the browser,
    so the form comes back empty, whatever was typed before.
    """
    n = form_round(form_id)
    return form_id if n == 0 else f"{form_id}-{n}"


def run_write(
    form_id: str, write: Write, reset: Iterable[str] = (), reset_prefix: str | None = None, sent_in: int | None = None
) -> bool:
    """Run ``write`` for the signed-in person and keep the outcome for :func:`feedback`; True when saved.

    Refused (nothing written, inputs kept) when nobody is signed in. ``sent_in`` is the round
    the button was drawn in: a click from a round already saved is a second click of the same
    submission, and writes nothing (the first one's message stays).

    Two clicks of one button can reach the server so close together that their callbacks run at
    once, on two script threads of the session, and Streamlit may stop a callback at any access
    of ``st.session_state``. So the round is claimed under the session's lock before writing,
    in a plain dict, and given back unless the write went through.
    """
    rounds = _rounds()
    with _session_lock():
        current = rounds.get(form_id, 0)
        if sent_in is not None and sent_in != current:
            return False
        rounds[form_id] = current + 1
        saved, problems = False, []
        try:
            st.session_state.pop(ERRORS + form_id, None)
            st.session_state.pop(FLASH + form_id, None)
            person = auth.current_person()
            if person is None:
                raise ValidationError("role", "sign in to make changes; nothing was saved.")
            with data.opened() as db:
                message = write(db, person)
                saved = True
        except ValidationError as error:
            problems = [error]
        except Refused as refused:
            problems = refused.errors
        finally:
            if not saved:
                rounds[form_id] = current
    if not saved:
        st.session_state[ERRORS + form_id] = problems
        return False
    forget(reset, reset_prefix)
    set_flash(form_id, message or "Saved.")
    return True


def write_button(
    button: Callable[..., bool],
    key_suffix: str,
    label_text: str,
    form_id: str,
    write: Write,
    *,
    reset: Iterable[str] = (),
    reset_prefix: str | None = None,
    key: str | None = None,
    **kwargs: Any,
) -> bool:
    """``button`` (``st.form_submit_button`` or ``st.button``) whose callback runs ``write`` once
    per click (see :func:`run_write`); ``kwargs`` go to the button. Unless ``key`` is given, its
    key is new after each save (:func:`fresh_id`) and ends in ``__`` and ``key_suffix``."""
    return button(
        label_text,
        key=key or f"{fresh_id(form_id)}__{key_suffix}",
        on_click=run_write,
        args=(form_id, write, tuple(reset), reset_prefix, form_round(form_id)),
        **kwargs,
    )


def submit_button(label_text: str, form_id: str, write: Write, **options: Any) -> bool:
    """A form's submit button whose callback runs ``write`` once per submission (options: :func:`write_button`)."""
    return write_button(st.form_submit_button, "submit", label_text, form_id, write, **options)


def action_button(label_text: str, form_id: str, write: Write, **options: Any) -> bool:
    """A button outside any form whose callback runs ``write`` once per click (options: :func:`write_button`)."""
    return write_button(st.button, "button", label_text, form_id, write, **options)


def read_key(form_id: str) -> str:
    """Where an edit form keeps the row it was read from (see :func:`read_row`); it starts with
    the form's prefix, so the form's ``reset_prefix`` forgets it with the inputs."""
    return f"{form_id}_read"


def read_row(form_id: str, table: str, row_id: int, also: Iterable[str] = ()) -> dict:
    """The stored row (with its ``version``) the edit form ``form_id`` shows, kept until the
    form is saved or reloaded; read afresh when absent.

    Its ``version`` goes with the write, and the whole row as ``seen``, so that okrdata refuses
    a save made on a row someone changed meanwhile and says what changed. Prefill the inputs
    from it: when it is read afresh, the inputs under the form's prefix (and the prefixes in
    ``also``, other forms writing the same row) are forgotten, so that they and the version
    always come from the same read.
    """
    key = read_key(form_id)
    if key not in st.session_state or st.session_state[key].get("id") != int(row_id):
        for prefix in (f"{form_id}_", *also):
            forget(prefix=prefix)
        st.session_state[key] = _stored_row(table, int(row_id))
    return st.session_state[key]


def archive_form(
    section: str,
    thing_id: int,
    confirm: str,
    button: str,
    archive: Callable[[sqlite_utils.Database, dict, int], Any],
    done: str,
    edit_form: str,
) -> None:
    """A small form that archives one thing of a section (``"mg_kr_archive"``): a box to tick
    (``confirm``), then ``button`` runs ``archive(db, person, version)``; refused with the box
    unticked.

    ``version`` is that of the row the thing's edit form ``edit_form`` was read from
    (:func:`read_row`): a refusal because someone changed the thing meanwhile offers to reload
    that form. Once archived, the thing leaves its picker, and the next run
    draws this form for another one: the ``done`` message of any archive of the section shows
    there, once.
    """
    for key in [k for k in st.session_state if str(k).startswith(f"{FLASH}{section}_")]:
        st.success(st.session_state.pop(key), icon=":material/check_circle:")
    form_id = f"{section}_{thing_id}"
    with st.form(form_id, border=False):
        st.checkbox(confirm, key=f"{form_id}_confirm")

        def write(db: sqlite_utils.Database, who: dict) -> str:
            if not value(f"{form_id}_confirm"):
                raise ValidationError("confirm", "tick the box to confirm.")
            archive(db, who, value(read_key(edit_form), {}).get("version"))
            return done

        submit_button(
            button, form_id, write, reset=[read_key(edit_form)], reset_prefix=f"{form_id}_", icon=":material/archive:"
        )
    feedback(form_id, reload_prefix=f"{edit_form}_")


def errors(form_id: str) -> list[ValidationError]:
    """The problems of this form's last submission (empty when it was saved or never sent)."""
    return list(st.session_state.get(ERRORS + form_id) or [])


def feedback(form_id: str, reload: Iterable[str] = (), reload_prefix: str | None = None) -> None:
    """Show the outcome of this form's last submission: every error, or the success message once.

    When the save was refused because someone changed the thing since the form read it (field
    ``version``) and the form says how to reload (``reload``, ``reload_prefix``), a button
    reloads it from the stored row: it forgets those inputs, so they are prefilled afresh (what
    was typed is dropped; the message said what changed).
    """
    found = errors(form_id)
    for problem in found:
        show_error(problem)
    reload = list(reload)
    if (reload or reload_prefix) and any(p.field == "version" for p in found):
        st.button(
            "Reload as it is now",
            key=f"{form_id}__reload",
            on_click=forget,
            args=([*reload, ERRORS + form_id], reload_prefix),
            icon=":material/refresh:",
        )
    flash(form_id)


def set_flash(form_id: str, message: str) -> None:
    """Keep a success message for :func:`flash` to show once, at the next run."""
    st.session_state[FLASH + form_id] = message


def flash(form_id: str) -> None:
    """Show this form's success message, once."""
    message = st.session_state.pop(FLASH + form_id, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def signed_in_message(person: dict | None, action: str) -> None:
    """Why this visitor sees no form: signed out, or a viewer."""
    if person is None:
        st.info(
            f"Sign in as a lead to {action} (the sign-in is in the sidebar). Anyone can read.", icon=":material/lock:"
        )
    else:
        st.info(
            f"You are signed in as {badges.escape_markdown(person['name'])} ({person['role']}): you can read everything. Sign in as a "
            f"lead to {action}, or ask an admin for the rights you need.",
            icon=":material/lock:",
        )


@data.reader(reads=("all",))
def _stored_row(table: str, row_id: int) -> dict:
    with data.opened() as db:
        return writes.read_for_edit(db, table, int(row_id))
