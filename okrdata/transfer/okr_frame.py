"""The OKR layout's cycles and units: the frame its objectives sit in, made first (see
:class:`okrdata.transfer.okrs._OkrImporter`).
"""

from __future__ import annotations

from okrdata import writes
from okrdata.transfer.base import _Importer
from okrdata.transfer.values import _key, quarter_span


class _OkrFrame(_Importer):
    """The cycles, units and unit leads of an OKR-layout table."""

    # cycles --------------------------------------------------------------------------

    def load_cycles(self) -> None:
        self.cycles = {_key(r["name"]): dict(r) for r in self.db.query("SELECT * FROM cycles")}
        specs: dict[str, dict] = {}
        for row, p in self.parsed:
            if p["cycle"] is None:
                continue
            spec = specs.setdefault(_key(p["cycle"]), {"name": p["cycle"], "row": row, "failed": False})
            spec["failed"] |= bool(p["_failed"] & {"cycle_start", "cycle_end", "cycle_state"})
            for k in ("cycle_start", "cycle_end", "cycle_state"):
                if p[k] is None:
                    continue
                if k in spec and spec[k][0] != p[k]:
                    self.problem(row, k, f"{p[k]} differs from row {spec[k][1]} ({spec[k][0]}) for the same cycle.")
                spec.setdefault(k, (p[k], row))
        for key, spec in specs.items():
            given = {k: spec[k][0] for k in ("cycle_start", "cycle_end", "cycle_state") if k in spec}
            existing = self.cycles.get(key)
            if existing is not None:
                for k, column in (("cycle_start", "start_date"), ("cycle_end", "end_date"), ("cycle_state", "state")):
                    if k in given and str(given[k]) != existing[column]:
                        self.run.notes.append(
                            f"{existing['name']} exists with {column.replace('_', ' ')} {existing[column]}; "
                            f"the file's {given[k]} (row {spec[k][1]}) was not applied."
                        )
                continue
            if spec["failed"]:
                continue  # a date or state of it could not be read: reported already
            span = quarter_span(spec["name"])
            start = given.get("cycle_start") or (span[0] if span else None)
            end = given.get("cycle_end") or (span[1] if span else None)
            if start is None or end is None:
                missing = "cycle_start" if start is None else "cycle_end"
                self.problem(
                    spec["row"], missing, f"is required for the new cycle {spec['name']!r} (or name it like 2026 Q1)."
                )
                continue
            state = given.get("cycle_state")
            # A cycle to close is filled while active, then closed: a closed cycle takes no writes.
            initial = "active" if state == "closed" else (state or ("planning" if start > self.run.today else "active"))
            new_id = self.attempt(
                spec["row"],
                "cycle",
                lambda: writes.add_cycle(self.db, spec["name"], start, end, state=initial, person=self.run.person),
                "cycle",
            )
            if new_id is not None:
                self.run.counts["cycles"] += 1
                self.cycles[key] = dict(next(self.db.query("SELECT * FROM cycles WHERE id = ?", [new_id])))
                self.run.cycle_state[new_id] = (spec["name"], initial)
                if state == "closed":
                    self.run.to_close[new_id] = (self, spec["cycle_state"][1])

    # units ---------------------------------------------------------------------------

    def load_units(self) -> None:
        self.units = {_key(r["name"]): dict(r) for r in self.db.query("SELECT * FROM units")}
        declared: dict[str, dict] = {}
        for row, p in self.parsed:
            if p["unit"] is None:
                continue
            spec = declared.setdefault(_key(p["unit"]), {"name": p["unit"], "row": row, "parent": None, "lead": None})
            if p["unit_lead"] is not None:
                if spec["lead"] is not None and spec["lead"][0] != p["unit_lead"]:
                    self.problem(
                        row,
                        "unit_lead",
                        f"{p['unit_lead']} differs from row {spec['lead'][1]} "
                        f"({spec['lead'][0]}) for the unit {p['unit']!r}.",
                    )
                elif spec["lead"] is None:
                    spec["lead"] = (p["unit_lead"], row)
            if p["parent_unit"] is not None:
                if spec["parent"] is not None and _key(spec["parent"][0]) != _key(p["parent_unit"]):
                    self.problem(
                        row,
                        "parent_unit",
                        f"{p['parent_unit']!r} differs from row {spec['parent'][1]} "
                        f"({spec['parent'][0]!r}) for the unit {p['unit']!r}.",
                    )
                elif spec["parent"] is None:
                    spec["parent"] = (p["parent_unit"], row)
        self.unit_failed: set[str] = set()
        self.declared_units = declared
        self.new_units: set[str] = set()
        by_parent_id = {}
        for key, spec in declared.items():
            existing = self.units.get(key)
            if existing is not None and spec["parent"] is not None:
                by_parent_id[key] = spec
        # Units first in the order of the tree: a new unit needs its parent to exist.
        for key in declared:
            self._ensure_unit(key, declared, ())
        for key, spec in by_parent_id.items():
            parent = self.units.get(_key(spec["parent"][0]))
            existing = self.units[key]
            if parent is not None and existing["parent_id"] != parent["id"]:
                self.run.notes.append(
                    f"The unit {existing['name']} exists under another parent; "
                    f"the file's {spec['parent'][0]!r} (row {spec['parent'][1]}) was not applied."
                )

    def _ensure_unit(self, key: str, declared: dict, chain: tuple[str, ...]) -> int | None:
        if key in self.units:
            return self.units[key]["id"]
        if key in self.unit_failed:
            return None
        spec = declared.get(key)
        if spec is None:
            return None
        parent_id = None
        if spec["parent"] is not None:
            parent_name, parent_row = spec["parent"]
            parent_key = _key(parent_name)
            if parent_key in chain or parent_key == key:
                self.problem(parent_row, "parent_unit", f"{parent_name!r} would sit below {spec['name']!r}: a loop.")
                self.unit_failed.add(key)
                return None
            parent_id = self._ensure_unit(parent_key, declared, chain + (key,))
            if parent_id is None:
                if parent_key not in declared:
                    self.problem(
                        parent_row,
                        "parent_unit",
                        f"there is no unit called {parent_name!r}; add a row for it or create it first.",
                    )
                self.unit_failed.add(key)
                return None
        new_id = self.attempt(
            spec["row"],
            "unit",
            lambda: writes.add_unit(self.db, spec["name"], parent_id=parent_id, person=self.run.person),
            "unit",
        )
        if new_id is None:
            self.unit_failed.add(key)
            return None
        self.run.counts["units"] += 1
        self.units[key] = dict(next(self.db.query("SELECT * FROM units WHERE id = ?", [new_id])))
        self.new_units.add(key)
        return new_id

    def leads(self) -> None:
        """The leads of the new units, once the people (with their roles) are in: a person
        named only here is added as a viewer."""
        for key in self.new_units:
            lead = self.declared_units[key]["lead"]
            if lead is None:
                continue
            ref, row = lead
            lead_id = self.person_id(row, "unit_lead", ref)
            if lead_id is None:
                continue
            unit_id = self.units[key]["id"]
            self.edit(row, "unit", "unit_lead", writes.update_unit, "units", unit_id, lead_id=lead_id)
            self.units[key]["lead_id"] = lead_id
