"""The Overview's progress-by-unit chart and the key result charts of an objective's page (All
OKRs) refilled from a template (:mod:`ui.chart_templates`) are the very specs Altair builds from
scratch, for an open and a closed cycle, before and after a check-in; a check-in refills them
without an Altair build.

Run outside a Streamlit page (bare mode) on the demo organisation, through ``$OKR_DB``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from chart_fixtures import altair_builds, demo  # noqa: F401 - demo is a fixture

from okrdata import attention, writes
from okrdata import queries as q
from okrdata.db import connect
from okrdata.schema import migrate
from okrdata.seed import load_demo
from ui import chart_templates, charts, data


def banded(db, cycle_id: int, unit_id: int | None) -> tuple[object, bool]:
    """The units the Overview charts for a scope, with their bands, as its page works them out."""
    closed = q.cycle(db, cycle_id)["state"] == "closed"
    progress = q.unit_progress(db, cycle_id)
    shown = attention.chart_units(progress, unit_id)
    return attention.unit_bands(
        shown, progress, q.key_results(db, cycle_id), q.objectives(db, cycle_id), closed
    ), closed


def scopes(db) -> list[int | None]:
    return [None, *[int(u) for u in q.units(db)["id"]]]


def test_every_unit_chart_refilled_is_the_one_altair_builds(demo):
    cycles = q.cycles(demo)
    open_cycle = q.default_cycle_id(demo)
    closed_cycle = int(cycles.loc[cycles["state"] == "closed", "id"].iloc[0])
    drawn = {False: 0, True: 0}
    for cycle_id in (open_cycle, closed_cycle):
        for unit_id in scopes(demo):
            df, closed = banded(demo, cycle_id, unit_id)
            if df.empty:
                continue
            assert chart_templates.unit_progress(df, closed) == charts.spec(charts.unit_progress(df, closed))
            drawn[closed] += 1
    assert drawn[False] > 2 and drawn[True] > 0, drawn


def test_after_a_checkin_the_unit_chart_is_refilled_as_altair_would_build_it(demo):
    cycle_id = q.default_cycle_id(demo)
    units = scopes(demo)
    first = {
        u: chart_templates.unit_progress(*banded(demo, cycle_id, u))
        for u in units
        if not banded(demo, cycle_id, u)[0].empty
    }
    krs = q.key_results(demo, cycle_id)
    kr = krs[krs["kr_type"] != "milestone"].sort_values("progress").iloc[0]
    writes.add_checkin(demo, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "Done", person=writes.SYSTEM)
    after = {u: banded(demo, cycle_id, u) for u in first}
    refilled = {}
    assert altair_builds(lambda: refilled.update({u: chart_templates.unit_progress(*a) for u, a in after.items()})) == 0
    assert refilled[None] != first[None], "the check-in moved the company's chart"
    for unit_id, (df, closed) in after.items():
        assert refilled[unit_id] == charts.spec(charts.unit_progress(df, closed)), unit_id


def kr_charts(db, cycle_id: int) -> list[tuple]:
    """The arguments of every key result's chart on its objective's page in All OKRs."""
    from okrdata import search

    cycle = q.cycle(db, cycle_id)
    krs = q.key_results(db, cycle_id)
    history = q.checkin_history(db, cycle_id)
    out = []
    for kr in krs.to_dict("records"):
        guides = search.kr_guides(kr["kr_type"], kr["baseline"], kr["target"], cycle["start_date"], cycle["end_date"])
        mine = history[history["kr_id"] == kr["kr_id"]]
        out.append((kr, mine, guides, cycle["start_date"], cycle["end_date"], dt.date.today()))
    return out


def test_every_key_result_chart_refilled_is_the_one_altair_builds_before_and_after_a_checkin(demo):
    from ui import okr_detail

    cycles = q.cycles(demo)
    cycle_ids = [q.default_cycle_id(demo), int(cycles.loc[cycles["state"] == "closed", "id"].iloc[0])]
    drawn = 0
    for cycle_id in cycle_ids:
        for args in kr_charts(demo, cycle_id):
            assert okr_detail.kr_spec(*args) == charts.spec(okr_detail.kr_chart(*args)), args[0]["kr_id"]
            drawn += 1
    assert drawn > 20
    krs = q.key_results(demo, cycle_ids[0])
    kr = krs[krs["kr_type"] != "milestone"].sort_values("progress").iloc[0]
    first = okr_detail.kr_spec(*next(a for a in kr_charts(demo, cycle_ids[0]) if a[0]["kr_id"] == kr["kr_id"]))
    writes.add_checkin(demo, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "Done", person=writes.SYSTEM)
    after = next(a for a in kr_charts(demo, cycle_ids[0]) if a[0]["kr_id"] == kr["kr_id"])
    refilled = []
    builds = altair_builds(lambda: refilled.append(okr_detail.kr_spec(*after)))
    assert refilled[0] != first and refilled[0] == charts.spec(okr_detail.kr_chart(*after))
    # Its status may have changed with the check-in (the points' colour): one new shape at most.
    assert builds <= 1
