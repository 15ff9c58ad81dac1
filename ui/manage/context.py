"""What every Manage tab shares, as one value built once per run of the page: :class:`ManageContext`.

The tabs read the signed-in person, their rights, the sidebar's scope, the cycles and the labels
of the pickers from it instead of from page globals. Everything in it comes from cached readers
(:mod:`ui.data`, :mod:`ui.forms`), so building it at every rerun costs nothing even for a
thousand units or people.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from okrdata import auth as core_auth
from ui import auth, data, form_data
from ui.manage.common import as_int
from ui.sidebar import Scope


@dataclass(frozen=True)
class ManageContext:
    """The signed-in person and what they may change, the scope, and the labels tabs pick from."""

    person: dict | None
    """The signed-in person (None when signed out)."""
    scope: Scope
    """The cycle and unit chosen in the sidebar."""
    is_admin: bool
    """Manages cycles and people, and changes every unit's OKRs and KPIs."""
    writer: bool
    """A lead or an admin: the forms show (a lead's limited to :attr:`editable_units`)."""
    editable: frozenset[int]
    """Every unit the person may change."""
    editable_units: list[int]
    """The units the person may change, in outline order, for pickers."""
    cycles: pd.DataFrame
    """Every cycle (:func:`ui.data.cycles`), newest first."""
    cycle_rows: dict[int, dict]
    """Every cycle's row by id, in the same order."""
    unit_paths: dict[int, str]
    """Every unit's label for a picker, in outline order (:func:`ui.data.unit_paths`)."""
    person_labels: dict[int, str]
    """Everyone's label for a picker, "Name (e-mail)", by id."""
    active_people: list[int]
    """The ids of the people not archived."""

    @classmethod
    def build(cls, scope: Scope) -> ManageContext:
        """The context of this run, for the person signed in now."""
        person = auth.current_person()
        editable = form_data.editable_units(person)
        cycles = data.cycles()
        unit_paths = data.unit_paths()
        person_labels, active_people = form_data.people_labels()
        return cls(
            person=person,
            scope=scope,
            is_admin=core_auth.is_admin(person),
            writer=person is not None and person["role"] in ("lead", "admin"),
            editable=frozenset(editable),
            editable_units=[u for u in unit_paths if u in editable],
            cycles=cycles,
            cycle_rows={int(r["id"]): r for r in cycles.to_dict("records")},
            unit_paths=unit_paths,
            person_labels=person_labels,
            active_people=active_people,
        )

    def unit_label(self, unit_id: object) -> str:
        """A unit as its picker shows it: its path without the company's name, as in the sidebar."""
        return self.unit_paths.get(as_int(unit_id), f"unit {unit_id}")

    def person_label(self, person_id: object) -> str:
        """A person as a picker shows them, "Name (e-mail)", or "— nobody —"."""
        if person_id is None:
            return "— nobody —"
        return self.person_labels.get(int(person_id), f"person {person_id}")

    def people_choices(self, key: str) -> list:
        """Nobody, everyone not archived, and whoever the input ``key`` holds now (an archived owner stays shown)."""
        current = st.session_state.get(key)
        active = self.active_people
        return [None] + active + ([current] if current is not None and current not in active else [])
