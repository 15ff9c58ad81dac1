"""A team lead signs in, records a check-in for one of the Web App team's key results, and sees it
on the Overview and on Confidence trends, in a real browser against `streamlit run`.

The figures the pages show are compared with okrdata's on the server's own database after the
save, so the test proves both that the check-in was stored and that every page shows it.
"""

from __future__ import annotations

import re

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
    saved = read(
        db_file,
        lambda db: db.execute(
            "SELECT c.value, c.confidence, c.note, p.email FROM checkins c JOIN people p ON p.id = c.author_id "
            "WHERE c.kr_id = ? AND c.deleted = 0 ORDER BY c.id DESC LIMIT 1",
            [kr_id],
        ).fetchone(),
    )
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


def clear_offers(main, kr_ids) -> None:
    """Empty the value boxes the page filled from KPI readings, so only what is typed is saved."""
    for kr_id in kr_ids:
        box = main.locator(f".st-key-ci_value_{kr_id} input")
        if box.input_value():
            box.fill("")


def test_a_checkin_from_another_browser_never_blocks_the_leads_save(server, chromium_browser, tmp_path):
    """A lead has Check-in open; an admin, in another browser, checks in on another key result of
    the team with another confidence; the lead goes to Overview and back, fills one key result
    and saves: only that one is saved, with no error about the other."""
    db_file = server_db(server)
    cycle_id = read(db_file, q.default_cycle_id)
    units = read(db_file, q.units)
    team = int(units[units["name"] == "Web App"]["id"].iloc[0])
    krs = read(db_file, lambda db: q.key_results(db, cycle_id, team))
    kr_ids = [int(i) for i in krs["kr_id"]]
    unlinked = krs[krs["kpi_id"].isna()]
    mine, theirs = (unlinked.iloc[i] for i in (0, 1))
    mine_id, theirs_id = int(mine["kr_id"]), int(theirs["kr_id"])
    their_confidence = 2 if int(theirs["confidence"]) != 2 else 3

    contexts = [chromium_browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    try:
        lead, admin = (c.new_page() for c in contexts)
        lead.goto(server.url)
        wait_for_heading(lead, "Overview")
        sign_in(lead, LEAD, "demo")
        open_from_sidebar(lead, "Check-in")
        lead_main = lead.locator("[data-testid='stMain']")
        lead_main.locator(f".st-key-ci_value_{mine_id} input").wait_for(timeout=TIMEOUT)

        # The admin, in another browser, opens Check-in on Web App and saves another key result.
        admin.goto(f"{server.url}/checkin?cycle={cycle_id}&unit={team}")
        wait_for_heading(admin, "Check-in")
        sign_in(admin, "admin@northwindlabs.example", "demo")
        admin_main = admin.locator("[data-testid='stMain']")
        admin_main.locator(f".st-key-ci_value_{theirs_id} input").wait_for(timeout=TIMEOUT)
        clear_offers(admin_main, kr_ids)
        admin_main.locator(f".st-key-ci_value_{theirs_id} input").fill("61")
        admin_main.locator(f".st-key-ci_conf_{theirs_id} input").fill(str(their_confidence))
        admin_main.locator("[data-testid='stFormSubmitButton'] button", has_text="Save check-ins").click()
        admin_main.locator("[data-testid='stAlert']", has_text="Saved 1 check-in").wait_for(timeout=TIMEOUT)
        no_exception(admin)
        theirs_now = read(
            db_file,
            lambda db: db.execute(
                "SELECT id, value, confidence FROM checkins WHERE kr_id = ? AND deleted = 0 "
                "ORDER BY checkin_date DESC, id DESC LIMIT 1",
                [theirs_id],
            ).fetchone(),
        )
        assert theirs_now[1:] == (61, their_confidence)
        count = read(db_file, lambda db: db["checkins"].count)

        # The lead goes to Overview and back, fills their key result and saves.
        open_from_sidebar(lead, "Overview")
        open_from_sidebar(lead, "Check-in")
        lead_main.locator(f".st-key-ci_value_{mine_id} input").wait_for(timeout=TIMEOUT)
        clear_offers(lead_main, kr_ids)
        lead_main.locator(f".st-key-ci_value_{mine_id} input").fill("70")
        shot(lead, tmp_path, "7-lead-fills-one-after-admin")
        lead_main.locator("[data-testid='stFormSubmitButton'] button", has_text="Save check-ins").click()
        outcome = lead_main.locator("[data-testid='stAlert']", has_text=re.compile("Saved|Nothing was saved"))
        outcome.first.wait_for(timeout=TIMEOUT)
        wait_for_app(lead, TIMEOUT)
        no_exception(lead)
        assert outcome.count() == 1 and f"Saved 1 check-in ({mine['title']})." in outcome.inner_text(), (
            lead_main.locator("[data-testid='stAlert']").all_inner_texts()
        )
        assert "required" not in lead_main.inner_text()
        shot(lead, tmp_path, "8-lead-saved")
        assert read(db_file, lambda db: db["checkins"].count) == count + 1
        assert (
            read(
                db_file,
                lambda db: db.execute(
                    "SELECT id, value, confidence FROM checkins WHERE kr_id = ? AND deleted = 0 "
                    "ORDER BY checkin_date DESC, id DESC LIMIT 1",
                    [theirs_id],
                ).fetchone(),
            )
            == theirs_now
        )
    finally:
        for context in contexts:
            context.close()
