"""The importer of the people layout: people with their roles and the units they may edit."""

from __future__ import annotations

import re

from okrdata import validate as v
from okrdata import writes
from okrdata.errors import ValidationError
from okrdata.parsing import is_blank as _is_blank
from okrdata.transfer.base import _FIELD_COLUMNS, _Importer, _text
from okrdata.transfer.values import _key, parse_role, parse_yes


class _PeopleImporter(_Importer):
    """The people layout: people with their names, roles and the units they may edit."""

    def run_people(self) -> None:
        units = {_key(r["name"]): r["id"] for r in self.db.query("SELECT id, name FROM units")}
        seen: dict[str, int] = {}
        kept = 0
        self.to_archive: list[tuple[int, int]] = []
        for row, c in self.rows:
            self.run.tick()
            before = len(self.run.problems)
            name = _text(c.get("name"))
            email = self.cell(row, "email", c, lambda x: None if _is_blank(x) else v.email("email", str(x)))
            role = self.cell(row, "role", c, parse_role) or "viewer"
            archived = self.cell(row, "archived", c, lambda x: parse_yes(x, "archived"))
            unit_ids = []
            for unit in re.split(r"[;\n]+", str(c.get("units") or "")):
                if unit.strip():
                    if _key(unit) in units:
                        unit_ids.append(units[_key(unit)])
                    else:
                        self.problem(
                            row,
                            "units",
                            f"there is no unit called {unit.strip()!r}; import the OKRs "
                            "(which make the units) with this file or first.",
                        )
            self.required(row, before, (("name", name), ("email", email)))
            if len(self.run.problems) > before:
                continue
            if email.casefold() in seen:
                self.problem(row, "email", f"{email} appears twice (rows {seen[email.casefold()]} and {row}).")
                continue
            seen[email.casefold()] = row
            if email.casefold() in self.run.people_by_email:
                kept += 1
                continue
            try:
                new_id = writes.add_person(self.db, name, email, role=role, unit_ids=unit_ids, person=self.run.person)
            except ValidationError as error:
                if error.field == "role" and role == "viewer":
                    self.problem(
                        row,
                        "email",
                        f"{email} is not in the database yet, and only an admin can add "
                        "people; ask one to import this file.",
                    )
                else:
                    self.problem(row, _FIELD_COLUMNS["person"].get(error.field, "email"), error.message)
                continue
            self.run.added_person(new_id, name, email)
            if archived:
                self.to_archive.append((row, new_id))
        self.note_kept(kept, "person", "people")
        self.ignored_columns()

    def finish(self) -> None:
        """Archive who has left, once every check-in they wrote is in."""
        for row, person_id in self.to_archive:
            self.edit(row, "person", "archived", writes.update_person, "people", person_id, archived=True)
