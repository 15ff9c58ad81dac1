"""What the importers of every layout share: :class:`_Run`, one import across its sheets or files
(who imports, the problems found, the rows added, the people and cycles it meets), and
:class:`_Importer`, the import of one table, with the helpers that read a row's cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from okrdata import lookups, wording, writes
from okrdata.errors import ValidationError
from okrdata.parsing import date_style, number_style, parse_date, parse_number
from okrdata.parsing import is_blank as _is_blank
from okrdata.transfer.columns import _Columns
from okrdata.transfer.layouts import DEFAULT_CONFIDENCE
from okrdata.transfer.results import ImportRefused, Problem, Progress
from okrdata.transfer.values import PersonRef, _key, name_from_email

# Which column of a layout a writes field names, per kind of write.
_FIELD_COLUMNS = {
    "unit": {
        "name": "unit",
        "parent": "parent_unit",
        "description": "unit",
        "role": "unit",
        "unit": "parent_unit",
        "lead": "unit_lead",
    },
    "cycle": {
        "name": "cycle",
        "start_date": "cycle_start",
        "end_date": "cycle_end",
        "state": "cycle_state",
        "role": "cycle",
    },
    "objective": {
        "cycle": "cycle",
        "unit": "unit",
        "title": "objective",
        "description": "objective_description",
        "owner": "objective_owner",
        "kind": "kind",
        "weight": "objective_weight",
        "role": "objective",
        "parent_objective": "aligned_to",
        "parent_kr": "aligned_to",
    },
    "close": {"role": "cycle_state", "state": "cycle_state", "cycle": "cycle"},
    "alignment": {
        "parent_objective": "aligned_to",
        "parent_kr": "aligned_to",
        "unit": "aligned_to",
        "cycle": "aligned_to",
        "objective": "aligned_to",
    },
    "key_result": {
        "objective": "objective",
        "title": "key_result",
        "type": "type",
        "baseline": "baseline",
        "target": "target",
        "unit_label": "unit_label",
        "weight": "weight",
        "owner": "owner",
        "cycle": "cycle",
        "unit": "unit",
        "role": "key_result",
        "kpi": "kpi",
        "cadence_days": "cadence_days",
    },
    "checkin": {
        "key_result": "key_result",
        "date": "as_of",
        "value": "current_value",
        "confidence": "confidence",
        "note": "note",
        "author": "checkin_author",
        "cycle": "cycle",
        "unit": "unit",
        "role": "key_result",
    },
    "score": {
        "score": "score",
        "reason": "score_reason",
        "reflection": "reflection",
        "cycle": "score",
        "objective": "objective",
        "unit": "objective",
        "role": "objective",
    },
    "history": {
        "key_result": "key_result",
        "date": "date",
        "value": "value",
        "confidence": "confidence",
        "note": "note",
        "author": "author",
        "cycle": "cycle",
        "unit": "unit",
        "role": "key_result",
        "checkin": "key_result",
    },
    "person": {"name": "name", "email": "email", "role": "role", "units": "units", "person": "email"},
    "kpi": {
        "unit": "unit",
        "name": "kpi",
        "target_type": "target_type",
        "target": "target",
        "warning": "warning",
        "frequency_days": "frequency_days",
        "unit_label": "unit_label",
        "description": "description",
        "role": "unit",
    },
    "reading": {"kpi": "kpi", "date": "date", "value": "value", "author": "author", "role": "kpi"},
}

# The tables whose rows an import of each layout may add, in the order a report names them.
_COUNTED = ("cycles", "units", "people", "objectives", "key_results", "checkins", "kpis", "kpi_readings")
_LAYOUT_COUNTS = {
    "okrs": {"cycles", "units", "people", "objectives", "key_results", "checkins"},
    "checkins": {"people", "checkins"},
    "kpis": {"kpis"},
    "kpi_readings": {"people", "kpi_readings"},
    "people": {"people"},
}


class _Run:
    """One import: what its importers (one per sheet or file) share. Who imports, the problems
    found, the rows added, what exists (people, cycles' states, KPIs), and the closed cycles
    opened for the import, to close again at its end."""

    def __init__(
        self, db, today: dt.date, person: writes.Actor, progress: Progress | None, total: int, into_closed: bool
    ):
        self.db = db
        self.today = today
        self.person = person
        self.names_authors = writes.acts_as_admin(db, person)
        """Whether the check-ins may be recorded in other people's names (an admin's or the system's import)."""
        self.progress = progress
        self.total = total
        self.into_closed = into_closed
        self.done = 0
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.counts = dict.fromkeys(_COUNTED, 0)
        self.people_by_email = {r["email"].casefold(): r["id"] for r in db.query("SELECT id, email FROM people")}
        self.people_by_name: dict[str, list[int]] = {}
        for r in db.query("SELECT id, name FROM people WHERE archived = 0"):
            self.people_by_name.setdefault(_key(r["name"]), []).append(r["id"])
        self.failed_people: set[str] = set()
        self.cycle_state = {r["id"]: (r["name"], r["state"]) for r in db.query("SELECT id, name, state FROM cycles")}
        self.reopened: dict[int, str] = {}
        self.to_close: dict[int, tuple[_Importer, int]] = {}  # new cycles the file closes: where it says so
        # The file's Objective IDs: (cycle, unit, title, ID) as compared -> the objective's id, so the
        # check-ins of one import find the objectives its OKRs made.
        self.objective_ids: dict[tuple[str, str, str, str], int] = {}
        self.kpis_missing: dict[str, list[int]] = {}

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def person_id(self, importer: _Importer, row: int, key: str, ref: PersonRef | None) -> int | None:
        """The id of the person a cell names, adding them when named by a new e-mail address."""
        if ref is None:
            return None
        if ref.email:
            found = self.people_by_email.get(ref.email.casefold())
            if found is not None:
                return found
            if ref.email in self.failed_people:
                return None
            name = ref.name or name_from_email(ref.email)
            try:
                new_id = writes.add_person(self.db, name, ref.email, role="viewer", person=self.person)
            except ValidationError as error:
                self.failed_people.add(ref.email)
                if error.field == "role":
                    importer.problem(
                        row,
                        key,
                        f"{ref.email} is not in the database yet, and only an admin can "
                        "add people; ask one to import this file or to add them first.",
                    )
                else:
                    importer.problem(row, key, error.message)
                return None
            self.added_person(new_id, name, ref.email)
            return new_id
        ids = self.people_by_name.get(_key(ref.name), [])
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            importer.problem(row, key, f"{len(ids)} people are called {ref.name!r}; write the e-mail address instead.")
        else:
            importer.problem(
                row, key, f"no one is called {ref.name!r}; write their e-mail address (or Name <e-mail>) to add them."
            )
        return None

    def added_person(self, person_id: int, name: str, email: str) -> None:
        self.counts["people"] += 1
        self.people_by_email[email.casefold()] = person_id
        self.people_by_name.setdefault(_key(name), []).append(person_id)

    def writable(self, importer: _Importer, row: int, key: str, cycle_id: int) -> bool:
        """Whether the import may write into a cycle: one not closed, or a closed one opened for
        this import (``into_closed``: admins only; closed again at the end). Else a problem."""
        name, state = self.cycle_state[cycle_id]
        if state != "closed":
            return True
        if not self.into_closed:
            importer.problem(
                row,
                key,
                f"{name} is closed; its OKRs are read only. To add its history during a "
                "migration, an admin imports the file with `okr import --into-closed`: the "
                "cycle is opened for the import and closed again at its end.",
            )
            return False
        try:
            writes.set_cycle_state(
                self.db, cycle_id, "active", person=self.person, version=writes.version_of(self.db, "cycles", cycle_id)
            )
        except ValidationError as error:
            importer.problem(row, key, f"{name} is closed, and opening it for the import was refused: {error.message}")
            self.cycle_state[cycle_id] = (name, "refused")
            return False
        self.cycle_state[cycle_id] = (name, "active")
        self.reopened[cycle_id] = name
        return True

    def kpi_for(self, name: str, unit_id: int) -> int | None:
        """The KPI a key result of ``unit_id`` names: by name, the unit's own or the nearest above's."""
        candidates = [
            r
            for r in self.db.query("SELECT id, name, unit_id FROM kpis WHERE archived = 0")
            if _key(r["name"]) == _key(name)
        ]
        if len(candidates) > 1:
            above = [unit_id, *lookups.unit_ancestors(self.db, unit_id)]
            ranked = sorted((above.index(r["unit_id"]), r["id"]) for r in candidates if r["unit_id"] in above)
            return ranked[0][1] if ranked else candidates[0]["id"]
        return candidates[0]["id"] if candidates else None

    def close_cycles(self) -> None:
        """Close the new cycles the file closes and the closed ones opened for the import, with
        :func:`okrdata.writes.close_cycle`: the objectives nobody scored get the proposed score."""
        for cycle_id, (importer, row) in self.to_close.items():
            result = importer.attempt(
                row,
                "close",
                lambda: writes.close_cycle(self.db, cycle_id, person=self.person, today=self.today),
                "cycle_state",
            )
            if result:
                self.notes.append(
                    f"{result['cycle']}: closed at the end of the import, as the file says; "
                    f"{wording.plural(result['scored'], 'objective')} scored as given, {result['proposed']} "
                    "with the proposed score (the final progress)."
                )
        for cycle_id, name in self.reopened.items():
            try:
                writes.close_cycle(self.db, cycle_id, person=self.person, today=self.today)
            except ValidationError as error:
                self.problems.append(Problem(None, "", f"{name} could not be closed again: {error.message}"))
                continue
            self.notes.append(
                f"{name}: opened for the import and closed again at its end; the scores nobody "
                "reviewed are proposed afresh from its history."
            )


class _Importer:
    """The import of one table (a CSV file or a sheet) in one layout; see :class:`_Run` for what
    the importers of one import share."""

    def __init__(self, run: _Run, columns: _Columns, rows: list[tuple[int, dict]], sheet: str | None):
        self.run = run
        self.db = run.db
        self.columns = columns
        self.rows = rows
        self.sheet = sheet
        self.failed: set[str] = set()  # the cells of the row being read that could not be read

    # problems ------------------------------------------------------------------------

    def problem(self, row: int | None, key: str, message: str) -> None:
        self.run.problems.append(Problem(row, self.columns.header(key) if key else "", message, self.sheet))

    def attempt(self, row: int, kind: str, call: Callable[[], Any], default_key: str, where: str = "") -> Any:
        """Run a write; on a ValidationError record it against the column its field maps to."""
        try:
            return call()
        except ImportRefused:
            raise
        except ValidationError as error:
            key = _FIELD_COLUMNS.get(kind, {}).get(error.field, default_key) or default_key
            self.problem(row, key, error.message + where)
            return None

    def cell(self, row: int, key: str, raw: dict, parse: Callable[[Any], Any]) -> Any:
        """Parse one cell; a problem (and None) when it cannot be read."""
        try:
            return parse(raw.get(key))
        except ValidationError as error:
            self.problem(row, key, error.message)
            self.failed.add(key)
            return None

    def number(self, row: int, key: str, raw: dict, decimal: str) -> float | None:
        """A number cell, read with the file's decimal mark (:func:`okrdata.parsing.number_style`)."""
        return self.cell(row, key, raw, lambda x: parse_number(x, key, decimal))

    def date(self, row: int, key: str, raw: dict, day_first: bool | None) -> dt.date | None:
        """A date cell, read in the file's order of day and month (:func:`okrdata.parsing.date_style`)."""
        return self.cell(row, key, raw, lambda x: parse_date(x, key, day_first))

    def dated_values(self, levels: tuple[str, ...]) -> tuple[str, bool | None]:
        """For a layout of one dated value per row (check-ins, KPI readings): fill down ``levels``
        on the rows that give a value or a date, and say the file's decimal mark and date order."""
        _fill_down(self.rows, levels, lambda c: not _is_blank(c.get("value")) or not _is_blank(c.get("date")))
        return number_style([c.get("value") for _, c in self.rows]), date_style([c.get("date") for _, c in self.rows])

    def required(self, row: int, before: int, cells: Iterable[tuple[str, Any]]) -> None:
        """A problem for each ``(key, value)`` left blank, unless the row has one on that cell
        already (recorded since ``before``: it was given but could not be read)."""
        for k, val in cells:
            if val is None and not any(
                p.column == self.columns.header(k) and p.row == row for p in self.run.problems[before:]
            ):
                self.problem(row, k, "is required.")

    def edit(
        self, row: int, kind: str, key: str, update: Callable[..., Any], table: str, row_id: int, **changes: Any
    ) -> Any:
        """Edit a row through ``update`` (a function of :mod:`okrdata.writes`) at the version it
        has now, as :meth:`attempt` runs a write."""
        return self.attempt(
            row,
            kind,
            lambda: update(
                self.db,
                row_id,
                **changes,
                person=self.run.person,
                version=writes.version_of(self.db, table, row_id),
            ),
            key,
        )

    def person_id(self, row: int, key: str, ref: PersonRef | None) -> int | None:
        return self.run.person_id(self, row, key, ref)

    # notes ---------------------------------------------------------------------------

    def note_kept(self, count: int, noun: str, plural_noun: str | None = None) -> None:
        """Say how many rows named something that exists already, which the import left as it is."""
        if count:
            self.run.notes.append(
                f"{wording.plural(count, noun, plural_noun)} existed already and "
                f"{'was' if count == 1 else 'were'} kept as they are."
            )

    def note_recorded(self, count: int, noun: str, matched: str = "one") -> None:
        """Say how many rows repeat a check-in or reading recorded already, not added again."""
        if count:
            self.run.notes.append(
                f"{wording.plural(count, noun)} matched {matched} already recorded and "
                f"{'was' if count == 1 else 'were'} not added again."
            )

    def note_default_confidence(self, count: int, noun: str) -> None:
        """Say how many values came without a confidence, and which was recorded."""
        if count:
            self.run.notes.append(
                f"{wording.plural(count, noun)} came without a confidence; {DEFAULT_CONFIDENCE} (at risk) was recorded."
            )

    def ignored_columns(self) -> None:
        if self.columns.ignored:
            where = f"{self.sheet}: c" if self.sheet else "C"
            self.run.notes.append(where + "olumns not used: " + ", ".join(self.columns.ignored) + ".")


def _fill_down(rows: list[tuple[int, dict]], levels: tuple[str, ...], needs: Callable[[dict], bool]) -> None:
    """Fill blank cells of the hierarchy columns from the row above (merged cells, "same as above").

    A level is filled only while every level above it is the same as on the row above, so a
    new unit never inherits the previous unit's objective. ``needs(row)`` says whether the row
    carries something below the hierarchy (a key result, a value) that needs the levels filled.
    """
    previous: dict | None = None
    for _, cells in rows:
        if previous is not None and needs(cells):
            same = True
            for level in levels:
                if _is_blank(cells.get(level)):
                    if same and not _is_blank(previous.get(level)):
                        cells[level] = previous[level]
                else:
                    same = same and _key(cells[level]) == _key(previous.get(level) or "")
        elif previous is not None and _is_blank(cells.get(levels[0])) and not _is_blank(previous.get(levels[0])):
            cells[levels[0]] = previous[levels[0]]
        previous = cells


def _text(value: Any) -> str | None:
    """A cell as text: None when blank; a whole number written by Excel as 7.0 reads ``7``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value).strip() or None


def _nth(label: str | None, count: int) -> int | None:
    """The place (from 0) an Objective ID such as ``"2"`` gives among ``count`` objectives sharing a
    title, as the export numbers them; None for any other label."""
    if label is not None and label.isdigit() and 1 <= int(label) <= count:
        return int(label) - 1
    return None
