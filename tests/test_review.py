"""The end of a cycle: scoring, closing and calibration (:mod:`okrdata.review`, the scoring writes).

Scores and validation are pinned on the small organisation of ``conftest.org``; calibration on
two closed cycles added to it, whose every figure is computed by hand in the comments; then
checked against the demo's closed cycle and the seven closed cycles of a generated organisation.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from db_copies import copy_db

from okrdata import auth, review, writes
from okrdata import numbers as n
from okrdata import queries as q
from okrdata.synth import synthesize

# The org's cycle 2026 Q1 runs 1 Jan to 31 Mar 2026; "today" inside it and after it.
DURING = dt.date(2026, 3, 1)
AFTER = dt.date(2026, 5, 1)


def person(db, person_id):
    return auth.person_by_id(db, person_id)


def objective(db, objective_id) -> dict:
    return dict(db["objectives"].get(objective_id))


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "progress, proposal", [(0.0, 0.0), (0.1, 0.1), (0.666, 0.67), (1.0, 1.0), (1.4, 1.0), (-0.2, 0.0)]
)
def test_the_proposed_score_is_the_final_progress_to_two_decimals(progress, proposal):
    assert review.proposed_score(progress) == proposal


@pytest.mark.parametrize(
    "score, proposal, needed",
    [(0.1, 0.1, False), (0.15, 0.1, False), (0.05, 0.1, False), (0.16, 0.1, True), (0.04, 0.1, True), (1.0, 0.0, True)],
)
def test_a_reason_is_needed_beyond_five_hundredths_of_the_proposal(score, proposal, needed):
    assert review.needs_reason(score, proposal) is needed


@pytest.mark.parametrize(
    "kind, score, words",
    [
        ("committed", 1.0, review.AS_EXPECTED),
        ("committed", 0.9, review.AS_EXPECTED),
        ("committed", 0.85, review.BELOW_EXPECTED),
        ("aspirational", 0.7, review.AS_EXPECTED),
        ("aspirational", 0.6, review.AS_EXPECTED),
        ("aspirational", 0.8, review.AS_EXPECTED),
        ("aspirational", 0.55, review.BELOW_EXPECTED),
        ("aspirational", 0.95, review.ABOVE_EXPECTED),
    ],
)
def test_scores_are_read_against_their_kind(kind, score, words):
    assert review.expected_score(kind) == n.EXPECTED_SCORE[kind]
    assert review.versus_expected(kind, score) == words


@pytest.mark.parametrize(
    "score, label",
    [(0.0, "Missed"), (0.39, "Missed"), (0.4, "Partly met"), (0.69, "Partly met"), (0.7, "Met"), (1.0, "Met")],
)
def test_bands_have_words(score, label):
    assert review.band_label(score) == label


def test_when_a_cycle_can_be_scored():
    active = {"name": "Q", "state": "active", "end_date": "2026-03-31"}
    assert review.scoring_refusal(active, DURING) is None
    assert "closed" in review.scoring_refusal({**active, "state": "closed"}, AFTER)
    planning = {**active, "state": "planning"}
    assert "planning" in review.scoring_refusal(planning, DURING)
    assert review.scoring_refusal(planning, AFTER) is None  # past its end: it can be scored


# --- scoring ----------------------------------------------------------------------------------


def test_the_sheet_proposes_final_progress(db, org):
    # Platform: coverage 0 → 100 at 20 (0.2) and latency with no check-in (0): progress 0.1.
    sheet = review.scoring_sheet(q.objectives(db, org.cycle, today=DURING), closed=False)
    row = sheet.set_index("objective_id").loc[org.platform_obj]
    assert row["progress"] == pytest.approx(0.1)
    assert row["proposal"] == 0.1 and row["score"] == 0.1 and math.isnan(row["recorded"])
    assert row["review"] == review.NOT_SCORED
    # The cycle still runs: the words speak of the forecast (here the progress so far: one check-in).
    assert row["forecast"] == 0.1 and row["expected"] == 1.0 and row["gap"] == pytest.approx(-0.9)
    assert row["versus"] == "tracking below expected" and row["colour"] == "red"
    assert row["band"] == "heading for a miss"
    counts = review.sheet_counts(sheet)
    assert counts == {
        "objectives": 3,
        "scored": 0,
        "proposed": 0,
        "not_scored": 3,
        "avg_score": pytest.approx(0.1 / 3),
        "met_share": 0.0,
        "avg_forecast": pytest.approx(0.1 / 3),
        "on_course_share": 0.0,
    }


def test_before_the_close_nothing_is_met_or_missed_only_heading_somewhere(db, org):
    # Week 8 of 13: coverage 0 → 40 over five weeks, +8 a week, is heading for 0.8 at the end of
    # March (day 89: 40 + 8 × 7.3 weeks ≈ 98 of 100); latency has no check-in (its progress, 0).
    for day, value in [("2026-01-15", 20), ("2026-01-29", 28), ("2026-02-12", 36), ("2026-02-19", 40)]:
        writes.add_checkin(db, org.kr_increase, day, value, 7, person=writes.SYSTEM)
    week8 = dt.date(2026, 2, 26)
    objs = q.objectives(db, org.cycle, today=week8)
    sheet = review.scoring_sheet(objs, closed=False).set_index("objective_id")
    row = sheet.loc[org.platform_obj]
    forecast = objs.set_index("objective_id").loc[org.platform_obj, "forecast_score"]
    assert row["proposal"] == 0.2  # (0.4 + 0) / 2: what closing today would record
    assert row["forecast"] == n.round_score(forecast) and row["forecast"] > row["proposal"]
    assert row["band"] == review.FORECAST_LABELS[n.score_colour(forecast)]
    words = set(sheet["band"]) | set(sheet["versus"])
    assert not words & set(review.BAND_LABELS.values()), "no result words before the close"
    assert all(v.startswith("tracking ") for v in sheet["versus"])
    # Past its end date but not closed yet: the forecast is the final progress.
    ended = review.scoring_sheet(q.objectives(db, org.cycle, today=AFTER), closed=False, ended=True)
    assert (ended["forecast"] == ended["proposal"]).all()
    # Closed: the result, in result words.
    writes.close_cycle(db, org.cycle, person=person(db, org.admin), today=AFTER)
    closed = review.scoring_sheet(q.objectives(db, org.cycle, today=AFTER), closed=True)
    assert set(closed["band"]) <= set(review.BAND_LABELS.values()) and closed["forecast"].isna().all()
    assert not any(v.startswith("tracking") for v in closed["versus"])


def test_the_flag_names_the_key_results_flagged_for_review(db, org):
    # Coverage checked in twice at 8/10 while 30+ points behind pace: divergent, flagged.
    writes.add_checkin(db, org.kr_increase, "2026-02-20", 21, 8, person=writes.SYSTEM)
    writes.add_checkin(db, org.kr_increase, "2026-02-27", 22, 8, person=writes.SYSTEM)
    krs = q.key_results(db, org.cycle, today=DURING)
    assert krs.set_index("kr_id").loc[org.kr_increase, "divergence"] == "overconfident"
    sheet = review.scoring_sheet(q.objectives(db, org.cycle, today=DURING, krs=krs), closed=False, krs=krs)
    flags = dict(zip(sheet["objective_id"], sheet["flag"]))
    assert flags[org.platform_obj] == "1 key result confident while far behind pace"
    assert flags[org.company_obj] == "" and flags[org.product_obj] == ""


def test_flags_count_each_kind_of_contradiction_per_objective():
    krs = pd.DataFrame(
        {
            "objective_id": [7, 3, 7, 7, 3, 9],
            "divergence": ["underconfident", "overconfident", "overconfident", "underconfident", None, None],
        }
    )
    assert review.review_flags(krs) == {
        3: "1 key result confident while far behind pace",
        7: "1 key result confident while far behind pace; 2 key results low confidence while ahead of pace",
    }


def test_a_lead_scores_within_the_tolerance_without_a_reason(db, org):
    result = writes.score_objective(
        db, org.platform_obj, 0.15, "", "We learned to measure first.", person=person(db, org.lead), today=DURING
    )
    assert result == {"objective_id": org.platform_obj, "score": 0.15, "proposal": 0.1}
    row = objective(db, org.platform_obj)
    assert (row["score"], row["score_reason"], row["reflection"]) == (0.15, None, "We learned to measure first.")
    sheet = review.scoring_sheet(q.objectives(db, org.cycle, today=DURING), closed=False).set_index("objective_id")
    assert sheet.loc[org.platform_obj, "review"] == review.SCORED
    assert sheet.loc[org.platform_obj, "score"] == 0.15


def test_an_adjustment_needs_a_reason(db, org, refused):
    lead = person(db, org.lead)
    error = refused(
        db, "reason", lambda: writes.score_objective(db, org.platform_obj, 0.5, "  ", "", person=lead, today=DURING)
    )
    assert "0.10" in error.message and error.where == "Make the API fast and safe"
    writes.score_objective(
        db, org.platform_obj, 0.5, "Latency work landed after the last check-in.", "", person=lead, today=DURING
    )
    row = objective(db, org.platform_obj)
    assert (row["score"], row["score_reason"]) == (0.5, "Latency work landed after the last check-in.")


@pytest.mark.parametrize("bad", [1.5, -0.1, 1.0001, "abc", None, "", float("nan"), float("inf"), True])
def test_a_score_outside_zero_to_one_is_refused(db, org, refused, bad):
    lead = person(db, org.lead)
    refused(db, "score", lambda: writes.score_objective(db, org.platform_obj, bad, "why", person=lead, today=DURING))


def test_a_lead_cannot_score_another_units_objective(db, org, refused):
    lead = person(db, org.lead)
    error = refused(
        db, "unit", lambda: writes.score_objective(db, org.product_obj, 0.0, "", "", person=lead, today=DURING)
    )
    assert "Product" in error.message
    refused(
        db,
        "unit",
        lambda: writes.score_objective(db, org.platform_obj, 0.1, "", "", person=person(db, org.viewer), today=DURING),
    )
    refused(
        db, "unit", lambda: writes.score_objective(db, org.platform_obj, 0.1, "", "", person={"id": None}, today=DURING)
    )


def test_an_admin_scores_any_unit(db, org):
    writes.score_objective(db, org.company_obj, 0.0, "", "", person=person(db, org.admin), today=DURING)
    assert objective(db, org.company_obj)["score"] == 0.0


def test_scoring_refuses_a_closed_cycle_a_future_planning_cycle_and_an_archived_objective(db, org, refused):
    admin = person(db, org.admin)
    refused(
        db,
        "cycle",
        lambda: writes.score_objective(
            db, org.next_company_obj, 0.0, "", "", person=admin, today=AFTER - dt.timedelta(days=20)
        ),
    )
    writes.archive_objective(
        db, org.platform_obj, person=writes.SYSTEM, version=writes.version_of(db, "objectives", org.platform_obj)
    )
    refused(
        db, "objective", lambda: writes.score_objective(db, org.platform_obj, 0.1, "", "", person=admin, today=DURING)
    )
    writes.set_cycle_state(
        db, org.cycle, "closed", person=writes.SYSTEM, version=writes.version_of(db, "cycles", org.cycle)
    )
    refused(db, "cycle", lambda: writes.score_objective(db, org.company_obj, 0.0, "", "", person=admin, today=AFTER))
    refused(db, "objective", lambda: writes.score_objective(db, 99999, 0.0, "", "", person=admin, today=AFTER))


def test_text_is_checked(db, org, refused):
    lead = person(db, org.lead)
    refused(
        db,
        "reflection",
        lambda: writes.score_objective(db, org.platform_obj, 0.1, "", "x" * 10_001, person=lead, today=DURING),
    )
    # The reason that marks an unreviewed score is not a lead's reason.
    writes.score_objective(db, org.platform_obj, 0.1, review.PROPOSED_AT_CLOSE, "", person=lead, today=DURING)
    assert objective(db, org.platform_obj)["score_reason"] is None


# --- closing ----------------------------------------------------------------------------------


def test_only_an_admin_closes_a_cycle(db, org, refused):
    refused(db, "role", lambda: writes.close_cycle(db, org.cycle, person=person(db, org.lead), today=AFTER))
    refused(db, "role", lambda: writes.close_cycle(db, org.cycle, person=person(db, org.viewer), today=AFTER))
    refused(db, "role", lambda: writes.close_cycle(db, org.cycle, person={"id": None}, today=AFTER))


def test_closing_fills_in_proposals_and_makes_the_cycle_read_only(db, org, refused):
    lead = person(db, org.lead)
    writes.score_objective(
        db, org.platform_obj, 0.4, "Half of latency done off the books.", "Measure weekly.", person=lead, today=DURING
    )
    result = writes.close_cycle(db, org.cycle, person=person(db, org.admin), today=AFTER)
    assert result == {"cycle": "2026 Q1", "scored": 1, "proposed": 2}
    assert db["cycles"].get(org.cycle)["state"] == "closed"
    platform = objective(db, org.platform_obj)
    assert (platform["score"], platform["score_reason"]) == (0.4, "Half of latency done off the books.")
    for unscored in (org.company_obj, org.product_obj):  # no check-ins: progress 0
        row = objective(db, unscored)
        assert (row["score"], row["score_reason"]) == (0.0, review.PROPOSED_AT_CLOSE)
    sheet = review.scoring_sheet(q.objectives(db, org.cycle, today=AFTER), closed=True).set_index("objective_id")
    assert sheet.loc[org.platform_obj, "review"] == review.SCORED
    assert sheet.loc[org.company_obj, "review"] == review.PROPOSED
    assert sheet.loc[org.company_obj, "reason"] == ""  # the marker is a state, not a reason to show
    assert review.sheet_counts(sheet.reset_index())["proposed"] == 2
    # Read only from now on: scores, check-ins, edits, and closing again.
    admin = person(db, org.admin)
    refused(db, "cycle", lambda: writes.score_objective(db, org.platform_obj, 0.5, "x", "", person=admin, today=AFTER))
    refused(db, "cycle", lambda: writes.close_cycle(db, org.cycle, person=admin, today=AFTER))
    refused(
        db,
        "cycle",
        lambda: writes.update_objective(
            db,
            org.platform_obj,
            title="New",
            person=admin,
            version=writes.version_of(db, "objectives", org.platform_obj),
        ),
    )
    refused(db, "cycle", lambda: writes.add_checkin(db, org.kr_increase, "2026-03-01", 50, 8, person=writes.SYSTEM))


def test_closing_records_the_score_the_page_shows_rounded_half_up(db, org):
    # Platform: coverage 45 of 100 (0.45) and latency 800 → 440 of 800 → 200 (0.6): progress 0.525.
    # Product: its milestone 0.125 done. Half up, both are 0.53 and 0.13 (half to even gave 0.52, 0.12).
    writes.add_checkin(db, org.kr_increase, "2026-02-01", 45, 6, person=writes.SYSTEM)
    writes.add_checkin(db, org.kr_decrease, "2026-02-01", 440, 6, person=writes.SYSTEM)
    writes.add_checkin(db, org.kr_milestone, "2026-02-01", 0.125, 6, person=writes.SYSTEM)
    shown = review.scoring_sheet(q.objectives(db, org.cycle, today=AFTER), closed=False).set_index("objective_id")
    assert shown.loc[org.platform_obj, "progress"] == pytest.approx(0.525)
    assert (shown.loc[org.platform_obj, "proposal"], shown.loc[org.product_obj, "proposal"]) == (0.53, 0.13)
    proposals = review.proposals(db, org.cycle, AFTER).set_index("objective_id")["proposal"]
    assert (proposals[org.platform_obj], proposals[org.product_obj]) == (0.53, 0.13)
    writes.close_cycle(db, org.cycle, person=person(db, org.admin), today=AFTER)
    assert objective(db, org.platform_obj)["score"] == 0.53
    assert objective(db, org.product_obj)["score"] == 0.13
    closed = review.scoring_sheet(q.objectives(db, org.cycle, today=AFTER), closed=True).set_index("objective_id")
    assert (closed.loc[org.platform_obj, "score"], closed.loc[org.product_obj, "score"]) == (0.53, 0.13)


def test_a_lead_scoring_the_proposal_needs_no_reason_at_the_half(db, org):
    # The proposal the write checks against is the page's: 0.53, so 0.58 is within 0.05 of it.
    writes.add_checkin(db, org.kr_increase, "2026-02-01", 45, 6, person=writes.SYSTEM)
    writes.add_checkin(db, org.kr_decrease, "2026-02-01", 440, 6, person=writes.SYSTEM)
    result = writes.score_objective(db, org.platform_obj, 0.58, "", "", person=person(db, org.lead), today=DURING)
    assert result["proposal"] == 0.53


def test_closing_again_after_reopening_renews_only_the_proposals(db, org):
    admin = person(db, org.admin)
    writes.score_objective(db, org.platform_obj, 0.1, "", "", person=person(db, org.lead), today=DURING)
    writes.close_cycle(db, org.cycle, person=admin, today=AFTER)
    assert objective(db, org.company_obj)["score"] == 0.0
    writes.set_cycle_state(db, org.cycle, "active", person=admin, version=writes.version_of(db, "cycles", org.cycle))
    writes.add_checkin(
        db, org.kr_stay_above, "2026-03-30", 99.95, 9, person=writes.SYSTEM
    )  # the uptime bound now holds: progress 1
    assert writes.close_cycle(db, org.cycle, person=admin, today=AFTER) == {
        "cycle": "2026 Q1",
        "scored": 1,
        "proposed": 2,
    }
    company = objective(db, org.company_obj)
    assert (company["score"], company["score_reason"]) == (1.0, review.PROPOSED_AT_CLOSE)
    assert objective(db, org.platform_obj)["score"] == 0.1


def test_a_planning_cycle_before_its_end_cannot_be_closed(db, org, refused):
    refused(db, "cycle", lambda: writes.close_cycle(db, org.next_cycle, person=person(db, org.admin), today=DURING))


# --- calibration on a small history computed by hand ------------------------------------------


def add_closed_cycle(db, org, name, start, end, objectives):
    """A cycle with objectives ``(unit, kind, [(kr_type, baseline, target, checkin value or None, confidence)],
    score or None, reason)``, scored then closed through the writes; returns {title: id}."""
    cycle = writes.add_cycle(db, name, start, end, state="active", person=writes.SYSTEM)
    ids = {}
    for index, (unit, kind, krs, score, reason) in enumerate(objectives):
        title = f"{name} objective {index}"
        oid = writes.add_objective(db, cycle, unit, title, kind=kind, person=writes.SYSTEM)
        for k, (kr_type, baseline, target, value, confidence) in enumerate(krs):
            kr = writes.add_key_result(db, oid, f"{title} kr {k}", kr_type, baseline, target, person=writes.SYSTEM)
            if value is not None:
                writes.add_checkin(db, kr, start + dt.timedelta(days=30), value, confidence, person=writes.SYSTEM)
        if score is not None:
            writes.score_objective(db, oid, score, reason, "", today=end, person=writes.SYSTEM)
        ids[title] = oid
    writes.close_cycle(db, cycle, today=end + dt.timedelta(days=1), person=writes.SYSTEM)
    return cycle, ids


@pytest.fixture
def history(db, org):
    """Two closed cycles for Platform and Mobile (the org's own cycle stays active).

    2025 Q3: Platform committed A1, KRs at 1.0 (confidence 8) and a milestone done (9),
             scored 0.95; Mobile committed A2 at 0.2 (confidence 9), left to close (0.2);
             Mobile aspirational A3 at 0.7 (confidence 5), scored 0.7.
    2025 Q4: Platform committed B1 at 0.95 (confidence 10), scored 0.95; Platform
             aspirational B2 never checked in (0), scored 0.3 with a reason; Mobile committed
             B3 at 0.1 (confidence 2), left to close (0.1).
    """
    q3, _ = add_closed_cycle(
        db,
        org,
        "2025 Q3",
        dt.date(2025, 7, 1),
        dt.date(2025, 9, 30),
        [
            (org.platform, "committed", [("increase", 0, 10, 10, 8), ("milestone", None, None, 1.0, 9)], 0.95, ""),
            (org.mobile, "committed", [("increase", 0, 100, 20, 9)], None, ""),
            (org.mobile, "aspirational", [("increase", 0, 10, 7, 5)], 0.7, ""),
        ],
    )
    q4, _ = add_closed_cycle(
        db,
        org,
        "2025 Q4",
        dt.date(2025, 10, 1),
        dt.date(2025, 12, 31),
        [
            (org.platform, "committed", [("decrease", 100, 0, 5, 10)], 0.95, ""),
            (
                org.platform,
                "aspirational",
                [("increase", 0, 10, None, None)],
                0.3,
                "Explored, then dropped on purpose.",
            ),
            (org.mobile, "committed", [("increase", 0, 10, 1, 2)], None, ""),
        ],
    )
    return {"q3": q3, "q4": q4}


def test_history_reads_the_closed_cycles_only(db, org, history):
    h = review.load_history(db)
    assert h.cycles["name"].tolist() == ["2025 Q3", "2025 Q4"]  # oldest first; 2026 Q1 is active
    assert sorted(h.objectives["score"].round(2).tolist()) == [0.1, 0.2, 0.3, 0.7, 0.95, 0.95]
    assert len(h.key_results) == 7
    assert review.load_history(db, limit=1).cycles["name"].tolist() == ["2025 Q4"]
    assert review.load_history(db, unit_id=org.sales).objectives.empty
    assert len(review.load_history(db, unit_id=org.product).objectives) == 6  # Platform and Mobile are below it
    assert set(review.load_history(db, unit_id=org.mobile).objectives["unit_id"]) == {org.mobile}


def test_per_unit_figures_by_hand(db, org, history):
    table = review.by_unit(review.load_history(db)).set_index("unit_name")
    assert list(table.index) == ["Mobile", "Platform"]
    platform, mobile = table.loc["Platform"], table.loc["Mobile"]
    # Platform: scores 0.95, 0.95, 0.3 → mean 2.2/3; met 2 of 3.
    assert platform["cycles"] == 2 and platform["objectives"] == 3
    assert platform["avg_score"] == pytest.approx(2.2 / 3)
    assert platform["met_share"] == pytest.approx(2 / 3)
    # Forecasts: (0.8 − 1)² = 0.04, (0.9 − 1)² = 0.01, (1.0 − 1)² = 0 (0.95 ≥ 0.7); B2 made none.
    assert platform["forecasts"] == 3
    assert platform["brier"] == pytest.approx(0.05 / 3)
    # Committed: 0.95 in Q3 and 0.95 in Q4, each ≥ 0.9: sandbagging, two cycles running.
    assert (platform["flag"], platform["flag_cycles"]) == (review.SANDBAGGING, 2)
    assert "0.9 or more" in platform["flag_note"]
    # Mobile: 0.2, 0.7, 0.1 → mean 1/3; met 1 of 3 (0.7 counts).
    assert mobile["avg_score"] == pytest.approx(1 / 3)
    assert mobile["met_share"] == pytest.approx(1 / 3)
    # (0.9 − 0)² = 0.81, (0.5 − 1)² = 0.25 (0.7 reached), (0.2 − 0)² = 0.04.
    assert mobile["brier"] == pytest.approx(1.1 / 3)
    # Committed: 0.2 in Q3 and 0.1 in Q4, each ≤ 0.3: over-reach.
    assert (mobile["flag"], mobile["flag_cycles"]) == (review.OVERREACH, 2)
    assert review.brier(review.load_history(db)) == pytest.approx((0.05 + 1.1) / 6)


def test_per_unit_and_cycle_figures_by_hand(db, org, history):
    table = review.by_unit_cycle(review.load_history(db))
    rows = {(r["unit_name"], r["cycle_name"]): r for r in table.to_dict("records")}
    assert list(rows) == [
        ("Mobile", "2025 Q3"),
        ("Mobile", "2025 Q4"),
        ("Platform", "2025 Q3"),
        ("Platform", "2025 Q4"),
    ]
    expected = {
        ("Platform", "2025 Q3"): (1, 0.95, 1.0, 1, 0.95, 0.95, 2, 0.025),
        ("Platform", "2025 Q4"): (2, 0.625, 0.5, 1, 0.95, 0.95, 1, 0.0),
        ("Mobile", "2025 Q3"): (2, 0.45, 0.5, 1, 0.2, 0.2, 2, 0.53),
        ("Mobile", "2025 Q4"): (1, 0.1, 0.0, 1, 0.1, 0.1, 1, 0.04),
    }
    for key, (objs, avg, met, committed, low, high, forecasts, brier) in expected.items():
        r = rows[key]
        assert r["objectives"] == objs and r["committed"] == committed and r["forecasts"] == forecasts, key
        assert (r["avg_score"], r["met_share"], r["committed_min"], r["committed_max"], r["brier"]) == pytest.approx(
            (avg, met, low, high, brier)
        ), key


def test_reliability_by_hand(db, org, history):
    table = review.reliability(review.load_history(db))
    assert table.to_dict("records") == [
        {"confidence": 2, "probability": 0.2, "forecasts": 1, "reached": 0, "reached_share": 0.0},
        {"confidence": 5, "probability": 0.5, "forecasts": 1, "reached": 1, "reached_share": 1.0},
        {"confidence": 8, "probability": 0.8, "forecasts": 1, "reached": 1, "reached_share": 1.0},
        {"confidence": 9, "probability": 0.9, "forecasts": 2, "reached": 1, "reached_share": 0.5},
        {"confidence": 10, "probability": 1.0, "forecasts": 1, "reached": 1, "reached_share": 1.0},
    ]


def test_a_flag_needs_the_most_recent_cycles_in_a_row(db, org, history):
    # The org's own cycle closes next: Platform's committed objective at 0.1 ends its run of
    # 0.9+, and a Mobile objective at 0.8 ends Mobile's run of 0.3 or less.
    oid = writes.add_objective(db, org.cycle, org.mobile, "Offline mode", person=writes.SYSTEM)
    kr = writes.add_key_result(db, oid, "Offline sessions from 0 to 10", "increase", 0, 10, person=writes.SYSTEM)
    writes.add_checkin(db, kr, "2026-02-01", 8, 6, person=writes.SYSTEM)
    writes.close_cycle(db, org.cycle, today=AFTER, person=writes.SYSTEM)
    h = review.load_history(db)
    assert h.cycles["name"].tolist() == ["2025 Q3", "2025 Q4", "2026 Q1"]
    table = review.by_unit(h).set_index("unit_name")
    assert table["flag"].isna().all() and (table["flag_cycles"] == 0).all()
    # Looking at the last cycle alone, one cycle is not a pattern either.
    assert review.by_unit(review.load_history(db, limit=1))["flag"].isna().all()


def test_no_history_gives_empty_tables(db, org):
    h = review.load_history(db)
    assert h.cycles.empty and h.objectives.empty and h.key_results.empty
    for table in (review.by_unit(h), review.by_unit_cycle(h), review.reliability(h)):
        assert table.empty
    assert math.isnan(review.brier(h))


# --- the demo and a generated organisation ----------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory):
    """This module's copy of the demo (conftest's ``demo_template``)."""
    from okrdata.db import connect

    database = connect(copy_db(demo_template, tmp_path_factory.mktemp("review-demo") / "okr.db"))
    yield database
    database.close()


def reference(db, cycle_ids) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same figures the slow way, one cycle at a time through the page queries."""
    objs = pd.concat([q.objectives(db, c) for c in cycle_ids], ignore_index=True)
    krs = pd.concat([q.key_results(db, c) for c in cycle_ids], ignore_index=True)
    return objs, krs


def test_the_demo_agrees_with_the_page_queries(demo):
    closed = q.cycles(demo)
    closed = closed[closed["state"] == "closed"]
    assert len(closed) == 1, "the demo has one closed cycle"
    objs, krs = reference(demo, closed["id"])
    table = review.by_unit(review.load_history(demo)).set_index("unit_id")
    expected_avg = objs.groupby("unit_id")["score"].mean()
    expected_met = objs.groupby("unit_id")["score"].apply(lambda s: (s >= 0.7 - 1e-9).mean())
    told = krs[krs["confidence"].notna()]
    errors = (told["confidence"] / 10 - (told["progress"] >= 0.7 - 1e-9).astype(float)) ** 2
    expected_brier = errors.groupby(told["unit_id"]).mean()
    assert sorted(table.index) == sorted(expected_avg.index)
    for unit in table.index:
        assert table.loc[unit, "avg_score"] == pytest.approx(expected_avg[unit])
        assert table.loc[unit, "met_share"] == pytest.approx(expected_met[unit])
        assert table.loc[unit, "brier"] == pytest.approx(expected_brier[unit])
    assert table["flag"].isna().all()  # one closed cycle is not a pattern
    # Its scores are all a lead's (the demo's file gives them), read against their kind.
    sheet = review.scoring_sheet(q.objectives(demo, int(closed["id"].iloc[0])), closed=True)
    assert (sheet["review"] == review.SCORED).all()
    assert sheet["reflection"].str.len().gt(0).all()


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from okrdata.db import connect
    from okrdata.schema import migrate

    database = connect(tmp_path_factory.mktemp("review-synth") / "okr.db")
    migrate(database)
    synthesize(database, 1, today=dt.date(2026, 11, 22))
    yield database
    database.close()


@pytest.mark.slow
def test_seven_closed_cycles_flags_agree_with_a_slow_reference(synth):
    cycles = q.cycles(synth)
    closed = cycles[cycles["state"] == "closed"].sort_values("start_date")
    assert len(closed) == 7
    h = review.load_history(synth)
    assert h.cycles["id"].tolist() == closed["id"].tolist()
    assert review.load_history(synth, limit=3).cycles["id"].tolist() == closed["id"].tolist()[-3:]
    objs, _ = reference(synth, closed["id"])
    # Slow reference of the flags: walk each unit's cycles from the newest.
    order = {c: i for i, c in enumerate(closed["id"])}
    committed = objs[objs["kind"] == "committed"]
    expected = {}
    for unit, rows in committed.groupby("unit_id"):
        per_cycle = rows.groupby("cycle_id")["score"].agg(["min", "max"])
        per_cycle = per_cycle.loc[sorted(per_cycle.index, key=order.get, reverse=True)]
        high = next((i for i, v in enumerate(per_cycle["min"]) if v < 0.9 - 1e-9), len(per_cycle))
        low = next((i for i, v in enumerate(per_cycle["max"]) if v > 0.3 + 1e-9), len(per_cycle))
        if high >= 2:
            expected[unit] = (review.SANDBAGGING, high)
        elif low >= 2:
            expected[unit] = (review.OVERREACH, low)
    table = review.by_unit(h).set_index("unit_id")
    got = {u: (r["flag"], r["flag_cycles"]) for u, r in table.iterrows() if isinstance(r["flag"], str)}
    assert got == expected
    assert got, "the generated organisation has at least one persistent pattern to flag"
    assert table["avg_score"].to_dict() == pytest.approx(objs.groupby("unit_id")["score"].mean().to_dict())


def test_unscored_counts_the_objectives_closing_would_fill_in():
    sheet = pd.DataFrame({"review": [review.SCORED, review.NOT_SCORED, review.PROPOSED, review.NOT_SCORED]})
    assert review.unscored(sheet) == 3
    assert review.unscored(sheet[sheet["review"] == review.SCORED]) == 0
    assert review.unscored(pd.DataFrame(columns=review.SHEET_COLUMNS)) == 0


def test_the_chart_shows_the_units_with_the_most_objectives_ties_by_name():
    units = pd.DataFrame(
        {"unit_id": [1, 2, 3, 4], "unit_name": ["Web", "Apps", "Data", "Core"], "objectives": [3, 5, 3, 1]}
    )
    assert review.largest_units(units, 3) == [2, 3, 1]  # 5, then the two with 3 by name: Data, Web
    assert review.largest_units(units, 10) == [2, 3, 1, 4]
    assert review.largest_units(units.iloc[:0], 3) == []
