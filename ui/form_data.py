"""What the Check-in and Manage forms read, cached (:func:`ui.data.reader`, which follows the
database's versions, so a save shows at the next rerun without clearing anything): the edit
rights of the signed-in person, :mod:`okrdata.history` for some key results, what an objective
may align to, and the read-only tables and picker labels both pages show, formatted once per
change and bounded (:data:`ui.tables.ROW_LIMIT` rows for lists a unit narrows), so a rerun
costs the same for a company of thousands of key results as for a small one.

How a form writes is :mod:`ui.forms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa
import streamlit as st

from okrdata import auth as core_auth
from okrdata import history, lookups, wording
from okrdata import queries as q
from okrdata.schema import KPI_TARGET_TYPES
from ui import badges, data, tables

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
