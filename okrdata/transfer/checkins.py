"""The importer of the check-in layout: one check-in per row, in the file's order within a day."""

from __future__ import annotations

import datetime as dt
import math

from okrdata import wording, writes
from okrdata.parsing import has_percent, parse_confidence
from okrdata.transfer.base import _Importer, _nth, _text
from okrdata.transfer.layouts import DEFAULT_CONFIDENCE
from okrdata.transfer.values import _key, parse_person


class _CheckinImporter(_Importer):
    """The check-in layout: one check-in per row, for key results that exist.

    Two check-ins of a key result on one day keep the file's order (the later one is the
    current one): top to bottom, or bottom to top in a file listing the newest first. A row
    that repeats a check-in already recorded is not added again; when the check-ins already
    recorded for that day would then stand in another order than the file's, or the file
    names another author for one, it is recorded again in the file's place and the earlier
    record is withdrawn (kept, marked deleted, as every withdrawal is)."""

    def run_checkins(self) -> None:
        decimal, day_first = self.dated_values(("cycle", "unit", "objective", "objective_id", "key_result"))
        krs = [
            dict(r)
            for r in self.db.query(
                """
            SELECT kr.id, kr.title, kr.kr_type, kr.owner_id, kr.objective_id, o.title AS objective, u.name AS unit,
                   c.id AS cycle_id, c.name AS cycle, c.start_date, c.end_date
            FROM key_results kr JOIN objectives o ON o.id = kr.objective_id
            JOIN units u ON u.id = o.unit_id JOIN cycles c ON c.id = o.cycle_id
            WHERE kr.archived = 0 AND o.state = 'active'
            ORDER BY o.id, kr.id
            """
            )
        ]
        by_title: dict[str, list[dict]] = {}
        for kr in krs:
            by_title.setdefault(_key(kr["title"]), []).append(kr)
        entries: list[dict] = []
        defaulted = 0
        for row, c in self.rows:
            self.run.tick()
            before = len(self.run.problems)
            day = self.date(row, "date", c, day_first)
            confidence = self.cell(row, "confidence", c, parse_confidence)
            value = self.number(row, "value", c, decimal)
            self.required(row, before, (("key_result", c.get("key_result")), ("date", day), ("value", value)))
            if len(self.run.problems) > before:
                continue
            kr = self.find_key_result(row, c, day, by_title)
            if kr is None:
                continue
            if kr["kr_type"] == "milestone" and has_percent(c.get("value")):
                value = value / 100
            author = parse_person(c.get("author"))
            # Without an Author column the key result's owner wrote it, when an admin (or the
            # system) imports; a lead's import is in the lead's name (see writes.add_checkin).
            author_id = (
                self.person_id(row, "author", author)
                if author
                else (kr["owner_id"] if self.run.names_authors else None)
            )
            if author is not None and author_id is None:
                continue
            if confidence is None:
                confidence = DEFAULT_CONFIDENCE
                defaulted += 1
            note = "" if c.get("note") is None else str(c["note"]).strip()
            entries.append(
                {
                    "row": row,
                    "kr": kr,
                    "day": day.isoformat(),
                    "value": value,
                    "confidence": confidence,
                    "note": note,
                    "author_id": author_id,
                    "author_given": author is not None,
                }
            )
        self.record(entries)
        self.note_default_confidence(defaulted, "check-in")
        self.ignored_columns()

    def find_key_result(self, row: int, c: dict, day: dt.date, by_title: dict[str, list[dict]]) -> dict | None:
        candidates = by_title.get(_key(c["key_result"]), [])
        for k in ("cycle", "unit", "objective"):
            if c.get(k) is not None:
                candidates = [kr for kr in candidates if _key(kr[k]) == _key(c[k])]
        label = _text(c.get("objective_id"))
        if len(candidates) > 1 and label is not None:
            candidates = self.by_objective_id(candidates, _key(label))
        if len(candidates) > 1:
            # The same title in several cycles (carried over): the one whose cycle holds the date.
            inside = [kr for kr in candidates if kr["start_date"] <= day.isoformat() <= kr["end_date"]]
            candidates = inside or candidates
        if not candidates:
            scope = ", ".join(f"{k} {c[k]!r}" for k in ("cycle", "unit", "objective") if c.get(k) is not None)
            self.problem(
                row,
                "key_result",
                f"no key result is called {c['key_result']!r}"
                f"{' (' + scope + ')' if scope else ''}; import the OKRs first.",
            )
            return None
        if len(candidates) > 1:
            where = "; ".join(f"{kr['cycle']} / {kr['unit']} / {kr['objective']}" for kr in candidates[:4])
            self.problem(
                row,
                "key_result",
                f"{len(candidates)} key results are called {c['key_result']!r} "
                f"({where}); add Cycle, Unit, Objective (and Objective ID) columns "
                "to say which.",
            )
            return None
        return candidates[0]

    def by_objective_id(self, candidates: list[dict], label: str) -> list[dict]:
        """The candidates under the objective an Objective ID names: one this import's OKRs
        labelled so, or the n-th of objectives sharing a title (as the export numbers them)."""
        mapped = {
            self.run.objective_ids.get((_key(kr["cycle"]), _key(kr["unit"]), _key(kr["objective"]), label))
            for kr in candidates
        } - {None}
        if mapped:
            return [kr for kr in candidates if kr["objective_id"] in mapped]
        twins: dict[tuple, list[int]] = {}
        for kr in candidates:
            ids = twins.setdefault((kr["cycle_id"], _key(kr["unit"]), _key(kr["objective"])), [])
            if kr["objective_id"] not in ids:
                ids.append(kr["objective_id"])
        chosen = set()
        for ids in twins.values():
            place = _nth(label, len(ids))
            if place is not None:
                chosen.add(sorted(ids)[place])
        return [kr for kr in candidates if kr["objective_id"] in chosen] if chosen else candidates

    def record(self, entries: list[dict]) -> None:
        """Write the check-ins, per key result and day, in the file's order (see the class)."""
        # A file listing the newest first lists a day's later check-in first, too.
        rising = falling = 0
        last: dict[int, str] = {}
        for e in entries:
            before = last.get(e["kr"]["id"])
            if before is not None:
                rising += e["day"] > before
                falling += e["day"] < before
            last[e["kr"]["id"]] = e["day"]
        days: dict[tuple[int, str], list[dict]] = {}
        for e in entries:
            days.setdefault((e["kr"]["id"], e["day"]), []).append(e)
        if falling > rising:
            days = {k: list(reversed(group)) for k, group in days.items()}
        unchanged = again = added = 0
        # In the file's order, so that check-ins of one date keep it across key results too.
        for (kr_id, day), wanted in days.items():
            recorded = [
                dict(r)
                for r in self.db.query(
                    "SELECT id, value, confidence, note, author_id, version FROM checkins "
                    "WHERE kr_id = ? AND checkin_date = ? AND deleted = 0 ORDER BY id",
                    [kr_id, day],
                )
            ]
            plan = _day_plan(recorded, wanted)
            unchanged += sum(1 for step in plan if step[0] == "keep")
            writing = [step for step in plan if step[0] != "keep"]
            if not writing or not self.run.writable(self, writing[0][1]["row"], "date", wanted[0]["kr"]["cycle_id"]):
                continue
            for action, e, old in writing:
                if action == "again":
                    before = len(self.run.problems)
                    self.attempt(
                        e["row"],
                        "history",
                        lambda: writes.delete_checkin(
                            self.db, old["id"], version=old["version"], person=self.run.person
                        ),
                        "value",
                    )
                    if len(self.run.problems) > before:
                        continue
                done = self.attempt(
                    e["row"],
                    "history",
                    lambda: writes.add_checkin(
                        self.db,
                        kr_id,
                        day,
                        e["value"],
                        e["confidence"],
                        e["note"],
                        author_id=e["author_id"],
                        person=self.run.person,
                    ),
                    "value",
                )
                if done is not None and action == "again":
                    again += 1
                elif done is not None:
                    added += 1
        self.run.counts["checkins"] += added
        self.note_recorded(unchanged, "check-in")
        if again:
            self.run.notes.append(
                f"{wording.plural(again, 'check-in')} already recorded {'was' if again == 1 else 'were'} recorded again from "
                "the file, to keep its order within a day or its author; the earlier records are kept as withdrawn."
            )


def _same_checkin(old: dict, e: dict) -> bool:
    return (
        math.isclose(old["value"], e["value"], rel_tol=1e-12, abs_tol=1e-12)
        and old["confidence"] == e["confidence"]
        and (old["note"] or "").strip() == e["note"]
    )


def _day_plan(recorded: list[dict], wanted: list[dict]) -> list[tuple[str, dict, dict | None]]:
    """What to do with a key result's check-ins of one day: ``("keep", row, check-in)`` for a
    row recorded already, ``("add", row, None)`` for a new one, ``("again", row, check-in)``
    for one to withdraw and record again so that the day's check-ins end in the file's order
    (new check-ins are recorded after those already there) or carry the file's author."""
    used: set[int] = set()

    def pair(i: int, e: dict, same_author: bool) -> dict | None:
        for old in recorded:
            if (
                old["id"] not in used
                and _same_checkin(old, e)
                and (not same_author or not e["author_given"] or old["author_id"] == e["author_id"])
            ):
                used.add(old["id"])
                return old
        return None

    matched = {i: old for i, e in enumerate(wanted) if (old := pair(i, e, True)) is not None}
    other_author = {i: old for i, e in enumerate(wanted) if i not in matched and (old := pair(i, e, False)) is not None}
    # Everything written goes after what is there: from the first row written before a row
    # kept, the rows kept are recorded again too.
    first_written = next((i for i in range(len(wanted)) if i not in matched), len(wanted))
    plan = []
    for i, e in enumerate(wanted):
        if i in matched and i < first_written:
            plan.append(("keep", e, matched[i]))
        elif i in matched or i in other_author:
            plan.append(("again", e, matched.get(i) or other_author[i]))
        else:
            plan.append(("add", e, None))
    return plan
