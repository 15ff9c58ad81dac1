"""A reader follows shared links without signing in: one objective's page, and the wall screen of a
team, which redraws itself when someone saves a check-in elsewhere.

The server here redraws the wall every few seconds (``$OKR_WALL_REFRESH``), so the test sees a
real redraw without waiting the minute a TV would.
"""

from __future__ import annotations

import datetime as dt

import pytest

from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from okrdata.numbers import ON_TRACK
from ui import badges

from .conftest import Server
from .steps import TIMEOUT, metric, no_exception, server_db, shot, wait_for_heading

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(e2e_demo_template, tmp_path_factory):
    """The dashboard on its own copy of the demo, its wall redrawn every 3 seconds."""
    from app_fixtures import copy_db

    db_path = copy_db(e2e_demo_template, tmp_path_factory.mktemp("e2e-reader") / "okr.db")
    srv = Server(db_path, env={"OKR_WALL_REFRESH": "3"})
    try:
        srv.wait_healthy()
        yield srv
    finally:
        srv.stop()


def read(path, fn):
    db = connect(path)
    try:
        return fn(db)
    finally:
        db.close()


def signed_out(page) -> None:
    """Nobody is signed in, and nothing on the page asks for it."""
    sidebar = page.locator("[data-testid='stSidebar']")
    assert "Signed in as" not in sidebar.inner_text()
    assert page.locator("[data-testid='stMain'] [data-testid='stForm']").count() == 0
    assert "Sign in to" not in page.locator("[data-testid='stMain']").inner_text()


def test_a_reader_follows_a_link_to_one_objective(server, page, tmp_path):
    db_file = server_db(server)
    cycle_id = read(db_file, q.default_cycle_id)
    krs = read(db_file, lambda db: q.key_results(db, cycle_id))
    history = read(db_file, lambda db: q.checkin_history(db, cycle_id))
    # An objective whose key results all have notes: the link a lead would paste in a chat.
    noted = history[history["note"].fillna("") != ""]
    counts = krs.groupby("objective_id")["kr_id"].apply(lambda ids: ids.isin(noted["kr_id"]).all())
    objective_id = int(counts[counts].index[0])
    mine = krs[krs["objective_id"] == objective_id].sort_values("kr_id")
    title = str(mine["objective_title"].iloc[0])

    page.goto(f"{server.url}/okrs?objective={objective_id}")
    page.locator("[data-testid='stMain'] h2", has_text=title).wait_for(timeout=TIMEOUT)
    wait_for_heading(page, "All OKRs")
    no_exception(page)
    signed_out(page)
    assert f"objective={objective_id}" in page.url, "the address stays a link to this objective"
    main = page.locator("[data-testid='stMain']")
    text = main.inner_text()
    assert f"Key results ({len(mine)})" in text
    for kr_title in mine["title"]:
        assert kr_title in text, kr_title
    # Each key result's latest note is in its notes table (newest first; tables draw as they load).
    for kr_id in mine["kr_id"]:
        latest = noted[noted["kr_id"] == kr_id].iloc[-1]["note"]
        page.wait_for_function(
            "(note) => [...document.querySelectorAll(\"[data-testid='stMain'] [data-testid='stDataFrame'] "
            "[role='gridcell']\")].some(e => e.textContent === note)",
            arg=latest,
            timeout=TIMEOUT,
        )
    shot(page, tmp_path, "1-objective-page")


def test_a_reader_watches_a_team_wall_redraw_after_a_check_in(server, page, tmp_path):
    db_file = server_db(server)
    cycle_id = read(db_file, q.default_cycle_id)
    units = read(db_file, q.units)
    team = int(units[units["name"] == "Web App"]["id"].iloc[0])
    before = read(db_file, lambda db: q.cycle_summary(db, cycle_id, team))

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{server.url}/wall?unit={team}&tv=1")
    wait_for_heading(page, "Web App")
    # On a TV the sidebar is folded away: it slides out once the page's first run says so.
    page.locator("[data-testid='stSidebarNav']").wait_for(state="hidden", timeout=TIMEOUT)
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=TIMEOUT)
    no_exception(page)
    signed_out(page)
    assert metric(page, "Progress") == badges.pct(before["progress"])
    assert metric(page, "On track") == str(before["status_counts"][ON_TRACK])
    assert "redraws every 3 seconds" in page.locator("[data-testid='stMain']").inner_text()
    # Large type: the headline figures are at least 48 px high.
    size = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector(\"[data-testid='stMetricValue'] p\")).fontSize)"
    )
    assert size >= 48, size
    shot(page, tmp_path, "2-wall-before")

    # Someone saves a check-in elsewhere (here: straight into the database, as `okr checkin` would).
    def check_in(db):
        krs = q.key_results(db, cycle_id, team)
        kr = krs[krs["kr_type"].isin(["increase", "decrease"]) & (krs["progress"] < 1)].iloc[0]
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 10, "Done.", person=w.SYSTEM)

    read(db_file, check_in)
    after = read(db_file, lambda db: q.cycle_summary(db, cycle_id, team))
    assert badges.pct(after["progress"]) != badges.pct(before["progress"])

    # No reload, no click: the wall redraws itself.
    page.wait_for_function(
        "(want) => [...document.querySelectorAll(\"[data-testid='stMetric']\")].some(m =>"
        " m.innerText.startsWith('Progress')"
        " && m.querySelector(\"[data-testid='stMetricValue']\").innerText.trim() === want)",
        arg=badges.pct(after["progress"]),
        timeout=TIMEOUT,
    )
    no_exception(page)
    shot(page, tmp_path, "3-wall-after")
