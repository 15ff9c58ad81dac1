"""The importer of the OKR layout: its steps and how it reads a row. What each step writes is in
:mod:`~okrdata.transfer.okr_frame` (cycles, units), :mod:`~okrdata.transfer.okr_objectives` and
:mod:`~okrdata.transfer.okr_key_results` (key results, current values, scores).
"""

from __future__ import annotations

from typing import Any

from okrdata import schema
from okrdata import validate as v
from okrdata.parsing import date_style, has_percent, number_style, parse_confidence
from okrdata.parsing import is_blank as _is_blank
from okrdata.parsing import words as _words
from okrdata.transfer.base import _fill_down, _text
from okrdata.transfer.okr_frame import _OkrFrame
from okrdata.transfer.okr_key_results import _OkrKeyResults
from okrdata.transfer.okr_objectives import _OkrObjectives
from okrdata.transfer.values import (
    CYCLE_STATE_WORDS,
    MILESTONE_WORDS,
    _key,
    parse_days,
    parse_kind,
    parse_kr_type,
    parse_person,
)


class _OkrImporter(_OkrFrame, _OkrObjectives, _OkrKeyResults):
    """The OKR layout: cycles, units, people, objectives, key results and current values, in
    the steps :func:`import_tables` runs (the current values after any history, so that they
    meet the check-ins they repeat; scores after both)."""

    def prepare(self) -> None:
        levels = ("cycle", "unit", "objective", "objective_id")
        _fill_down(self.rows, levels, lambda c: not _is_blank(c.get("key_result")) or not _is_blank(c.get("objective")))
        numeric = [
            c.get(k)
            for _, c in self.rows
            for k in ("baseline", "target", "current_value", "weight", "objective_weight", "score")
        ]
        self.decimal = number_style(numeric)
        self.day_first = date_style([c.get(k) for _, c in self.rows for k in ("cycle_start", "cycle_end", "as_of")])
        # Every row takes part in building cycles, units and objectives (so a bad number in one
        # key result does not hide a problem with its unit); rows with a problem add no key result.
        self.parsed = [(row, self.parse(row, cells)) for row, cells in self.rows]
        self.values_to_add: list[tuple[int, dict, int, int | None, int]] = []

    def frame(self) -> None:
        """Cycles and units: what people, KPIs and objectives need to exist."""
        self.load_cycles()
        self.load_units()

    def okrs(self) -> None:
        """Objectives, their alignment, and key results."""
        self.load_objectives()
        self.align()
        self.load_key_results()

    # reading rows --------------------------------------------------------------------

    def parse(self, row: int, c: dict) -> dict:
        """The row's cells as clean values; ``_bad`` marks a row with a problem, ``_failed`` the
        cells that could not be read (left as None)."""
        before = len(self.run.problems)
        self.failed = set()
        num = lambda k: self.number(row, k, c, self.decimal)  # noqa: E731
        day = lambda k: self.date(row, k, c, self.day_first)  # noqa: E731
        p: dict[str, Any] = {
            k: (str(c[k]).strip() if c.get(k) is not None else None)
            for k in (
                "cycle",
                "unit",
                "parent_unit",
                "objective",
                "objective_description",
                "aligned_to",
                "key_result",
                "unit_label",
                "note",
                "score_reason",
                "reflection",
                "kpi",
            )
        }
        p["objective_id"] = _text(c.get("objective_id"))
        if isinstance(c.get("cycle"), (int, float)):
            p["cycle"] = f"{c['cycle']:g}"
        p["cycle_start"], p["cycle_end"], p["as_of"] = day("cycle_start"), day("cycle_end"), day("as_of")
        p["cycle_state"] = self.cell(
            row,
            "cycle_state",
            c,
            lambda x: (
                None
                if _is_blank(x)
                else v.choice("cycle_state", CYCLE_STATE_WORDS.get(_words(x), str(x)), schema.CYCLE_STATES)
            ),
        )
        p["kind"] = self.cell(row, "kind", c, parse_kind)
        p["objective_owner"] = parse_person(c.get("objective_owner"))
        p["owner"] = parse_person(c.get("owner"))
        p["checkin_author"] = parse_person(c.get("checkin_author"))
        p["unit_lead"] = parse_person(c.get("unit_lead"))
        p["objective_weight"] = num("objective_weight")
        p["weight"] = num("weight")
        p["score"] = num("score")
        p["cadence_days"] = self.cell(row, "cadence_days", c, lambda x: parse_days(x, "cadence_days", 90))
        p["confidence"] = self.cell(row, "confidence", c, parse_confidence)
        p["type"] = self.cell(row, "type", c, parse_kr_type)
        p["baseline"], p["target"] = num("baseline"), num("target")
        raw_value = c.get("current_value")
        word = MILESTONE_WORDS.get(_key(raw_value)) if isinstance(raw_value, str) else None
        p["current_value"] = word if word is not None else num("current_value")
        percent = {k: has_percent(c.get(k)) for k in ("baseline", "target", "current_value")}

        if p["key_result"] is not None:
            # A type that could not be read is one problem: no second one about inferring it.
            if p["type"] is None and "type" not in self.failed:
                p["type"] = self.infer_type(row, p)
            if p["type"] == "milestone":
                # A milestone is a fraction done: "50%" is 0.5 and "100%" is done.
                for k in ("baseline", "target", "current_value"):
                    if percent[k] and p[k] is not None:
                        p[k] = p[k] / 100
            elif p["unit_label"] is None and any(percent.values()):
                p["unit_label"] = "%"
            if p["objective"] is None:
                self.problem(row, "objective", "is required: which objective does this key result belong to?")
        elif p["objective"] is None and any(p[k] is not None for k in ("type", "baseline", "target", "current_value")):
            self.problem(row, "key_result", "is required on a row that gives a type, baseline, target or value.")
        if p["objective"] is not None or p["key_result"] is not None:
            for k in ("cycle", "unit"):
                if p[k] is None:
                    self.problem(row, k, "is required.")
        elif p["unit"] is None and p["cycle"] is None:
            self.problem(row, "unit", "is required: this row names no unit, objective or key result.")
        if p["confidence"] is not None and p["current_value"] is None and p["key_result"] is not None:
            self.problem(row, "confidence", "is given without a current value to go with it.")
        p["_failed"] = self.failed
        p["_bad"] = len(self.run.problems) > before
        return p

    def infer_type(self, row: int, p: dict) -> str | None:
        baseline, target = p["baseline"], p["target"]
        if baseline is not None and target is not None:
            return "decrease" if target < baseline else "increase"
        if baseline is None and target is None:
            return "milestone"
        self.problem(
            row,
            "type",
            "is required when only a target or only a baseline is given "
            "(increase to, decrease to, stay above, stay below or milestone).",
        )
        return None
