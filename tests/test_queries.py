"""The read queries return the figures of DESIGN.md, computed here by hand from the rows."""

import datetime as dt

import pandas as pd
import pytest

from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from okrdata.schema import migrate

TODAY = dt.date(2026, 5, 20)
START = dt.date(2026, 4, 1)
END = dt.date(2026, 6, 30)  # 90 days; on TODAY 49 have passed


@pytest.fixture
def org():
    db = connect(":memory:")
    migrate(db)
    ann = w.add_person(db, "Ann Admin", "ann@example.com", "admin", person=w.SYSTEM)
    company = w.add_unit(db, "Acme", lead_id=ann, person=w.SYSTEM)
    eng = w.add_unit(db, "Engineering", company, person=w.SYSTEM)
    web = w.add_unit(db, "Web team", eng, person=w.SYSTEM)
    sales = w.add_unit(db, "Sales", company, person=w.SYSTEM)
    cycle = w.add_cycle(db, "2026 Q2", START, END, "active", person=w.SYSTEM)
    grow = w.add_objective(db, cycle, company, "Grow the business", weight=2, person=w.SYSTEM)
    fast = w.add_objective(db, cycle, web, "Make the site fast", parent_objective_id=grow, person=w.SYSTEM)
    sell = w.add_objective(db, cycle, sales, "Sell more", parent_objective_id=grow, person=w.SYSTEM)
    users = w.add_key_result(
        db, grow, "Users from 100 to 300", "increase", 100, 300, "users", owner_id=ann, person=w.SYSTEM
    )
    uptime = w.add_key_result(db, grow, "Uptime stays above 99.9", "stay_above", None, 99.9, "%", person=w.SYSTEM)
    latency = w.add_key_result(
        db, fast, "p95 from 800 to 400 ms", "decrease", 800, 400, "ms", weight=3, person=w.SYSTEM
    )
    sso = w.add_key_result(db, fast, "Single sign-on available", "milestone", person=w.SYSTEM)
    deals = w.add_key_result(db, sell, "Deals from 10 to 20", "increase", 10, 20, person=w.SYSTEM)
    # users: three weekly check-ins, the last one 6 days ago
    for day, value, conf in [(28, 150, 8), (35, 170, 7), (42, 190, 7)]:
        w.add_checkin(db, users, START + dt.timedelta(days=day), value, conf, f"week {day // 7}", person=w.SYSTEM)
    w.add_checkin(db, uptime, dt.date(2026, 5, 15), 99.95, 9, person=w.SYSTEM)
    w.add_checkin(db, latency, dt.date(2026, 5, 18), 500, 5, person=w.SYSTEM)  # progress 300/400 = 0.75
    w.add_checkin(db, sso, dt.date(2026, 5, 1), 0.5, 6, person=w.SYSTEM)  # 19 days ago: stale
    # deals: no check-in at all
    return dict(
        db=db,
        cycle=cycle,
        company=company,
        eng=eng,
        web=web,
        sales=sales,
        grow=grow,
        fast=fast,
        sell=sell,
        users=users,
        uptime=uptime,
        latency=latency,
        sso=sso,
        deals=deals,
    )


def kr_row(org, kr_id):
    df = q.key_results(org["db"], org["cycle"], today=TODAY)
    return df.set_index("kr_id").loc[kr_id]


def test_latest_checkin_and_progress_per_key_result(org):
    users = kr_row(org, org["users"])
    assert users["value"] == 190
    assert users["checkin_count"] == 3
    assert users["progress"] == pytest.approx((190 - 100) / (300 - 100))
    assert users["expected"] == pytest.approx(49 / 90)
    assert users["pace"] == pytest.approx(0.45 - 49 / 90)
    assert users["status"] == "on_track"
    assert kr_row(org, org["latency"])["progress"] == pytest.approx(0.75)
    assert kr_row(org, org["uptime"])["progress"] == 1.0
    assert kr_row(org, org["sso"])["progress"] == 0.5


def test_silence_is_stale_and_no_checkin_sits_at_baseline(org):
    assert kr_row(org, org["sso"])["status"] == "stale"
    deals = kr_row(org, org["deals"])
    assert deals["status"] == "stale"
    assert deals["progress"] == 0
    assert deals["checkin_count"] == 0


def test_deleted_checkin_is_not_the_latest(org):
    db = org["db"]
    last = q.checkin_history(db, org["cycle"], kr_ids=[org["users"]]).iloc[-1]
    w.delete_checkin(
        db, int(last["checkin_id"]), person=w.SYSTEM, version=w.version_of(db, "checkins", int(last["checkin_id"]))
    )
    assert kr_row(org, org["users"])["value"] == 170


def test_forecast_projects_the_fitted_line_to_the_cycle_end(org):
    users = kr_row(org, org["users"])
    # 20 users a week from 150 on day 28: on day 90 the line reaches 150 + 20 * 62 / 7.
    projected = 150 + 20 * (90 - 28) / 7
    assert users["forecast_value"] == pytest.approx(projected)
    assert users["forecast_score"] == 1.0
    assert pd.isna(kr_row(org, org["latency"])["forecast_value"])


def test_objective_progress_is_weighted_mean_and_status_is_weakest(org):
    objs = q.objectives(org["db"], org["cycle"], today=TODAY).set_index("objective_id")
    assert objs.loc[org["grow"], "progress"] == pytest.approx((0.45 + 1.0) / 2)
    assert objs.loc[org["fast"], "progress"] == pytest.approx((0.75 * 3 + 0.5 * 1) / 4)
    assert objs.loc[org["fast"], "status"] == "stale"
    assert objs.loc[org["grow"], "status"] == "on_track"
    assert objs.loc[org["fast"], "parent_title"] == "Grow the business"
    assert pd.isna(objs.loc[org["grow"], "score"])  # only closed cycles have scores


def test_unit_progress_rolls_up_each_objective_once(org):
    units = q.unit_progress(org["db"], org["cycle"], TODAY).set_index("unit_id")
    grow, fast, sell = (0.45 + 1.0) / 2, (0.75 * 3 + 0.5) / 4, 0.0
    assert units.loc[org["web"], "progress"] == pytest.approx(fast)
    assert units.loc[org["eng"], "progress"] == pytest.approx(fast)  # nothing of its own
    assert units.loc[org["sales"], "progress"] == pytest.approx(sell)
    assert units.loc[org["company"], "progress"] == pytest.approx((grow * 2 + fast + sell) / 4)
    assert units.loc[org["company"], "objective_count"] == 3


def test_cycle_summary_for_company_and_branch(org):
    summary = q.cycle_summary(org["db"], org["cycle"], today=TODAY)
    assert summary["days_left"] == (END - TODAY).days
    assert summary["kr_count"] == 5
    assert summary["status_counts"] == {"off_track": 0, "stale": 2, "at_risk": 1, "on_track": 2}
    branch = q.cycle_summary(org["db"], org["cycle"], org["eng"], today=TODAY)
    assert branch["objective_count"] == 1
    assert branch["progress"] == pytest.approx((0.75 * 3 + 0.5) / 4)


def test_a_draft_score_before_the_close_is_not_the_score(org):
    db = org["db"]
    db["objectives"].update(org["sell"], {"score": 0.3, "score_reason": "Two deals slipped"})
    objs = q.objectives(db, org["cycle"], today=TODAY).set_index("objective_id")
    assert pd.isna(objs.loc[org["sell"], "score"])  # All OKRs and the summary show no score yet
    assert objs.loc[org["sell"], "score_override"] == 0.3  # Review shows the lead's draft


def test_closed_cycle_scores_default_to_final_progress(org):
    db = org["db"]
    db["objectives"].update(org["sell"], {"score": 0.3, "score_reason": "Two deals slipped"})
    w.set_cycle_state(db, org["cycle"], "closed", person=w.SYSTEM, version=w.version_of(db, "cycles", org["cycle"]))
    later = END + dt.timedelta(days=30)
    objs = q.objectives(db, org["cycle"], today=later).set_index("objective_id")
    assert objs.loc[org["sell"], "score"] == 0.3
    # (0.45 + 1.0) / 2 = 0.725: the score is the final progress rounded half up to two decimals
    assert objs.loc[org["grow"], "score"] == 0.73
    # figures of a closed cycle are taken at its end, not today
    assert objs.loc[org["grow"], "expected"] == 1.0
    assert q.cycle_summary(db, org["cycle"], today=later)["days_left"] == 0


def test_unit_tree_kinds_and_subtree(org):
    tree = q.units(org["db"]).set_index("id")
    assert tree.loc[org["company"], "kind"] == "company"
    assert tree.loc[org["eng"], "kind"] == "department"
    assert tree.loc[org["web"], "kind"] == "team"
    assert tree.loc[org["web"], "path"] == "Acme / Engineering / Web team"
    assert sorted(q.subtree_ids(org["db"], org["eng"])) == sorted([org["eng"], org["web"]])


def test_default_cycle_prefers_the_active_one_running_today(org):
    db = org["db"]
    w.add_cycle(db, "2026 Q3", END + dt.timedelta(days=1), dt.date(2026, 9, 30), "planning", person=w.SYSTEM)
    assert q.default_cycle_id(db, TODAY) == org["cycle"]


def test_kpi_health_and_overdue(org):
    db = org["db"]
    nps = w.add_kpi(db, org["company"], "NPS", "stay_above", 30, warning=40, frequency_days=7, person=w.SYSTEM)
    churn = w.add_kpi(
        db, org["company"], "Churn", "stay_below", 3, warning=2.5, frequency_days=30, unit_label="%", person=w.SYSTEM
    )
    w.add_kpi_reading(db, nps, TODAY - dt.timedelta(days=20), 35, person=w.SYSTEM)
    w.add_kpi_reading(db, churn, TODAY - dt.timedelta(days=3), 2, person=w.SYSTEM)
    kpis = q.kpis(db, today=TODAY).set_index("kpi_id")
    assert kpis.loc[nps, "health"] == "warning"
    assert bool(kpis.loc[nps, "overdue"]) is True
    assert kpis.loc[churn, "health"] == "healthy"
    assert bool(kpis.loc[churn, "overdue"]) is False


@pytest.mark.parametrize(
    "target_type, target, warning, value, expected",
    [
        ("stay_above", 30, 40, 45, "healthy"),
        ("stay_above", 30, 40, 35, "warning"),
        ("stay_above", 30, 40, 29, "breached"),
        ("stay_below", 3, 2.5, 2, "healthy"),
        ("stay_below", 3, 2.5, 2.8, "warning"),
        ("decrease", 3, None, 3.1, "breached"),
        ("increase", 100, None, None, "no_data"),
    ],
)
def test_kpi_health_bands(target_type, target, warning, value, expected):
    assert q.kpi_health(target_type, target, warning, value) == expected


def test_latest_checkin_query_uses_the_index(org):
    plan = (
        org["db"]
        .execute(
            "EXPLAIN QUERY PLAN SELECT c2.id FROM checkins c2 WHERE c2.kr_id = 1 AND c2.deleted = 0 "
            "ORDER BY c2.checkin_date DESC, c2.id DESC LIMIT 1"
        )
        .fetchall()
    )
    detail = " ".join(row[-1] for row in plan)
    assert "idx_checkins_kr_date" in detail
    assert "TEMP B-TREE" not in detail


@pytest.mark.parametrize("unit_name", [None, "Product & Engineering"])
def test_the_first_key_results_are_the_head_of_them_all_with_the_same_figures(demo_template, unit_name):
    from pandas.testing import assert_frame_equal

    def same(df):  # a column with no value in the first rows is None, not NaN: both are "missing"
        return df.astype(object).where(df.notna(), None)

    db = connect(demo_template)
    try:
        cycle_id = q.default_cycle_id(db)
        unit_id = (
            None if unit_name is None else db.execute("SELECT id FROM units WHERE name = ?", [unit_name]).fetchone()[0]
        )
        every = q.key_results(db, cycle_id, unit_id)
        labels = q.key_result_labels(db, cycle_id, unit_id)
        for limit in (0, 1, 7, len(every), len(every) + 5):
            head = q.key_results(db, cycle_id, unit_id, limit=limit)
            if limit == 0:
                assert head.empty
                continue
            assert_frame_equal(same(head), same(every.head(limit).reset_index(drop=True)), check_dtype=False)
    finally:
        db.close()
    assert list(labels["kr_id"]) == list(every["kr_id"])
    assert list(labels["title"]) == list(every["title"]) and list(labels["unit_name"]) == list(every["unit_name"])


def test_the_first_objectives_and_one_objectives_key_results_have_the_same_figures(demo_template):
    from pandas.testing import assert_frame_equal

    def same(df):
        return df.astype(object).where(df.notna(), None)

    db = connect(demo_template)
    try:
        cycle_id = q.default_cycle_id(db)
        every = q.objectives(db, cycle_id)
        krs = q.key_results(db, cycle_id)
        for limit in (1, 5, len(every)):
            assert_frame_equal(
                same(q.objectives(db, cycle_id, limit=limit)),
                same(every.head(limit).reset_index(drop=True)),
                check_dtype=False,
            )
        rows = q.objective_rows(db, cycle_id)
        assert list(rows["objective_id"]) == list(every["objective_id"])
        assert list(rows["title"]) == list(every["title"])
        one = int(every["objective_id"].iloc[3])
        assert_frame_equal(
            same(q.key_results(db, cycle_id, objective_ids=[one])),
            same(krs[krs["objective_id"] == one].reset_index(drop=True)),
            check_dtype=False,
        )
        assert q.key_results(db, cycle_id, objective_ids=[]).empty
    finally:
        db.close()


# --- archived units: hidden from pickers, never from figures --------------------------------


def _archive(db, unit_id):
    db.execute("UPDATE units SET archived = 1 WHERE id = ?", [unit_id])
    db.conn.commit()


def _company_figures(org, today=TODAY):
    db = org["db"]
    progress = q.unit_progress(db, org["cycle"], today).set_index("unit_id")
    summary = q.cycle_summary(db, org["cycle"], today=today)
    return progress, summary


def test_an_archived_unit_that_owns_objectives_still_counts_above_it(org):
    db = org["db"]
    before, summary = _company_figures(org)
    assert before.loc[org["company"], "objective_count"] == summary["objective_count"] == 3
    _archive(db, org["web"])  # a team that still owns "Make the site fast"
    after, summary_after = _company_figures(org)
    for unit in (org["company"], org["eng"]):
        assert after.loc[unit, "objective_count"] == before.loc[unit, "objective_count"]
        assert after.loc[unit, "progress"] == pytest.approx(before.loc[unit, "progress"])
    # The headline and the chart tell one story: the company's row is the summary.
    assert after.loc[org["company"], "objective_count"] == summary_after["objective_count"] == 3
    assert after.loc[org["company"], "progress"] == pytest.approx(summary_after["progress"])
    # Its own bar stays while it owns objectives in the cycle.
    assert after.loc[org["web"], "objective_count"] == 1
    # A whole archived branch (department and team) counts too.
    _archive(db, org["eng"])
    whole, _ = _company_figures(org)
    assert whole.loc[org["company"], "objective_count"] == 3
    assert whole.loc[org["company"], "progress"] == pytest.approx(before.loc[org["company"], "progress"])
    assert whole.loc[org["eng"], "objective_count"] == 1


def test_an_archived_unit_without_objectives_in_the_cycle_gets_no_row(org):
    db = org["db"]
    empty = w.add_unit(db, "Old team", org["eng"], person=w.SYSTEM)
    assert empty in set(q.unit_progress(db, org["cycle"], TODAY)["unit_id"])
    _archive(db, empty)
    assert empty not in set(q.unit_progress(db, org["cycle"], TODAY)["unit_id"])


def test_archiving_a_unit_never_rewrites_a_closed_cycles_figures(org):
    db = org["db"]
    db.execute("UPDATE cycles SET state = 'closed' WHERE id = ?", [org["cycle"]])
    db.conn.commit()
    later = END + dt.timedelta(days=30)
    before, summary = _company_figures(org, later)
    _archive(db, org["web"])
    after, summary_after = _company_figures(org, later)
    assert summary_after["progress"] == summary["progress"]
    pd.testing.assert_series_equal(after.loc[before.index, "progress"], before["progress"])
    pd.testing.assert_series_equal(after.loc[before.index, "objective_count"], before["objective_count"])


def test_divergence_needs_its_last_two_check_ins_to_tell_the_same_contradiction():
    db = connect(":memory:")
    migrate(db)
    unit = w.add_unit(db, "Acme", person=w.SYSTEM)
    cycle = w.add_cycle(db, "2026 Q2", START, END, "active", person=w.SYSTEM)
    objective = w.add_objective(db, cycle, unit, "Grow", person=w.SYSTEM)
    # Day 45 of 90 expects half; confidence 8 while 40 points behind is overconfident, 2 while
    # ahead underconfident; 60% on day 48 at 8/10 is neither.
    over, under, neither = (10, 8), (90, 2), (60, 8)
    runs = {
        "over twice": ([(45, over), (48, over)], "overconfident"),
        "under twice": ([(45, under), (48, under)], "underconfident"),
        "over then under": ([(45, over), (48, under)], None),
        "over then neither": ([(45, over), (48, neither)], None),
        "over once": ([(48, over)], None),
        "neither, then over twice": ([(20, (50, 8)), (45, over), (48, over)], "overconfident"),
        "over twice, then neither": ([(40, over), (45, over), (48, neither)], None),
    }
    ids = {}
    for title, (checkins, _) in runs.items():
        ids[title] = w.add_key_result(db, objective, title, "increase", 0, 100, person=w.SYSTEM)
        for day, (value, confidence) in checkins:
            w.add_checkin(db, ids[title], START + dt.timedelta(days=day), value, confidence, person=w.SYSTEM)
    krs = q.key_results(db, cycle, today=TODAY).set_index("kr_id")
    for title, (_, expected) in runs.items():
        assert krs.loc[ids[title], "divergence"] == expected, title
    one = q.key_results(db, cycle, today=TODAY, objective_ids=[objective]).set_index("kr_id")
    assert list(one["divergence"]) == list(krs["divergence"])
