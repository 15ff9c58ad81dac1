"""The OKR coach flags each rule of DESIGN.md, and nothing on well-formed OKRs."""

import datetime as dt

import pytest

from okrdata import quality
from okrdata import writes as w
from okrdata.db import connect
from okrdata.schema import migrate


@pytest.fixture
def org():
    db = connect(":memory:")
    migrate(db)
    lead = w.add_person(db, "Lee Lead", "lee@example.com", "lead", person=w.SYSTEM)
    company = w.add_unit(db, "Acme", person=w.SYSTEM)
    team = w.add_unit(db, "Web team", company, lead, person=w.SYSTEM)
    cycle = w.add_cycle(db, "Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30), "active", person=w.SYSTEM)
    top = w.add_objective(db, cycle, company, "Delight customers", person=w.SYSTEM)
    w.add_key_result(db, top, "NPS from 20 to 40", "increase", 20, 40, person=w.SYSTEM)
    w.add_key_result(db, top, "Tickets from 300 to 150", "decrease", 300, 150, person=w.SYSTEM)
    sub = w.add_objective(db, cycle, team, "A faster site", parent_objective_id=top, person=w.SYSTEM)
    w.add_key_result(db, sub, "p95 from 800 to 400 ms", "decrease", 800, 400, owner_id=lead, person=w.SYSTEM)
    w.add_key_result(db, sub, "Uptime stays above 99.9%", "stay_above", None, 99.9, owner_id=lead, person=w.SYSTEM)
    return dict(db=db, cycle=cycle, company=company, team=team, top=top, sub=sub, lead=lead)


def rules(org, unit_id=None):
    return sorted(f.rule for f in quality.findings(org["db"], org["cycle"], unit_id))


def test_well_formed_okrs_have_no_findings(org):
    assert rules(org) == []


def test_more_than_three_objectives_for_a_unit(org):
    for i in range(3):
        o = w.add_objective(
            org["db"], org["cycle"], org["team"], f"Extra {i}", parent_objective_id=org["top"], person=w.SYSTEM
        )
        w.add_key_result(org["db"], o, "a from 1 to 2", "increase", 1, 2, person=w.SYSTEM)
        w.add_key_result(org["db"], o, "b from 1 to 2", "increase", 1, 2, person=w.SYSTEM)
    found = [f for f in quality.findings(org["db"], org["cycle"]) if f.rule == "too_many_objectives"]
    assert len(found) == 1
    assert found[0].unit_id == org["team"]
    assert "4 objectives" in found[0].advice


@pytest.mark.parametrize("count, flagged", [(0, True), (1, True), (2, False), (5, False), (6, True)])
def test_key_result_count_per_objective(org, count, flagged):
    o = w.add_objective(
        org["db"], org["cycle"], org["team"], "Counted", parent_objective_id=org["top"], person=w.SYSTEM
    )
    for i in range(count):
        w.add_key_result(org["db"], o, f"kr {i} from 0 to 1", "increase", 0, 1, person=w.SYSTEM)
    found = [f for f in quality.findings(org["db"], org["cycle"]) if f.rule == "kr_count"]
    assert [f.objective_id for f in found] == ([o] if flagged else [])


@pytest.mark.parametrize(
    "title, activity",
    [
        ("Launch the new pricing page", True),
        ("Implement SSO", True),
        ("Migrate billing to Stripe", True),
        ("Hold 5 customer workshops", True),
        ("Migrate customers from 10% to 80% on the new plan", False),
        ("Activation rate from 20% to 35%", False),
        ("Launches per week", False),
    ],
)
def test_key_result_reading_as_an_activity(title, activity):
    assert quality.reads_as_activity(title) is activity


# What an OKR practitioner calls an activity (work done, or a count of it) and an outcome (a
# change measured: from X to Y, or a measurable bound such as "above 95%" or "below 200 ms").
# DESIGN.md: a key result that starts with an activity verb and states neither is an activity.
# A count right after the verb ("Run 5 workshops", "Hire at least 3 engineers") measures how
# much of the activity gets done, an output, so it stays an activity; a bound on a measure of
# the result ("Build success rate stays above 95%") makes an outcome, whatever its first word.
ACTIVITIES = [
    "Launch the new pricing page",
    "Hire two engineers",
    "Run 5 customer workshops",
    "Run at least 5 workshops with design partners",
    "Hire more than 3 account executives",
    "Implement single sign-on",
    "Migrate the billing system from Braintree to Stripe",
    "Migrate all customers to the new billing",
    "Write the onboarding guide",
    "Hold a quarterly customer advisory board",
    "Build a self-serve signup flow",
    "Create a partner referral programme",
    "Deliver the mobile app redesign",
    "Ship dark mode",
    "Release version 3.0 of the public API",
    "Complete the SOC 2 audit",
    "Finish the data warehouse migration",
    "Organise three community meetups",
    "Set up an on-call rotation for the platform team",
    "Introduce weekly product demos",
    "Roll out the new CRM to the sales team",
    "Design the new admin dashboard",
    "Develop an integration with Salesforce",
    "Deploy the recommendation engine to production",
    "Publish 12 blog posts",
    "Start a customer newsletter",
    "Conduct 20 user interviews",
    "Prepare the Series B data room",
    "Update the security policy",
    "Refactor the payment service",
    "Document every public API endpoint",
    "Host a webinar series for admins",
    "Attend three industry conferences",
    "Install monitoring on all production hosts",
    "Rewrite the checkout in React",
    "Redesign the marketing website",
    "Launch in Germany before 1 March",
    "Implement SAML single sign-on",
]
OUTCOMES = [
    "Build success rate stays above 95%",
    "Update latency below 200 ms",
    "Release frequency above 3 per week",
    "Design partner NPS above 40",
    "Run-rate revenue above EUR 2M",
    "Weekly active teams from 1,200 to 2,000",
    "Launch conversion from 2% to 4%",
    "Build time under 10 minutes",
    "Deploy frequency at least 5 per day",
    "Hire-to-start time under 30 days",
    "Update adoption above 80% within two weeks of a release",
    "Design system coverage above 90% of screens",
    "Release rollback rate below 2%",
    "Ship lead time from 14 days to 3 days",
    "Write latency p99 below 50 ms",
    "Run cost per customer below €3 a month",
    "Create-project success rate ≥ 99%",
    "Deliver on-time rate >= 95%",
    "Deploy success rate ≥ 98%",
    "Start-up time of the desktop app below 2 s",
    "Migrate customers from 10% to 80% on the new plan",
    "Publish-to-live time under 5 minutes",
    "Hold gross margin at or above 70%",
    "Hire offer acceptance rate above 80%",
    "Release notes read by more than 40% of admins",
    "Introduce-to-close cycle shorter than 45 days",
    "Complete onboarding within 3 days for new accounts",
    "Document search success rate 60% → 80%",
    "Support first response time from 9 h to 2 h",
    "Uptime stays above 99.9%",
    "Monthly churn below 2%",
    "Trial-to-paid conversion at least 12%",
    "Net revenue retention above 110%",
    "Customer satisfaction 4.5 or higher",
    "Setup completion rate over 85%",
    "Activation rate from 20% to 35%",
    "Launches per week",
]


@pytest.mark.parametrize("title", ACTIVITIES)
def test_an_activity_reads_as_an_activity(title):
    assert quality.reads_as_activity(title) is True


@pytest.mark.parametrize("title", OUTCOMES)
def test_an_outcome_with_a_bound_or_a_from_to_is_not_an_activity(title):
    assert quality.reads_as_activity(title) is False


def test_the_tables_hold_at_least_thirty_phrasings_each_way():
    assert len(set(ACTIVITIES)) >= 30 and len(set(OUTCOMES)) >= 30


def test_the_coach_flags_the_activities_only(org):
    db = org["db"]
    ids = {
        title: w.add_key_result(db, org["sub"], title, "milestone", person=w.SYSTEM)
        for title in ACTIVITIES[:5] + OUTCOMES[:5]
    }
    flagged = {f.kr_id for f in quality.findings(db, org["cycle"]) if f.rule == "activity_kr"}
    assert {ids[t] for t in ACTIVITIES[:5]} <= flagged
    assert not {ids[t] for t in OUTCOMES[:5]} & flagged


def test_missing_baseline_or_target_is_flagged(org):
    db = org["db"]
    kr = w.add_key_result(db, org["sub"], "Conversion from 2% to 3%", "increase", 2, 3, person=w.SYSTEM)
    db["key_results"].update(kr, {"baseline": None})  # as an import of old data might leave it
    found = [f for f in quality.findings(db, org["cycle"]) if f.rule == "missing_goal"]
    assert [f.kr_id for f in found] == [kr]
    assert "no baseline" in found[0].advice


def test_team_objective_aligned_to_nothing(org):
    orphan = w.add_objective(org["db"], org["cycle"], org["team"], "Our own thing", person=w.SYSTEM)
    found = [f for f in quality.findings(org["db"], org["cycle"]) if f.rule == "unaligned"]
    assert [f.objective_id for f in found] == [orphan]


def test_one_owner_with_too_many_key_results(org):
    for i in range(4):
        w.add_key_result(
            org["db"], org["top"], f"Metric {i} from 0 to 10", "increase", 0, 10, owner_id=org["lead"], person=w.SYSTEM
        )
    found = [f for f in quality.findings(org["db"], org["cycle"]) if f.rule == "owner_overload"]
    assert len(found) == 1 and "Lee Lead owns 6" in found[0].advice


def test_organisation_past_fifty_key_results(org):
    for i in range(47):
        w.add_key_result(org["db"], org["top"], f"Metric {i} from 0 to 10", "increase", 0, 10, person=w.SYSTEM)
    assert "too_many_krs" in rules(org)


def test_findings_for_a_unit_keep_only_its_branch(org):
    w.add_objective(org["db"], org["cycle"], org["company"], "Company thing", person=w.SYSTEM)  # 0 key results
    assert "kr_count" in rules(org)
    assert "kr_count" not in rules(org, org["team"])


def test_findings_frame_has_readable_rule_titles(org):
    w.add_objective(org["db"], org["cycle"], org["team"], "Our own thing", person=w.SYSTEM)
    frame = quality.findings_frame(org["db"], org["cycle"])
    assert set(frame["rule_title"]) == {"Not aligned", "Key result count"}
