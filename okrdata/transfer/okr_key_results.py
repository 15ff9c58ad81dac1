"""The OKR layout's key results, then their current values and the objectives' scores (see
:class:`okrdata.transfer.okrs._OkrImporter`).
"""

from __future__ import annotations

import math

from okrdata import wording, writes
from okrdata.transfer.base import _Importer
from okrdata.transfer.layouts import DEFAULT_CONFIDENCE
from okrdata.transfer.values import KR_TYPE_LABELS, _key


class _OkrKeyResults(_Importer):
    """The key results of an OKR-layout table, their current values and the scores."""

    # key results ---------------------------------------------------------------------

    def load_key_results(self) -> None:
        seen: dict[tuple[int, str], int] = {}
        kept = 0
        kpi_missing: dict[str, list[int]] = {}
        for row, p in self.parsed:
            self.run.tick()
            if p["key_result"] is None or p["_bad"]:
                continue
            group = self.group_of(p)
            if group is None or group.id is None:
                continue
            skey = (group.id, _key(p["key_result"]))
            if skey in seen:
                self.problem(
                    row,
                    "key_result",
                    f"{p['key_result']!r} appears twice in this objective (rows {seen[skey]} and {row}).",
                )
                continue
            seen[skey] = row
            # Compared as names are everywhere: spaces collapsed, case folded (a title with a double
            # space or a line break finds itself again).
            kr = next(
                (
                    dict(r)
                    for r in self.db.query(
                        "SELECT * FROM key_results WHERE objective_id = ? AND archived = 0 ORDER BY id", [group.id]
                    )
                    if _key(r["title"]) == skey[1]
                ),
                None,
            )
            cycle_id = self.cycles[_key(group.cycle)]["id"]
            if kr is not None:
                kept += 1
                if not self.same_goal(row, p, kr):
                    continue
                kr_id, owner_id = kr["id"], kr["owner_id"]
            else:
                owner_id = self.person_id(row, "owner", p["owner"])
                if p["owner"] is not None and owner_id is None:
                    continue
                kpi_id = None
                if p["kpi"] is not None:
                    kpi_id = self.run.kpi_for(p["kpi"], self.units[_key(group.unit)]["id"])
                    if kpi_id is None:
                        kpi_missing.setdefault(p["kpi"], []).append(row)
                if not self.run.writable(self, row, "key_result", cycle_id):
                    continue
                kr_id = self.attempt(
                    row,
                    "key_result",
                    lambda: writes.add_key_result(
                        self.db,
                        group.id,
                        p["key_result"],
                        p["type"],
                        baseline=p["baseline"],
                        target=p["target"],
                        unit_label=p["unit_label"] or "",
                        weight=p["weight"] if p["weight"] is not None else 1.0,
                        owner_id=owner_id,
                        kpi_id=kpi_id,
                        cadence_days=p["cadence_days"] if p["cadence_days"] is not None else 7,
                        person=self.run.person,
                    ),
                    "key_result",
                )
                if kr_id is None:
                    continue
                self.run.counts["key_results"] += 1
            if p["current_value"] is not None:
                self.values_to_add.append((row, p, kr_id, owner_id, cycle_id))
        self.note_kept(kept, "key result")
        self.note_kept(sum(1 for g in self.groups.values() if g.id is not None and not g.new), "objective")
        if kpi_missing:
            names = ", ".join(f"{name!r} (row {rows[0]})" for name, rows in list(kpi_missing.items())[:5])
            count = sum(len(rows) for rows in kpi_missing.values())
            self.run.notes.append(
                f"{wording.plural(count, 'key result')} name a KPI the database does not have ({names}); they were added "
                "without it. Import the KPIs with them (the KPIs sheet of the export) to keep the link."
            )

    def same_goal(self, row: int, p: dict, kr: dict) -> bool:
        """An existing key result named again must agree on type, baseline and target."""
        ok = True
        if p["type"] is not None and p["type"] != kr["kr_type"]:
            self.problem(
                row,
                "type",
                f"{KR_TYPE_LABELS[p['type']]} differs from the key result already in the "
                f"database ({KR_TYPE_LABELS[kr['kr_type']]}); change it on the Manage page.",
            )
            ok = False
        for k in ("baseline", "target"):
            given, stored = p[k], kr[k]
            if given is None or (kr["kr_type"] == "milestone"):
                continue
            if stored is None or not math.isclose(given, stored, rel_tol=1e-9, abs_tol=1e-12):
                self.problem(
                    row,
                    k,
                    f"{given:g} differs from the key result already in the database "
                    f"({'empty' if stored is None else f'{stored:g}'}); change it on the Manage page.",
                )
                ok = False
        return ok

    # current values, then scores -----------------------------------------------------

    def values(self) -> None:
        """Each key result's current value, as a check-in dated As of; one already recorded on
        that day (by this file's history too) is not added again."""
        default_confidence = unchanged = 0
        for row, p, kr_id, owner_id, cycle_id in self.values_to_add:
            day = p["as_of"] or self.run.today
            duplicate = self.db.execute(
                "SELECT 1 FROM checkins WHERE kr_id = ? AND checkin_date = ? AND value = ? AND deleted = 0",
                [kr_id, day.isoformat(), p["current_value"]],
            ).fetchone()
            if duplicate:
                unchanged += 1
                continue
            # The owner's value when an admin (or the system) imports; a lead's import is theirs,
            # unless the file names who checked in (which the write allows an admin only).
            author_id = owner_id if self.run.names_authors else None
            if p["checkin_author"] is not None:
                author_id = self.person_id(row, "checkin_author", p["checkin_author"])
                if author_id is None:
                    continue
            if not self.run.writable(self, row, "current_value", cycle_id):
                continue
            confidence = p["confidence"]
            if confidence is None:
                confidence = DEFAULT_CONFIDENCE
                default_confidence += 1
            hint = "" if p["as_of"] else " No As of date was given, so today was used; add an As of column."
            added = self.attempt(
                row,
                "checkin",
                lambda: writes.add_checkin(
                    self.db,
                    kr_id,
                    day,
                    p["current_value"],
                    confidence,
                    p["note"] or "",
                    author_id=author_id,
                    person=self.run.person,
                ),
                "current_value",
                hint,
            )
            if added is not None:
                self.run.counts["checkins"] += 1
        self.note_recorded(unchanged, "current value", "a check-in")
        self.note_default_confidence(default_confidence, "current value")

    def scores(self) -> None:
        """The scores, reasons and reflections of the new objectives (:func:`okrdata.writes.score_objective`),
        now that their check-ins are in. A reflection without a score keeps the proposed score;
        a score the file marks as proposed at close is left to the close, which proposes it again."""
        from okrdata import review

        for group in self.groups.values():
            if not group.new:
                continue
            attrs = {k: val for k, (val, _) in group.attrs.items() if k in ("score", "score_reason", "reflection")}
            if not attrs:
                continue
            row = min(r for _, r in (group.attrs[k] for k in attrs))
            cycle_id = self.cycles[_key(group.cycle)]["id"]
            closing = cycle_id in self.run.to_close or cycle_id in self.run.reopened
            if attrs.get("score_reason") == review.PROPOSED_AT_CLOSE and not attrs.get("reflection") and closing:
                continue
            score = attrs.get("score")
            if score is None:
                sheet = review.proposals(self.db, cycle_id, self.run.today)
                found = sheet[sheet["objective_id"] == group.id]
                score = float(found["proposal"].iloc[0]) if len(found) else 0.0
            self.attempt(
                row,
                "score",
                lambda: writes.score_objective(
                    self.db,
                    group.id,
                    score,
                    attrs.get("score_reason") or "",
                    attrs.get("reflection") or "",
                    person=self.run.person,
                    today=self.run.today,
                ),
                "score",
            )
