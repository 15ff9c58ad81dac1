"""Streamlit AppTests: every page runs for every scope, the Overview's figures equal okrdata's,
deep links are validated, and a write by anyone shows at the next rerun.

Each test gets its own copy of the demo database (``$OKR_DB``) and starts with empty
Streamlit caches; see :mod:`app_fixtures`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from app_fixtures import APP, clear_streamlit_caches, demo_db, empty_db, facts, metrics, ok, summary  # noqa: F401
from streamlit.testing.v1 import AppTest

from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from okrdata.schema import migrate
from ui import badges, navigation
from ui.frame import DEMO_NOTICE
from ui.sidebar import COMPANY, CYCLE_KEY, UNIT_KEY

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

WALL = "pages/wall.py"  # titled with the unit's name, not its own: tests/test_page_wall.py
PAGES = [p.path for p in navigation.PAGES if p.path != WALL]
assert PAGES, "ui.navigation.PAGES lists no page: the page tests below would check nothing"
TITLES = {p.path: p.title for p in navigation.PAGES}


def start(query_params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query_params or {})
    return at.run()


# --- the frame ----------------------------------------------------------------------------


def test_overview_boots_with_demo_notice_and_pickers(demo_db):
    at = ok(start())
    assert [t.value for t in at.title] == ["Overview"]
    assert DEMO_NOTICE in [i.value for i in at.info]
    f = facts(demo_db)
    assert at.selectbox(key=CYCLE_KEY).value == f["default"]
    assert at.selectbox(key=UNIT_KEY).value == COMPANY
    assert at.query_params.get("cycle") == str(f["default"])
    assert "unit" not in at.query_params


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_for_every_cycle_and_unit(demo_db, page):
    f = facts(demo_db)
    assert len(f["cycles"]) >= 2, "the demo has a closed and an active cycle"
    unit_ids = [COMPANY] + [int(i) for i in f["units"]["id"] if int(i) != int(f["units"]["id"].iloc[0])]
    at = ok(start())
    ok(at.switch_page(page).run())
    for cycle_id in f["cycles"]:
        for unit in unit_ids:
            at.selectbox(key=CYCLE_KEY).set_value(cycle_id)
            at.selectbox(key=UNIT_KEY).set_value(unit)
            ok(at.run())
            assert [t.value for t in at.title] == [TITLES[page]], (cycle_id, unit)
            assert at.query_params.get("cycle") == str(cycle_id)
            assert at.query_params.get("unit") == (None if unit == COMPANY else str(unit))
            assert DEMO_NOTICE in [i.value for i in at.info]
            assert not at.warning, [x.value for x in at.warning]


def test_scope_survives_switching_pages(demo_db):
    f = facts(demo_db)
    closed = f["cycles"][-1]
    unit = int(f["units"]["id"].iloc[-1])
    at = ok(start())
    at.selectbox(key=CYCLE_KEY).set_value(closed)
    at.selectbox(key=UNIT_KEY).set_value(unit)
    ok(at.run())
    for page in PAGES:
        ok(at.switch_page(page).run())
        assert at.selectbox(key=CYCLE_KEY).value == closed
        assert at.selectbox(key=UNIT_KEY).value == unit


# --- deep links ---------------------------------------------------------------------------


def test_deep_link_chooses_cycle_and_unit(demo_db):
    f = facts(demo_db)
    closed = f["cycles"][-1]
    unit = int(f["units"]["id"].iloc[1])
    at = ok(start({"cycle": str(closed), "unit": str(unit)}))
    assert not at.warning
    assert at.selectbox(key=CYCLE_KEY).value == closed
    assert at.selectbox(key=UNIT_KEY).value == unit
    assert at.query_params == {"cycle": str(closed), "unit": str(unit)}


def test_deep_link_to_the_company_unit_means_whole_company(demo_db):
    root = int(facts(demo_db)["units"]["id"].iloc[0])
    at = ok(start({"unit": str(root)}))
    assert not at.warning
    assert at.selectbox(key=UNIT_KEY).value == COMPANY
    assert "unit" not in at.query_params


@pytest.mark.parametrize(
    "params",
    [
        {"cycle": "abc", "unit": "999999"},
        {"cycle": "999999"},
        {"cycle": "-1", "unit": "1.5"},
        {"unit": "<script>"},
    ],
)
def test_forged_deep_link_warns_and_falls_back(demo_db, params):
    f = facts(demo_db)
    at = ok(start(params))
    texts = [x.value for x in at.warning]
    assert len(texts) == len(params), texts
    assert all("does not exist" in t for t in texts)
    assert at.selectbox(key=CYCLE_KEY).value == f["default"]
    assert at.selectbox(key=UNIT_KEY).value == COMPANY
    assert at.query_params == {"cycle": str(f["default"])}
    # The warning goes with the bad link: the next rerun is clean.
    ok(at.run())
    assert not at.warning


def test_choosing_in_the_sidebar_writes_the_url(demo_db):
    f = facts(demo_db)
    unit = int(f["units"]["id"].iloc[-1])
    at = ok(start())
    at.selectbox(key=UNIT_KEY).set_value(unit)
    ok(at.run())
    assert at.query_params == {"cycle": str(f["default"]), "unit": str(unit)}
    at.selectbox(key=UNIT_KEY).set_value(COMPANY)
    ok(at.run())
    assert at.query_params == {"cycle": str(f["default"])}


def test_all_okrs_deep_link_to_an_objective(demo_db):
    f = facts(demo_db)
    db = connect(demo_db)
    try:
        objs = q.objectives(db, f["default"])
    finally:
        db.close()
    objective = objs.iloc[0]
    at = ok(start())
    at.query_params["objective"] = str(int(objective["objective_id"]))
    ok(at.switch_page("pages/okrs.py").run())
    from ui.badges import escape_markdown

    assert escape_markdown(objective["title"]) in [h.value for h in at.header]
    at.query_params["objective"] = "123456789"
    ok(at.switch_page("pages/overview.py").run())
    ok(at.switch_page("pages/okrs.py").run())
    assert any("does not exist" in x.value for x in at.warning)


def test_unit_without_okrs_gets_a_friendly_empty_state(demo_db):
    db = connect(demo_db)
    try:
        root = int(q.units(db)["id"].iloc[0])
        lonely = w.add_unit(db, "Lonely team", parent_id=root, person=w.SYSTEM)
    finally:
        db.close()
    at = ok(start({"unit": str(lonely)}))
    assert any("Lonely team has no objectives" in i.value for i in at.info)
    for page in PAGES[1:]:
        ok(at.switch_page(page).run())


def test_empty_database_says_how_to_start(empty_db):
    db = connect(empty_db)
    migrate(db)  # what `okr init` leaves: a schema and no data; the app must not fill it
    db.close()
    at = ok(start())
    assert any("okr demo" in i.value for i in at.info)
    assert DEMO_NOTICE not in [i.value for i in at.info]
    for page in PAGES[1:]:
        ok(at.switch_page(page).run())
        assert [t.value for t in at.title] == [TITLES[page]]
    db = connect(empty_db)
    try:
        assert q.cycles(db).empty
    finally:
        db.close()


def test_first_run_on_a_new_file_loads_the_demo(empty_db):
    assert not empty_db.exists()
    at = ok(start())
    assert DEMO_NOTICE in [i.value for i in at.info]
    db = connect(empty_db)
    try:
        assert q.is_demo(db)
        assert not q.cycles(db).empty
    finally:
        db.close()


# --- freshness ----------------------------------------------------------------------------


def test_a_write_by_anyone_shows_at_the_next_rerun(demo_db):
    f = facts(demo_db)
    at = ok(start())
    before = summary(demo_db, f["default"])
    assert metrics(at)["Key results"] == str(before["kr_count"])
    # Someone else (another session, the CLI) writes through okrdata; no cache is cleared.
    db = connect(demo_db)
    try:
        objective = int(q.objectives(db, f["default"])["objective_id"].iloc[0])
        kr = w.add_key_result(
            db, objective, "Cut onboarding time from 10 to 5 days", "decrease", 10, 5, "days", person=w.SYSTEM
        )
        w.add_checkin(db, kr, dt.date.today(), 6, 8, "Halfway", person=w.SYSTEM)
    finally:
        db.close()
    ok(at.run())
    after = summary(demo_db, f["default"])
    assert after["kr_count"] == before["kr_count"] + 1
    assert metrics(at)["Key results"] == str(after["kr_count"])
    assert metrics(at)["Progress"] == badges.pct(after["progress"])


# --- formatting ---------------------------------------------------------------------------


def test_badges_say_figures_through_okrdata_wording():
    from okrdata import wording

    for name in ("pct", "pace", "score", "day", "days", "date_range", "plural", "moment"):
        assert getattr(badges, name) is getattr(wording, name), name
    assert badges.number(1250, "users") == "1,250 users"
    assert badges.number(3.5, "*%*", markdown=True) == "3.5 \\*%\\*"  # the unit label is user text
    assert badges.cell("at_risk") == "🟠 At risk"
    assert badges.markdown("off_track") == ":red-badge[:material/error: Off track]"


def test_every_status_has_a_label_an_icon_and_a_colour():
    from okrdata.numbers import STATUSES

    for status in STATUSES:
        assert badges.label(status) and badges.icon(status).startswith(":material/")
        assert badges.COLOURS[status].startswith("#") and status in badges.BADGE_COLOURS
    assert len(set(badges.COLOURS.values())) == len(STATUSES)
