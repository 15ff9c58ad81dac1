"""AppTests of the Confidence trends page: each mode draws its charts from okrdata's figures,
the choice is deep-linked (``?kr=`` / ``?objective=``), forged links warn without a traceback,
the empty states say what to do, and no chart sends more than 5,000 data points.

Each test gets its own copy of the demo database; see :mod:`app_fixtures`.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from app_fixtures import clear_streamlit_caches, demo_db, elements, metrics, ok, open_everything  # noqa: F401
from app_fixtures import open_page as open_app
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from okrdata import queries as q
from okrdata import trends as tr
from okrdata import trends_breakdown as tb
from okrdata import writes as w
from okrdata.db import connect
from ui import badges
from ui import trend_charts as tc
from ui.sidebar import UNIT_KEY

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/trends.py"
MODE, KR, OBJECTIVE = "trends_mode", "trends_kr", "trends_objective"


def open_page(params: dict | None = None) -> AppTest:
    """The app opened straight on the trends page, with ``params`` in the URL."""
    return open_app(PAGE, params)


def figures(path, cycle_id=None, unit_id=None) -> tuple[int, tr.Trends]:
    db = connect(path)
    try:
        cycle_id = cycle_id or q.default_cycle_id(db)
        return cycle_id, tr.trends(db, cycle_id, unit_id)
    finally:
        db.close()


def charts(at: AppTest) -> list[tuple[dict, list[pd.DataFrame]]]:
    """Each chart's spec and its datasets as DataFrames (Streamlit sends them beside the spec)."""
    out = []
    for el in at.get("vega_lite_chart"):
        frames = [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in el.proto.datasets]
        out.append((json.loads(el.proto.spec), frames))
    return out


def title(spec: dict) -> str:
    t = spec.get("title")
    return t.get("text") if isinstance(t, dict) else t


def frame_with(frames: list[pd.DataFrame], *columns: str, without: str | None = None) -> pd.DataFrame:
    hits = [f for f in frames if all(c in f.columns for c in columns) and (without is None or without not in f.columns)]
    assert len(hits) == 1, [list(f.columns) for f in frames]
    return hits[0]


def points(spec: dict, frames: list[pd.DataFrame]) -> int:
    return sum(len(f) for f in frames) + tc.data_points(spec)


def close(a, b) -> bool:
    return abs(float(a) - float(b)) < 1e-9


# --- the unit ------------------------------------------------------------------------------------


def test_unit_mode_draws_four_charts_from_okrdatas_figures(demo_db):
    at = open_page()
    assert at.segmented_control(key=MODE).value == "unit"
    cycle_id, t = figures(demo_db)
    drawn = charts(at)
    assert len(drawn) == 4
    assert [title(s) for s, _ in drawn] == [
        "Progress against the expected pace",
        "Mean confidence of the key results",
        "Mean confidence of each unit's key results",
        "Status of the key results at each week's end",
    ]
    series = t.unit()
    # progress: one point per week, the last equal to okrdata's
    shown = frame_with(drawn[0][1], "progress", "Week")
    assert len(shown) == len(series)
    assert close(shown["progress"].iloc[-1], series["progress"].iloc[-1])
    assert list(shown["Expected"]) == [badges.pct(x) for x in series["expected"]]
    lines = frame_with(drawn[0][1], "Line")
    projected, used = t.unit_projected()
    assert used and close(lines[lines["Line"] == "Forecast"]["progress"].iloc[-1], projected)
    assert close(lines[lines["Line"] == "Expected pace"]["progress"].iloc[-1], 1.0)
    # confidence
    conf = frame_with(drawn[1][1], "confidence", "Week")
    assert close(conf["confidence"].iloc[-1], series["confidence"].iloc[-1])
    # the heat map and the status mix
    db = connect(demo_db)
    try:
        rows = tb.breakdown_rows(q.units(db), t.objectives, None)
    finally:
        db.close()
    cells = tb.heatmap(t.objective_weekly, t.kr_weekly, rows, max_cells=tc.MAX_POINTS - 500, max_rows=40)
    heat = frame_with(drawn[2][1], "Row", "confidence")
    assert len(heat) == len(cells)
    assert list(heat["Mean confidence"]) == [badges.NO_VALUE if pd.isna(c) else f"{c:.1f}" for c in cells["confidence"]]
    mix = frame_with(drawn[3][1], "Status", "Key results")
    last_week = mix[mix["week"] == series["week"].iloc[-1]]
    expected_mix = tb.status_mix(t.kr_weekly)
    expected_mix = expected_mix[expected_mix["week"] == series["week"].iloc[-1]]
    assert dict(zip(last_week["Status"], last_week["Key results"])) == {
        badges.label(s): c for s, c in zip(expected_mix["status"], expected_mix["count"])
    }
    # the headline figures
    shown_metrics = metrics(at)
    assert shown_metrics["Progress"] == badges.pct(series["progress"].iloc[-1])
    assert shown_metrics["Expected"] == badges.pct(series["expected"].iloc[-1])
    assert shown_metrics["Pace"] == badges.pace(series["progress"].iloc[-1], series["expected"].iloc[-1])
    assert shown_metrics["Mean confidence"] == f"{series['confidence'].iloc[-1]:.1f}/10"
    assert shown_metrics["Forecast at the end"] == badges.pct(projected)
    assert at.query_params.get("kr") is None and at.query_params.get("objective") is None


def test_unit_mode_follows_the_sidebar_unit(demo_db):
    at = open_page()
    db = connect(demo_db)
    try:
        tree = q.units(db)
    finally:
        db.close()
    department = int(tree[tree["kind"] == "department"]["id"].iloc[0])
    at.selectbox(key=UNIT_KEY).set_value(department)
    ok(at.run())
    _, t = figures(demo_db, unit_id=department)
    drawn = charts(at)
    assert len(drawn) == 4
    shown = frame_with(drawn[0][1], "progress", "Week")
    assert close(shown["progress"].iloc[-1], t.unit()["progress"].iloc[-1])
    heat = frame_with(drawn[2][1], "Row", "confidence")
    children = set(tree[tree["parent_id"] == department]["name"])
    assert set(heat["Row"]) <= children | {f"{tree.set_index('id').loc[department, 'name']} (own objectives)"}
    assert set(heat["Row"]) & children


def test_an_archived_team_keeps_its_row_in_the_heat_map(demo_db):
    # Archiving hides a unit from pickers, never from the figures: its department's heat map
    # still has its row, as the department's progress still counts its objectives.
    db = connect(demo_db)
    try:
        tree = q.units(db)
        department = int(tree[tree["kind"] == "department"]["id"].iloc[0])
        cycle_id = q.default_cycle_id(db)
        owners = set(q.objectives(db, cycle_id, department)["unit_id"].astype(int))
        team = next(int(u) for u in tree[tree["parent_id"] == department]["id"] if int(u) in owners)
        team_name = str(tree.set_index("id").loc[team, "name"])
        db.execute("UPDATE units SET archived = 1 WHERE id = ?", [team])
        db.conn.commit()
    finally:
        db.close()
    at = open_page()
    at.selectbox(key=UNIT_KEY).set_value(department)
    ok(at.run())
    heat = frame_with(charts(at)[2][1], "Row", "confidence")
    assert team_name in set(heat["Row"])


def test_after_a_checkin_the_unit_shows_the_new_figures(demo_db):
    at = open_page()
    cycle_id, before = figures(demo_db)
    db = connect(demo_db)
    try:
        krs = q.key_results(db, cycle_id)
        kr = krs[(krs["kr_type"].isin(["increase", "decrease"])) & (krs["progress"] < 0.5) & (krs["weight"] > 0)].iloc[
            0
        ]
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 10, "Done early", person=w.SYSTEM)
    finally:
        db.close()
    ok(at.run())
    _, t = figures(demo_db)
    series = t.unit()
    assert series["progress"].iloc[-1] != before.unit()["progress"].iloc[-1], "the check-in moved the unit"
    shown = metrics(at)
    assert shown["Progress"] == badges.pct(series["progress"].iloc[-1])
    assert shown["Mean confidence"] == f"{series['confidence'].iloc[-1]:.1f}/10"
    assert shown["Forecast at the end"] == badges.pct(t.unit_projected()[0])
    drawn = charts(at)
    assert close(frame_with(drawn[0][1], "progress", "Week")["progress"].iloc[-1], series["progress"].iloc[-1])
    db = connect(demo_db)
    try:
        rows = tb.breakdown_rows(q.units(db, include_archived=True), t.objectives, None)
    finally:
        db.close()
    cells = tb.heatmap(t.objective_weekly, t.kr_weekly, rows, max_cells=tc.MAX_POINTS - 500, max_rows=40)
    heat = frame_with(drawn[2][1], "Row", "confidence")
    assert list(heat["Mean confidence"]) == [badges.NO_VALUE if pd.isna(c) else f"{c:.1f}" for c in cells["confidence"]]
    # The same key result, opened after the check-in: its value, confidence and note.
    at.segmented_control(key=MODE).set_value("kr")
    ok(at.run())
    at.selectbox(key=KR).set_value(int(kr["kr_id"]))
    ok(at.run())
    label = "" if pd.isna(kr["unit_label"]) else str(kr["unit_label"])
    assert metrics(at)["Value now"] == badges.number(float(kr["target"]), label)
    assert metrics(at)["Confidence"] == "10/10"
    assert frame_with(charts(at)[0][1], "progress", "Week")["Note"].iloc[-1] == "Done early"


# --- an objective ------------------------------------------------------------------------------


def test_objective_mode_draws_its_series_and_writes_the_url(demo_db):
    at = open_page()
    at.segmented_control(key=MODE).set_value("objective")
    ok(at.run())
    _, t = figures(demo_db)
    chosen = at.selectbox(key=OBJECTIVE).value
    assert chosen == int(t.objectives["objective_id"].iloc[0])
    assert at.query_params.get("objective") == str(chosen)
    drawn = charts(at)
    assert len(drawn) == 2
    series = t.objective(chosen)
    shown = frame_with(drawn[0][1], "progress", "Week")
    assert close(shown["progress"].iloc[-1], series["progress"].iloc[-1])
    assert "Note" not in shown.columns, "aggregates show figures, not notes"
    assert list(shown["Key results checked in"]) == [
        f"{c} of {k}" for c, k in zip(series["confident_count"], series["kr_count"])
    ]
    conf = frame_with(drawn[1][1], "confidence", "Week")
    assert close(conf["confidence"].iloc[-1], series["confidence"].iloc[-1])
    # another objective, picked in the select box
    other = int(t.objectives["objective_id"].iloc[-1])
    at.selectbox(key=OBJECTIVE).set_value(other)
    ok(at.run())
    assert at.query_params.get("objective") == str(other)
    shown = frame_with(charts(at)[0][1], "progress", "Week")
    assert close(shown["progress"].iloc[-1], t.objective(other)["progress"].iloc[-1])


def test_objective_deep_link(demo_db):
    _, t = figures(demo_db)
    wanted = int(t.objectives["objective_id"].iloc[3])
    at = open_page({"objective": str(wanted)})
    assert not at.warning
    assert at.segmented_control(key=MODE).value == "objective"
    assert at.selectbox(key=OBJECTIVE).value == wanted
    assert str(t.objectives.set_index("objective_id").loc[wanted, "title"]) in [s.value for s in at.subheader]


# --- a key result ------------------------------------------------------------------------------


def test_key_result_deep_link_draws_values_confidences_and_notes(demo_db):
    cycle_id, t = figures(demo_db)
    db = connect(demo_db)
    try:
        krs = q.key_results(db, cycle_id)
    finally:
        db.close()
    checked = krs[krs["checkin_count"] >= 3]
    kr = checked.iloc[0]
    kr_id = int(kr["kr_id"])
    at = open_page({"kr": str(kr_id)})
    assert not at.warning
    assert at.segmented_control(key=MODE).value == "kr"
    assert at.selectbox(key=KR).value == kr_id
    assert at.query_params.get("kr") == str(kr_id)
    drawn = charts(at)
    assert len(drawn) == 2
    series = t.kr(kr_id)
    shown = frame_with(drawn[0][1], "progress", "Week")
    assert close(shown["progress"].iloc[-1], series["progress"].iloc[-1])
    label = str(kr["unit_label"])
    assert shown["Value"].iloc[-1] == badges.number(series["value"].iloc[-1], label)
    assert shown["Check-in"].iloc[-1] == badges.day(series["checkin_date"].iloc[-1])
    note = str(series["note"].iloc[-1])
    assert shown["Note"].iloc[-1] == (note if len(note) <= 200 else note[:199] + "…")
    conf = frame_with(drawn[1][1], "confidence", "Note")
    assert list(conf["confidence"]) == list(series["confidence"].dropna())
    lines = frame_with(drawn[0][1], "Line")
    forecast = lines[lines["Line"] == "Forecast"]
    assert len(forecast) == 2 and close(forecast["progress"].iloc[-1], kr["forecast_score"])
    shown_metrics = metrics(at)
    assert shown_metrics["Progress"] == badges.pct(kr["progress"])
    assert shown_metrics["Confidence"] == f"{int(kr['confidence'])}/10"
    assert shown_metrics["Value now"] == badges.number(kr["value"], label)
    # its check-ins, newest first, once their expander is opened
    [box] = [e for e in at.expander if e.label == f"Check-ins ({int(kr['checkin_count'])})"]
    assert not box.children and not [d for d in at.dataframe if "Note" in d.value.columns]
    open_everything(at)
    tables = [d.value for d in at.dataframe if "Note" in d.value.columns]
    assert len(tables) == 1 and len(tables[0]) == int(kr["checkin_count"])


def test_choosing_a_key_result_writes_the_url_and_survives_other_pages(demo_db):
    _, t = figures(demo_db)
    at = open_page()
    at.segmented_control(key=MODE).set_value("kr")
    ok(at.run())
    first = int(t.krs["kr_id"].iloc[0])
    assert at.query_params.get("kr") == str(first)
    other = int(t.krs["kr_id"].iloc[5])
    at.selectbox(key=KR).set_value(other)
    ok(at.run())
    assert at.query_params.get("kr") == str(other) and "objective" not in at.query_params
    # Streamlit drops the query parameters when the page changes; the choice stays.
    ok(at.switch_page("pages/overview.py").run())
    for name in ("kr", "objective"):
        at.query_params.pop(name, None)
    ok(at.switch_page(PAGE).run())
    assert at.segmented_control(key=MODE).value == "kr"
    assert at.selectbox(key=KR).value == other
    at.segmented_control(key=MODE).set_value("unit")
    ok(at.run())
    assert "kr" not in at.query_params


# --- forged links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, mode",
    [({"kr": "abc"}, "kr"), ({"objective": "999999"}, "objective"), ({"objective": "<script>"}, "objective")],
)
def test_forged_link_warns_and_falls_back(demo_db, params, mode):
    _, t = figures(demo_db)
    at = open_page(params)
    texts = [x.value for x in at.warning]
    assert len(texts) == 1 and "does not exist" in texts[0], texts
    assert at.segmented_control(key=MODE).value == mode
    if mode == "kr":
        assert at.selectbox(key=KR).value == int(t.krs["kr_id"].iloc[0])
        assert at.query_params.get("kr") == str(int(t.krs["kr_id"].iloc[0]))
    else:
        assert at.selectbox(key=OBJECTIVE).value == int(t.objectives["objective_id"].iloc[0])
    assert len(at.get("vega_lite_chart")) == 2
    ok(at.run())
    assert not at.warning, "the warning goes with the bad link"


# --- the 5,000-point budget ------------------------------------------------------------------------


def test_no_chart_sends_more_than_5000_points(demo_db):
    _, t = figures(demo_db)
    at = open_page()
    counted = 0
    for mode in ("unit", "objective", "kr"):
        at.segmented_control(key=MODE).set_value(mode)
        ok(at.run())
        drawn = charts(at)
        assert drawn
        for spec, frames in drawn:
            assert 0 < points(spec, frames) <= tc.MAX_POINTS
            counted += 1
    assert counted == 4 + 2 + 2


# --- empty states -------------------------------------------------------------------------------


def test_unit_without_okrs_says_what_to_do(demo_db):
    db = connect(demo_db)
    try:
        root = int(q.units(db)["id"].iloc[0])
        lonely = w.add_unit(db, "Lonely team", parent_id=root, person=w.SYSTEM)
    finally:
        db.close()
    at = open_page({"unit": str(lonely)})
    assert any("Lonely team has no objectives" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")


def test_key_result_without_checkins_says_what_to_do(demo_db):
    cycle_id, t = figures(demo_db)
    db = connect(demo_db)
    try:
        objective = int(t.objectives["objective_id"].iloc[0])
        kr = w.add_key_result(
            db, objective, "Cut onboarding time from 10 to 5 days", "decrease", 10, 5, "days", person=w.SYSTEM
        )
    finally:
        db.close()
    at = open_page({"kr": str(kr)})
    assert not at.warning
    assert any("No check-ins on this key result yet" in i.value for i in at.info)
    drawn = charts(at)
    assert len(drawn) == 1, "progress against the pace only: there is no confidence to draw"
    shown = frame_with(drawn[0][1], "progress", "Week")
    assert (shown["progress"] == 0).all() and (shown["Check-in"] == "none yet (at baseline)").all()
    assert metrics(at)["Value now"] == "10 days (baseline)"


def test_cycle_without_checkins_says_what_to_do(demo_db):
    db = connect(demo_db)
    try:
        today = dt.date.today()
        cycle = w.add_cycle(
            db, "Sprint", today - dt.timedelta(days=20), today + dt.timedelta(days=70), state="active", person=w.SYSTEM
        )
        root = int(q.units(db)["id"].iloc[0])
        objective = w.add_objective(db, cycle, root, "Be known for fast support", person=w.SYSTEM)
        w.add_key_result(db, objective, "First reply from 8 to 2 hours", "decrease", 8, 2, "h", person=w.SYSTEM)
        w.add_key_result(db, objective, "CSAT from 80 to 90 %", "increase", 80, 90, "%", person=w.SYSTEM)
    finally:
        db.close()
    at = open_page({"cycle": str(cycle)})
    assert any("No check-ins yet in Sprint" in i.value for i in at.info)
    drawn = charts(at)
    assert len(drawn) == 1, "progress against the pace only"
    shown = frame_with(drawn[0][1], "progress", "Week")
    assert len(shown) == 3 and (shown["progress"] == 0).all()
    assert metrics(at)["Mean confidence"] == badges.NO_VALUE


MOST_ELEMENTS = 24
"""Elements and blocks, nested ones included, that the demo company's trends draw in the main
area (31 before the metrics and the two charts became a block each). Each is a message the
browser decodes and lays out at every click (README, "A click in the browser"): a change that
adds some raises this figure knowingly."""


def test_the_page_draws_no_more_elements_than_it_needs(demo_db):
    at = ok(open_page())
    assert 0 < elements(at) <= MOST_ELEMENTS
