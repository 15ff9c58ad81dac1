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

Also here: cached readers (:func:`ui.data.reader`, which follow the database's versions, so a
save shows at the next rerun without clearing anything) over :mod:`okrdata.history` and the
edit rights of the signed-in person; and the read-only tables and picker labels both pages
show, formatted once per change and bounded (:data:`ui.tables.ROW_LIMIT` rows for
lists a unit narrows), so a rerun costs the same for a company of thousands of key results as
for a small one.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa
import sqlite_utils
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from okrdata import auth as core_auth
from okrdata import history, lookups, wording, writes
from okrdata import queries as q
from okrdata.errors import ValidationError
from okrdata.schema import KPI_TARGET_TYPES
from ui import auth, badges, data, tables

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


# --- cached readers (ui.data.reader) ---------------------------------------------------------


@data.reader(reads=("org",))
def _editable(person_id: int) -> frozenset[int]:
    with data.opened() as db:
        return frozenset(core_auth.editable_unit_ids(db, int(person_id)))


def editable_units(person: dict | None) -> set[int]:
    """The units the person may change (none when signed out or a viewer)."""
    if person is None:
        return set()
    return set(_editable(int(person["id"])))


@data.reader(reads=("all",))
def checkin_revisions(kr_ids: Sequence[int]) -> pd.DataFrame:
    """Revisions of the check-ins of some key results (:func:`okrdata.history.checkin_revisions`)."""
    with data.opened() as db:
        return history.checkin_revisions(db, tuple(sorted(int(i) for i in kr_ids)))


@data.reader(reads=("all",))
def goalpost_changes(kr_ids: Sequence[int]) -> pd.DataFrame:
    """Recorded goalpost changes of some key results (:func:`okrdata.history.goalpost_changes`)."""
    with data.opened() as db:
        return history.goalpost_changes(db, tuple(sorted(int(i) for i in kr_ids)))


@data.reader(reads=("plan",))
def alignment_choices(cycle_id: int, unit_id: int, objective_id: int | None = None) -> list[dict]:
    """What an objective of the unit may align to (:func:`okrdata.lookups.alignment_choices`)."""
    with data.opened() as db:
        return lookups.alignment_choices(
            db, int(cycle_id), int(unit_id), None if objective_id is None else int(objective_id)
        )


@data.reader(reads=("all",))
def _stored_row(table: str, row_id: int) -> dict:
    with data.opened() as db:
        return writes.read_for_edit(db, table, int(row_id))


@data.reader(reads=("org",))
def person_units() -> dict[int, list[int]]:
    """Everyone's extra units to edit (:func:`okrdata.lookups.person_units_map`)."""
    with data.opened() as db:
        return lookups.person_units_map(db)


# --- cached tables -------------------------------------------------------------------------
# What the Check-in and Manage pages show everyone, formatted once per change of what they show
# (and bounded to what a person reads), so that a rerun after a click costs the same for a
# company of thousands of key results as for a small one.


class KrTable(NamedTuple):
    """Key results of a cycle and a unit's branch, ready to show."""

    table: pd.DataFrame
    """The first :data:`ui.tables.ROW_LIMIT` as :func:`ui.tables.key_results_frame` draws them."""
    total: int
    """How many key results there are in all."""
    labels: dict[int, str]
    """Every key result's label for a picker, "title (unit)", by id, in the same order."""
    unit_labels: dict[int, str]
    """Every key result's unit label ("%", "EUR", "" for none), by id."""


def kr_labels(krs: pd.DataFrame) -> tuple[dict[int, str], dict[int, str]]:
    """Key results' labels for a picker, "title (unit)", and their unit labels, by id."""
    ids = [int(i) for i in krs["kr_id"]]
    labels = {i: f"{t} ({u})" for i, t, u in zip(ids, krs["title"], krs["unit_name"])}
    units = {i: "" if u is None or pd.isna(u) else str(u) for i, u in zip(ids, krs["unit_label"])}
    return labels, units


@data.after_checkins
def _head_unchanged(stale: tuple, changed: set[int], cycle_id: int, *_: Any) -> tuple | None:
    # A check-in on a key result the first rows do not show leaves them as they are.
    return stale if not changed & set(stale[0]) else None


@data.reader(reads=("cycle", "plan", "today"), patch=_head_unchanged)
def _kr_head(cycle_id: int, unit_id: int | None, limit: int) -> tuple[list[int], pd.DataFrame]:
    # Figures for the rows shown only: a company's thousands of key results are just listed.
    with data.opened() as db:
        head = q.key_results(db, int(cycle_id), unit_id, data.today(), limit=limit)
    return [int(i) for i in head["kr_id"]], tables.key_results_frame(head)


@data.reader(reads=())
def _kr_labels(cycle_id: int, unit_id: int | None) -> tuple[int, dict[int, str], dict[int, str]]:
    every = data.key_result_labels(cycle_id, unit_id)
    return len(every), *kr_labels(every)


def key_results_table(cycle_id: int, unit_id: int | None = None) -> KrTable:
    """A cycle's key results for a unit's branch, as a read-only table of the first
    :data:`ui.tables.ROW_LIMIT`, their total and every one's label for a picker; cached."""
    return KrTable(_kr_head(cycle_id, unit_id, tables.ROW_LIMIT)[1], *_kr_labels(cycle_id, unit_id))


KPI_TYPE_WORDS = {t: wording.KR_TYPE_LABELS[t] for t in KPI_TARGET_TYPES}
"""A KPI's target type in words, as a key result's type of the same name reads: ``"Stay above"``."""


class ObjectiveTable(NamedTuple):
    """Objectives of a cycle and a unit's branch, ready to show."""

    table: pd.DataFrame
    """The first :data:`ui.tables.ROW_LIMIT` as :func:`ui.tables.objectives_frame` draws them."""
    total: int
    """How many objectives there are in all."""
    labels: dict[int, str]
    """Every objective's label for a picker, "title (unit)", by id, in the same order."""


@data.after_checkins
def _objectives_head_unchanged(
    stale: tuple, changed: set[int], cycle_id: int, unit_id: int | None, *_: Any
) -> tuple | None:
    every = data.key_result_labels(cycle_id, unit_id)
    touched = set(every.loc[every["kr_id"].isin(changed), "objective_id"])
    return stale if not touched & set(stale[0]) else None


@data.reader(reads=("cycle", "plan", "today"), patch=_objectives_head_unchanged)
def _objective_head(cycle_id: int, unit_id: int | None, limit: int) -> tuple[list[int], pd.DataFrame]:
    # Figures for the rows shown only; the picker lists every objective as entered.
    with data.opened() as db:
        head = q.objectives(db, int(cycle_id), unit_id, data.today(), limit=limit)
    return [int(i) for i in head["objective_id"]], tables.objectives_frame(head)


@data.reader(reads=())
def _objective_labels(cycle_id: int, unit_id: int | None) -> tuple[int, dict[int, str]]:
    every = data.objective_rows(cycle_id, unit_id)
    return len(every), {
        int(i): f"{t} ({u})" for i, t, u in zip(every["objective_id"], every["title"], every["unit_name"])
    }


def objectives_table(cycle_id: int, unit_id: int | None = None) -> ObjectiveTable:
    """A cycle's objectives for a unit's branch, as a table of the first :data:`ui.tables.ROW_LIMIT`,
    their total and every one's label for a picker; cached."""
    return ObjectiveTable(
        _objective_head(cycle_id, unit_id, tables.ROW_LIMIT)[1], *_objective_labels(cycle_id, unit_id)
    )


@data.reader(reads=("cycle", "today"))
def objective_key_results(cycle_id: int, unit_id: int | None, objective_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The key results of one objective (rows of :func:`ui.data.key_results` of the cycle and
    unit) and their table (:func:`ui.tables.key_results_frame`); cached, so picking an objective
    does not read the whole cycle again."""
    with data.opened() as db:
        mine = q.key_results(db, int(cycle_id), unit_id, data.today(), objective_ids=[int(objective_id)])
    return mine, tables.key_results_frame(mine)


@data.reader(reads=())
def kpi_labels() -> dict[int, str]:
    """Every KPI's label for a picker, "name (unit)", by id; cached."""
    kpis = data.kpis()
    return {int(i): f"{n} ({u})" for i, n, u in zip(kpis["kpi_id"], kpis["name"], kpis["unit_name"])}


@data.reader(reads=())
def units_table() -> pa.Table:
    """Every unit (path, kind, lead, description) as Manage shows them, as Arrow; cached."""
    tree = data.units()
    return tables.arrow(
        pd.DataFrame(
            {
                "Unit": tree["path"],
                "Kind": tree["kind"].str.capitalize(),
                "Lead": tree["lead_name"].fillna(""),
                "Description": tree["description"].fillna(""),
            }
        )
    )


@data.reader(reads=())
def people_table() -> pa.Table:
    """Everyone (name, e-mail, role, the units they lead and may also edit, archived) as Manage
    shows them, as Arrow; cached."""
    people, tree, extra = data.people(), data.units(), person_units()
    names = dict(zip(tree["id"].astype(int), tree["name"].astype(str)))
    return tables.arrow(
        pd.DataFrame(
            {
                "Name": people["name"],
                "Email": people["email"],
                "Role": people["role"].str.capitalize(),
                "Leads": people["leads"].fillna(""),
                "Also edits": [", ".join(names[u] for u in extra.get(int(i), []) if u in names) for i in people["id"]],
                "Archived": ["yes" if a else "" for a in people["archived"]],
            }
        )
    )


@data.reader(reads=())
def people_labels() -> tuple[dict[int, str], list[int]]:
    """Everyone's label for a picker, "Name (e-mail)", by id, and the ids of those not archived; cached."""
    people = data.people()
    labels = {int(i): f"{n} ({e})" for i, n, e in zip(people["id"], people["name"], people["email"])}
    active = [int(i) for i, a in zip(people["id"], people["archived"]) if not a]
    return labels, active


@data.reader(reads=())
def kpis_table(unit_id: int | None = None) -> pa.Table:
    """The KPIs of a unit's branch (target, latest reading, its date) as Manage shows them, as
    Arrow; cached."""
    kpis = data.kpis(unit_id)
    return tables.arrow(
        pd.DataFrame(
            {
                "KPI": kpis["name"],
                "Unit": kpis["unit_name"],
                "Target": [
                    f"{KPI_TYPE_WORDS.get(t, t)} {badges.number(v, u or '')}"
                    for t, v, u in zip(kpis["target_type"], kpis["target"], kpis["unit_label"])
                ],
                "Latest": [badges.number(v, u or "") for v, u in zip(kpis["last_value"], kpis["unit_label"])],
                "Read on": [badges.day(d) for d in kpis["last_reading_date"]],
            }
        )
    )


def more_rows_note(shown: int, total: int, what: str) -> None:
    """Say that a table draws only its first ``shown`` of ``total`` rows, and how to narrow them."""
    if total > shown:
        st.caption(
            f":material/filter_list: The table shows the first {shown:,} of {total:,} {what}: pick a unit in the "
            "sidebar to see its own."
        )
