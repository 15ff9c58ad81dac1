"""The OKR layout's objectives: its rows grouped into objectives, matched with those that exist or
added, then aligned (see :class:`okrdata.transfer.okrs._OkrImporter`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from okrdata import lookups, writes
from okrdata.transfer.base import _Importer, _nth
from okrdata.transfer.values import _key


@dataclass
class _ObjectiveGroup:
    cycle: str
    unit: str
    title: str
    label: str | None  # the file's Objective ID, as compared
    rows: list[int]
    first_row: int
    attrs: dict[str, tuple[Any, int]] = field(default_factory=dict)
    id: int | None = None
    new: bool = False
    again: list[int] = field(default_factory=list)  # rows naming it again after other objectives


class _OkrObjectives(_Importer):
    """The objectives of an OKR-layout table, and their alignment."""

    # objectives ----------------------------------------------------------------------

    def group_objectives(self) -> None:
        """The objectives of the file: rows of one cycle, unit and title (and Objective ID) are one.

        Without an ID, a title named again after other objectives of its unit and cycle may be
        a second objective (the export gives such twins an ID): :meth:`load_objectives` reads
        it as the objective that exists, and refuses it for a new one."""
        self.groups: dict[tuple, _ObjectiveGroup] = {}
        previous: dict[tuple[str, str], tuple] = {}  # (cycle, unit) -> the objective of its last row
        labels: dict[tuple[str, str, str], tuple[str, int]] = {}  # (cycle, unit, ID) -> its title and row
        for row, p in self.parsed:
            if p["objective"] is None or p["cycle"] is None or p["unit"] is None:
                continue
            place = (_key(p["cycle"]), _key(p["unit"]))
            label = _key(p["objective_id"]) if p["objective_id"] is not None else None
            gkey = (*place, _key(p["objective"]), label)
            group = self.groups.get(gkey)
            if group is None:
                group = self.groups[gkey] = _ObjectiveGroup(p["cycle"], p["unit"], p["objective"], label, [], row)
            elif label is None and previous.get(place) != gkey:
                group.again.append(row)
            previous[place] = gkey
            if label is not None:
                first = labels.setdefault((*place, label), (p["objective"], row))
                if _key(first[0]) != _key(p["objective"]):
                    self.problem(
                        row,
                        "objective_id",
                        f"{p['objective_id']!r} names another objective on row "
                        f"{first[1]} ({first[0]!r}); one ID, one objective.",
                    )
                    p["_bad"] = True
                    continue
            group.rows.append(row)
            for k in (
                "objective_description",
                "kind",
                "objective_owner",
                "objective_weight",
                "aligned_to",
                "score",
                "score_reason",
                "reflection",
            ):
                if p[k] is None:
                    continue
                if k in group.attrs:
                    first, first_row = group.attrs[k]
                    same = _key(first) == _key(p[k]) if isinstance(first, str) else first == p[k]
                    if not same:
                        self.problem(
                            row,
                            k,
                            f"{str(p[k])!r} differs from row {first_row} ({str(first)!r}) "
                            f"for the same objective {p['objective']!r}.",
                        )
                else:
                    group.attrs[k] = (p[k], row)
        # A title with an ID on some rows and none on others: which objective is meant?
        titled: dict[tuple, list[_ObjectiveGroup]] = {}
        for (cycle, unit, title, _label), group in self.groups.items():
            titled.setdefault((cycle, unit, title), []).append(group)
        for twins in titled.values():
            if len(twins) > 1:
                for group in twins:
                    if group.label is None:
                        self.problem(
                            group.first_row,
                            "objective_id",
                            (
                                f"is needed here: {len(twins)} objectives of {group.unit} in {group.cycle} are called "
                                f"{group.title!r} in this file."
                            ),
                        )

    def group_of(self, p: dict) -> _ObjectiveGroup | None:
        label = _key(p["objective_id"]) if p["objective_id"] is not None else None
        return self.groups.get((_key(p["cycle"]), _key(p["unit"]), _key(p["objective"]), label))

    def load_objectives(self) -> None:
        self.group_objectives()
        existing: dict[tuple[int, int, str], list[dict]] = {}
        for r in self.db.query(
            "SELECT id, cycle_id, unit_id, title FROM objectives WHERE state = 'active' ORDER BY id"
        ):
            existing.setdefault((r["cycle_id"], r["unit_id"], _key(r["title"])), []).append(dict(r))
        titled: dict[tuple[int, int, str], list[_ObjectiveGroup]] = {}
        for group in self.groups.values():
            cycle = self.cycles.get(_key(group.cycle))
            unit = self.units.get(_key(group.unit))
            if cycle is None or unit is None:
                continue  # its problem is reported already
            titled.setdefault((cycle["id"], unit["id"], _key(group.title)), []).append(group)
        for (cycle_id, unit_id, _title), groups in titled.items():
            found = list(existing.get((cycle_id, unit_id, _title), []))
            if len(groups) == 1 and groups[0].label is None and len(found) > 1:
                group = groups[0]
                self.problem(
                    group.first_row,
                    "objective",
                    (
                        f"{len(found)} objectives of {group.unit} in {group.cycle} are called {group.title!r} already; "
                        "add an Objective ID column (the export numbers them 1, 2...) to say which."
                    ),
                )
                continue
            # Twins pair up in order: an ID such as "2" is the second of its title, as the export numbers them.
            taken: set[int] = set()
            for group in groups:
                place = _nth(group.label, len(found))
                if place is not None and found[place]["id"] not in taken:
                    group.id = found[place]["id"]
                    taken.add(group.id)
            free = [r for r in found if r["id"] not in taken]
            for group in groups:
                if group.id is None and free:
                    group.id = free.pop(0)["id"]
            for group in groups:
                if group.id is None and group.again:
                    # Two blocks of rows with one new title: two objectives, or one written apart?
                    self.problem(
                        group.again[0],
                        "objective",
                        (
                            f"{group.title!r} is named again after other objectives of {group.unit} in {group.cycle} "
                            f"(first at row {group.first_row}). If it is a second objective with that title, give each "
                            "an Objective ID to tell them apart (as the export does); if it is the same one, put its "
                            "rows together."
                        ),
                    )
                elif group.id is None:
                    self.add_objective(group, self.cycles[_key(group.cycle)], self.units[_key(group.unit)])
                elif group.again:
                    self.run.notes.append(
                        f"Row {group.again[0]} names {group.title!r} of {group.unit} again after other objectives "
                        f"(first at row {group.first_row}): read as that objective, which exists already. To add a "
                        "second objective with that title, give each an Objective ID."
                    )
                if group.id is not None and group.label is not None:
                    self.run.objective_ids[(_key(group.cycle), _key(group.unit), _key(group.title), group.label)] = (
                        group.id
                    )

    def add_objective(self, group: _ObjectiveGroup, cycle: dict, unit: dict) -> None:
        attrs = {k: val for k, (val, _) in group.attrs.items()}
        owner_ref = attrs.get("objective_owner")
        owner_row = group.attrs.get("objective_owner", (None, group.first_row))[1]
        owner_id = self.person_id(owner_row, "objective_owner", owner_ref) if owner_ref else unit["lead_id"]
        if owner_ref and owner_id is None:
            return
        if not self.run.writable(self, group.first_row, "objective", cycle["id"]):
            return
        new_id = self.attempt(
            group.first_row,
            "objective",
            lambda: writes.add_objective(
                self.db,
                cycle["id"],
                unit["id"],
                group.title,
                description=attrs.get("objective_description") or "",
                owner_id=owner_id,
                kind=attrs.get("kind") or "committed",
                weight=attrs["objective_weight"] if attrs.get("objective_weight") is not None else 1.0,
                person=self.run.person,
            ),
            "objective",
        )
        if new_id is not None:
            group.id, group.new = new_id, True
            self.run.counts["objectives"] += 1

    def align(self) -> None:
        """Align the new objectives, now that every objective of the file exists (parents may come later)."""
        for group in self.groups.values():
            if group.id is None or "aligned_to" not in group.attrs or not group.new:
                continue
            title, row = group.attrs["aligned_to"]
            cycle = self.cycles[_key(group.cycle)]
            unit = self.units[_key(group.unit)]
            target = self.find_parent(cycle["id"], unit["id"], title, group.id)
            if target is None:
                self.problem(row, "aligned_to", f"no objective or key result of {cycle['name']} is called {title!r}.")
                continue
            objective_id, kr_id = target
            self.edit(
                row,
                "alignment",
                "aligned_to",
                writes.update_objective,
                "objectives",
                group.id,
                parent_objective_id=objective_id,
                parent_kr_id=kr_id,
            )

    def find_parent(self, cycle_id: int, unit_id: int, title: str, self_id: int) -> tuple[int, int | None] | None:
        """The objective (or key result) called ``title`` in the cycle, preferring the nearest unit above."""
        above = lookups.unit_ancestors(self.db, unit_id)
        rank = {u: i for i, u in enumerate(above)}

        def best(rows: list[dict]) -> dict | None:
            rows = [r for r in rows if r["id"] != self_id]
            if not rows:
                return None
            return min(rows, key=lambda r: rank.get(r["unit_id"], len(rank) + 1))

        objs = [
            dict(r)
            for r in self.db.query(
                "SELECT id, unit_id, title FROM objectives WHERE cycle_id = ? AND state = 'active'", [cycle_id]
            )
            if _key(r["title"]) == _key(title)
        ]
        found = best(objs)
        if found is not None:
            return found["id"], None
        krs = [
            dict(r)
            for r in self.db.query(
                "SELECT kr.id AS kr_id, o.id, o.unit_id, kr.title FROM key_results kr "
                "JOIN objectives o ON o.id = kr.objective_id "
                "WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0",
                [cycle_id],
            )
            if _key(r["title"]) == _key(title)
        ]
        found = best(krs)
        return (found["id"], found["kr_id"]) if found is not None else None
