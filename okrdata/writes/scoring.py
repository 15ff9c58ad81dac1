"""The end of a cycle: scoring an objective, closing a cycle (proposing the scores
not given), and carrying unfinished objectives into the next cycle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from okrdata import validate as v
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.writes.actors import Actor, _check_admin, _check_unit, _row, _wake_notifications
from okrdata.writes.cycles import _open_cycle
from okrdata.writes.key_results import _kr_fields


def _last_value(db, kr_id: int) -> float | None:
    row = db.execute(
        "SELECT value FROM checkins WHERE kr_id = ? AND deleted = 0 ORDER BY checkin_date DESC, id DESC LIMIT 1",
        [kr_id],
    ).fetchone()
    return None if row is None else row[0]


def carry_over(
    db: sqlite_utils.Database,
    from_cycle_id: int,
    to_cycle_id: int,
    objective_ids: list[int] | tuple[int, ...],
    *,
    person: Actor,
) -> dict:
    """Copy unfinished objectives of one cycle into another, with their key results, all or none.

    Each objective keeps its unit, title, why, owner, kind and weight; each of its active key
    results keeps its title, type, target, unit label, weight, owner, KPI and cadence, and
    starts from where it ended: its baseline becomes its last checked-in value (a milestone
    keeps 0, since a milestone starts undone). Check-ins, scores and reflections stay behind.
    A key result already at or past its target, or a milestone checked in as finished (1.0), is
    done and is not carried. An objective's
    alignment is kept when its parent objective (or key result) is carried in the same call,
    and dropped otherwise (the lead re-aligns it in the new cycle).

    Refused when the target cycle is closed or the same cycle, when an objective is not an
    active objective of the source cycle, when the target cycle already holds an objective of
    the same unit and title, or when ``person`` may not change one of the units.

    Returns ``{"objectives": {old_id: new_id}, "key_results": {old_id: new_id},
    "done_key_results": [old ids left behind because they were reached]}``.
    """
    source = _row(db, "cycles", from_cycle_id, "from_cycle")
    target = _open_cycle(db, to_cycle_id, "to_cycle")
    if source["id"] == target["id"]:
        raise ValidationError("to_cycle", "is the cycle the objectives are in; choose the next cycle.")
    ids = []
    for raw in objective_ids:
        obj = _row(db, "objectives", raw, "objectives")
        if obj["cycle_id"] != source["id"]:
            raise ValidationError("objectives", f"{obj['title']!r} is not an objective of {source['name']}.")
        if obj["state"] != "active":
            raise ValidationError("objectives", f"{obj['title']!r} is archived.")
        if obj["id"] not in ids:
            ids.append(obj["id"])
    if not ids:
        raise ValidationError("objectives", "choose at least one objective to carry over.")
    objs = {i: _row(db, "objectives", i, "objectives") for i in ids}
    for obj in objs.values():
        _check_unit(db, person, obj["unit_id"])
        if db.execute(
            "SELECT 1 FROM objectives WHERE cycle_id = ? AND unit_id = ? AND title = ? AND state = 'active'",
            [target["id"], obj["unit_id"], obj["title"]],
        ).fetchone():
            raise ValidationError("objectives", f"{obj['title']!r} is in {target['name']} already.")

    # Parents before children, so a carried child can point at its carried parent.
    def depth(obj: dict) -> int:
        d, current = 0, obj
        while current["parent_objective_id"] in objs and d < len(objs):
            current, d = objs[current["parent_objective_id"]], d + 1
        return d

    order = sorted(objs.values(), key=lambda o: (depth(o), o["id"]))
    new_objs: dict[int, int] = {}
    new_krs: dict[int, int] = {}
    done: list[int] = []
    with transaction(db):
        for obj in order:
            parent_obj = new_objs.get(obj["parent_objective_id"])
            # A key result parent left behind (it was done) leaves the alignment on its objective.
            parent_kr = new_krs.get(obj["parent_kr_id"]) if parent_obj is not None else None
            new_id = (
                db["objectives"]
                .insert(
                    {
                        "cycle_id": target["id"],
                        "unit_id": obj["unit_id"],
                        "title": obj["title"],
                        "description": obj["description"],
                        "owner_id": obj["owner_id"],
                        "kind": obj["kind"],
                        "weight": obj["weight"],
                        "parent_objective_id": parent_obj,
                        "parent_kr_id": parent_kr,
                        "state": "active",
                    }
                )
                .last_pk
            )
            new_objs[obj["id"]] = new_id
            for kr in db.query(
                "SELECT * FROM key_results WHERE objective_id = ? AND archived = 0 ORDER BY id", [obj["id"]]
            ):
                last = _last_value(db, kr["id"])
                baseline = kr["baseline"]
                if kr["kr_type"] in ("increase", "decrease") and last is not None:
                    reached = last >= kr["target"] if kr["kr_type"] == "increase" else last <= kr["target"]
                    if reached:
                        done.append(kr["id"])
                        continue
                    baseline = last
                elif kr["kr_type"] == "milestone" and last is not None and last >= 1.0:
                    done.append(kr["id"])
                    continue
                elif kr["kr_type"] in ("stay_above", "stay_below") and last is not None:
                    baseline = last
                fields = _kr_fields(
                    db,
                    kr["kr_type"],
                    baseline,
                    kr["target"],
                    kr["unit_label"],
                    kr["weight"],
                    kr["owner_id"],
                    kr["kpi_id"],
                    kr["cadence_days"],
                )
                fields.update({"objective_id": new_id, "title": kr["title"]})
                new_krs[kr["id"]] = db["key_results"].insert(fields).last_pk
    return {"objectives": new_objs, "key_results": new_krs, "done_key_results": done}


def score_objective(
    db: sqlite_utils.Database,
    objective_id: int,
    score: Any,
    reason: Any = "",
    reflection: Any = "",
    *,
    person: Actor,
    today: dt.date | None = None,
) -> dict:
    """Record an objective's score (0.0–1.0), the reason for it and the reflection on the cycle.

    The score is proposed from the objective's final progress
    (:func:`okrdata.review.proposed_score`); a score more than 0.05 away from the proposal needs
    a ``reason``. Refused when the objective is archived, when its cycle is closed (read only)
    or not at its end yet (:func:`okrdata.review.scoring_refusal`), or when ``person`` may not
    change its unit. A score equal to the proposal keeps any reason given. Returns
    ``{"objective_id", "score", "proposal"}``.
    """
    from okrdata import review

    obj = _row(db, "objectives", objective_id, "objective")
    if obj["state"] != "active":
        raise ValidationError("objective", "is archived; restore it before scoring it.", obj["title"])
    cycle = _open_cycle(db, obj["cycle_id"])
    refusal = review.scoring_refusal(cycle, today)
    if refusal:
        raise ValidationError("cycle", refusal, obj["title"])
    _check_unit(db, person, obj["unit_id"])
    value = v.number("score", score)
    if not 0.0 <= value <= 1.0:
        raise ValidationError("score", f"must be between 0.0 and 1.0, not {value:g}.", obj["title"])
    clean_reason = v.text("reason", reason, required=False, max_length=v.MAX_TEXT)
    clean_reflection = v.text("reflection", reflection, required=False, max_length=v.MAX_TEXT)
    sheet = review.proposals(db, cycle["id"], today, unit_id=obj["unit_id"])
    row = sheet[sheet["objective_id"] == obj["id"]]
    proposal = float(row["proposal"].iloc[0]) if len(row) else 0.0
    if review.needs_reason(value, proposal) and not clean_reason:
        raise ValidationError(
            "reason",
            f"is required: {value:.2f} differs from the proposed {proposal:.2f} (the final progress) by more than "
            f"{review.REASON_TOLERANCE:g}; say why.",
            obj["title"],
        )
    if clean_reason == review.PROPOSED_AT_CLOSE:
        clean_reason = ""  # that sentence marks a score nobody reviewed; a lead's score is reviewed
    with transaction(db):
        # Checked again under the write lock: an admin may have closed the cycle meanwhile.
        _open_cycle(db, cycle["id"])
        db["objectives"].update(
            obj["id"],
            {"score": round(value, 4), "score_reason": clean_reason or None, "reflection": clean_reflection or None},
        )
    return {"objective_id": obj["id"], "score": round(value, 4), "proposal": proposal}


def close_cycle(db: sqlite_utils.Database, cycle_id: int, *, person: Actor, today: dt.date | None = None) -> dict:
    """Close a cycle at its end, all or nothing; only an admin may.

    Every active objective no lead scored gets its proposed score (its final progress) with the
    reason :data:`okrdata.review.PROPOSED_AT_CLOSE`, so the record shows it was proposed, not
    reviewed (a proposal from an earlier close, before the cycle was reopened, is renewed); then
    the cycle becomes closed and its OKRs read only. Refused for a cycle already closed or still
    in planning before its end. Returns ``{"cycle", "scored", "proposed"}``:
    the cycle's name and how many objectives had a lead's score and how many got the proposal.
    """
    from okrdata import review

    _check_admin(db, person)
    cycle = _open_cycle(db, cycle_id)
    refusal = review.scoring_refusal(cycle, today)
    if refusal:
        raise ValidationError("cycle", refusal)
    with transaction(db):
        # Read under the write lock, so a lead's score saved a moment ago is kept, never replaced.
        # A proposal left by an earlier close (the cycle was reopened since) is proposed afresh.
        sheet = review.proposals(db, cycle["id"], today)
        unscored = sheet[sheet["recorded"].isna() | sheet["score_reason"].eq(review.PROPOSED_AT_CLOSE)]
        for objective_id, proposal in zip(unscored["objective_id"], unscored["proposal"]):
            db.execute(
                "UPDATE objectives SET score = ?, score_reason = ? "
                "WHERE id = ? AND (score IS NULL OR score_reason = ?)",
                [float(proposal), review.PROPOSED_AT_CLOSE, int(objective_id), review.PROPOSED_AT_CLOSE],
            )
        db["cycles"].update(cycle["id"], {"state": "closed"})
    _wake_notifications()
    return {"cycle": cycle["name"], "scored": int(len(sheet) - len(unscored)), "proposed": int(len(unscored))}
