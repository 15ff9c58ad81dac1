"""The Overview page (AppTest): its headline figures equal okrdata's ``cycle_summary`` for every
unit, its unit chart draws the units that own objectives, and its attention list names the key
results okrdata flags. The frame around every page is tested in ``test_app.py``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from app_fixtures import (
    built_after_a_checkin,  # noqa: F401
    clear_streamlit_caches,
    cold_screen,
    demo_db,
    elements,
    facts,
    metrics,
    ok,
    open_everything,
    screen,
    summary,
)
from app_fixtures import open_page as open_app
from streamlit.testing.v1 import AppTest

from okrdata import quality
from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from ui import badges
from ui import charts as ui_charts
from ui.data import all_readers
from ui.sidebar import COMPANY, UNIT_KEY

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/overview.py"


def start(query_params: dict | None = None) -> AppTest:
    return open_app(PAGE, query_params, check=False)


@pytest.mark.parametrize("which", ["default", "closed"])
def test_overview_metrics_equal_cycle_summary(demo_db, which):
    f = facts(demo_db)
    cycle_id = f["default"] if which == "default" else f["cycles"][-1]
    unit_ids = [None] + [int(i) for i in f["units"]["id"]][1:]
    at = ok(start({"cycle": str(cycle_id)}))
    checked = 0
    for unit_id in unit_ids:
        at.selectbox(key=UNIT_KEY).set_value(COMPANY if unit_id is None else unit_id)
        ok(at.run())
        expected = summary(demo_db, cycle_id, unit_id)
        shown = metrics(at)
        if expected["objective_count"] == 0:
            assert not shown, "a unit with no objectives shows no figures"
            assert any("has no objectives" in i.value for i in at.info)
            continue
        checked += 1
        assert shown["Progress"] == badges.pct(expected["progress"])
        assert shown["Expected"] == badges.pct(expected["expected"])
        assert shown["Pace"] == badges.pace(expected["progress"], expected["expected"])
        assert shown["Days left"] == str(expected["days_left"])
        assert shown["Objectives"] == str(expected["objective_count"])
        assert shown["Key results"] == str(expected["kr_count"])
        for status, count in expected["status_counts"].items():
            assert shown[f"{badges.icon(status)} {badges.label(status)}"] == str(count)
    assert checked >= 2


def test_overview_unit_chart_shows_the_units_with_objectives(demo_db):
    f = facts(demo_db)
    at = ok(start())
    charts = at.get("vega_lite_chart")
    assert len(charts) > 0
    spec = json.loads(charts[0].proto.spec)
    db = connect(demo_db)
    try:
        progress = q.unit_progress(db, f["default"])
    finally:
        db.close()
    names = list(progress[progress["objective_count"] > 0]["name"])
    assert names
    assert spec["layer"][0]["encoding"]["y"]["sort"] == names
    assert spec["layer"][0]["mark"]["type"] == "bar"
    assert spec["layer"][1]["mark"]["type"] == "tick"


def chart_bars(at):
    """The unit chart's bars as drawn: unit → (progress, objectives)."""
    import pandas as pd
    import pyarrow as pa

    chart = at.get("vega_lite_chart")[0]
    frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]
    bars = pd.concat([d for d in frames if "Objectives" in d.columns]).drop_duplicates("Unit")
    return {u: (p, int(n)) for u, p, n in zip(bars["Unit"], bars["Progress"], bars["Objectives"])}


def test_after_a_checkin_the_unit_chart_is_refilled_and_shows_the_new_figures(demo_db, monkeypatch):
    # The check-in moves bars, not the chart's structure (README, "Speed"): no Altair build.
    f = facts(demo_db)
    at = ok(start())
    before = chart_bars(at)
    db = connect(demo_db)
    try:
        krs = q.key_results(db, f["default"])
        kr = krs[krs["kr_type"] != "milestone"].sort_values("progress").iloc[0]  # the furthest behind, to its target
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "Done", person=w.SYSTEM)
        progress = q.unit_progress(db, f["default"])
    finally:
        db.close()
    built_by_altair = []
    spec = ui_charts.spec
    with monkeypatch.context() as m:
        m.setattr(ui_charts, "spec", lambda chart: built_by_altair.append(chart) or spec(chart))
        ok(at.run())
    assert built_by_altair == [], "the chart is its template refilled, not built again with Altair"
    after = chart_bars(at)
    want = progress.set_index("name")["progress"]
    assert after != before, "the check-in moved a bar"
    for unit, (shown, _) in after.items():
        assert shown == pytest.approx(float(want[unit])), unit
    assert screen(at) == cold_screen(PAGE)


def test_an_archived_team_keeps_its_objectives_in_the_headline_and_the_chart(demo_db):
    # The headline said 84% over 4 objectives, the chart 93% over 2: one set of objectives for both.
    import pandas as pd
    import pyarrow as pa

    f = facts(demo_db)
    db = connect(demo_db)
    try:
        objs = q.objectives(db, f["default"])
        root = int(q.units(db)["id"].iloc[0])
        team = int(objs[objs["unit_id"] != root]["unit_id"].iloc[0])
        db.execute("UPDATE units SET archived = 1 WHERE id = ?", [team])
        db.conn.commit()
        expected = q.cycle_summary(db, f["default"])
    finally:
        db.close()
    at = ok(start())
    assert metrics(at)["Objectives"] == str(len(objs)) == str(expected["objective_count"])
    charts = at.get("vega_lite_chart")
    assert len(charts) > 0
    frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in charts[0].proto.datasets]
    bars = pd.concat([d for d in frames if "Objectives" in d.columns]).drop_duplicates("Unit")
    company = bars.iloc[0]
    assert company["Objectives"] == len(objs)
    assert badges.pct(company["Progress"]) == metrics(at)["Progress"] == badges.pct(expected["progress"])


def test_overview_lists_the_key_results_needing_attention(demo_db):
    f = facts(demo_db)
    db = connect(demo_db)
    try:
        krs = q.key_results(db, f["default"])
    finally:
        db.close()
    flagged = krs[(krs["status"] != "on_track") | krs["divergence"].notna() | krs["trending_off_track"].astype(bool)]
    at = ok(start())
    tables = [d for d in at.dataframe if "Key result" in d.value.columns]
    if flagged.empty:
        assert not tables
        assert at.success
    else:
        assert len(tables) == 1
        assert sorted(tables[0].value["Key result"]) == sorted(flagged["title"])
        assert tables[0].value["Why"].str.len().min() > 0


MOST_ELEMENTS = 28
"""Elements and blocks, nested ones included, that the demo company's Overview draws in its
main area (40 before its two rows of metrics became a block each, 30 before the collapsed
coaching notes were drawn only once opened). Each is a message the browser
decodes and lays out at every click (README, "A click in the browser"): a change that adds some
raises this figure knowingly."""


def test_the_page_draws_no_more_elements_than_it_needs(demo_db):
    at = ok(start())
    assert 0 < elements(at) <= MOST_ELEMENTS


def test_after_a_checkin_the_page_builds_nothing_but_readers(demo_db):
    # What the page derives is a reader with arguments, which the warmer of a server process can
    # build again after a write (tests/test_warm.py).
    at = ok(start())
    built = built_after_a_checkin(at, demo_db)
    assert built and all(reader.warmable for reader in all_readers() if reader.__qualname__ in built)
    assert "unit_chart" in built


def test_the_coaching_notes_are_drawn_once_opened_and_show_okrdatas_findings(demo_db):
    at = ok(start())
    [box] = [e for e in at.expander if e.label.startswith("Coaching notes")]
    assert not box.children
    ok(open_everything(at))
    [box] = [e for e in at.expander if e.label.startswith("Coaching notes")]
    [table] = [t.value for t in at.dataframe if "Advice" in t.value.columns]
    with connect(demo_db) as db:
        findings = quality.findings(db, q.default_cycle_id(db))
    assert len(table) == len(findings) > 0
    assert box.label.startswith(f"Coaching notes: {len(findings)} (")
