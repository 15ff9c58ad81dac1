"""A team lead signs in, records a check-in for one of the Web App team's key results, and sees it
on the Overview and on Confidence trends, in a real browser against `streamlit run`.

The figures the pages show are compared with okrdata's on the server's own database after the
save, so the test proves both that the check-in was stored and that every page shows it.
"""

from __future__ import annotations

import pytest

from okrdata import queries as q
from okrdata.db import connect
from okrdata.numbers import AT_RISK, ON_TRACK
from ui import badges

from .conftest import wait_for_app
from .steps import TIMEOUT, metric, no_exception, open_from_sidebar, server_db, shot, sign_in, wait_for_heading

pytestmark = pytest.mark.e2e

LEAD = "lead@northwindlabs.example"
NOTE = "Cache warmed before the morning rush; load time now at target."


def read(path, fn):
    db = connect(path)
    try:
        return fn(db)
    finally:
        db.close()


def test_a_lead_checks_in_and_sees_it_on_the_overview_and_trends(server, page, tmp_path):
    db_file = server_db(server)
    cycle_id = read(db_file, q.default_cycle_id)
    units = read(db_file, q.units)
    team = int(units[units["name"] == "Web App"]["id"].iloc[0])
    krs = read(db_file, lambda db: q.key_results(db, cycle_id, team))
    # The team's weakest key result: at risk, and furthest from its target.
    weak = krs[(krs["status"] != ON_TRACK) & krs["kr_type"].isin(["increase", "decrease"])].sort_values("progress")
    assert not weak.empty, "the demo's Web App team has a key result that is not on track"
    kr = weak.iloc[0]
    kr_id, target = int(kr["kr_id"]), float(kr["target"])
    before = read(db_file, lambda db: q.cycle_summary(db, cycle_id))

    # 1. The Overview, signed out.
    page.goto(server.url)
    wait_for_heading(page, "Overview")
    assert metric(page, "On track") == str(before["status_counts"][ON_TRACK])
    shot(page, tmp_path, "1-overview-before")

    # 2. Sign in as the Web App team's lead.
    sign_in(page, LEAD, "demo")
    shot(page, tmp_path, "2-signed-in")

    # 3. Check-in: the lead's team is offered; enter value, confidence and a note for one key result.
    open_from_sidebar(page, "Check-in")
    main = page.locator("[data-testid='stMain']")
    main.locator(f".st-key-ci_value_{kr_id} input").wait_for(timeout=TIMEOUT)
    assert "This week's check-in · Web App" in main.inner_text()
    main.locator(f".st-key-ci_value_{kr_id} input").fill(f"{target:g}")
    main.locator(f".st-key-ci_conf_{kr_id} input").fill("9")
    main.locator(f".st-key-ci_note_{kr_id} textarea").fill(NOTE)
    shot(page, tmp_path, "3-checkin-filled")
    main.locator("[data-testid='stFormSubmitButton'] button", has_text="Save check-ins").click()
    saved_message = main.locator("[data-testid='stAlert']", has_text="Saved")
    saved_message.wait_for(timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    no_exception(page)
    # (A key result measured by a KPI is offered the KPI's newer reading, so it may be saved too.)
    assert kr["title"] in saved_message.inner_text()
    shot(page, tmp_path, "4-checkin-saved")

    # Stored as typed, by the lead.
    saved = read(db_file, lambda db: db.execute(
        "SELECT c.value, c.confidence, c.note, p.email FROM checkins c JOIN people p ON p.id = c.author_id "
        "WHERE c.kr_id = ? AND c.deleted = 0 ORDER BY c.id DESC LIMIT 1", [kr_id]).fetchone())
    assert saved == (target, 9, NOTE, LEAD)
    after = read(db_file, lambda db: q.cycle_summary(db, cycle_id))
    now = read(db_file, lambda db: q.key_results(db, cycle_id, team))
    assert now[now["kr_id"] == kr_id].iloc[0]["status"] == ON_TRACK

    # 4. The Overview shows it: one more key result on track, progress as okrdata computes it.
    open_from_sidebar(page, "Overview")
    assert metric(page, "On track") == str(after["status_counts"][ON_TRACK])
    assert after["status_counts"][ON_TRACK] > before["status_counts"][ON_TRACK]
    assert metric(page, "At risk") == str(after["status_counts"][AT_RISK])
    assert metric(page, "Progress") == badges.pct(after["progress"])
    shot(page, tmp_path, "5-overview-after")

    # 5. Confidence trends for that key result (its deep link): the new value and confidence.
    page.goto(f"{server.url}/trends?kr={kr_id}")
    wait_for_heading(page, "Confidence trends")
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=TIMEOUT)
    no_exception(page)
    assert metric(page, "Value now") == badges.number(target, "" if kr["unit_label"] is None else kr["unit_label"])
    assert metric(page, "Confidence") == "9/10"
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=TIMEOUT)
    shot(page, tmp_path, "6-trends")
